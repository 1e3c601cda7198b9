/*
 * sig_out.c: calls voxgate places (the HTTP API's originate, bots/bot_api.c).
 *
 * The request (JSON in an API mailbox) names the callee, the caller id, the agent,
 * optionally the outbound endpoint (signaling.outbound; the first by default), a
 * status callback URL, a ring timeout and custom parameters. A call slot is taken at
 * once (its id is the call's sid), the INVITE goes to the endpoint's proxy with
 * voxgate's offer (the endpoint's trunk's codecs; RTP/SAVP with an SDES key of ours
 * when the trunk requires SRTP on the endpoint's transport), digest challenges are
 * answered with the endpoint's credentials. On the callee's 2xx its answer is read,
 * the dataplane and the bot are started as for a call that came in, and once both
 * are there the call is in progress. A final answer >= 300, the ring timeout (then
 * CANCEL) or a hang-up before the answer ends the attempt: the slot goes back, the
 * CDR says why (busy, no_answer, canceled, failed). Status callbacks are POSTed as
 * Twilio sends them (form fields CallSid, AccountSid, From, To, Direction, CallStatus,
 * SipResponseCode, CallDuration): ringing, in-progress, then completed, busy,
 * no-answer, canceled or failed.
 */
#include "signaling/sig-int.h"

#include <ctype.h>

#define SIG_OUT_TIMEOUT_S 60 /* ring timeout unless the request says */
#define SIG_OUT_CB_TIMEOUT_MS 5000
#define SIG_OUT_CB_RETRIES 2


/* POST the call's status to its status callback, if it has one. */
static void sig_out_status(struct sig *s, struct sig_call *c, const char *status)
{
	char body[1024], sid[40], num[16];
	json_t *j;
	const char *from, *to;
	size_t n = 0;

	if (!c->status_cb)
		return;
	j = json_loads(cs_ctx(s->calls, c->slot), 0, NULL);
	from = json_string_value(json_object_get(j, "from_number"));
	to = json_string_value(json_object_get(j, "to_number"));
	sig_call_sid(s, c, sid, sizeof(sid));
	n = wh_form_add(body, sizeof(body), n, "CallSid", sid);
	n = wh_form_add(body, sizeof(body), n, "AccountSid", c->account_sid);
	n = wh_form_add(body, sizeof(body), n, "From", from ? from : "");
	n = wh_form_add(body, sizeof(body), n, "To", to ? to : "");
	n = wh_form_add(body, sizeof(body), n, "Direction", "outbound-api");
	n = wh_form_add(body, sizeof(body), n, "CallStatus", status);
	if (c->final_status) {
		snprintf(num, sizeof(num), "%u", c->final_status);
		n = wh_form_add(body, sizeof(body), n, "SipResponseCode", num);
	}
	if (strcmp(status, "completed") == 0) {
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		snprintf(num, sizeof(num), "%.0f", sig_elapsed(&c->t_answer, &now));
		wh_form_add(body, sizeof(body), n, "CallDuration", num);
	}
	json_decref(j);
	if (wh_post_form(s->wh, c->status_cb, body, SIG_OUT_CB_TIMEOUT_MS,
			 SIG_OUT_CB_RETRIES) != 0)
		log_err("sig", "call %s: status callback (%s) not sent: no memory or URL too "
			"long", sig_call_id(s, c), status);
}

/* The attempt is over before the call was published (refused, no answer, hung up
 * first): the CDR says why, the slot goes back. */
static void sig_out_over(struct sig *s, struct sig_call *c, const char *end,
			 const char *status)
{
	if (c->state != SC_DIALING)
		return;
	sig_end_why(c, end);
	sig_out_status(s, c, status);
	if (c->bridge_leg)
		sig_bridge_failed(s, c, c->final_status);
	sig_call_state(s, c, SC_ENDING);
	c->dp_stopped = c->bot_stopped = 1; /* neither was ever told of it */
	sig_call_end(s, c);                 /* timers and the handle */
	sig_call_release(s, c);
}

static void sig_out_no_answer(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	struct sig_call *c = (struct sig_call *)arg;

	(void)t;
	if (c->state == SC_DIALING && c->nh) {
		log_info("sig", "call %s: no answer in time: CANCEL",
			 sig_call_id((struct sig *)magic, c));
		c->no_answer = 1;
		nua_cancel(c->nh, TAG_END());
	}
}

/* The callee answered 2xx with sip's SDP: start the dataplane and the bot. */
static void sig_out_connect(struct sig *s, struct sig_call *c, const sip_t *sip)
{
	const struct cfg_trunk *t = &s->cfg->sig.trunks[c->trunk];
	struct cs_media *md = &cs_slot(s->calls, c->slot)->media;
	struct vg_msg msg = {.slot = c->slot, .gen = c->gen};
	struct cs_srtp ours = c->sdp.srtp; /* what we offered: suite, our key */
	char why[200];
	int rc = -EINVAL;

	if (sip && sip->sip_payload && sip->sip_payload->pl_data)
		rc = sdp_offer_choose(sip->sip_payload->pl_data, sip->sip_payload->pl_len,
				      t->codecs, t->n_codecs, ours.suite ? CFG_SRTP_REQUIRED
				      : CFG_SRTP_REFUSED, &c->sdp, why, sizeof(why));
	if (rc == 0 && ours.suite && (c->sdp.srtp.suite != ours.suite ||
				      strcmp(c->sdp.crypto_tag, "1") != 0)) {
		snprintf(why, sizeof(why), "its a=crypto is not our offer's tag 1 and suite");
		rc = -ENOTSUP;
	}
	if (rc == 0 && ours.suite)
		memcpy(c->sdp.srtp.tx_key, ours.tx_key, sizeof(ours.tx_key));
	explicit_bzero(&ours, sizeof(ours));
	if (rc != 0) {
		if (!sip || !sip->sip_payload)
			snprintf(why, sizeof(why), "no SDP in the answer");
		log_warn("sig", "call %s: the callee's answer is not usable (%s): BYE",
			 md->call_id, why);
		nua_bye(c->nh, TAG_END());
		nua_handle_bind(c->nh, NULL); /* nua lets the handle go with the dialog */
		c->nh = NULL;
		sig_out_over(s, c, "error", "failed");
		return;
	}
	sig_media_set(md, &c->sdp);
	sig_call_state(s, c, SC_STARTING);
	if (c->ring) {
		su_timer_destroy(c->ring);
		c->ring = NULL;
	}
	if (c->bridge_leg && !c->warm) { /* no bot: the first leg's media, once bridged */
		c->bot_ready = c->bot_stopped = 1;
		sig_call_bot(s, c);
	} else { /* bot first, so its session exists before the first frame */
		msg.type = VG_MSG_BOT_START;
		ring_msg_send(s->rings->ctl_bot[md->worker], &msg);
	}
	msg.type = VG_MSG_CALL_START;
	ring_msg_send(s->rings->ctl_dp[md->lcore], &msg);
	log_info("sig", "call %s: answered by the callee: %s/%u%s", md->call_id,
		 c->sdp.law == CS_LAW_PCMA ? "PCMA" : "PCMU", c->sdp.pt,
		 c->sdp.dtmf_pt != CS_NO_PT ? " +telephone-event" : "");
}

void sig_out_connected(struct sig *s, struct sig_call *c)
{
	sig_call_state(s, c, SC_ANSWERED);
	clock_gettime(CLOCK_MONOTONIC, &c->t_answer);
	s->st.answered++;
	s->st.originated_answered++;
	sig_out_status(s, c, "in-progress");
	if (c->bridge_leg)
		sig_bridge_answered(s, c);
}

void sig_out_answer(struct sig *s, struct sig_call *c, int status, const char *phrase,
		    const sip_t *sip)
{
	const struct cfg_outbound *ob = &s->cfg->sig.outbound[c->ob];

	if (c->state != SC_DIALING)
		return; /* a 2xx again (retransmitted, forked): nua ACKs it */
	if (status == 180 || status == 183) {
		if (!c->rang) {
			c->rang = 1;
			sig_out_status(s, c, "ringing");
			sig_status_event(s, c, CFG_EV_RINGING);
		}
		return;
	}
	if (status < 200)
		return;
	if ((status == 401 || status == 407) &&
	    sig_digest(c->nh, sip, ob, &c->auth_tries, &c->challenge))
		return;
	if (status == 904 && c->challenge)
		status = c->challenge;
	c->final_status = (uint16_t)status;
	if (status < 300) {
		sig_out_connect(s, c, sip);
		return;
	}
	log_info("sig", "call %s: the callee's answer: %d %s", sig_call_id(s, c), status,
		 phrase ? phrase : "");
	if (status == 487 && c->no_answer)
		sig_out_over(s, c, "no_answer", "no-answer");
	else if (status == 487)
		sig_out_over(s, c, "canceled", "canceled");
	else if (status == 486 || status == 600)
		sig_out_over(s, c, "busy", "busy");
	else if (status == 408 || status == 480)
		sig_out_over(s, c, "no_answer", "no-answer");
	else
		sig_out_over(s, c, "failed", "failed");
}

void sig_out_gone(struct sig *s, struct sig_call *c)
{
	sig_out_over(s, c, c->no_answer ? "no_answer" : "failed",
		     c->no_answer ? "no-answer" : "failed");
}

void sig_out_ended(struct sig *s, struct sig_call *c)
{
	if (c->outbound && c->t_answer.tv_sec)
		sig_out_status(s, c, "completed");
}

/* The context of a call voxgate places: its numbers and the custom parameters. */
static int sig_out_ctx(struct sig *s, uint32_t slot, const char *call_id, const char *from,
		       const char *to, const char *trunk, const char *endpoint,
		       const char *direction, json_t *params)
{
	json_t *ctx = json_object();
	const char *k;
	json_t *v;
	char *text;
	int rc = -ENOMEM;

	if (!ctx)
		return rc;
	json_object_set_new(ctx, "call_id", json_string(call_id));
	json_object_set_new(ctx, "direction", json_string(direction));
	json_object_set_new(ctx, "from_number", json_string(from));
	json_object_set_new(ctx, "to_number", json_string(to));
	json_object_set_new(ctx, "called", json_string(to));
	json_object_set_new(ctx, "trunk", json_string(trunk));
	json_object_set_new(ctx, "outbound", json_string(endpoint));
	json_object_foreach(params, k, v)
		if (json_is_string(v) && !json_object_get(ctx, k))
			json_object_set(ctx, k, v);
	text = json_dumps(ctx, JSON_COMPACT);
	json_decref(ctx);
	if (text && strlen(text) < CS_CTX_MAX) {
		strcpy(cs_ctx(s->calls, slot), text);
		rc = 0;
	} else if (text) {
		rc = -ENOSPC;
	}
	free(text);
	return rc;
}

/* A user part for a SIP URI: digits, letters and + - . _ only. */
static bool sig_out_user_ok(const char *u)
{
	if (!u || !*u || strlen(u) > 48)
		return false;
	for (; *u; u++)
		if (!isalnum((unsigned char)*u) && !strchr("+-._", *u))
			return false;
	return true;
}

/* The headers of the INVITE: the endpoint's own, P-Asserted-Identity (its pai) with
 * the caller id of from_hdr, the request's (a bridge's X- headers); CRLF between. */
static void sig_out_headers(const struct cfg_outbound *ob, const struct sig_out_req *r,
			    const char *from_hdr, char *out, size_t size)
{
	int n = snprintf(out, size, "%s", ob->headers);

	if (ob->pai && n >= 0 && (size_t)n < size)
		n += snprintf(out + n, size - (size_t)n, "%sP-Asserted-Identity: %s",
			      n ? "\r\n" : "", from_hdr);
	if (r->headers && r->headers[0] && n >= 0 && (size_t)n < size)
		snprintf(out + n, size - (size_t)n, "%s%s", n ? "\r\n" : "", r->headers);
}

int sig_out_place(struct sig *s, const struct sig_out_req *r, uint32_t *slot_out,
		  uint32_t *gen_out)
{
	const struct cfg *cfg = s->cfg;
	const struct cfg_outbound *ob;
	struct sig_call *c;
	struct cs_media *md;
	char call_id[64], ruri[SIG_REFER_TO_MAX], route[300], from_hdr[200], to_hdr[600];
	char offer[SIG_SDP_MAX], hdrs[1280];
	const struct cfg_trunk *t;
	struct cs_srtp srtp;
	const char *host;
	int n;
	int64_t slot;
	uint32_t gen;
	uint8_t rnd[8];
	nua_t *nua;

	if ((r->ruri ? !sig_is_sip_uri(r->ruri) || !sig_uri_plain(r->ruri) ||
		      strlen(r->ruri) >= SIG_REFER_TO_MAX
		    : !sig_out_user_ok(r->to)) ||
	    !sig_out_user_ok(r->from) || r->timeout < 1 || r->timeout > 600)
		return VG_ORIG_BAD;
	if (r->agent < 0 || r->ep < 0)
		return r->agent < 0 ? VG_ORIG_NO_AGENT : VG_ORIG_NO_ENDPOINT;
	ob = &cfg->sig.outbound[r->ep];
	nua = sig_reg_nua(s, ob->transport);
	if (s->stopping || !nua)
		return VG_ORIG_UNAVAILABLE;
	t = &cfg->sig.trunks[ob->trunk >= 0 ? ob->trunk : 0];
	memset(&srtp, 0, sizeof(srtp));
	if ((ob->transport == CFG_TP_TLS ? t->srtp_tls : t->srtp) == CFG_SRTP_REQUIRED) {
		/* RTP/SAVP with our key (SDES); the answer's key is the callee's */
		srtp.suite = CS_SRTP_AES_CM_128_HMAC_SHA1_80;
		if (sig_srtp_key(&srtp) != 0)
			return VG_ORIG_UNAVAILABLE;
	}
	slot = r->lcore < 0 ? cs_alloc(&s->pool, &gen)
			    : cs_alloc_on(&s->pool, (unsigned)r->lcore, s->n_lcores, &gen);
	if (slot < 0) {
		explicit_bzero(&srtp, sizeof(srtp));
		return VG_ORIG_FULL;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		memset(rnd, 0, sizeof(rnd));
	snprintf(call_id, sizeof(call_id), "vg-%08x%08x-%02x%02x%02x%02x%02x%02x%02x%02x",
		 (uint32_t)slot, gen, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6],
		 rnd[7]);
	md = &cs_slot(s->calls, (uint32_t)slot)->media;
	memset(&md->srtp, 0, sizeof(md->srtp));
	md->lcore = (uint16_t)cs_slot_lcore((uint32_t)slot, s->n_lcores);
	md->worker = (uint16_t)(slot % s->rings->n_workers);
	md->agent = (uint16_t)r->agent;
	md->ptime_ms = 20;
	md->remote_ip = 0;
	md->remote_port = 0;
	snprintf(md->call_id, sizeof(md->call_id), "%s", call_id);
	c = &s->call[slot];
	memset(c, 0, sizeof(*c));
	c->slot = (uint32_t)slot;
	c->gen = gen;
	c->trunk = ob->trunk >= 0 ? (unsigned)ob->trunk : 0;
	c->outbound = 1;
	c->ob = (uint8_t)r->ep;
	c->handback = -1;
	c->bridge = SIG_NO_LEG;
	c->sdp.srtp = srtp;
	explicit_bzero(&srtp, sizeof(srtp));
	snprintf(c->account_sid, sizeof(c->account_sid), "%s", r->account ? r->account : "");
	c->status_cb = r->status_cb && *r->status_cb ? strdup(r->status_cb) : NULL;
	clock_gettime(CLOCK_MONOTONIC, &c->t_invite);

	/* To sip:to@domain via the proxy, or straight to the proxy without a domain; a
	 * SIP URI target as it is, via the proxy */
	host = ob->domain[0] ? ob->domain : NULL;
	route[0] = '\0';
	if (r->ruri) {
		snprintf(ruri, sizeof(ruri), "%s", r->ruri);
		snprintf(route, sizeof(route), "<%s;lr>", ob->proxy);
	} else if (host) {
		snprintf(ruri, sizeof(ruri), "sip:%s@%s", r->to, host);
		snprintf(route, sizeof(route), "<%s;lr>", ob->proxy);
	} else {
		snprintf(ruri, sizeof(ruri), "sip:%s@%s", r->to, ob->proxy + (ob->transport ==
			 CFG_TP_TLS && strncmp(ob->proxy, "sips:", 5) == 0 ? 5 : 4));
	}
	if (sig_out_ctx(s, (uint32_t)slot, call_id, r->from, r->to ? r->to : ruri,
			cfg->sig.trunks[c->trunk].name, ob->name, r->direction, r->params) != 0)
		snprintf(cs_ctx(s->calls, (uint32_t)slot), CS_CTX_MAX,
			 "{\"call_id\":\"%s\",\"direction\":\"%s\"}", call_id, r->direction);
	snprintf(to_hdr, sizeof(to_hdr), "<%s>", ruri);
	snprintf(from_hdr, sizeof(from_hdr), "<sip:%s@%s>", r->from,
		 host ? host : s->cfg->sig.listeners[0].address);
	n = sdp_offer_format(offer, sizeof(offer), s->media_ip[cs_slot_addr(s->calls,
			     (uint32_t)slot)], md->rtp_port, cfg->sig.trunks[c->trunk].codecs,
			     cfg->sig.trunks[c->trunk].n_codecs, (uint64_t)c->t_invite.tv_sec, 1,
			     &c->sdp.srtp);
	c->nh = n > 0 ? nua_handle(nua, (nua_hmagic_t *)c, SIPTAG_TO_STR(to_hdr),
				   SIPTAG_FROM_STR(from_hdr), TAG_END())
		      : NULL;
	s->st.calls_active++;
	s->trunk_calls[c->trunk]++;
	s->st.originated++;
	sig_call_info(s, c, c->trunk, true, r->from, r->to ? r->to : ruri);
	sig_call_state(s, c, SC_DIALING);
	*slot_out = (uint32_t)slot;
	*gen_out = gen;
	if (!c->nh) {
		log_err("sig", "call %s: no handle or offer for the call to %s", call_id, ruri);
		sig_out_over(s, c, "error", "failed");
		return 0; /* the sid was given: its status callback says failed */
	}
	c->ring = su_timer_create(su_root_task(s->root), r->timeout * 1000);
	if (c->ring && su_timer_set(c->ring, sig_out_no_answer, (su_timer_arg_t *)c) < 0) {
		su_timer_destroy(c->ring);
		c->ring = NULL;
	}
	sig_out_headers(ob, r, from_hdr, hdrs, sizeof(hdrs));
	nua_invite(c->nh, NUTAG_URL((url_string_t *)ruri), SIPTAG_CALL_ID_STR(call_id),
		   TAG_IF(route[0], SIPTAG_ROUTE_STR(route)),
		   TAG_IF(hdrs[0], SIPTAG_HEADER_STR(hdrs)),
		   SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(offer),
		   TAG_END());
	log_info("sig", "call %s to %s from %s via outbound '%s' (%s) agent '%s': INVITE, "
		 "slot %lld port %u", call_id, ruri, r->from, ob->name, ob->proxy,
		 cfg->bots.agents[r->agent].id, (long long)slot, md->rtp_port);
	return 0;
}

int sig_originate(struct sig *s, const char *json, uint32_t *slot_out, uint32_t *gen_out)
{
	const struct cfg *cfg = s->cfg;
	json_t *j = json_loads(json, 0, NULL);
	const char *agent_id, *ep;
	struct sig_out_req r = {.agent = -1, .ep = -1, .lcore = -1,
				.direction = "outbound-api"};
	int rc;

	if (!j)
		return VG_ORIG_BAD;
	r.to = json_string_value(json_object_get(j, "to"));
	if (r.to && sig_is_sip_uri(r.to)) { /* Twilio's To may be a SIP URI */
		r.ruri = r.to;
		r.to = NULL;
	}
	r.from = json_string_value(json_object_get(j, "from"));
	agent_id = json_string_value(json_object_get(j, "agent"));
	ep = json_string_value(json_object_get(j, "endpoint"));
	r.status_cb = json_string_value(json_object_get(j, "status_callback"));
	r.account = json_string_value(json_object_get(j, "account_sid"));
	r.params = json_object_get(j, "params");
	r.timeout = json_is_integer(json_object_get(j, "timeout"))
			    ? (unsigned)json_integer_value(json_object_get(j, "timeout"))
			    : SIG_OUT_TIMEOUT_S;
	for (unsigned i = 0; i < cfg->bots.n_agents && agent_id; i++)
		if (strcmp(cfg->bots.agents[i].id, agent_id) == 0)
			r.agent = (int)i;
	r.ep = sig_out_endpoint(s, ep);
	rc = sig_out_place(s, &r, slot_out, gen_out);
	json_decref(j);
	return rc;
}

int sig_out_endpoint(const struct sig *s, const char *name)
{
	for (unsigned i = 0; i < s->cfg->sig.n_outbound; i++)
		if (!name || strcmp(s->cfg->sig.outbound[i].name, name) == 0)
			return (int)i;
	return -1;
}
