/*
 * sig_bridge.c: a bridged transfer (the bot's transfer mode "bridge"; PolyAI's
 * handoff.invite, Ultravox's cold transfer by bridge: seeds 002, 003).
 *
 * The bot asks {"mode": "bridge", "target": number or SIP URI, "caller_id": ...,
 * "headers": {X-...}}. voxgate places a second leg through the first outbound
 * endpoint (sig_out.c) on a call slot of the first leg's dp lcore, with the bot's
 * caller id (the caller's number when it gives none) and X- headers. While it rings
 * the caller keeps hearing the bot. When it answers and its media run, both legs are
 * bridged in the dataplane (VG_MSG_CALL_BRIDGE: each leg's audio, decoded, goes to the
 * other's playout queue in that leg's law; key presses are sent again as the other
 * leg's RFC 4733 events), the bot is told transfer_accepted and its session stops;
 * the call goes on without it. A BYE on either leg ends the other. A second leg that
 * fails (busy, refused, no answer within the ring timeout) tells the bot
 * transfer_failed with its status, and the caller stays with the bot. Each leg's CDR
 * names the other's call id.
 *
 * A warm transfer ({"mode": "warm", ...}) places the leg the same way, but when it
 * answers it gets a bot session of its own (the same agent; its context says
 * "transfer": "warm" and bridge_of), which briefs the target while the caller stays
 * with the first session (told transfer_accepted: the bot may play hold audio there).
 * The bot, on either session, then sends {"mode": "complete"} (the legs are bridged,
 * both sessions stop) or {"mode": "cancel"} (voxgate's BYE to the target, the caller's
 * session told transfer_failed, canceled).
 */
#include "signaling/sig-int.h"

#define SIG_BRIDGE_RING_S 30 /* the second leg's ring timeout */

/* The other leg of c while it still is that call, or NULL. */
static struct sig_call *sig_bridge_other(struct sig *s, const struct sig_call *c)
{
	struct sig_call *o;

	if (c->bridge == SIG_NO_LEG || c->bridge >= s->calls->n_slots)
		return NULL;
	o = &s->call[c->bridge];
	return o->state != SC_FREE && o->gen == c->bridge_gen && o->bridge == c->slot ? o
											    : NULL;
}

static void sig_bridge_link(struct sig_call *a, struct sig_call *b)
{
	a->bridge = b->slot;
	a->bridge_gen = b->gen;
	b->bridge = a->slot;
	b->bridge_gen = a->gen;
}

static void sig_bridge_unlink(struct sig_call *a, struct sig_call *b)
{
	a->bridge = SIG_NO_LEG;
	if (b)
		b->bridge = SIG_NO_LEG;
}

void sig_bridge_start(struct sig *s, struct sig_call *a, const char *target,
		      const char *from, const char *hdrs, bool warm)
{
	const struct cs_media *md = &cs_slot(s->calls, a->slot)->media;
	bool uri = sig_is_sip_uri(target);
	json_t *ctx = json_loads(cs_ctx(s->calls, a->slot), 0, NULL);
	json_t *params = json_pack("{s:s, s:s}", "bridge_of", md->call_id, "transfer",
				   warm ? "warm" : "bridge");
	struct sig_out_req r = {
		.to = uri ? NULL : target,
		.ruri = uri ? target : NULL,
		.from = from ? from : json_string_value(json_object_get(ctx, "from_number")),
		.agent = md->agent,
		.ep = sig_out_endpoint(s, NULL),
		.lcore = (int)md->lcore,
		.timeout = SIG_BRIDGE_RING_S,
		.direction = "outbound-dial",
		.params = params,
		.headers = hdrs,
	};
	uint32_t slot, gen;
	int rc;

	if (!r.from)
		r.from = "anonymous";
	rc = sig_out_place(s, &r, &slot, &gen);
	json_decref(params);
	json_decref(ctx);
	snprintf(a->xfer_mode, sizeof(a->xfer_mode), "%s", warm ? "warm" : "bridge");
	snprintf(a->refer_to, sizeof(a->refer_to), "%s", target);
	a->xfer_status = 0;
	if (rc != VG_ORIG_OK) {
		unsigned reason = rc == VG_ORIG_FULL ? VG_REASON_FULL
				  : rc == VG_ORIG_BAD ? VG_REASON_BAD : VG_REASON_NO_ENDPOINT;

		s->st.transfers_failed++;
		log_warn("sig", "call %s: the bot's bridge to %s: no second leg (%s)",
			 md->call_id, target, vg_reason_name(reason));
		sig_bot_result(s, a, VG_RES_TRANSFER_FAILED, 0, reason);
		return;
	}
	s->call[slot].bridge_leg = 1;
	s->call[slot].warm = warm;
	sig_bridge_link(a, &s->call[slot]);
	snprintf(a->leg_id, sizeof(a->leg_id), "%s", cs_slot(s->calls, slot)->media.call_id);
	snprintf(s->call[slot].leg_id, sizeof(s->call[slot].leg_id), "%s", md->call_id);
	a->xfer = XF_BRIDGING;
	log_info("sig", "call %s: the bot %s the call to %s: second leg %s", md->call_id,
		 warm ? "transfers (warm)" : "bridges", target, a->leg_id);
}

/* VG_MSG_CALL_BRIDGE for slot (to peer; SIG_NO_LEG: no more). */
static void sig_bridge_dp(struct sig *s, const struct sig_call *c, uint32_t peer)
{
	const struct cs_media *md = &cs_slot(s->calls, c->slot)->media;
	struct vg_msg m = {.type = VG_MSG_CALL_BRIDGE, .slot = c->slot, .gen = c->gen,
			   .value = peer};

	if (ring_msg_send(s->rings->ctl_dp[md->lcore], &m))
		log_err("sig", "call %s: dp control ring full", md->call_id);
}

/* Bridge a with b: the dataplane relays, the bot sessions stop (a's, and b's of a warm
 * transfer), the bot told the transfer was taken (status) unless it was already. */
static void sig_bridge_join(struct sig *s, struct sig_call *a, struct sig_call *b)
{
	struct sig_call *legs[2] = {a, b};
	bool told = a->xfer == XF_WARM;

	sig_bridge_dp(s, a, b->slot);
	sig_bridge_dp(s, b, a->slot);
	a->xfer = XF_BRIDGED;
	a->xfer_status = b->final_status;
	a->outcome = SO_SUCCESS;
	b->outcome = SO_SUCCESS;
	s->st.transfers++;
	if (!told)
		sig_bot_result(s, a, VG_RES_TRANSFER_ACCEPTED, b->final_status, VG_REASON_NONE);
	/* the bots' sessions end, the call goes on: their BOT_STOPPED come later */
	for (unsigned i = 0; i < 2; i++) {
		const struct cs_media *md = &cs_slot(s->calls, legs[i]->slot)->media;
		struct vg_msg stop = {.type = VG_MSG_BOT_STOP, .slot = legs[i]->slot,
				      .gen = legs[i]->gen};

		if (legs[i]->bridge_leg && !legs[i]->warm)
			continue; /* it never had one */
		legs[i]->bot_left = 1;
		sig_call_bot(s, legs[i]);
		if (ring_msg_send(s->rings->ctl_bot[md->worker], &stop))
			log_err("sig", "call %s: bot control ring full", md->call_id);
	}
	log_info("sig", "call %s: bridged to %s (%s), the bot leaves", sig_call_id(s, a),
		 sig_call_id(s, b), b->sdp.law == a->sdp.law ? "same codec" : "transcoded");
}

void sig_bridge_answered(struct sig *s, struct sig_call *b)
{
	struct sig_call *a = sig_bridge_other(s, b);

	if (!a || a->xfer != XF_BRIDGING || a->state != SC_ANSWERED) {
		log_info("sig", "call %s: answered, but the call it was to join has ended: BYE",
			 sig_call_id(s, b));
		sig_bridge_unlink(b, a);
		sig_end_why(b, "bridge_ended");
		sig_hangup(s, b, SIG_REFUSE_BOT);
		return;
	}
	if (!b->warm) {
		sig_bridge_join(s, a, b);
		return;
	}
	a->xfer = XF_WARM;
	a->xfer_status = b->final_status;
	sig_bot_result(s, a, VG_RES_TRANSFER_ACCEPTED, b->final_status, VG_REASON_NONE);
	log_info("sig", "call %s: the target answered (%s): its bot session briefs it until "
		 "the bot completes or cancels", sig_call_id(s, a), sig_call_id(s, b));
}

bool sig_bridge_warm_cmd(struct sig *s, struct sig_call *c, bool complete)
{
	struct sig_call *o = sig_bridge_other(s, c);
	struct sig_call *a = c->bridge_leg ? o : c, *b = c->bridge_leg ? c : o;

	if (!a || !b || a->xfer != XF_WARM || b->state != SC_ANSWERED)
		return false;
	if (complete) {
		log_info("sig", "call %s: the bot completes the warm transfer",
			 sig_call_id(s, a));
		sig_bridge_join(s, a, b);
		return true;
	}
	log_info("sig", "call %s: the bot cancels the warm transfer: BYE to %s",
		 sig_call_id(s, a), sig_call_id(s, b));
	sig_bridge_unlink(a, b);
	a->leg_id[0] = '\0';
	sig_end_why(b, "transfer_canceled");
	sig_hangup(s, b, SIG_REFUSE_BOT);
	sig_xfer_failed(s, a, 0, VG_REASON_CANCELED);
	return true;
}

void sig_bridge_failed(struct sig *s, struct sig_call *b, unsigned status)
{
	struct sig_call *a = sig_bridge_other(s, b);

	sig_bridge_unlink(b, a);
	if (!a || a->xfer != XF_BRIDGING)
		return;
	a->leg_id[0] = '\0';
	sig_xfer_failed(s, a, status, b->no_answer || status == 408 || status == 480
			? VG_REASON_TIMEOUT : VG_REASON_REFUSED);
}

void sig_bridge_ended(struct sig *s, struct sig_call *c)
{
	struct sig_call *o = sig_bridge_other(s, c);

	sig_bridge_unlink(c, o);
	if (!o)
		return;
	if (o->state == SC_DIALING) { /* the caller left while the second leg rang */
		log_info("sig", "call %s: the call it was to join has ended: CANCEL",
			 sig_call_id(s, o));
		sig_hangup(s, o, SIG_REFUSE_BOT);
		return;
	}
	if (o->xfer == XF_BRIDGING || o->xfer == XF_WARM) { /* ended before it was bridged */
		o->leg_id[0] = '\0';
		sig_xfer_failed(s, o, 0, VG_REASON_REFUSED);
		return;
	}
	log_info("sig", "call %s: the other leg %s ended: BYE", sig_call_id(s, o),
		 sig_call_id(s, c));
	sig_end_why(o, "bridge_ended");
	sig_bridge_dp(s, o, SIG_NO_LEG);
	sig_hangup(s, o, SIG_REFUSE_BOT);
}
