/*
 * dp_bot.c: what a dp lcore exchanges with the bot workers.
 *
 * Towards the workers: the caller's audio, decoded straight into a frame staged for
 * the call's worker (a frame for a worker whose ring is full is dropped before it is
 * decoded), key presses and the marks whose audio has played, flushed into each
 * worker's ring once per loop. From the workers: their audio, encoded into the call's
 * playout queue, marks, clears and key presses for the caller. A bridged call's
 * audio and key presses go to its other leg instead (a transfer's bridge).
 */
#include "dataplane/dp-int.h"

/* Frames staged for worker w go into its ring in one burst (dp_stage() stages no
 * more than the ring has room for); what does not fit is dropped and counted. */
void dp_frames_flush(struct dp_lcore *lc, unsigned w)
{
	unsigned n = lc->n_stage[w], sent;
	uint64_t now;

	if (n == 0)
		return;
	sent = ring_frame_send(lc->to_bot[w], lc->stage[w], n, &lc->bot_room[w]);
	now = rte_rdtsc();
	for (unsigned i = 0; i < sent; i++)
		if (lc->stage[w][i].tsc)
			lat_add_tsc(&lc->st->in_to_ring, now - lc->stage[w][i].tsc,
				    lc->dp->lat_mult);
	lc->st->frames_to_bot += sent;
	lc->st->drops[DP_DROP_BOT_RING_FULL] += n - sent;
	lc->n_stage[w] = 0;
}

/* A frame to fill for worker w, or NULL, counted as bot_ring_full, when its ring has
 * no room: a worker behind costs the lcore no decode and no copy of what it would
 * drop. The room is what the last burst into the ring left (read again only when
 * the frames staged reach it), so a ring with room costs no read of the worker's
 * side of it. */
static struct vg_frame *dp_stage(struct dp_lcore *lc, unsigned w)
{
	unsigned n = lc->n_stage[w];

	if (n == lc->dp->burst || n >= lc->bot_room[w]) {
		if (n)
			dp_frames_flush(lc, w);
		else
			lc->bot_room[w] = rte_ring_free_count(lc->to_bot[w]);
		if (lc->bot_room[w] == 0) {
			dp_count(lc, DP_DROP_BOT_RING_FULL);
			return NULL;
		}
	}
	return &lc->stage[w][lc->n_stage[w]++];
}


/* Key press `event` of duration_ms into c's RFC 4733 sender (the bot's, or the other
 * leg's of a bridge); false, counted, when c has no telephone-event or its queue is
 * full. */
static bool dp_dtmf_send(struct dp_lcore *lc, struct dp_call *c, uint8_t event,
			 uint16_t duration_ms)
{
	if (c->dtmf_pt == CS_NO_PT) {
		dp_count(lc, DP_DROP_DTMF_NOT_NEGOTIATED);
		return false;
	}
	if (dtmf_tx_push(&c->dtmf_tx, event, duration_ms) != 0) {
		dp_count(lc, DP_DROP_DTMF_QUEUE_FULL);
		return false;
	}
	return true;
}

void dp_playout_clear(struct dp_lcore *lc, uint32_t slot, struct dp_call *c)
{
	lc->st->playout_cleared += c->q_count;
	c->q_out += c->q_count;
	c->q_count = 0;
	dp_bot_done(lc->dp, slot, c);
	dp_marks_done(lc, slot, c, true);
}

/* The other leg of a bridged call, or NULL (counted) once it has ended. */
static struct dp_call *dp_peer(struct dp_lcore *lc, struct dp_call *c)
{
	struct dp_call *b = &lc->dp->call[c->peer];

	if (b->active && b->gen == c->peer_gen)
		return b;
	dp_count(lc, DP_DROP_RELAY_GONE);
	return NULL;
}

/* A frame of a bridged call (NULL: a gap) into its other leg's playout queue, in
 * that leg's law: the leg's timer wheel sends it at its own 20 ms pace. */
static void dp_relay(struct dp_lcore *lc, struct dp_call *c, const uint8_t *payload)
{
	struct dp *dp = lc->dp;
	struct dp_call *b = dp_peer(lc, c);
	const uint64_t no_stamp = 0; /* not the bot's: outside its latency figures */
	int16_t pcm[VG_FRAME_SAMPLES];
	uint8_t *q;

	if (!b)
		return;
	if (b->q_count >= DP_RELAY_Q) {
		dp_count(lc, DP_DROP_RELAY_FULL);
		return;
	}
	q = dp_qentry(dp, c->peer, (b->q_head + b->q_count) % dp->q_cap);
	if (!payload) {
		memcpy(q, dp->silence[b->law], DP_PAYLOAD);
	} else if (b->law == c->law) {
		memcpy(q, payload, DP_PAYLOAD);
	} else { /* PCMA <-> PCMU */
		g711_decode(c->law, payload, pcm, VG_FRAME_SAMPLES);
		g711_encode(b->law, pcm, q, DP_PAYLOAD);
	}
	memcpy(q + DP_PAYLOAD, &no_stamp, sizeof(no_stamp));
	b->q_count++;
	b->q_in++;
	lc->st->relay_frames++;
}

void dp_jb_emit(void *arg, uint16_t seq, const uint8_t *payload)
{
	struct dp_emit_ctx *x = arg;
	struct dp_call *c = x->c;
	struct vg_frame *f;

	(void)seq;
	if (payload)
		x->lc->st->rx_rtp++;
	else
		x->lc->st->rx_filled++;
	if (c->peer != DP_NIL) {
		dp_relay(x->lc, c, payload);
		return;
	}
	f = dp_stage(x->lc, c->worker);
	if (!f) { /* the worker's ring is full: the frame's number is gone with it */
		c->frames_in++;
		return;
	}
	f->slot = x->slot;
	f->gen = c->gen;
	f->kind = VG_FRAME_AUDIO;
	f->samples = VG_FRAME_SAMPLES;
	f->seq = c->frames_in++;
	f->tsc = x->tsc;
	if (payload)
		g711_decode(c->law, payload, f->pcm, VG_FRAME_SAMPLES);
	else /* a lost packet: silence keeps the bot's 50 frames/s */
		memset(f->pcm, 0, sizeof(f->pcm));
}

void dp_dtmf_emit(struct dp_lcore *lc, uint32_t slot, struct dp_call *c,
		  const struct dtmf_event *ev, uint64_t tsc)
{
	struct vg_frame *f;

	if (c->peer != DP_NIL) { /* sent again as the other leg's own events */
		struct dp_call *b = dp_peer(lc, c);

		if (b && dp_dtmf_send(lc, b, ev->event, ev->duration_ms))
			lc->st->relay_dtmf++;
		return;
	}
	f = dp_stage(lc, c->worker);
	if (!f)
		return;
	f->slot = slot;
	f->gen = c->gen;
	f->kind = VG_FRAME_DTMF;
	f->samples = 0;
	f->seq = 0;
	f->tsc = tsc;
	f->dtmf.event = ev->event;
	f->dtmf.pad = 0;
	f->dtmf.duration_ms = ev->duration_ms;
	lc->st->dtmf_events++;
}

/* ---- bot frames into the playout queues ---- */

/* Tell the bot worker of the call that the marks whose audio has played (all of
 * them with `all`: the queue was cleared or the call ends) are done, in order. Key
 * presses the bot sent play in place of its audio: while any is queued or playing,
 * no mark is done, so a mark behind them (a drain's) waits for them too. */
void dp_marks_done(struct dp_lcore *lc, uint32_t slot, struct dp_call *c, bool all)
{
	if (!all && (c->dtmf_tx.active || c->dtmf_tx.q_count))
		return;
	while (c->n_marks && (all || (int32_t)(c->q_out - c->marks[c->mark_head].at) >= 0)) {
		struct vg_frame *f = dp_stage(lc, c->worker);

		if (f) {
			f->slot = slot;
			f->gen = c->gen;
			f->kind = VG_FRAME_MARK;
			f->samples = 0;
			f->seq = c->marks[c->mark_head].id;
			f->tsc = 0;
		}
		c->mark_head = (uint8_t)((c->mark_head + 1) % DP_MARKS);
		c->n_marks--;
	}
}

/* A mark from the bot: done when the audio queued before it has played, at once
 * when nothing is queued. A call holding DP_MARKS already gives its oldest back
 * early (counted), so that marks still come back in order. */
static void dp_mark(struct dp_lcore *lc, uint32_t slot, struct dp_call *c, uint32_t id)
{
	if (c->n_marks == DP_MARKS) {
		dp_count(lc, DP_DROP_MARKS_FULL);
		c->marks[c->mark_head].at = c->q_out;
		dp_marks_done(lc, slot, c, false);
	}
	c->marks[(c->mark_head + c->n_marks) % DP_MARKS].id = id;
	c->marks[(c->mark_head + c->n_marks) % DP_MARKS].at = c->q_in;
	c->n_marks++;
	dp_marks_done(lc, slot, c, false);
}

unsigned dp_bot_poll(struct dp_lcore *lc, uint64_t now)
{
	struct dp *dp = lc->dp;
	unsigned total = 0;

	for (unsigned w = 0; w < dp->n_workers; w++) {
		unsigned n = ring_frame_recv(lc->from_bot[w], lc->in, dp->burst);

		total += n;
		lc->st->frames_from_bot += n;
		for (unsigned i = 0; i < n; i++) {
			const struct vg_frame *f = &lc->in[i];
			struct dp_call *c;
			uint8_t *q;

			/* the call two frames ahead, the queue entry of the next one */
			if (i + 2 < n && lc->in[i + 2].slot < dp->calls->n_slots)
				rte_prefetch0(&dp->call[lc->in[i + 2].slot]);
			if (i + 1 < n && lc->in[i + 1].slot < dp->calls->n_slots)
				dp_playout_prefetch(dp, lc->in[i + 1].slot, true);
			if (f->slot >= dp->calls->n_slots ||
			    cs_slot_lcore(f->slot, dp->n_lcores) != lc->idx ||
			    !dp->call[f->slot].active || dp->call[f->slot].gen != f->gen) {
				dp_count(lc, DP_DROP_STALE_FRAME);
				continue;
			}
			c = &dp->call[f->slot];
			if (c->peer != DP_NIL && f->kind != VG_FRAME_MARK) {
				dp_count(lc, DP_DROP_STALE_FRAME); /* bridged: the bot left */
				continue;
			}
			if (f->kind == VG_FRAME_MARK) {
				dp_mark(lc, f->slot, c, f->seq);
				continue;
			}
			if (f->kind == VG_FRAME_CLEAR) {
				dp_playout_clear(lc, f->slot, c);
				continue;
			}
			if (f->kind == VG_FRAME_DTMF) {
				dp_dtmf_send(lc, c, f->dtmf.event, f->dtmf.duration_ms);
				continue;
			}
			if (f->kind != VG_FRAME_AUDIO || f->samples != VG_FRAME_SAMPLES) {
				dp_count(lc, DP_DROP_BOT_FRAME_BAD);
				continue;
			}
			if (c->q_count == dp->q_cap) {
				dp_count(lc, DP_DROP_PLAYOUT_FULL);
				cs_slot(dp->calls, f->slot)->dp.playout_full++;
				dp_bot_done(dp, f->slot, c);
				continue;
			}
			q = dp_qentry(dp, f->slot, (c->q_head + c->q_count) % dp->q_cap);
			g711_encode(c->law, f->pcm, q, DP_PAYLOAD);
			memcpy(q + DP_PAYLOAD, &f->tsc, sizeof(f->tsc));
			if (f->tsc)
				lat_add_tsc(&lc->st->bot_to_dp, now - f->tsc, dp->lat_mult);
			c->q_count++;
			c->q_in++;
		}
	}
	return total;
}
