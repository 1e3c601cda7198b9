/*
 * bot_api.c: the HTTP API bots call, served by worker 0's libwebsockets context.
 *
 * Twilio's call update, as bot frameworks built for Twilio make it (Pipecat's
 * TwilioFrameSerializer hangs up this way when its pipeline ends; a bot transfers or
 * hangs up with TwiML):
 *
 *   POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json
 *   Content-Type: application/x-www-form-urlencoded
 *   Status=completed                                    hang up (or canceled)
 *   Twiml=<Response><Hangup/></Response>                hang up
 *   Twiml=<Response><Refer><Sip>sip:..</Sip></Refer></Response>   transfer by REFER
 *   Twiml=<Response><Dial><Sip>sip:..</Sip></Dial></Response>     the trunk's transfer
 *   Twiml=<Response><Dial><Number>+1..</Number></Dial></Response> the same, a number
 *
 * and Twilio's new call, as dialers built for Twilio place one (seed 003's outgoing
 * calls):
 *
 *   POST /2010-04-01/Accounts/{AccountSid}/Calls.json
 *   To=+1..&From=+1..&StatusCallback=http://..&Timeout=30
 *   Twiml=<Response><Connect><Stream url="wss://bot/..">
 *           <Parameter name="k" value="v"/></Stream></Connect></Response>
 *
 * The Stream url names the agent (its url in bots.agents, or "agent:<id>"), the
 * Parameters become custom parameters of the call context. Signaling places the call
 * (signaling/sig_out.c) through an API mailbox and answers 201 with the call resource
 * (queued), or 400/503 with why; the request waits for that answer, not the callee's.
 *
 * {CallSid} is the callSid of the call's "start" message (bot_ws.c writes the call
 * slot and generation into it), so a stale or made-up one finds no call. The form is
 * parsed by libwebsockets (lws_spa), the TwiML by libxml2 (no network, no entities),
 * the answers built with jansson in Twilio's shapes: 200 with the call resource
 * ({"sid", "status"}), 404 with Twilio's error body for a call that is not (or no
 * longer) there, 400 with Twilio's error body (code, message, more_info, status) for
 * what voxgate does not carry out (other TwiML verbs, Url=), 401 without the token,
 * 404 for any other path, 413 past BOT_API_BODY_MAX. A hang-up goes to signaling as
 * the bot's (VG_MSG_BOT_HANGUP); a transfer as a command through an API mailbox
 * (bot_api_cmd). With bots.api.auth_token set, a request must carry HTTP Basic
 * credentials whose password is that token (compared in constant time; Twilio's
 * clients send the account SID and their auth token). Without it nothing is checked:
 * bind the API to an address only the bots reach. The operators' paths (metrics,
 * calls, drain) are listed at bot_api_ops().
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <libwebsockets.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "bots/bot.h"

#define BOT_API_BODY_MAX 8192
#define BOT_API_MORE_INFO "https://www.twilio.com/docs/errors/"

/* The form parameters of a call update and of a new call (Twilio's names). */
enum {
	BOT_API_STATUS, BOT_API_TWIML, BOT_API_URL, BOT_API_TO, BOT_API_FROM,
	BOT_API_CALLBACK, BOT_API_TIMEOUT, BOT_API_PARAMS
};
static const char *const bot_api_params[BOT_API_PARAMS] = {
	"Status", "Twiml", "Url", "To", "From", "StatusCallback", "Timeout"};

/* One HTTP request. lws allocates it per connection (per_session_data_size). */
struct bot_api_req {
	char path[256];
	struct lws_spa *spa; /* the form's parser, while a POST's body comes */
	size_t body_len;
	uint8_t post;
	/* a new call: waiting on API mailbox `mailbox` for signaling's answer */
	uint8_t waiting, placed;
	int mailbox;
	unsigned result;     /* enum vg_orig */
	uint32_t slot, gen;
	char account[64], to[64], from[64];
};

/* Send status and a body (taken, NULL: no memory) of type, then end the
 * transaction. What the socket does not take at once libwebsockets sends later. */
static int bot_api_send(struct lws *wsi, unsigned status, const char *type, char *body,
			size_t n)
{
	uint8_t buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start,
		*end = buf + sizeof(buf) - 1;
	int rc = -1;

	if (body && !lws_add_http_common_headers(wsi, status, type, n, &p, end) &&
	    !lws_finalize_write_http_header(wsi, start, &p, end) &&
	    lws_write(wsi, (unsigned char *)body, n, LWS_WRITE_HTTP_FINAL) == (int)n)
		rc = lws_http_transaction_completed(wsi) ? -1 : 0;
	free(body);
	return rc;
}

/* Send status and a JSON body (taken), then end the transaction. */
static int bot_api_reply(struct lws *wsi, unsigned status, json_t *body)
{
	char *json = json_dumps(body, JSON_COMPACT);

	json_decref(body);
	return bot_api_send(wsi, status, "application/json", json, json ? strlen(json) : 0);
}

/* Twilio's error body: {"code", "message", "more_info", "status"}. */
static int bot_api_error(struct lws *wsi, unsigned status, int code, const char *message)
{
	char more[64];

	snprintf(more, sizeof(more), BOT_API_MORE_INFO "%d", code);
	return bot_api_reply(wsi, status, json_pack("{s:i, s:s, s:s, s:i}", "code", code,
						    "message", message, "more_info", more,
						    "status", (int)status));
}

/* a == b for the token, in time that depends on the length of b only. */
static bool bot_api_same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = (unsigned char)(la != lb);

	for (size_t i = 0; i < lb; i++)
		d |= (unsigned char)(b[i] ^ (i < la ? a[i] : 0));
	return d == 0;
}

/* True when the request may go on: no token configured, or Basic credentials whose
 * password is the token. */
static bool bot_api_authorised(struct lws *wsi, const char *token)
{
	char hdr[512], plain[384];
	const char *colon;
	int n;

	if (!token[0])
		return true;
	if (lws_hdr_copy(wsi, hdr, sizeof(hdr), WSI_TOKEN_HTTP_AUTHORIZATION) <= 6 ||
	    strncmp(hdr, "Basic ", 6) != 0)
		return false;
	n = lws_b64_decode_string(hdr + 6, plain, sizeof(plain) - 1);
	if (n <= 0)
		return false;
	plain[n] = '\0';
	colon = strchr(plain, ':');
	return colon && bot_api_same(colon + 1, token);
}

/* The first element child of n, or NULL. */
static xmlNode *bot_api_child(xmlNode *n)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

static bool bot_api_is(const xmlNode *n, const char *name)
{
	return n && strcmp((const char *)n->name, name) == 0;
}

/* What TwiML asks of the call: *hangup, or a transfer command in *cmd (JSON, to
 * free). Returns 0, or the Twilio error code with why in `why`. */
static int bot_api_twiml(const char *twiml, bool *hangup, char **cmd, const char **why)
{
	xmlDoc *doc = xmlReadMemory(twiml, (int)strlen(twiml), "twiml.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL, *verb = bot_api_child(root);
	xmlNode *noun = bot_api_child(verb);
	xmlChar *target = NULL;
	int rc = 0;

	*hangup = false;
	*cmd = NULL;
	if (!doc || !bot_api_is(root, "Response")) {
		*why = "Twiml is not a TwiML document (<Response>...</Response>)";
		rc = 12100;
	} else if (bot_api_is(verb, "Hangup")) {
		*hangup = true;
	} else if ((bot_api_is(verb, "Refer") && bot_api_is(noun, "Sip")) ||
		   (bot_api_is(verb, "Dial") && (bot_api_is(noun, "Sip") ||
						 bot_api_is(noun, "Number")))) {
		target = xmlNodeGetContent(noun);
		if (!target || !*target) {
			*why = "the transfer names no target";
			rc = 12200;
		} else {
			json_t *t = json_pack("{s:s, s:s}", "mode",
					      bot_api_is(verb, "Refer") ? "refer" : "trunk",
					      "target", (const char *)target);

			*cmd = json_dumps(t, JSON_COMPACT);
			json_decref(t);
		}
	} else {
		*why = "voxgate carries out <Hangup/>, <Refer><Sip>, <Dial><Sip> and "
		       "<Dial><Number> in a call update";
		rc = 12200;
	}
	xmlFree(target);
	xmlFreeDoc(doc);
	return rc;
}

/* The agent and custom parameters of <Response><Connect><Stream url="..."> with its
 * <Parameter name value/> children: the agent whose url is the Stream's, or whose id
 * follows "agent:", into *agent (an id of cfg); the parameters into params. Returns 0, or the Twilio error code
 * with why. */
static int bot_api_stream(const struct cfg *cfg, const char *twiml, const char **agent,
			  json_t *params, const char **why)
{
	xmlDoc *doc = xmlReadMemory(twiml, (int)strlen(twiml), "twiml.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL, *verb = bot_api_child(root);
	xmlNode *stream = bot_api_child(verb);
	xmlChar *url = stream ? xmlGetProp(stream, (const xmlChar *)"url") : NULL;
	int rc = 0;

	*agent = NULL;
	if (!doc || !bot_api_is(root, "Response") || !bot_api_is(verb, "Connect") ||
	    !bot_api_is(stream, "Stream") || !url) {
		*why = "a new call's Twiml is <Response><Connect><Stream url=\"...\"/>"
		       "</Connect></Response>";
		rc = 12100;
	} else {
		const char *u = (const char *)url;

		/* "agent:<id>" names any agent, a built-in one too */
		for (unsigned i = 0; i < cfg->bots.n_agents; i++)
			if (strncmp(u, "agent:", 6) == 0
				    ? strcmp(cfg->bots.agents[i].id, u + 6) == 0
				    : strcmp(cfg->bots.agents[i].url, u) == 0)
				*agent = cfg->bots.agents[i].id;
		if (!*agent) {
			*why = "the Stream url is no agent's url in bots.agents, nor agent:<id>";
			rc = 21205;
		}
		for (xmlNode *p = stream->children; p && !rc; p = p->next) {
			xmlChar *name, *value;

			if (p->type != XML_ELEMENT_NODE || !bot_api_is(p, "Parameter"))
				continue;
			name = xmlGetProp(p, (const xmlChar *)"name");
			value = xmlGetProp(p, (const xmlChar *)"value");
			if (name && value)
				json_object_set_new(params, (const char *)name,
						    json_string((const char *)value));
			xmlFree(name);
			xmlFree(value);
		}
	}
	xmlFree(url);
	xmlFreeDoc(doc);
	return rc;
}

/* POST .../Accounts/{AccountSid}/Calls.json: a new call, handed to signaling; the
 * answer waits for signaling's (bot_api_placed, then the writeable callback). */
static int bot_api_new_call(struct lws *wsi, struct bot_api_req *r, const char *account)
{
	struct bot_worker *w = lws_context_user(lws_get_context(wsi));
	const char *to = lws_spa_get_string(r->spa, BOT_API_TO);
	const char *from = lws_spa_get_string(r->spa, BOT_API_FROM);
	const char *twiml = lws_spa_get_string(r->spa, BOT_API_TWIML);
	const char *url = lws_spa_get_string(r->spa, BOT_API_URL);
	const char *cb = lws_spa_get_string(r->spa, BOT_API_CALLBACK);
	const char *timeout = lws_spa_get_string(r->spa, BOT_API_TIMEOUT);
	const char *agent = NULL, *why = NULL;
	json_t *params = json_object(), *req;
	char *json = NULL;
	int code, mb = -ENOMEM;

	if (!to || !*to || !from || !*from) {
		json_decref(params);
		return bot_api_error(wsi, HTTP_STATUS_BAD_REQUEST, 21201,
				     "No 'To' number is specified, or no 'From'");
	}
	if (url && *url && !(twiml && *twiml)) {
		json_decref(params);
		return bot_api_error(wsi, HTTP_STATUS_BAD_REQUEST, 21205,
				     "voxgate does not fetch TwiML from a Url: send Twiml");
	}
	code = bot_api_stream(bot_worker_cfg(w), twiml ? twiml : "", &agent, params, &why);
	if (code) {
		json_decref(params);
		return bot_api_error(wsi, HTTP_STATUS_BAD_REQUEST, code, why);
	}
	req = json_pack("{s:s, s:s, s:s, s:s, s:o}", "to", to, "from", from, "agent", agent,
			"account_sid", account, "params", params);
	if (req && cb && *cb)
		json_object_set_new(req, "status_callback", json_string(cb));
	if (req && timeout && *timeout)
		json_object_set_new(req, "timeout", json_integer(atoi(timeout)));
	json = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (json)
		mb = bot_api_originate(w, json, wsi);
	free(json);
	if (mb < 0)
		return bot_api_error(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, 20503,
				     "too many requests at once: try again");
	r->waiting = 1;
	r->mailbox = mb;
	snprintf(r->account, sizeof(r->account), "%s", account);
	snprintf(r->to, sizeof(r->to), "%s", to);
	snprintf(r->from, sizeof(r->from), "%s", from);
	return 0;
}

void bot_api_placed(void *waiter, unsigned result, uint32_t slot, uint32_t gen)
{
	struct lws *wsi = waiter;
	struct bot_api_req *r = lws_wsi_user(wsi);

	r->waiting = 0;
	r->placed = 1;
	r->result = result;
	r->slot = slot;
	r->gen = gen;
	lws_callback_on_writable(wsi);
}

/* Signaling's answer to a new call, as Twilio answers its create: 201 and the call. */
static int bot_api_placed_reply(struct lws *wsi, struct bot_api_req *r)
{
	static const struct {
		unsigned status;
		int code;
		const char *message;
	} errs[] = {
		[VG_ORIG_BAD] = {400, 21211, "The 'To' or 'From' number, or Timeout, is not valid"},
		[VG_ORIG_NO_AGENT] = {400, 21205, "No such agent"},
		[VG_ORIG_NO_ENDPOINT] = {400, 21210, "No outbound endpoint in "
					 "signaling.outbound to place the call with"},
		[VG_ORIG_FULL] = {503, 20503, "Every call slot is busy: try again"},
		[VG_ORIG_UNAVAILABLE] = {503, 20503, "voxgate is stopping"},
	};
	char sid[40];

	r->placed = 0;
	if (r->result != VG_ORIG_OK) {
		unsigned i = r->result < sizeof(errs) / sizeof(errs[0]) && errs[r->result].code
				     ? r->result : VG_ORIG_BAD;

		return bot_api_error(wsi, errs[i].status, errs[i].code, errs[i].message);
	}
	/* the same sid as signaling's (sig_call_sid): slot, generation, node */
	snprintf(sid, sizeof(sid), "CA%08x%08x%016x", r->slot, r->gen,
		 bot_worker_cfg(lws_context_user(lws_get_context(wsi)))->sig.node_id);
	return bot_api_reply(wsi, 201 /* Created */,
			     json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "sid", sid,
				       "account_sid", r->account, "to", r->to, "from", r->from,
				       "status", "queued", "direction", "outbound-api",
				       "api_version", "2010-04-01"));
}

/*
 * The operators' paths (app/ops.c, tools/voxctl), with the same token as the rest:
 *   GET  /metrics                  Prometheus text
 *   GET  /v1/calls                 {"calls": [...], "draining"}
 *   GET  /v1/calls/{CallSid}       one call, or 404
 *   POST /v1/calls/{CallSid}/hangup   end it as its bot would (BYE, or the trunk's end)
 *   GET  /v1/stats                 every counter
 *   POST /v1/drain, /v1/undrain    stop taking new calls, take them again
 * Returns 1 when the path is none of these.
 */
static int bot_api_ops(struct lws *wsi, struct bot_worker *w, struct bot_api_req *r)
{
	const struct bot_api_ops *ops = bot_worker_api_ops(w);
	char call[64], rest[16];
	unsigned slot, gen;
	size_t len = 0;
	json_t *j;
	int n = 0;

	if (strcmp(r->path, "/metrics") != 0 && strncmp(r->path, "/v1/", 4) != 0)
		return 1;
	if (!ops)
		return bot_api_error(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, 20503,
				     "voxgate is starting");
	if (!r->post && strcmp(r->path, "/metrics") == 0) {
		char *text = ops->metrics(ops->arg, &len);

		return bot_api_send(wsi, HTTP_STATUS_OK, "text/plain; version=0.0.4; charset=utf-8",
				    text, len);
	}
	if (!r->post && strcmp(r->path, "/v1/calls") == 0)
		return bot_api_reply(wsi, HTTP_STATUS_OK, ops->calls(ops->arg));
	if (!r->post && strcmp(r->path, "/v1/stats") == 0)
		return bot_api_reply(wsi, HTTP_STATUS_OK, ops->stats(ops->arg));
	if (r->post && (strcmp(r->path, "/v1/drain") == 0 || strcmp(r->path, "/v1/undrain") == 0)) {
		bool on = r->path[4] == 'd';

		ops->drain(ops->arg, on);
		return bot_api_reply(wsi, HTTP_STATUS_OK, json_pack("{s:b}", "draining", on));
	}
	rest[0] = '\0';
	if (sscanf(r->path, "/v1/calls/%63[^/]%n", call, &n) == 1 &&
	    (r->path[n] == '\0' || sscanf(r->path + n, "/%15s", rest) == 1) &&
	    sscanf(call, "CA%8x%8x", &slot, &gen) == 2 && strlen(call) == 34) {
		if (!r->post && !rest[0]) {
			j = ops->call(ops->arg, slot, gen);
			if (j)
				return bot_api_reply(wsi, HTTP_STATUS_OK, j);
		} else if (r->post && strcmp(rest, "hangup") == 0) {
			if (bot_hangup_call(w, slot, gen) == 0)
				return bot_api_reply(wsi, HTTP_STATUS_OK,
						     json_pack("{s:s, s:s}", "sid", call, "status",
							       "completed"));
		} else {
			return bot_api_error(wsi, HTTP_STATUS_NOT_FOUND, 20404,
					     "The requested resource was not found");
		}
		return bot_api_error(wsi, HTTP_STATUS_NOT_FOUND, 20404, "No such call in progress");
	}
	return bot_api_error(wsi, HTTP_STATUS_NOT_FOUND, 20404,
			     "The requested resource was not found");
}

/* The request is whole: carry it out. */
static int bot_api_do(struct lws *wsi, struct bot_api_req *r)
{
	struct bot_worker *w = lws_context_user(lws_get_context(wsi));
	const char *status = r->spa ? lws_spa_get_string(r->spa, BOT_API_STATUS) : NULL;
	const char *twiml = r->spa ? lws_spa_get_string(r->spa, BOT_API_TWIML) : NULL;
	const char *url = r->spa ? lws_spa_get_string(r->spa, BOT_API_URL) : NULL;
	char account[64], call[64], msg[256], *cmd = NULL;
	const char *why = NULL;
	unsigned slot, gen;
	bool hangup = false;
	int n = 0, code, rc;

	if (!bot_api_authorised(wsi, bot_worker_cfg(w)->bots.api_token))
		return bot_api_error(wsi, HTTP_STATUS_UNAUTHORIZED, 20003, "Authenticate");
	rc = bot_api_ops(wsi, w, r);
	if (rc != 1)
		return rc;
	if (r->post && r->spa &&
	    sscanf(r->path, "/2010-04-01/Accounts/%63[^/]/Calls.json%n", account, &n) == 1 &&
	    r->path[n] == '\0')
		return bot_api_new_call(wsi, r, account);
	n = 0;
	if (!r->post ||
	    sscanf(r->path, "/2010-04-01/Accounts/%63[^/]/Calls/%63[^./].json%n", account,
		   call, &n) != 2 || r->path[n] != '\0')
		return bot_api_error(wsi, HTTP_STATUS_NOT_FOUND, 20404,
				     "The requested resource was not found");
	if (sscanf(call, "CA%8x%8x", &slot, &gen) != 2 || strlen(call) != 34)
		slot = UINT32_MAX;
	if (url && *url)
		return bot_api_error(wsi, HTTP_STATUS_BAD_REQUEST, 21205,
				     "voxgate does not fetch TwiML from a Url: send Twiml");
	if (twiml && *twiml) {
		code = bot_api_twiml(twiml, &hangup, &cmd, &why);
		if (code)
			return bot_api_error(wsi, HTTP_STATUS_BAD_REQUEST, code, why);
	} else if (status && (strcmp(status, "completed") == 0 ||
			      strcmp(status, "canceled") == 0)) {
		hangup = true;
	} else {
		return bot_api_error(wsi, HTTP_STATUS_BAD_REQUEST, 21220,
				     "Status must be completed or canceled, or Twiml given");
	}
	rc = hangup ? bot_hangup_call(w, slot, gen)
		    : cmd ? bot_api_cmd(w, slot, gen, VG_BOT_CMD_TRANSFER, cmd) : -ENOMEM;
	free(cmd);
	if (rc == -ENOSPC)
		return bot_api_error(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, 20503,
				     "too many call updates at once: try again");
	if (rc) {
		snprintf(msg, sizeof(msg), "The requested resource /2010-04-01/Accounts/%s/"
			 "Calls/%s.json was not found", account, call);
		return bot_api_error(wsi, HTTP_STATUS_NOT_FOUND, 20404, msg);
	}
	return bot_api_reply(wsi, HTTP_STATUS_OK,
			     json_pack("{s:s, s:s, s:s}", "sid", call, "account_sid", account,
				       "status", hangup ? "completed" : "in-progress"));
}

static void bot_api_free(struct bot_api_req *r)
{
	if (r && r->spa) {
		lws_spa_destroy(r->spa);
		r->spa = NULL;
	}
}

int bot_api_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
	       size_t len)
{
	struct bot_api_req *r = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		bot_api_free(r);
		snprintf(r->path, sizeof(r->path), "%s", (const char *)in);
		r->body_len = 0;
		r->post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
		if (!r->post)
			return bot_api_do(wsi, r);
		r->spa = lws_spa_create(wsi, bot_api_params, BOT_API_PARAMS, BOT_API_BODY_MAX,
					NULL, NULL);
		return r->spa ? 0 : -1; /* the body comes next */
	case LWS_CALLBACK_HTTP_BODY:
		r->body_len += len;
		if (r->body_len > BOT_API_BODY_MAX) {
			bot_api_free(r);
			return bot_api_error(wsi, HTTP_STATUS_REQ_ENTITY_TOO_LARGE, 20413,
					     "request body too large");
		}
		if (r->spa && lws_spa_process(r->spa, in, (int)len))
			return -1;
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION: {
		int rc;

		if (!r->spa)
			return -1;
		lws_spa_finalize(r->spa);
		rc = bot_api_do(wsi, r);
		bot_api_free(r);
		return rc;
	}
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (r && r->placed)
			return bot_api_placed_reply(wsi, r);
		return 0;
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		if (r && r->waiting) { /* the answer would find nobody */
			bot_api_forget(lws_context_user(lws_get_context(wsi)),
				       (unsigned)r->mailbox);
			r->waiting = 0;
		}
		bot_api_free(r);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

_Static_assert(sizeof(struct bot_api_req) <= BOT_API_REQ_SIZE, "BOT_API_REQ_SIZE");
