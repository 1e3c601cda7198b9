/*
 * bot_api.c: the HTTP API bots call, served by worker 0's libwebsockets context.
 *
 * One request so far, the one bot frameworks built for Twilio make to end a call
 * (Pipecat's TwilioFrameSerializer when its pipeline ends):
 *
 *   POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json
 *   Content-Type: application/x-www-form-urlencoded
 *   Status=completed
 *
 * {CallSid} is the callSid of the call's "start" message (bot_ws.c writes the call
 * slot and generation into it), so a stale or made-up one finds no call. Answers as
 * Twilio does: 200 with the call resource ({"sid", "status":"completed"}), 404 with
 * Twilio's error body for a call that is not (or no longer) there, 400 for any other
 * Status, 404 for any other path. With bots.api.auth_token set, a request must carry
 * HTTP Basic credentials whose password is that token (Twilio's clients send the
 * account SID and their auth token): 401 otherwise. Without it nothing is checked:
 * bind the API to an address only the bots reach.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libwebsockets.h>

#include "bots/bot.h"

#define BOT_API_BODY_MAX 1024

/* One HTTP request. lws allocates it per connection (per_session_data_size). */
struct bot_api_req {
	char path[256];
	char body[BOT_API_BODY_MAX];
	size_t body_len;
	uint8_t post;
};

/* Send status and a JSON body, then end the transaction. */
static int bot_api_reply(struct lws *wsi, unsigned status, const char *json)
{
	uint8_t buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start,
		*end = buf + sizeof(buf) - 1;
	size_t n = strlen(json);

	if (lws_add_http_common_headers(wsi, status, "application/json", n, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	memcpy(p, json, n);
	if (lws_write(wsi, p, n, LWS_WRITE_HTTP_FINAL) != (int)n)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
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
	return colon && strcmp(colon + 1, token) == 0;
}

/* The request is whole: carry it out. */
static int bot_api_do(struct lws *wsi, struct bot_api_req *r)
{
	struct bot_worker *w = lws_context_user(lws_get_context(wsi));
	char account[64], call[64], json[512];
	unsigned slot, gen;
	int n = 0;

	if (!bot_api_authorised(wsi, bot_worker_cfg(w)->bots.api_token))
		return bot_api_reply(wsi, HTTP_STATUS_UNAUTHORIZED,
				     "{\"code\":20003,\"message\":\"Authenticate\","
				     "\"status\":401}");

	if (!r->post ||
	    sscanf(r->path, "/2010-04-01/Accounts/%63[^/]/Calls/%63[^./].json%n", account,
		   call, &n) != 2 || r->path[n] != '\0')
		return bot_api_reply(wsi, HTTP_STATUS_NOT_FOUND,
				     "{\"code\":20404,\"message\":\"The requested resource was "
				     "not found\",\"status\":404}");
	r->body[r->body_len] = '\0';
	if (!strstr(r->body, "Status=completed") && !strstr(r->body, "Status=canceled"))
		return bot_api_reply(wsi, HTTP_STATUS_BAD_REQUEST,
				     "{\"code\":21220,\"message\":\"Status must be completed "
				     "(nothing else is done here)\",\"status\":400}");
	if (sscanf(call, "CA%8x%8x", &slot, &gen) != 2 || strlen(call) != 34 ||
	    bot_hangup_call(w, slot, gen) != 0) {
		snprintf(json, sizeof(json), "{\"code\":20404,\"message\":\"The requested "
			 "resource /2010-04-01/Accounts/%s/Calls/%s.json was not found\","
			 "\"status\":404}", account, call);
		return bot_api_reply(wsi, HTTP_STATUS_NOT_FOUND, json);
	}
	snprintf(json, sizeof(json), "{\"sid\":\"%s\",\"account_sid\":\"%s\","
		 "\"status\":\"completed\"}", call, account);
	return bot_api_reply(wsi, HTTP_STATUS_OK, json);
}

int bot_api_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
	       size_t len)
{
	struct bot_api_req *r = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		snprintf(r->path, sizeof(r->path), "%s", (const char *)in);
		r->body_len = 0;
		r->post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
		if (!r->post)
			return bot_api_do(wsi, r);
		return 0; /* the body comes next */
	case LWS_CALLBACK_HTTP_BODY:
		if (r->body_len + len >= sizeof(r->body))
			return bot_api_reply(wsi, HTTP_STATUS_REQ_ENTITY_TOO_LARGE,
					     "{\"status\":413}");
		memcpy(r->body + r->body_len, in, len);
		r->body_len += len;
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		return bot_api_do(wsi, r);
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

_Static_assert(sizeof(struct bot_api_req) <= BOT_API_REQ_SIZE, "BOT_API_REQ_SIZE");
