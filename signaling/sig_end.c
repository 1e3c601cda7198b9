/*
 * sig_end.c: how the bot's side of an answered call ends, the way its trunk's
 * platform expects (trunk `end`, config/README.md):
 *
 *   bye          voxgate sends BYE once the bot is done.
 *   info_final   RingCX (seed 000): each update of the bot goes to the platform as an
 *                in-dialog INFO with its JSON; the final one carries "final": true,
 *                and then the platform sends BYE (voxgate's goes after wait_bye_ms).
 *   http_notify  Ameyo (seed 001): once the bot is done voxgate POSTs the trunk's
 *                JSON template, filled from the call context and the bot's updates,
 *                then the platform sends BYE (voxgate's goes after wait_bye_ms, or
 *                at once when the POST fails).
 *
 * Whatever ends the bot's side (its hang-up, its final update, its socket closing,
 * Twilio's REST hang-up, a transfer), what the bot already sent plays out first: the
 * bot worker is asked to drain (VG_MSG_BOT_DRAIN) and the end goes on when it
 * answers VG_MSG_BOT_DRAINED, bounded by dataplane.playout_ms. Every request goes
 * over the caller's dialog, to where its INVITE came from (on TCP/TLS the caller's
 * own connection). The outcome (success, failed, disconnected) is settled here for
 * the CDR. Runs on the signaling thread.
 */
#include "signaling/sig-int.h"

#include "base/tmpl.h"

/* The slot's context as JSON (a new reference; an empty object if unreadable). */
static json_t *sig_ctx_json(struct sig *s, const struct sig_call *c)
{
	json_t *ctx = json_loads(cs_ctx(s->calls, c->slot), 0, NULL);

	return ctx ? ctx : json_object();
}

void sig_bot_result(struct sig *s, const struct sig_call *c, unsigned result,
		    unsigned status, unsigned reason)
{
	const struct cs_media *md = &cs_slot(s->calls, c->slot)->media;
	struct vg_msg m = {.type = VG_MSG_BOT_RESULT, .arg = (uint16_t)result,
			   .slot = c->slot, .gen = c->gen, .value = VG_RESULT(status, reason)};

	if (ring_msg_send(s->rings->ctl_bot[md->worker], &m))
		log_err("sig", "call %s: bot control ring full", md->call_id);
}

void sig_end_timer(struct sig *s, struct sig_call *c, uint32_t ms,
		   void (*fn)(su_root_magic_t *, su_timer_t *, su_timer_arg_t *))
{
	if (!c->end_timer)
		c->end_timer = su_timer_create(su_root_task(s->root), 0);
	if (!c->end_timer ||
	    su_timer_set_interval(c->end_timer, fn, (su_timer_arg_t *)c, (su_duration_t)ms) < 0)
		log_err("sig", "call %s: no timer: the wait of %u ms is not bounded",
			sig_call_id(s, c), ms);
}

void sig_end_free(struct sig_call *c)
{
	if (c->end_timer) {
		su_timer_destroy(c->end_timer);
		c->end_timer = NULL;
	}
	json_decref(c->bot_props);
	c->bot_props = NULL;
	free(c->final_intent);
	c->final_intent = NULL;
	free(c->fallback);
	c->fallback = NULL;
}

/* Our BYE, the end of the bot's side. */
void sig_end_bye(struct sig *s, struct sig_call *c)
{
	if (c->end_timer)
		su_timer_reset(c->end_timer);
	c->end_phase = SE_BYE;
	if (c->state != SC_ANSWERED || !c->nh)
		return;
	sig_end_why(c, "bot_hangup"); /* unless a cause came first (a timeout, ...) */
	log_info("sig", "call %s: the bot's side is over: BYE", sig_call_id(s, c));
	nua_bye(c->nh, TAG_END());
}

/* wait_bye_ms ran out: the platform did not hang up after the bot's end. */
static void sig_wait_bye_expired(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	struct sig *s = (struct sig *)magic;
	struct sig_call *c = (struct sig_call *)arg;

	(void)t;
	if (c->end_phase != SE_WAIT_BYE)
		return;
	s->st.wait_bye_timeouts++;
	log_warn("sig", "call %s: no BYE from the platform within %u ms of the bot's end: "
		 "BYE", sig_call_id(s, c), s->cfg->sig.trunks[c->trunk].wait_bye_ms);
	sig_end_why(c, "wait_bye_timeout");
	sig_end_bye(s, c);
}

/* The platform took the bot's end (final INFO, hand-back): now its BYE is due. */
static void sig_wait_bye(struct sig *s, struct sig_call *c)
{
	c->outcome = SO_SUCCESS;
	c->end_phase = SE_WAIT_BYE;
	sig_end_timer(s, c, s->cfg->sig.trunks[c->trunk].wait_bye_ms, sig_wait_bye_expired);
}

/* Send an INFO with the JSON body text (final: the final intent). */
static void sig_info_send(struct sig *s, struct sig_call *c, const char *text, bool final)
{
	if (c->infos >= 32) { /* nua queues them: far more than any platform waits for */
		s->st.infos_failed++;
		sig_bot_result(s, c, VG_RES_UPDATE_FAILED, 0, VG_REASON_PENDING);
		return;
	}
	c->info_final |= (uint32_t)final << c->infos;
	c->infos++;
	s->st.infos++;
	nua_info(c->nh, SIPTAG_CONTENT_TYPE_STR("application/json"), SIPTAG_PAYLOAD_STR(text),
		 TAG_END());
	log_info("sig", "call %s: %sINFO with the bot's update, %zu bytes", sig_call_id(s, c),
		 final ? "final " : "", strlen(text));
}

void sig_info_answered(struct sig *s, struct sig_call *c, int status)
{
	bool final;

	if (!c->infos)
		return;
	final = c->info_final & 1;
	c->info_final >>= 1;
	c->infos--;
	if (status >= 200 && status < 300) {
		if (final && c->end_phase == SE_INFO) {
			c->final_done = 1;
			sig_wait_bye(s, c);
		}
		return;
	}
	s->st.infos_failed++;
	log_warn("sig", "call %s: %sINFO answered %d%s: the bot is told, the call goes on",
		 sig_call_id(s, c), final ? "final " : "", status,
		 status == 408 ? " (no answer)" : "");
	sig_bot_result(s, c, VG_RES_UPDATE_FAILED, (unsigned)status,
		       status == 408 ? VG_REASON_TIMEOUT : VG_REASON_REFUSED);
	if (!final || c->end_phase != SE_INFO)
		return;
	c->end_phase = SE_LIVE;
	if (c->bot_gone) { /* no bot left to go on with */
		c->outcome = SO_FAILED;
		sig_end_bye(s, c);
	}
}

/* POST the trunk's template, filled from the call context and the bot's updates. */
static void sig_handback(struct sig *s, struct sig_call *c)
{
	const struct cfg_trunk *t = &s->cfg->sig.trunks[c->trunk];
	json_t *vars = json_object();
	char *body;
	char url[512];

	json_object_set_new(vars, "ctx", sig_ctx_json(s, c));
	json_object_set_new(vars, "bot", c->bot_props ? json_incref(c->bot_props) : json_object());
	body = tmpl_render(t->http.body, vars);
	json_decref(vars);
	c->end_phase = SE_NOTIFYING;
	if (!body || wh_post(s->wh, &t->http, body, c->slot, c->gen) != 0) {
		free(body);
		log_err("sig", "call %s: the hand-back could not be built: BYE",
			sig_call_id(s, c));
		sig_handback_done(s, c->slot, c->gen, 0, 0);
		return;
	}
	s->st.handbacks++;
	log_info("sig", "call %s: hand-back POST to %s", sig_call_id(s, c),
		 wh_url_shown(&t->http, url, sizeof(url)));
	free(body);
}

void sig_handback_done(void *arg, uint32_t slot, uint32_t gen, long status,
		       unsigned attempts)
{
	struct sig *s = arg;
	struct sig_call *c = slot < s->calls->n_slots ? &s->call[slot] : NULL;

	if (!c || c->state == SC_FREE || c->gen != gen)
		return;
	c->handback = (int16_t)status;
	if (c->end_phase != SE_NOTIFYING)
		return; /* the platform hung up meanwhile */
	if (status >= 200 && status < 300) {
		sig_wait_bye(s, c);
		return;
	}
	s->st.handbacks_failed++;
	log_err("sig", "call %s: the hand-back failed (%s%ld after %u attempt(s)): BYE",
		sig_call_id(s, c), status ? "answered " : "no answer, ", status, attempts);
	c->outcome = SO_FAILED;
	sig_end_why(c, "handback_failed");
	sig_end_bye(s, c);
}

void sig_end_start(struct sig *s, struct sig_call *c, enum sig_after after)
{
	const struct cs_media *md = &cs_slot(s->calls, c->slot)->media;
	struct vg_msg m = {.type = VG_MSG_BOT_DRAIN, .slot = c->slot, .gen = c->gen};

	if (c->state != SC_ANSWERED || c->end_phase != SE_LIVE)
		return;
	c->after = (uint8_t)after;
	c->end_phase = SE_DRAINING;
	if (ring_msg_send(s->rings->ctl_bot[md->worker], &m)) {
		log_err("sig", "call %s: bot control ring full", md->call_id);
		sig_bot_drained(s, c);
	}
}

void sig_bot_drained(struct sig *s, struct sig_call *c)
{
	if (c->xfer == XF_DRAINING || c->end_phase == SE_DRAINING)
		log_info("sig", "call %s: the bot's last audio has played", sig_call_id(s, c));
	if (c->xfer == XF_DRAINING) {
		sig_refer_send(s, c);
		return;
	}
	if (c->end_phase != SE_DRAINING)
		return;
	switch (c->after) {
	case SA_INFO_FINAL:
		c->end_phase = SE_INFO;
		sig_info_send(s, c, c->final_intent, true);
		break;
	case SA_NOTIFY:
		sig_handback(s, c);
		break;
	default:
		sig_end_bye(s, c);
		break;
	}
}

/* What ends the bot's side on this trunk when the bot is done without a final
 * intent: a hand-back, or BYE. */
static enum sig_after sig_done_action(const struct cfg_trunk *t)
{
	return t->end_mode == CFG_END_HTTP_NOTIFY ? SA_NOTIFY : SA_BYE;
}

void sig_bot_hangup(struct sig *s, struct sig_call *c, bool failed)
{
	const struct cfg_trunk *t = &s->cfg->sig.trunks[c->trunk];

	c->bot_gone = 1;
	c->bot_failed |= failed;
	sig_call_bot(s, c);
	if (c->state != SC_ANSWERED || c->end_phase != SE_LIVE)
		return; /* already ending (or not answered: sig_call.c refuses it) */
	if (c->xfer != XF_NONE)
		return; /* the transfer's outcome decides (sig_refer.c) */
	if (failed)
		c->outcome = SO_FAILED;
	else if (t->end_mode == CFG_END_BYE)
		c->outcome = SO_SUCCESS;
	else if (t->end_mode == CFG_END_INFO_FINAL) {
		/* the platform gets no result: its error path (RingCX's "Failed") */
		log_warn("sig", "call %s: the bot ended without a final intent: BYE",
			 sig_call_id(s, c));
		c->outcome = SO_FAILED;
	}
	sig_end_start(s, c, sig_done_action(t));
}

/* The bot's update: {"final": bool, "payload": {...}} (or the payload's keys beside
 * "final"). Its body for the platform is the payload, with "final": true on the last
 * one. */
static void sig_update(struct sig *s, struct sig_call *c, const char *json)
{
	const struct cfg_trunk *t = &s->cfg->sig.trunks[c->trunk];
	json_t *u = json_loads(json, 0, NULL), *payload, *body;
	bool final;
	char *text;

	if (!json_is_object(u)) {
		json_decref(u);
		sig_bot_result(s, c, VG_RES_UPDATE_FAILED, 0, VG_REASON_BAD);
		return;
	}
	final = json_is_true(json_object_get(u, "final"));
	payload = json_object_get(u, "payload");
	if (json_is_object(payload)) {
		body = json_deep_copy(payload);
	} else {
		body = json_deep_copy(u);
		json_object_del(body, "final");
	}
	json_decref(u);
	if (!c->bot_props)
		c->bot_props = json_object();
	json_object_update(c->bot_props, body);
	if (final)
		json_object_set_new(body, "final", json_true());
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!text)
		return;
	if (c->state != SC_ANSWERED || c->end_phase != SE_LIVE) {
		log_warn("sig", "call %s: the bot's update comes after its end: not sent",
			 sig_call_id(s, c));
		sig_bot_result(s, c, VG_RES_UPDATE_FAILED, 0, VG_REASON_ENDING);
		free(text);
		return;
	}
	log_info("sig", "call %s: bot update%s %s", sig_call_id(s, c), final ? " (final)" : "",
		 text);
	if (!final) {
		if (t->end_mode == CFG_END_INFO_FINAL)
			sig_info_send(s, c, text, false);
		free(text);
		return;
	}
	free(c->final_intent);
	c->final_intent = text;
	if (c->xfer != XF_NONE)
		return; /* kept for the CDR; the transfer decides the end */
	if (t->end_mode == CFG_END_INFO_FINAL) {
		sig_end_start(s, c, SA_INFO_FINAL);
		return;
	}
	if (t->end_mode == CFG_END_BYE)
		c->outcome = SO_SUCCESS;
	sig_end_start(s, c, sig_done_action(t));
}

void sig_bot_cmd(struct sig *s, struct sig_call *c, uint16_t type, const char *json)
{
	if (type == VG_BOT_CMD_UPDATE)
		sig_update(s, c, json);
	else if (type == VG_BOT_CMD_TRANSFER)
		sig_transfer(s, c, json);
	else
		s->st.events_stale++;
}

void sig_caller_left(struct sig_call *c)
{
	if (c->outcome != SO_NONE)
		return;
	/* the platform hung up once it had the bot's end on its way (the final INFO,
	 * the hand-back, the transfer), or the caller hung up before */
	if (c->xfer >= XF_ACCEPTED || c->end_phase == SE_INFO || c->end_phase == SE_NOTIFYING ||
	    c->end_phase == SE_WAIT_BYE)
		c->outcome = SO_SUCCESS;
	else
		c->outcome = SO_DISCONNECTED;
}
