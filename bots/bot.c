/*
 * bot.c: bot worker threads (see bot.h).
 *
 * Each worker owns a session array indexed by call slot (only the slots whose
 * media.worker names it are ever used) and a staging area of frames per dp lcore,
 * flushed into the frame rings once per loop. A worker with nothing to do sleeps
 * 50 us, which bounds the delay it adds to a frame while leaving the core to others.
 */
#include "bots/bot.h"

#include <assert.h>
#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libwebsockets.h>
#include <rte_cycles.h>
#include <rte_prefetch.h>
#include <rte_lcore.h>

#include "base/log.h"
#include "base/shm.h"
#include "bots/backlog.h"

#define BOT_BURST 32
#define BOT_CTL_DRAIN_MAX 32 /* control messages taken per poll, at most */
#define BOT_PREFETCH 4 /* frames ahead whose session is asked for (bot_frames_poll) */
#define BOT_IDLE_SLEEP_NS 50000
/* The worker's own marks (the drain's) have this bit set; a bot's never do. */
#define BOT_MARK_OWN 0x80000000u
#define BOT_DRAIN_CHECK_MS 10 /* how often the drains' deadlines are looked at */
#define BOT_PUMP_MS 2 /* how often the backlogs are looked at, at most */
#define BOT_WINDOW 50 /* frames played between looks at a session's standing queue */
#define BOT_QUIET 328 /* a frame whose samples stay within this (-40 dBFS) is quiet */
/* Frames a standing queue keeps: a call's send slot and where the caller's frames
 * land between the lcore's ticks leave up to two queued, also for a bot that answers
 * at once (the built-in echo through vgload at 2,000 calls: bot -> wire p50 25-30
 * ms, p99 41 ms, with or without trimming; trimming a margin of one lost 1,926
 * echoes of 5,000 calls in 14 s). */
#define BOT_MARGIN 2

static_assert(offsetof(struct bot_session, call_id) == alignof(struct bot_session),
	      "a frame's fields of a bot session fill its first cache line");

struct bot_worker {
	struct bot_pool *pool;
	unsigned idx;
	pthread_t thread;
	int started;
	int ready;                       /* set by the thread once it polls */
	struct bot_session *sessions;    /* indexed by slot */
	struct vg_frame in[BOT_BURST];
	struct vg_frame out[RING_MAX_LCORES][BOT_BURST];
	unsigned n_out[RING_MAX_LCORES];
	struct bot_stats *st;            /* in the pool's stats file */
	struct bot_ws_loop *ws;          /* WebSocket bots of this worker, NULL if none */
	uint32_t *drains;                /* slots of the sessions draining */
	uint32_t n_drains;
	uint32_t *ends;                  /* slots of built-in bots with an end_after_ms */
	uint32_t n_ends;
	uint32_t *pumps;                 /* slots of the sessions with a backlog */
	uint32_t n_pumps;
	uint64_t next_timer_check;       /* TSC: drains and ends are looked at then */
	uint64_t next_pump;              /* TSC: the backlogs are looked at then */
	uint16_t api_busy;               /* API mailboxes in use, one bit each */
	void *api_wait[CS_API_CMDS];     /* the HTTP request that waits on each */
};

struct bot_pool {
	const struct cfg *cfg;
	struct cs_table *calls;
	struct ring_set *rings;
	unsigned n_workers;
	uint64_t lat_mult;                 /* TSC -> µs for the latency histogram */
	uint64_t drain_tsc;                /* the longest wait for a drain mark */
	uint64_t frame_tsc;                /* 20 ms */
	uint32_t ahead_max;                /* the bot's audio frames a dp lcore holds
					    * for a call, at most: bots.ring_ms (the
					    * stall a worker outlives), in frames */
	uint32_t backlog_max;              /* bots.backlog_s in frames */
	struct bot_stats_file *stats_file; /* shared mapping, stats_size bytes */
	size_t stats_size;
	char stats_path[SHM_PATH_MAX];
	volatile int quit;
	const struct bot_api_ops *api_ops;  /* atomic: set by the main thread */
	struct bot_worker *w[RING_MAX_WORKERS];
};

static const struct bot_ops *bot_ops_for(const struct cfg_agent *a)
{
	switch (a->builtin) {
	case CFG_BOT_ECHO:
		return &bot_echo_ops;
	case CFG_BOT_NONE:
		return &bot_ws_ops;
	case CFG_BOT_NULL:
		return &bot_null_ops;
	case CFG_BOT_PLAY:
		return &bot_play_ops;
	case CFG_BOT_RECORD:
		return &bot_record_ops;
	}
	return NULL;
}

/* An event for signaling; the event ring holds several messages per call slot: it
 * cannot fill. */
static void bot_event_arg(struct bot_worker *w, uint16_t type, uint16_t arg, uint32_t slot,
			  uint32_t gen, uint32_t value)
{
	struct vg_msg m = {.type = type, .arg = arg, .slot = slot, .gen = gen, .value = value};

	if (ring_msg_send(w->pool->rings->evt_bot[w->idx], &m) != 0)
		log_err("bot", "worker %u: event ring full, slot %u event %u lost", w->idx,
			slot, type);
}

static void bot_event(struct bot_worker *w, uint16_t type, uint32_t slot, uint32_t gen)
{
	bot_event_arg(w, type, 0, slot, gen, 0);
}

/* Send the frames staged towards dp lcore l; what the ring does not take stays
 * staged, in order, for the next flush. Returns the frames still staged. */
static unsigned bot_flush(struct bot_worker *w, unsigned l)
{
	unsigned n = w->n_out[l], sent;

	if (n == 0)
		return 0;
	sent = ring_frame_send(w->pool->rings->to_dp[w->idx][l], w->out[l], n, NULL);
	w->st->frames_out += sent;
	if (sent < n)
		memmove(w->out[l], &w->out[l][sent], (n - sent) * sizeof(w->out[l][0]));
	w->n_out[l] = n - sent;
	return n - sent;
}

/* Whether one more frame can be staged towards dp lcore l (after a flush if need
 * be). */
static bool bot_stage_room(struct bot_worker *w, unsigned l)
{
	return w->n_out[l] < BOT_BURST || bot_flush(w, l) < BOT_BURST;
}

/* Stage a copy of f towards the dp lcore of s. Returns 0, or -ENOBUFS when the
 * stage is full even after a flush: f is dropped, counted in frames_ring_full. */
static int bot_stage(struct bot_worker *w, struct bot_session *s, const struct vg_frame *f)
{
	unsigned l = s->lcore;

	if (!bot_stage_room(w, l)) {
		w->st->frames_ring_full++;
		return -ENOBUFS;
	}
	memcpy(&w->out[l][w->n_out[l]++], f, f->kind == VG_FRAME_AUDIO ? sizeof(*f)
				: offsetof(struct vg_frame, pcm) + sizeof(f->dtmf));
	if (f->kind == VG_FRAME_AUDIO && s->dp_live)
		s->dp_sent++;
	return 0;
}

/*
 * The bot's audio frames the dp lcore of s holds (handed on, not yet played, cleared
 * or dropped), from the count the lcore publishes in the call slot; *done: that
 * count. Frames handed on before the lcore took the call are not known to it: the
 * count starts when it is seen, and is set right when the lcore has done more.
 */
static uint32_t bot_ahead(struct bot_worker *w, struct bot_session *s, uint32_t *done)
{
	uint64_t v = __atomic_load_n(&cs_slot(w->pool->calls, s->slot)->dp.bot_done,
				     __ATOMIC_ACQUIRE);
	int32_t d;

	*done = (uint32_t)v;
	if ((uint32_t)(v >> 32) != s->gen) {
		s->dp_live = 0;
		return 0;
	}
	if (!s->dp_live) {
		s->dp_live = 1;
		s->dp_sent = s->win_done = *done;
	}
	d = (int32_t)(s->dp_sent - *done);
	if (d < 0) {
		s->dp_sent = *done;
		d = 0;
	}
	return (uint32_t)d;
}

/* Put f behind what waits in the backlog of s. Returns 0 or -ENOMEM (logged). */
static int bot_backlog_add(struct bot_worker *w, struct bot_session *s,
			   const struct vg_frame *f)
{
	int rc = backlog_push(&s->bl, f);

	if (rc < 0) {
		log_err("bot", "call %s: out of memory for the bot's audio backlog", s->call_id);
		return rc;
	}
	w->st->backlog_bytes += rc ? backlog_chunk_bytes : 0;
	if (!s->pumping) {
		s->pumping = 1;
		w->pumps[w->n_pumps++] = s->slot;
	}
	return 0;
}

/* A frame towards the caller of s: staged at once when nothing waits before it and
 * the lcore has room, else into the backlog. */
static int bot_out(struct bot_worker *w, struct bot_session *s, const struct vg_frame *f,
		   uint32_t ahead)
{
	if (!s->bl.n && (f->kind != VG_FRAME_AUDIO || ahead < w->pool->ahead_max))
		return bot_stage(w, s, f);
	return bot_backlog_add(w, s, f);
}

/* Hand the dp lcore of s what waits in its backlog, audio while the lcore holds
 * fewer than ahead_max frames. Returns true once the backlog is empty. */
static bool bot_pump(struct bot_worker *w, struct bot_session *s)
{
	uint32_t done, ahead = bot_ahead(w, s, &done);
	const struct vg_frame *f;

	while ((f = backlog_peek(&s->bl))) {
		if ((f->kind == VG_FRAME_AUDIO && ahead >= w->pool->ahead_max) ||
		    !bot_stage_room(w, s->lcore))
			break;
		bot_stage(w, s, f);
		ahead += f->kind == VG_FRAME_AUDIO;
		if (backlog_pop(&s->bl))
			w->st->backlog_bytes -= backlog_chunk_bytes;
	}
	return s->bl.n == 0;
}

/* The sessions with a backlog: each one's audio handed on as the lcore plays it.
 * Every BOT_PUMP_MS at most. */
static void bot_pumps_run(struct bot_worker *w, uint64_t now)
{
	if (now < w->next_pump)
		return;
	w->next_pump = now + rte_get_tsc_hz() / 1000 * BOT_PUMP_MS;
	for (uint32_t i = 0; i < w->n_pumps;) {
		struct bot_session *s = &w->sessions[w->pumps[i]];

		if (s->active && !bot_pump(w, s)) {
			i++;
			continue;
		}
		s->pumping = 0;
		w->pumps[i] = w->pumps[--w->n_pumps];
	}
}

/* Empty the backlog of s (its memory too). */
static void bot_backlog_drop(struct bot_worker *w, struct bot_session *s)
{
	w->st->backlog_bytes -= backlog_bytes(&s->bl);
	backlog_free(&s->bl);
}

static bool bot_quiet(const int16_t *pcm)
{
	for (unsigned i = 0; i < VG_FRAME_SAMPLES; i++)
		if (pcm[i] > BOT_QUIET || pcm[i] < -BOT_QUIET)
			return false;
	return true;
}

/*
 * The standing queue of s. Every BOT_WINDOW frames played: the least audio the call
 * held ahead of the caller when a frame of the bot came in. A bot that sends in real
 * time (its frames in the window within a fifth of those played) yet always found
 * more than BOT_MARGIN queued, in this window and the one before, has a queue that
 * only adds delay, left by a start-up burst or jitter that has passed: that many of
 * its next quiet frames but the margin are dropped (the pauses between words), never
 * speech. A bot that never pauses (an echo of a tone) keeps its queue; so does a bot
 * that sends faster than real time (Pipecat's TTS at 2x) or has stopped sending.
 */
static void bot_window(struct bot_session *s, uint32_t done, uint32_t depth)
{
	uint32_t played = done - s->win_done;
	bool paced;

	if (!s->dp_live)
		return;
	if (!s->win_in || depth < s->win_min)
		s->win_min = (uint16_t)(depth > UINT16_MAX ? UINT16_MAX : depth);
	s->win_in++;
	if (played < BOT_WINDOW)
		return;
	paced = s->win_in * 5 >= played * 4 && s->win_in * 5 <= played * 6;
	s->trim = paced && RTE_MIN(s->win_min, s->prev_min) > BOT_MARGIN
			  ? RTE_MIN(s->win_min, s->prev_min) - BOT_MARGIN : 0;
	s->prev_min = paced ? s->win_min : 0;
	s->win_done = done;
	s->win_in = 0;
}

int bot_send_dtmf(struct bot_worker *w, struct bot_session *s, uint8_t event,
		  unsigned duration_ms)
{
	struct vg_frame f;

	memset(&f, 0, offsetof(struct vg_frame, pcm) + sizeof(f.dtmf));
	f.slot = s->slot;
	f.gen = s->gen;
	f.kind = VG_FRAME_DTMF;
	f.dtmf.event = event;
	f.dtmf.duration_ms = (uint16_t)(duration_ms > 65535 ? 65535 : duration_ms);
	return bot_out(w, s, &f, 0);
}

/* A frame with no payload (mark, clear) towards the caller of s. */
static void bot_ctl_frame(struct bot_session *s, struct vg_frame *f, uint16_t kind,
			  uint32_t value)
{
	memset(f, 0, offsetof(struct vg_frame, pcm));
	f->slot = s->slot;
	f->gen = s->gen;
	f->kind = kind;
	f->seq = value;
}

int bot_send_mark(struct bot_worker *w, struct bot_session *s, uint32_t id)
{
	struct vg_frame f;

	bot_ctl_frame(s, &f, VG_FRAME_MARK, id);
	return bot_out(w, s, &f, 0);
}

/* The dataplane drops what it queued and gives its marks back; the marks that wait
 * here follow the clear, so that they come back after those, in order. */
int bot_send_clear(struct bot_worker *w, struct bot_session *s)
{
	struct vg_frame f;
	const struct vg_frame *b;
	int rc;

	bot_ctl_frame(s, &f, VG_FRAME_CLEAR, 0);
	rc = bot_stage(w, s, &f);
	while ((b = backlog_peek(&s->bl))) {
		if (b->kind == VG_FRAME_MARK)
			bot_stage(w, s, b);
		if (backlog_pop(&s->bl))
			w->st->backlog_bytes -= backlog_chunk_bytes;
	}
	bot_backlog_drop(w, s);
	s->trim = 0;
	s->prev_min = 0;
	s->win_in = 0;
	return rc;
}

void bot_hangup(struct bot_worker *w, struct bot_session *s)
{
	bot_event_arg(w, VG_MSG_BOT_HANGUP, VG_HANGUP_BOT, s->slot, s->gen, 0);
}

void bot_fail(struct bot_worker *w, struct bot_session *s)
{
	bot_event_arg(w, VG_MSG_BOT_HANGUP, VG_HANGUP_FAILED, s->slot, s->gen, 0);
}

int bot_hangup_call(struct bot_worker *w, uint32_t slot, uint32_t gen)
{
	if (!cs_gen_ok(w->pool->calls, slot, gen) || !cs_slot(w->pool->calls, slot)->in_use)
		return -ENOENT;
	bot_event(w, VG_MSG_BOT_HANGUP, slot, gen);
	return 0;
}

/* Put json in a free API mailbox of the call table, taken until signaling answers.
 * Returns its index, or -ENOSPC (none free, or json too long: counted). */
static int bot_api_mailbox(struct bot_worker *w, const char *json)
{
	size_t len = strlen(json);
	struct cs_cmd *c;
	unsigned i = 0;

	while (i < CS_API_CMDS && (w->api_busy & (1u << i)))
		i++;
	if (i == CS_API_CMDS || len >= sizeof(c->json)) {
		w->st->cmds_dropped++;
		return -ENOSPC;
	}
	c = cs_api_cmd(w->pool->calls, i);
	c->len = (uint32_t)len;
	memcpy(c->json, json, len + 1);
	w->api_busy |= (uint16_t)(1u << i);
	w->st->cmds_sent++;
	return (int)i;
}

int bot_api_cmd(struct bot_worker *w, uint32_t slot, uint32_t gen, uint16_t type,
		const char *json)
{
	int i;

	if (!cs_gen_ok(w->pool->calls, slot, gen) || !cs_slot(w->pool->calls, slot)->in_use)
		return -ENOENT;
	i = bot_api_mailbox(w, json);
	if (i < 0)
		return i;
	bot_event_arg(w, VG_MSG_API_CMD, type, slot, gen, (unsigned)i);
	return 0;
}

int bot_api_originate(struct bot_worker *w, const char *json, void *waiter)
{
	int i = bot_api_mailbox(w, json);

	if (i < 0)
		return i;
	w->api_wait[i] = waiter;
	bot_event_arg(w, VG_MSG_API_CMD, VG_BOT_CMD_ORIGINATE, UINT32_MAX, 0, (unsigned)i);
	return i;
}

void bot_api_forget(struct bot_worker *w, unsigned i)
{
	if (i < CS_API_CMDS)
		w->api_wait[i] = NULL;
}

/* VG_MSG_API_CMD_DONE: the mailbox is free; a request waiting on it has its answer. */
static void bot_api_done(struct bot_worker *w, const struct vg_msg *m)
{
	void *waiter = w->api_wait[m->value];

	w->api_busy &= (uint16_t)~(1u << m->value);
	w->api_wait[m->value] = NULL;
	if (waiter)
		bot_api_placed(waiter, m->arg, m->slot, m->gen);
}

/* Put a command in the slot's mailbox and tell signaling. */
static void bot_cmd_post(struct bot_worker *w, struct bot_session *s, uint16_t type,
			 const char *json)
{
	struct cs_cmd *c = cs_cmd(w->pool->calls, s->slot);
	struct vg_msg m = {.type = VG_MSG_BOT_CMD, .arg = type, .slot = s->slot,
			   .gen = s->gen};

	c->len = (uint32_t)strlen(json);
	memcpy(c->json, json, c->len + 1);
	s->cmd_busy = 1;
	w->st->cmds_sent++;
	if (ring_msg_send(w->pool->rings->evt_bot[w->idx], &m) != 0)
		log_err("bot", "call %s: event ring full, bot command lost", s->call_id);
}

int bot_send_cmd(struct bot_worker *w, struct bot_session *s, uint16_t type,
		 const char *json)
{
	char *copy;

	if (strlen(json) >= sizeof(((struct cs_cmd *)0)->json) ||
	    (s->cmd_busy && s->n_cmds == BOT_CMDS_MAX)) {
		w->st->cmds_dropped++;
		return -ENOSPC;
	}
	if (!s->cmd_busy) {
		bot_cmd_post(w, s, type, json);
		return 0;
	}
	copy = strdup(json);
	if (!copy)
		return -ENOMEM;
	s->cmds[s->n_cmds].type = type;
	s->cmds[s->n_cmds++].json = copy;
	return 0;
}

/* Signaling has read the mailbox of m's slot: the next command, if one waits. */
static void bot_cmd_done(struct bot_worker *w, const struct vg_msg *m)
{
	struct bot_session *s;

	if (m->slot >= w->pool->calls->n_slots)
		return;
	s = &w->sessions[m->slot];
	if (!s->active || s->gen != m->gen)
		return;
	s->cmd_busy = 0;
	if (s->n_cmds) {
		bot_cmd_post(w, s, s->cmds[0].type, s->cmds[0].json);
		free(s->cmds[0].json);
		memmove(&s->cmds[0], &s->cmds[1], --s->n_cmds * sizeof(s->cmds[0]));
	}
}

void bot_ready(struct bot_worker *w, struct bot_session *s)
{
	bot_event(w, VG_MSG_BOT_READY, s->slot, s->gen);
}

void bot_pool_set_api_ops(struct bot_pool *p, const struct bot_api_ops *ops)
{
	__atomic_store_n(&p->api_ops, ops, __ATOMIC_RELEASE);
}

const struct bot_api_ops *bot_worker_api_ops(struct bot_worker *w)
{
	return __atomic_load_n(&w->pool->api_ops, __ATOMIC_ACQUIRE);
}

const struct cfg *bot_worker_cfg(struct bot_worker *w)
{
	return w->pool->cfg;
}

struct bot_stats *bot_worker_stats(struct bot_worker *w)
{
	return w->st;
}

struct bot_ws_loop *bot_worker_ws(struct bot_worker *w)
{
	return w->ws;
}

#define FULL_HYST_FRAMES 50 /* 1 s of 20-ms frames */

int bot_send_pcm(struct bot_worker *w, struct bot_session *s, const int16_t *pcm)
{
	uint32_t done, ahead = bot_ahead(w, s, &done);
	struct vg_frame f;

	if (s->tap[1].f)
		bot_wav_write(&s->tap[1], pcm, VG_FRAME_SAMPLES);
	bot_window(s, done, ahead + s->bl.audio);
	if (s->trim && bot_quiet(pcm)) {
		s->trim--;
		w->st->frames_trimmed++;
		return 0;
	}
	if (s->bl.audio >= w->pool->backlog_max) {
		w->st->backlog_full++;
		if (!s->full_told) {
			log_warn("bot", "call %s: the bot's audio beyond bots.backlog_s (%u s) "
				 "ahead of the caller is dropped", s->call_id,
				 w->pool->cfg->bots.backlog_s);
			if (s->ops->full)
				s->ops->full(w, s);
		}
		s->full_told = 1;
		return -ENOBUFS;
	}
	/* A run of drops ends when the backlog is a second below the bound, not when the
	 * caller has heard one more frame: a bot sending at the edge is told once. */
	if (s->bl.audio + FULL_HYST_FRAMES <= w->pool->backlog_max)
		s->full_told = 0;
	f.slot = s->slot;
	f.gen = s->gen;
	f.kind = VG_FRAME_AUDIO;
	f.samples = VG_FRAME_SAMPLES;
	f.seq = s->out_seq++;
	f.tsc = rte_rdtsc();
	memcpy(f.pcm, pcm, sizeof(f.pcm));
	return bot_out(w, s, &f, ahead);
}

/* Take slot out of a list of slots (drains, ends). */
static void bot_list_del(uint32_t *list, uint32_t *n, uint32_t slot)
{
	for (uint32_t i = 0; i < *n; i++)
		if (list[i] == slot) {
			list[i] = list[--*n];
			return;
		}
}

/* Forget the drain of s (done, timed out, or the session closes). */
static void bot_drain_forget(struct bot_worker *w, struct bot_session *s)
{
	if (!s->draining)
		return;
	s->draining = 0;
	bot_list_del(w->drains, &w->n_drains, s->slot);
}

/* The drain of s is over: tell signaling. */
static void bot_drained(struct bot_worker *w, struct bot_session *s)
{
	bot_drain_forget(w, s);
	bot_event(w, VG_MSG_BOT_DRAINED, s->slot, s->gen);
}

/*
 * VG_MSG_BOT_DRAIN: the bot's side of the call ends (its hang-up, a final update, a
 * transfer). What the bot sent is still in the call's playout queue, up to
 * dataplane.playout_ms: complete a partial frame, put a mark of the worker's own
 * behind it, and tell signaling once the dataplane gives the mark back, or after
 * playout_ms and a margin at most. A session that is gone drains at once.
 */
static void bot_drain(struct bot_worker *w, const struct vg_msg *m)
{
	struct bot_session *s = m->slot < w->pool->calls->n_slots ? &w->sessions[m->slot]
								 : NULL;

	if (!s || !s->active || s->gen != m->gen) {
		bot_event(w, VG_MSG_BOT_DRAINED, m->slot, m->gen);
		return;
	}
	if (s->draining)
		return; /* one drain at a time: the first one's answer serves */
	if (s->ops->flush)
		s->ops->flush(w, s);
	if (bot_send_mark(w, s, BOT_MARK_OWN) != 0) {
		bot_event(w, VG_MSG_BOT_DRAINED, s->slot, s->gen);
		return;
	}
	s->draining = 1;
	{
		uint32_t done, ahead = bot_ahead(w, s, &done);

		s->drain_until = rte_rdtsc() + w->pool->drain_tsc +
				 (ahead + s->bl.audio) * w->pool->frame_tsc;
	}
	w->drains[w->n_drains++] = s->slot;
}

static void bot_builtin_end(struct bot_worker *w, struct bot_session *s);

/* Drains whose mark did not come back in time: let signaling go on; built-in bots
 * whose end_after_ms has come: their end. Every BOT_DRAIN_CHECK_MS at most. */
static void bot_timers_check(struct bot_worker *w)
{
	uint64_t now = rte_rdtsc();

	if (now < w->next_timer_check)
		return;
	w->next_timer_check = now + rte_get_tsc_hz() / 1000 * BOT_DRAIN_CHECK_MS;
	for (uint32_t i = 0; i < w->n_ends;) {
		struct bot_session *s = &w->sessions[w->ends[i]];

		if ((int64_t)(now - s->end_at) < 0) {
			i++;
			continue;
		}
		w->ends[i] = w->ends[--w->n_ends];
		s->end_at = 0;
		bot_builtin_end(w, s);
	}
	for (uint32_t i = 0; i < w->n_drains;) {
		struct bot_session *s = &w->sessions[w->drains[i]];

		if ((int64_t)(now - s->drain_until) < 0) {
			i++;
			continue;
		}
		log_warn("bot", "call %s: the bot's last audio did not play out in time "
			 "(what was queued, and 500 ms more)", s->call_id);
		bot_drained(w, s); /* takes s out of the list: i now holds the next */
	}
}

/* VG_MSG_BOT_RESULT: how a command went, for the bot. */
static void bot_result(struct bot_worker *w, const struct vg_msg *m)
{
	struct bot_session *s;

	if (m->slot >= w->pool->calls->n_slots)
		return;
	s = &w->sessions[m->slot];
	if (!s->active || s->gen != m->gen) {
		w->st->ctl_stale++;
		return;
	}
	log_info("bot", "call %s: %s (status %u, %s)", s->call_id,
		 m->arg == VG_RES_UPDATE_FAILED ? "the update failed" :
		 m->arg == VG_RES_TRANSFER_ACCEPTED ? "the transfer was accepted" :
		 "the transfer failed", VG_RESULT_STATUS(m->value),
		 vg_reason_name(VG_RESULT_REASON(m->value)));
	if (s->ops->result)
		s->ops->result(w, s, m->arg, VG_RESULT_STATUS(m->value),
			       VG_RESULT_REASON(m->value));
}

/* A built-in bot's end, as its agent says (end_after_ms): a transfer, a final
 * update, or a hang-up. */
static void bot_builtin_end(struct bot_worker *w, struct bot_session *s)
{
	const struct cfg_agent *a = &w->pool->cfg->bots.agents[cs_slot(w->pool->calls,
									   s->slot)->media.agent];
	char json[CS_CMD_MAX];

	log_info("bot", "call %s: agent '%s' ends the call after %u ms%s", s->call_id, a->id,
		 a->end_after_ms, a->end_transfer ? " with a transfer" :
		 a->end_update ? " with a final update" : "");
	if (a->end_transfer) {
		bot_send_cmd(w, s, VG_BOT_CMD_TRANSFER, a->end_transfer);
		return;
	}
	if (a->end_update) {
		snprintf(json, sizeof(json), "{\"final\":true,\"payload\":%s}", a->end_update);
		bot_send_cmd(w, s, VG_BOT_CMD_UPDATE, json);
		return;
	}
	bot_hangup(w, s);
}

static void bot_session_close(struct bot_worker *w, struct bot_session *s)
{
	if (!s->active)
		return;
	bot_drain_forget(w, s);
	if (s->end_at) {
		bot_list_del(w->ends, &w->n_ends, s->slot);
		s->end_at = 0;
	}
	if (s->ops && s->ops->close)
		s->ops->close(s);
	bot_backlog_drop(w, s);
	if (s->pumping) {
		bot_list_del(w->pumps, &w->n_pumps, s->slot);
		s->pumping = 0;
	}
	for (unsigned i = 0; i < s->n_cmds; i++)
		free(s->cmds[i].json);
	s->n_cmds = 0;
	bot_wav_close(&s->tap[0]);
	bot_wav_close(&s->tap[1]);
	s->active = 0;
	w->st->sessions_stopped++;
	w->st->sessions_active--;
}

static void bot_start(struct bot_worker *w, const struct vg_msg *m)
{
	struct bot_pool *p = w->pool;
	const struct cs_media *md;
	struct bot_session *s;
	int rc;

	if (!cs_gen_ok(p->calls, m->slot, m->gen)) {
		w->st->ctl_stale++;
		return;
	}
	md = &cs_slot(p->calls, m->slot)->media;
	s = &w->sessions[m->slot];
	bot_session_close(w, s);
	memset(s, 0, sizeof(*s));
	s->slot = m->slot;
	s->gen = m->gen;
	s->call_id = md->call_id;
	s->context = cs_ctx(p->calls, m->slot);
	s->lcore = md->lcore < p->rings->n_lcores ? md->lcore : 0;
	s->worker = w;
	s->ops = md->agent < p->cfg->bots.n_agents
			 ? bot_ops_for(&p->cfg->bots.agents[md->agent]) : NULL;
	rc = s->ops ? s->ops->open(s, &p->cfg->bots.agents[md->agent]) : -ENOENT;
	if (rc) {
		w->st->open_failed++;
		log_err("bot", "call %s: bot session for agent %u failed to open: %s",
			md->call_id, md->agent, strerror(-rc));
		bot_event(w, VG_MSG_BOT_HANGUP, m->slot, m->gen);
		return;
	}
	s->active = 1;
	if (p->cfg->bots.agents[md->agent].builtin != CFG_BOT_NONE &&
	    p->cfg->bots.agents[md->agent].end_after_ms) {
		s->end_at = rte_rdtsc() + rte_get_tsc_hz() / 1000 *
					      p->cfg->bots.agents[md->agent].end_after_ms;
		w->ends[w->n_ends++] = s->slot;
	}
	w->st->sessions_started++;
	w->st->sessions_active++;
	{
		/* a recording of both directions: record_dir, or the record bot's dir */
		const struct cfg_agent *a = &p->cfg->bots.agents[md->agent];
		const char *dir = a->record_dir[0] ? a->record_dir
				  : a->builtin == CFG_BOT_RECORD ? a->dir : NULL;

		if (dir && bot_wav_open(&s->tap[0], dir, s->call_id, "caller") == 0 &&
		    bot_wav_open(&s->tap[1], dir, s->call_id, "bot") == 0)
			log_info("bot", "call %s: recording both directions in %s", s->call_id,
				 dir);
	}
	if (!s->ops->ready_later)
		bot_ready(w, s);
}

static void bot_stop(struct bot_worker *w, const struct vg_msg *m)
{
	struct bot_session *s;

	if (!cs_gen_ok(w->pool->calls, m->slot, m->gen)) {
		w->st->ctl_stale++;
		return;
	}
	s = &w->sessions[m->slot];
	if (s->gen == m->gen)
		bot_session_close(w, s);
	bot_event(w, VG_MSG_BOT_STOPPED, m->slot, m->gen);
}

static unsigned bot_ctl_poll(struct bot_worker *w)
{
	struct vg_msg msgs[BOT_CTL_DRAIN_MAX];
	unsigned n = ring_msg_recv(w->pool->rings->ctl_bot[w->idx], msgs,
				    BOT_CTL_DRAIN_MAX);

	for (unsigned i = 0; i < n; i++) {
		if (msgs[i].type == VG_MSG_BOT_START)
			bot_start(w, &msgs[i]);
		else if (msgs[i].type == VG_MSG_BOT_STOP)
			bot_stop(w, &msgs[i]);
		else if (msgs[i].type == VG_MSG_BOT_CMD_DONE)
			bot_cmd_done(w, &msgs[i]);
		else if (msgs[i].type == VG_MSG_BOT_DRAIN)
			bot_drain(w, &msgs[i]);
		else if (msgs[i].type == VG_MSG_BOT_RESULT)
			bot_result(w, &msgs[i]);
		else if (msgs[i].type == VG_MSG_API_CMD_DONE && msgs[i].value < CS_API_CMDS)
			bot_api_done(w, &msgs[i]);
		else
			w->st->ctl_stale++;
	}
	return n;
}

/* Ask for the session of frame f's call: its first line holds what the frame reads. */
static inline void bot_session_prefetch(const struct bot_worker *w,
					const struct vg_frame *f)
{
	if (f->slot < w->pool->calls->n_slots)
		rte_prefetch0(&w->sessions[f->slot]);
}

/* The caller's frames from dp lcore l, each to its session's bot. Back-pressure: no
 * more frames are taken than the ring back to lcore l has room for (an echo answers
 * each with one), none while frames for it are still staged. A dp lcore slow to take
 * the bots' frames (catching up after this worker was held up) leaves the callers'
 * frames waiting in the ring from it, bots.ring_ms deep, instead of dropping answers. */
static unsigned bot_frames_poll(struct bot_worker *w, unsigned l)
{
	struct bot_pool *p = w->pool;
	unsigned room, n;
	uint64_t now;

	if (bot_flush(w, l))
		return 0;
	room = rte_ring_free_count(p->rings->to_dp[w->idx][l]);
	n = ring_frame_recv(p->rings->to_bot[l][w->idx], w->in,
			    RTE_MIN(room, (unsigned)BOT_BURST));
	now = n ? rte_rdtsc() : 0;

	/* each frame's session, BOT_PREFETCH frames ahead */
	for (unsigned i = 0; i < n && i < BOT_PREFETCH; i++)
		bot_session_prefetch(w, &w->in[i]);
	for (unsigned i = 0; i < n; i++) {
		const struct vg_frame *f = &w->in[i];
		struct bot_session *s;

		if (i + BOT_PREFETCH < n)
			bot_session_prefetch(w, &w->in[i + BOT_PREFETCH]);
		if (f->slot >= p->calls->n_slots) {
			w->st->frames_stale++;
			continue;
		}
		s = &w->sessions[f->slot];
		if (!s->active || s->gen != f->gen) {
			/* BOT_START is sent before CALL_START, so a frame can only outrun
			 * it when this loop has not polled control yet: poll once more. */
			bot_ctl_poll(w);
			if (!s->active || s->gen != f->gen) {
				w->st->frames_stale++;
				continue;
			}
		}
		if (f->kind == VG_FRAME_DTMF) {
			w->st->dtmf_in++;
			if (s->ops->dtmf)
				s->ops->dtmf(w, s, f->dtmf.event, f->dtmf.duration_ms);
			continue;
		}
		if (f->kind == VG_FRAME_MARK) {
			if (f->seq & BOT_MARK_OWN) {
				if (s->draining)
					bot_drained(w, s);
			} else if (s->ops->mark) {
				s->ops->mark(w, s, f->seq);
			}
			continue;
		}
		w->st->frames_in++;
		if (s->bl.n) /* the call played a frame: the next waits */
			bot_pump(w, s);
		if (s->tap[0].f)
			bot_wav_write(&s->tap[0], f->pcm, f->samples);
		if (f->tsc)
			lat_add_tsc(&w->st->in_to_bot, now - f->tsc, w->pool->lat_mult);
		s->ops->frame(w, s, f);
	}
	return n;
}

/* "0,2-5" for a CPU set. */
static void bot_cpu_list(const cpu_set_t *cpus, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (int c = 0; c < CPU_SETSIZE && n < size; c++) {
		int last = c;

		if (!CPU_ISSET(c, cpus))
			continue;
		while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, cpus))
			last++;
		if (last > c)
			n += (size_t)snprintf(out + n, size - n, "%s%d-%d", n ? "," : "", c, last);
		else
			n += (size_t)snprintf(out + n, size - n, "%s%d", n ? "," : "", c);
		c = last;
	}
}

static void *bot_worker_main(void *arg)
{
	struct bot_worker *w = arg;
	struct bot_pool *p = w->pool;
	const struct timespec idle = {.tv_nsec = BOT_IDLE_SLEEP_NS};

	/* The idle nap must be about what it says: Linux stretches sleeps by the
	 * thread's timer slack, 50 us by default. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	{
		bool api = w->idx == 0 && p->cfg->bots.api_port, ws = api;

		for (unsigned i = 0; i < p->cfg->bots.n_agents; i++)
			ws |= p->cfg->bots.agents[i].builtin == CFG_BOT_NONE;
		if (ws)
			w->ws = bot_ws_loop_create(p->cfg, w, api);
		if (ws && !w->ws)
			log_err("bot", "worker %u: no libwebsockets context%s: calls to "
				"WebSocket bots will fail", w->idx,
				api ? " (is the API's address:port free?)" : "");
		else if (api)
			log_info("bot", "HTTP API on http://%s:%u/ (Twilio's call hang-up)",
				 p->cfg->bots.api_address, p->cfg->bots.api_port);
	}
	{
		cpu_set_t cpus;
		char list[128] = "?";

		if (pthread_getaffinity_np(pthread_self(), sizeof(cpus), &cpus) == 0)
			bot_cpu_list(&cpus, list, sizeof(list));
		log_info("bot", "worker %u running on CPU(s) %s", w->idx, list);
	}
	__atomic_store_n(&w->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&p->quit, __ATOMIC_RELAXED)) {
		unsigned work = bot_ctl_poll(w);

		/* without waiting: the rings need the thread too */
		if (w->ws)
			work += bot_ws_loop_run(w->ws);
		for (unsigned l = 0; l < p->rings->n_lcores; l++)
			work += bot_frames_poll(w, l);
		if (w->n_drains || w->n_ends)
			bot_timers_check(w);
		if (w->n_pumps)
			bot_pumps_run(w, rte_rdtsc());
		for (unsigned l = 0; l < p->rings->n_lcores; l++)
			bot_flush(w, l);
		if (!work)
			nanosleep(&idle, NULL);
	}
	for (uint32_t i = 0; i < p->calls->n_slots; i++)
		bot_session_close(w, &w->sessions[i]);
	if (w->ws) {
		/* let the stop messages and close frames go out, a little */
		for (unsigned i = 0; i < 20; i++)
			bot_ws_loop_run(w->ws), nanosleep(&idle, NULL);
		bot_ws_loop_destroy(w->ws);
		w->ws = NULL;
	}
	log_info("bot", "worker %u stopped", w->idx);
	return NULL;
}

int bot_pool_create(struct bot_pool **out, const struct cfg *cfg, struct cs_table *calls,
		    struct ring_set *rings)
{
	struct bot_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->cfg = cfg;
	p->calls = calls;
	p->rings = rings;
	p->n_workers = rings->n_workers;
	p->lat_mult = lat_tsc_mult(rte_get_tsc_hz());
	p->drain_tsc = rte_get_tsc_hz() / 1000 * (cfg->dp.playout_ms + 500);
	p->frame_tsc = rte_get_tsc_hz() / 50;
	p->ahead_max = RTE_MIN(cfg->bots.ring_ms, cfg->dp.playout_ms) / 20;
	p->backlog_max = cfg->bots.backlog_s * 50;
	p->stats_size = sizeof(*p->stats_file) + p->n_workers * sizeof(struct bot_stats);
	p->stats_file = shm_create(BOT_STATS_KIND, p->stats_size, p->stats_path);
	if (!p->stats_file) {
		int rc = -errno;

		log_err("bot", "stats file %s: %s", p->stats_path, strerror(errno));
		free(p);
		return rc;
	}
	p->stats_file->version = BOT_STATS_VERSION;
	p->stats_file->n_workers = p->n_workers;
	p->stats_file->worker_size = sizeof(struct bot_stats);
	p->stats_file->tsc_hz = rte_get_tsc_hz();
	__atomic_store_n(&p->stats_file->magic, BOT_STATS_MAGIC, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < p->n_workers; i++) {
		struct bot_worker *w = calloc(1, sizeof(*w));
		size_t bytes = calls->n_slots * sizeof(*w->sessions);

		if (!w || !(w->sessions = aligned_alloc(alignof(struct bot_session), bytes)) ||
		    !(w->drains = calloc(calls->n_slots, sizeof(*w->drains))) ||
		    !(w->ends = calloc(calls->n_slots, sizeof(*w->ends))) ||
		    !(w->pumps = calloc(calls->n_slots, sizeof(*w->pumps)))) {
			if (w) {
				free(w->sessions);
				free(w->drains);
				free(w->ends);
			}
			free(w);
			bot_pool_destroy(p);
			return -ENOMEM;
		}
		memset(w->sessions, 0, bytes);
		w->pool = p;
		w->idx = i;
		w->st = &p->stats_file->workers[i];
		p->w[i] = w;
	}
	*out = p;
	return 0;
}

/* Workers are EAL control threads: they run on the CPUs the process may use that no
 * lcore is pinned to (all of them the main lcore's CPU when there are none), not on
 * the main lcore's CPU alone as a plain thread of the main lcore would. */
int bot_pool_start(struct bot_pool *p)
{
	for (unsigned i = 0; i < p->n_workers; i++) {
		char name[24]; /* the kernel keeps 15 characters */
		int rc;

		snprintf(name, sizeof(name), "vg-bot%u", i);
		rc = rte_ctrl_thread_create(&p->w[i]->thread, name, NULL, bot_worker_main,
					    p->w[i]);
		if (rc) {
			bot_pool_stop(p);
			return rc < 0 ? rc : -rc;
		}
		p->w[i]->started = 1;
	}
	/* calls are taken once every worker polls its rings (10 s at most: building a
	 * libwebsockets context is the slow part) */
	for (unsigned i = 0; i < p->n_workers; i++) {
		const struct timespec step = {0, 1000000};
		unsigned ms = 0;

		while (!__atomic_load_n(&p->w[i]->ready, __ATOMIC_ACQUIRE) && ms++ < 10000)
			nanosleep(&step, NULL);
		if (!p->w[i]->ready) {
			log_err("bot", "worker %u did not start in 10 s", i);
			bot_pool_stop(p);
			return -ETIMEDOUT;
		}
	}
	return 0;
}

void bot_pool_stop(struct bot_pool *p)
{
	__atomic_store_n(&p->quit, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < p->n_workers; i++) {
		if (p->w[i] && p->w[i]->started) {
			pthread_join(p->w[i]->thread, NULL);
			p->w[i]->started = 0;
		}
	}
}

void bot_pool_destroy(struct bot_pool *p)
{
	if (!p)
		return;
	bot_pool_stop(p);
	for (unsigned i = 0; i < RING_MAX_WORKERS; i++) {
		if (p->w[i]) {
			free(p->w[i]->sessions);
			free(p->w[i]->drains);
			free(p->w[i]->ends);
			free(p->w[i]->pumps);
		}
		free(p->w[i]);
	}
	shm_destroy(p->stats_file, p->stats_size, p->stats_path);
	free(p);
}

const struct bot_stats *bot_pool_stats(const struct bot_pool *p, unsigned i)
{
	return i < p->n_workers ? p->w[i]->st : NULL;
}
