/*
 * sig_refer.c: a cold transfer by REFER (RFC 3515), asked by the bot (PolyAI's
 * handoff.refer, Ultravox's cold transfer: seeds 002, 003).
 *
 * The bot's {"mode": "refer", "target": ..., "headers": {...}} becomes, once its
 * audio has played out, a REFER on the caller's dialog (to where the INVITE came
 * from) with Refer-To (a SIP URI as given, or a number at the trunk's
 * transfer.domain), Referred-By (the called URI at our address) and the bot's X-
 * headers, on the REFER and, with transfer.uri_headers, as URI headers of Refer-To
 * (RFC 3261 19.1.1: what the platform copies into its INVITE). Then the implicit
 * subscription's NOTIFYs (message/sipfrag, RFC 3515 2.4.5) are followed: a 2xx ends
 * the bot's leg (the platform's BYE, or ours after transfer.bye_ms); a refused REFER,
 * a failing sipfrag or no final NOTIFY within transfer.notify_timeout_ms tells the bot
 * (transfer_failed with the status) and the call stays with it. A second transfer
 * while one is under way and a trunk without REFER are refused to the bot with their
 * reason. Modes "bridge" and "warm" (and a warm transfer's "complete" and "cancel")
 * go to sig_bridge.c with the same checks of target and headers; "try_refer" is a REFER
 * that, refused, failing in its NOTIFY or timing out, becomes that bridge (at once on
 * a trunk without REFER).
 */
#include "signaling/sig-int.h"

#include <ctype.h>

/* Append s to out[*n..size) with RFC 3261 25.1 escaping for a URI header value
 * (unreserved and hnv-unreserved characters as they are). */
static void sig_uri_escape(char *out, size_t size, size_t *n, const char *s)
{
	static const char keep[] = "-_.!~*'()[]/?:+$";

	for (; *s && *n + 4 < size; s++) {
		unsigned char ch = (unsigned char)*s;

		if (isalnum(ch) || strchr(keep, ch))
			out[(*n)++] = (char)ch;
		else
			*n += (size_t)snprintf(out + *n, size - *n, "%%%02X", ch);
	}
	out[*n] = '\0';
}

/* A header name voxgate passes on: an X- header of token characters. */
static bool sig_x_header(const char *name)
{
	if (strncasecmp(name, "X-", 2) != 0 || !name[2])
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return false;
	return true;
}

/* The transfer's target as a URI: a sip:/sips: URI as given, or a number (digits, a
 * leading '+', '*', '#') at the trunk's domain or the caller's address. Returns false
 * for anything else. */
static bool sig_target_uri(struct sig *s, const struct sig_call *c, const char *target,
			   char *out, size_t size)
{
	const struct cfg_trunk *t = &s->cfg->sig.trunks[c->trunk];
	const char *domain = t->transfer.domain;
	json_t *ctx = NULL;
	bool ok;

	if (sig_is_sip_uri(target))
		return sig_uri_plain(target) && snprintf(out, size, "%s", target) < (int)size;
	ok = *target != '\0';
	for (const char *p = target; *p && ok; p++)
		ok = isdigit((unsigned char)*p) || (*p == '+' && p == target) || *p == '*' ||
		     *p == '#';
	if (!ok)
		return false;
	if (!domain[0]) {
		ctx = json_loads(cs_ctx(s->calls, c->slot), 0, NULL);
		domain = json_string_value(json_object_get(ctx, "source_ip"));
	}
	ok = domain && snprintf(out, size, strchr(domain, ':') ? "sip:%s@[%s]" : "sip:%s@%s",
				target, domain) < (int)size;
	json_decref(ctx);
	return ok;
}

/* try_refer's REFER failed: the same command as a bridge, told to the bot as its
 * outcome. */
static void sig_xfer_fallback(struct sig *s, struct sig_call *c, unsigned status)
{
	json_t *x = json_loads(c->fallback, 0, NULL);
	char *cmd;

	free(c->fallback);
	c->fallback = NULL;
	json_object_set_new(x, "mode", json_string("bridge"));
	cmd = json_dumps(x, JSON_COMPACT);
	json_decref(x);
	log_info("sig", "call %s: the REFER failed (status %u): a bridge instead (try_refer)",
		 sig_call_id(s, c), status);
	c->xfer = XF_NONE;
	if (c->end_timer)
		su_timer_reset(c->end_timer);
	s->st.refers_fallback++;
	if (cmd)
		sig_transfer(s, c, cmd);
	else
		sig_bot_result(s, c, VG_RES_TRANSFER_FAILED, status, VG_REASON_BAD);
	free(cmd);
}

void sig_xfer_failed(struct sig *s, struct sig_call *c, unsigned status,
			    unsigned reason)
{
	bool was = c->xfer != XF_NONE;

	if (c->fallback && c->state == SC_ANSWERED && c->end_phase == SE_LIVE &&
	    (c->xfer == XF_SENT || c->xfer == XF_ACCEPTED)) {
		sig_xfer_fallback(s, c, status);
		return;
	}
	free(c->fallback); /* a bridge's failure, or the call ends */
	c->fallback = NULL;

	s->st.transfers_failed++;
	c->xfer = XF_NONE;
	c->xfer_status = (uint16_t)status;
	if (c->end_timer)
		su_timer_reset(c->end_timer);
	log_warn("sig", "call %s: the transfer to %s failed (%s, status %u): the call stays "
		 "with the bot", sig_call_id(s, c), c->refer_to[0] ? c->refer_to : "?",
		 vg_reason_name(reason), status);
	sig_bot_result(s, c, VG_RES_TRANSFER_FAILED, status, reason);
	if (was && c->bot_gone && c->state == SC_ANSWERED && c->end_phase == SE_LIVE) {
		c->outcome = SO_FAILED;
		sig_end_why(c, "transfer_failed");
		sig_end_start(s, c, s->cfg->sig.trunks[c->trunk].end_mode == CFG_END_HTTP_NOTIFY
				       ? SA_NOTIFY : SA_BYE);
	}
}

/* The REFER's time ran out (no final answer or NOTIFY), or after a 2xx NOTIFY the
 * platform did not hang up. */
static void sig_refer_timeout(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	struct sig *s = (struct sig *)magic;
	struct sig_call *c = (struct sig_call *)arg;

	(void)t;
	if (c->xfer == XF_DONE) {
		log_info("sig", "call %s: transferred, no BYE from the platform: BYE",
			 sig_call_id(s, c));
		sig_end_bye(s, c);
	} else if (c->xfer == XF_SENT || c->xfer == XF_ACCEPTED) {
		sig_xfer_failed(s, c, c->xfer_status, VG_REASON_TIMEOUT);
	}
}

void sig_transfer(struct sig *s, struct sig_call *c, const char *json)
{
	const struct cfg_trunk *t = &s->cfg->sig.trunks[c->trunk];
	json_t *x = json_loads(json, 0, NULL), *hdrs = json_object_get(x, "headers"), *v;
	const char *mode = json_string_value(json_object_get(x, "mode"));
	const char *target = json_string_value(json_object_get(x, "target"));
	const char *caller_id = json_string_value(json_object_get(x, "caller_id"));
	char to[SIG_REFER_TO_MAX], hv[SIG_REFER_TO_MAX] = "";
	unsigned reason = VG_REASON_NONE;
	size_t n = 0, h = 0;
	const char *key;
	bool try_refer = mode && strcmp(mode, "try_refer") == 0;
	bool warm = mode && strcmp(mode, "warm") == 0;
	bool bridge = mode && (strcmp(mode, "bridge") == 0 || warm ||
			       (try_refer && !t->transfer.refer));

	if (mode && (strcmp(mode, "complete") == 0 || strcmp(mode, "cancel") == 0)) {
		if (!sig_bridge_warm_cmd(s, c, strcmp(mode, "complete") == 0)) {
			log_warn("sig", "call %s: the bot's %s: no warm transfer to %s",
				 sig_call_id(s, c), mode, mode);
			sig_bot_result(s, c, VG_RES_TRANSFER_FAILED, 0, VG_REASON_BAD);
		}
		json_decref(x);
		return;
	}

	if (!mode || !target || (hdrs && !json_is_object(hdrs)))
		reason = VG_REASON_BAD;
	else if (try_refer && !bridge && !sig_target_uri(s, c, target, to, sizeof(to)))
		reason = VG_REASON_BAD;
	else if (!bridge && !try_refer && strcmp(mode, "refer") != 0 &&
		 strcmp(mode, "trunk") != 0)
		reason = VG_REASON_BAD;
	else if (!bridge && !t->transfer.refer)
		reason = VG_REASON_NOT_ALLOWED;
	else if (bridge && sig_out_endpoint(s, NULL) < 0)
		reason = VG_REASON_NO_ENDPOINT;
	else if (c->xfer != XF_NONE)
		reason = VG_REASON_PENDING;
	else if (c->state != SC_ANSWERED || c->end_phase != SE_LIVE)
		reason = VG_REASON_ENDING;
	else if (!bridge && !sig_target_uri(s, c, target, to, sizeof(to)))
		reason = VG_REASON_BAD;
	else
		n = bridge ? 0 : strlen(to);
	json_object_foreach(hdrs, key, v) {
		const char *val = json_string_value(v);

		if (reason != VG_REASON_NONE)
			break;
		if (!val || !sig_x_header(key) || strpbrk(val, "\r\n")) {
			reason = VG_REASON_BAD;
			break;
		}
		h += (size_t)snprintf(hv + h, sizeof(hv) - h, "%s%s: %s", h ? "\r\n" : "", key,
				      val);
		if (!bridge && t->transfer.uri_headers && n + 1 < sizeof(to)) {
			to[n++] = strchr(to, '?') ? '&' : '?';
			sig_uri_escape(to, sizeof(to), &n, key);
			to[n++] = '=';
			sig_uri_escape(to, sizeof(to), &n, val);
		}
		if (h >= sizeof(hv) || n + 8 >= sizeof(to))
			reason = VG_REASON_BAD; /* more than a REFER should carry */
	}
	if (reason != VG_REASON_NONE) {
		json_decref(x);
		s->st.transfers_failed++;
		log_warn("sig", "call %s: the bot's transfer %s: not carried out (%s)",
			 sig_call_id(s, c), json, vg_reason_name(reason));
		sig_bot_result(s, c, VG_RES_TRANSFER_FAILED, 0, reason);
		return;
	}
	if (bridge) {
		sig_bridge_start(s, c, target, caller_id, hv, warm);
		json_decref(x);
		return;
	}
	json_decref(x);
	if (try_refer) { /* bridged instead should the REFER fail */
		free(c->fallback);
		c->fallback = strdup(json);
	}
	snprintf(c->xfer_mode, sizeof(c->xfer_mode), "refer");
	memcpy(c->refer_to, to, sizeof(to));
	memcpy(c->refer_hdrs, hv, sizeof(hv));
	c->xfer = XF_DRAINING;
	c->xfer_status = 0;
	log_info("sig", "call %s: the bot transfers the call to %s (REFER once its audio "
		 "has played)", sig_call_id(s, c), c->refer_to);
	/* drain as the end does; the answer comes to sig_bot_drained() */
	{
		const struct cs_media *md = &cs_slot(s->calls, c->slot)->media;
		struct vg_msg m = {.type = VG_MSG_BOT_DRAIN, .slot = c->slot, .gen = c->gen};

		if (ring_msg_send(s->rings->ctl_bot[md->worker], &m))
			sig_refer_send(s, c);
	}
}

void sig_refer_send(struct sig *s, struct sig_call *c)
{
	const struct cfg_trunk *t = &s->cfg->sig.trunks[c->trunk];

	if (c->xfer != XF_DRAINING)
		return;
	if (c->state != SC_ANSWERED || !c->nh) {
		sig_xfer_failed(s, c, 0, VG_REASON_ENDING);
		return;
	}
	c->xfer = XF_SENT;
	s->st.refers++;
	nua_refer(c->nh, SIPTAG_REFER_TO_STR(c->refer_to), SIPTAG_REFERRED_BY_STR(c->referred_by),
		  TAG_IF(c->refer_hdrs[0], SIPTAG_HEADER_STR(c->refer_hdrs)), TAG_END());
	sig_end_timer(s, c, t->transfer.notify_timeout_ms, sig_refer_timeout);
	log_info("sig", "call %s: REFER to %s", sig_call_id(s, c), c->refer_to);
}

void sig_refer_answered(struct sig *s, struct sig_call *c, int status)
{
	if (status < 200 || c->xfer != XF_SENT)
		return; /* nua's own 100, or a late answer */
	c->xfer_status = (uint16_t)status;
	if (status >= 300) {
		sig_xfer_failed(s, c, (unsigned)status, VG_REASON_REFUSED);
		return;
	}
	c->xfer = XF_ACCEPTED;
	log_info("sig", "call %s: REFER accepted (%d)", sig_call_id(s, c), status);
	sig_bot_result(s, c, VG_RES_TRANSFER_ACCEPTED, (unsigned)status, VG_REASON_NONE);
}

/* The status line of a message/sipfrag body ("SIP/2.0 200 OK"), or 0. */
static int sig_sipfrag_status(const sip_t *sip)
{
	char line[64];
	size_t n;
	int code;

	if (!sip->sip_payload || !sip->sip_payload->pl_data)
		return 0;
	n = sip->sip_payload->pl_len < sizeof(line) - 1 ? sip->sip_payload->pl_len
							: sizeof(line) - 1;
	memcpy(line, sip->sip_payload->pl_data, n);
	line[n] = '\0';
	if (sscanf(line, "SIP/2.0 %3d", &code) != 1 || code < 100 || code > 699)
		return 0;
	return code;
}

/*
 * A NOTIFY in the call's dialog. One of the REFER's own subscription nua has already
 * answered 200 (sofia-sip answers a solicited NOTIFY itself, nua_subnotref.c): what
 * voxgate answers then goes nowhere, and a body that is no sipfrag only counts
 * (notify_bad) and leaves the transfer to its timer. Any other NOTIFY (another event,
 * or the REFER's once its subscription is over) is voxgate's to answer
 * (NUTAG_APPL_METHOD): 489 for another event, 415 or 400 for a body it cannot read.
 */
void sig_refer_notify(struct sig *s, struct sig_call *c, nua_handle_t *nh, const sip_t *sip,
		      tagi_t tags[])
{
	const sip_content_type_t *ct = sip ? sip->sip_content_type : NULL;
	int sub = nua_substate_terminated, code;

	tl_gets(tags, NUTAG_SUBSTATE_REF(sub), TAG_END());
	if (!sip || !sip->sip_event || strcmp(sip->sip_event->o_type, "refer") != 0) {
		nua_respond(nh, SIP_489_BAD_EVENT, NUTAG_WITH_THIS(s->cur_nua), TAG_END());
		return;
	}
	if (!ct || !ct->c_type || strncasecmp(ct->c_type, "message/sipfrag", 15) != 0) {
		s->st.notify_bad++;
		log_warn("sig", "call %s: NOTIFY of the REFER with a body of %s, not "
			 "message/sipfrag: no news of the transfer", sig_call_id(s, c),
			 ct && ct->c_type ? ct->c_type : "no type");
		nua_respond(nh, SIP_415_UNSUPPORTED_MEDIA, SIPTAG_ACCEPT_STR("message/sipfrag"),
			    NUTAG_WITH_THIS(s->cur_nua), TAG_END());
		return;
	}
	code = sig_sipfrag_status(sip);
	if (!code) {
		s->st.notify_bad++;
		log_warn("sig", "call %s: NOTIFY of the REFER whose sipfrag has no status "
			 "line: no news of the transfer", sig_call_id(s, c));
		nua_respond(nh, 400, "Bad sipfrag", NUTAG_WITH_THIS(s->cur_nua), TAG_END());
		return;
	}
	nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(s->cur_nua), TAG_END());
	if (c->xfer != XF_SENT && c->xfer != XF_ACCEPTED)
		return; /* a late NOTIFY of a transfer already settled */
	c->xfer_status = (uint16_t)code;
	log_info("sig", "call %s: the transfer reports %d%s", sig_call_id(s, c), code,
		 sub == nua_substate_terminated ? " (final)" : "");
	if (code < 200) {
		if (sub == nua_substate_terminated) /* over, with no final status */
			sig_xfer_failed(s, c, (unsigned)code, VG_REASON_NOTIFY);
		return;
	}
	if (code >= 300) {
		sig_xfer_failed(s, c, (unsigned)code, VG_REASON_NOTIFY);
		return;
	}
	c->xfer = XF_DONE;
	c->outcome = SO_SUCCESS;
	s->st.transfers++;
	sig_end_why(c, "transferred");
	sig_end_timer(s, c, s->cfg->sig.trunks[c->trunk].transfer.bye_ms
				    ? s->cfg->sig.trunks[c->trunk].transfer.bye_ms : 1,
		      sig_refer_timeout);
}
