/*
 * bot_echo.c: the built-in echo bot. The caller hears their own audio again after
 * the agent's delay_ms (rounded down to whole 20 ms frames).
 *
 * The delay is a ring of frames: each frame in pushes the oldest out once the ring
 * is full, so the bot keeps the caller's own pace and never adds or drops a frame.
 * Memory per session: delay_ms / 20 * 320 bytes, taken at open (none without
 * delay). Key presses are logged with the call id and sent back at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "bots/bot.h"

struct echo_state {
	unsigned depth;  /* frames of delay */
	unsigned head;   /* oldest frame */
	unsigned count;
	int16_t pcm[][VG_FRAME_SAMPLES];
};

static int echo_open(struct bot_session *s, const struct cfg_agent *a)
{
	unsigned depth = a->delay_ms / 20;
	struct echo_state *e;

	log_debug("bot", "call %s: context %s", s->call_id, s->context);
	s->state = NULL; /* no delay: no state, each frame goes straight back */
	if (depth == 0)
		return 0;
	e = calloc(1, sizeof(*e) + depth * sizeof(e->pcm[0]));
	if (!e)
		return -ENOMEM;
	e->depth = depth;
	s->state = e;
	return 0;
}

static void echo_frame(struct bot_worker *w, struct bot_session *s, const struct vg_frame *f)
{
	struct echo_state *e = s->state;

	if (!e) {
		bot_send_pcm(w, s, f->pcm);
		return;
	}
	if (e->count == e->depth) {
		bot_send_pcm(w, s, e->pcm[e->head]);
		memcpy(e->pcm[e->head], f->pcm, sizeof(e->pcm[0]));
		e->head = (e->head + 1) % e->depth;
		return;
	}
	memcpy(e->pcm[(e->head + e->count) % e->depth], f->pcm, sizeof(e->pcm[0]));
	e->count++;
}

/* Key presses are echoed too: the caller hears (and its equipment sees) the same
 * digit sent back as RFC 4733 telephone-events. */
static void echo_dtmf(struct bot_worker *w, struct bot_session *s, uint8_t event,
		      unsigned duration_ms)
{
	log_info("bot", "call %s: DTMF '%c' (%u ms)", s->call_id, vg_dtmf_char(event),
		 duration_ms);
	if (bot_send_dtmf(w, s, event, duration_ms) != 0)
		log_warn("bot", "call %s: DTMF '%c' not echoed: frame ring full", s->call_id,
			 vg_dtmf_char(event));
}

static void echo_close(struct bot_session *s)
{
	free(s->state);
	s->state = NULL;
}

const struct bot_ops bot_echo_ops = {
	.name = "echo",
	.open = echo_open,
	.frame = echo_frame,
	.dtmf = echo_dtmf,
	.close = echo_close,
};
