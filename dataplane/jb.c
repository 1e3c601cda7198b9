/*
 * jb.c: reorder window for one call's RTP audio (see jb.h).
 *
 * The held packets are kept sorted by distance from next_seq, so releasing them is a
 * walk from the front. Cost per in-order packet: one compare and the emit.
 */
#include "dataplane/jb.h"

#include <string.h>

void jb_init(struct jb *j, unsigned window, uint32_t hold_ms)
{
	memset(j, 0, sizeof(*j));
	j->window = (uint8_t)(window > JB_MAX_WINDOW ? JB_MAX_WINDOW : window);
	j->hold_ms = hold_ms;
}

/* Emit the frame for next_seq (payload or a gap) and move on. */
static void jb_out(struct jb *j, const uint8_t *payload, jb_emit_h *emit, void *arg)
{
	emit(arg, j->next_seq, payload);
	j->done = j->done << 1 | (payload != NULL);
	if (payload)
		j->st.emitted++;
	else
		j->st.filled++;
	j->next_seq++;
}

/* Emit held packets that are now in order. */
static void jb_drain(struct jb *j, jb_emit_h *emit, void *arg)
{
	unsigned n = 0;

	while (n < j->n_held && j->held[n].seq == j->next_seq) {
		jb_out(j, j->held[n].payload, emit, arg);
		j->st.reordered++;
		n++;
	}
	if (n) {
		memmove(&j->held[0], &j->held[n], (j->n_held - n) * sizeof(j->held[0]));
		j->n_held = (uint8_t)(j->n_held - n);
	}
}

/* Stop waiting for the first missing packet: fill up to the first held one. */
static void jb_release_one(struct jb *j, jb_emit_h *emit, void *arg)
{
	while (j->n_held && j->held[0].seq != j->next_seq)
		jb_out(j, NULL, emit, arg);
	jb_drain(j, emit, arg);
}

static void jb_flush(struct jb *j, jb_emit_h *emit, void *arg)
{
	while (j->n_held)
		jb_release_one(j, emit, arg);
}

static void jb_start(struct jb *j, uint32_t ssrc, uint16_t seq)
{
	j->started = true;
	j->ssrc = ssrc;
	j->next_seq = seq;
	j->done = 0;
	j->n_held = 0;
}

enum jb_verdict jb_put(struct jb *j, uint32_t ssrc, uint16_t seq, const uint8_t *payload,
		       uint64_t now_ms, jb_emit_h *emit, void *arg)
{
	int16_t d;
	unsigned pos;

	if (!j->started || ssrc != j->ssrc) {
		if (j->started) {
			jb_flush(j, emit, arg);
			j->st.ssrc_changes++;
		}
		jb_start(j, ssrc, seq);
	}
	d = (int16_t)(seq - j->next_seq);
	if (d < 0) {
		/* Behind: emitted already (duplicate) or filled (late). */
		if (-d <= 64 && (j->done >> (-d - 1)) & 1) {
			j->st.duplicates++;
			return JB_DUPLICATE;
		}
		if (-d > JB_MAX_GAP) { /* far behind: the sender restarted */
			jb_flush(j, emit, arg);
			j->st.resyncs++;
			jb_start(j, ssrc, seq);
			d = 0;
		} else {
			j->st.late++;
			return JB_LATE;
		}
	}
	if (d > JB_MAX_GAP) { /* too far ahead to fill: start over from here */
		jb_flush(j, emit, arg);
		j->st.resyncs++;
		jb_start(j, ssrc, seq);
		d = 0;
	}
	if (d == 0) {
		jb_out(j, payload, emit, arg);
		jb_drain(j, emit, arg);
		return JB_OK;
	}
	/* Ahead of a gap: hold it in order, unless held already. */
	for (pos = 0; pos < j->n_held; pos++) {
		if (j->held[pos].seq == seq) {
			j->st.duplicates++;
			return JB_DUPLICATE;
		}
		if ((int16_t)(seq - j->held[pos].seq) < 0)
			break;
	}
	if (j->n_held == j->window) {
		/* No room to wait: give up on the first gap, up to the first packet we
		 * have, which is this one (pos 0) or the first held one. */
		if (pos == 0) {
			while (j->next_seq != seq)
				jb_out(j, NULL, emit, arg);
			jb_out(j, payload, emit, arg);
			jb_drain(j, emit, arg);
			return JB_OK;
		}
		jb_release_one(j, emit, arg);
		return jb_put(j, ssrc, seq, payload, now_ms, emit, arg);
	}
	if (j->n_held == 0)
		j->held_since_ms = now_ms;
	memmove(&j->held[pos + 1], &j->held[pos], (j->n_held - pos) * sizeof(j->held[0]));
	j->held[pos].seq = seq;
	memcpy(j->held[pos].payload, payload, JB_PAYLOAD);
	j->n_held++;
	return JB_OK;
}

void jb_tick(struct jb *j, uint64_t now_ms, jb_emit_h *emit, void *arg)
{
	if (j->n_held && now_ms - j->held_since_ms >= j->hold_ms)
		jb_flush(j, emit, arg);
}
