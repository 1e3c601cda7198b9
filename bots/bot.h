/*
 * bot.h: bot workers, the threads that carry calls' audio to and from bots.
 *
 * A worker runs one loop over many bot sessions: it takes control messages from
 * signaling (VG_MSG_BOT_START / VG_MSG_BOT_STOP), frames from every dp lcore's frame
 * ring, hands each frame to the session's bot, and sends the bot's frames back to
 * the call's dp lcore. A session is bound to one worker for its life (the worker
 * index signaling wrote into the call slot). Workers never touch signaling's or the
 * dataplane's structures: only the call table (read) and the rings.
 *
 * bot_pool_create() and bot_pool_start() run on the main thread at boot; the pool
 * owns its threads and memory until bot_pool_destroy().
 */
#ifndef VG_BOT_H
#define VG_BOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "bots/backlog.h"
#include "bots/bot_stats-t.h"
#include "config/cfg.h"
#include "shared/cs.h"
#include "shared/msg-t.h"
#include "shared/ring.h"

#define BOT_CMDS_MAX 4 /* a bot's commands waiting while signaling reads one */

struct bot_pool;
struct bot_worker;
struct bot_session;

/* What a bot implementation provides. Called on its worker's thread only. */
struct bot_ops {
	const char *name;
	/* Open the session for agent a; set s->state. Returns 0 or -errno. Unless
	 * ready_later is set the bot takes audio at once; otherwise it calls
	 * bot_ready() when it does (signaling answers the call only then). */
	int (*open)(struct bot_session *s, const struct cfg_agent *a);
	bool ready_later;
	/* One 20 ms frame of the caller's audio. */
	void (*frame)(struct bot_worker *w, struct bot_session *s, const struct vg_frame *f);
	/* A key press of the caller (RFC 4733), when it ended: event code (0-9, 10 '*',
	 * 11 '#', 12-15 A-D, 16 flash; vg_dtmf_char() names it). Optional. */
	void (*dtmf)(struct bot_worker *w, struct bot_session *s, uint8_t event,
		     unsigned duration_ms);
	/* The audio before mark id (bot_send_mark) has been played, or cleared.
	 * Optional. */
	void (*mark)(struct bot_worker *w, struct bot_session *s, uint32_t id);
	/* The bot's side of the call ends: send what is short of a whole frame
	 * (completed with silence), so that it plays out too. Optional. */
	void (*flush)(struct bot_worker *w, struct bot_session *s);
	/* How a command of the bot went (enum vg_bot_result, a SIP status or 0, an enum
	 * vg_reason), to tell the bot. Optional. */
	void (*result)(struct bot_worker *w, struct bot_session *s, unsigned result,
		       unsigned status, unsigned reason);
	/* The bot's audio beyond bots.backlog_s ahead of the caller is being dropped
	 * (once for each run of drops). Optional. */
	void (*full)(struct bot_worker *w, struct bot_session *s);
	/* Release s->state. */
	void (*close)(struct bot_session *s);
};

/* A recording (wav.c). */
struct bot_wav {
	FILE *f;
	uint32_t bytes;
};

/*
 * Open DIR/<Call-ID>-<what>.wav (the Call-ID's characters other than letters, digits,
 * '-', '_', '.' and '@' become '_') for 8 kHz mono PCM16. Returns 0 or -errno (logged).
 */
int bot_wav_open(struct bot_wav *w, const char *dir, const char *call_id, const char *what);
void bot_wav_write(struct bot_wav *w, const int16_t *pcm, unsigned n);
/* Fill in the header's sizes and close; nothing when w is not open. */
void bot_wav_close(struct bot_wav *w);

/* A bot session: one call on one worker. What every frame touches comes first and
 * fills one cache line (the sessions are cache-line aligned); the rest is for set-up,
 * commands and logs. */
struct bot_session {
	const struct bot_ops *ops;
	void *state;
	struct bot_wav tap[2]; /* recording: [0] the caller's frames, [1] the bot's */
	uint32_t slot;
	uint32_t gen;
	uint32_t out_seq;   /* frames sent towards the caller */
	uint16_t lcore;     /* dp lcore of the call */
	uint8_t active;
	/* 64 bytes above */
	const char *call_id; /* SIP Call-ID (in the call table), for logs */
	const char *context; /* the call context, JSON (in the call table, read-only) */
	struct bot_worker *worker;
	uint8_t cmd_busy;   /* the slot's mailbox holds a command signaling has not read */
	uint8_t n_cmds;     /* commands waiting for the mailbox */
	uint8_t draining;   /* VG_MSG_BOT_DRAIN: waiting for the drain mark */
	uint64_t drain_until; /* TSC: DRAINED is sent by then, mark or not */
	uint64_t end_at;    /* built-in bots: TSC of the agent's end (end_after_ms), 0:
			     * none */
	/* The bot's frames towards the caller beyond what the dp lcore holds (bots.ring_ms
	 * of audio), and what tells how far ahead the call is (bot.c). */
	struct backlog bl;
	uint32_t dp_sent;   /* audio frames handed to the lcore, in its count */
	uint32_t win_done;  /* the lcore's count when the window began (bot_window) */
	uint16_t win_in;    /* the bot's audio frames in the window */
	uint16_t win_min;   /* the least audio ahead of the caller seen in it */
	uint16_t prev_min;  /* win_min of the window before, 0 when it was not paced */
	uint16_t trim;      /* quiet frames to drop: the standing queue */
	uint8_t dp_live;    /* the lcore has taken the call: its count is ours */
	uint8_t pumping;    /* in the worker's list of sessions with a backlog */
	uint8_t full_told;  /* the bot was told its audio is dropped (bots.backlog_s) */
	struct {
		uint16_t type;
		char *json;
	} cmds[BOT_CMDS_MAX];
} __attribute__((aligned(64)));

/*
 * Build cfg->bots.workers workers over the call table and rings (not started).
 * Returns 0 and *out, or -ENOMEM.
 */
int bot_pool_create(struct bot_pool **out, const struct cfg *cfg, struct cs_table *calls,
		    struct ring_set *rings);

/* Start the worker threads and wait until each polls its rings (10 s at most).
 * Returns 0 or -errno (threads started so far are stopped again). */
int bot_pool_start(struct bot_pool *p);

/* Stop and join the worker threads, closing every open session. */
void bot_pool_stop(struct bot_pool *p);

/* Free the pool (stopped first if needed). */
void bot_pool_destroy(struct bot_pool *p);

/* Counters of worker i, or NULL. */
const struct bot_stats *bot_pool_stats(const struct bot_pool *p, unsigned i);

/*
 * Queue one frame of PCM (VG_FRAME_SAMPLES samples) towards the caller of s, in
 * order: the dp lcore holds the next few frames of the call, the rest waits in the
 * session's backlog (bots.backlog_s at most) and is handed on as the caller hears
 * it. A standing queue of a bot that sends in real time is trimmed (bot.c,
 * bot_window). Returns 0, or -ENOBUFS when the frame was dropped (counted in
 * backlog_full or frames_ring_full), -ENOMEM.
 */
int bot_send_pcm(struct bot_worker *w, struct bot_session *s, const int16_t *pcm);

/*
 * Queue a key press (event code, duration in ms) towards the caller of s; the
 * dataplane sends it as RFC 4733 telephone-events in place of audio (and counts a
 * drop when the call negotiated no telephone-event). Returns 0 or -ENOBUFS.
 */
int bot_send_dtmf(struct bot_worker *w, struct bot_session *s, uint8_t event,
		  unsigned duration_ms);

/*
 * Queue a mark towards the caller of s: the dataplane gives id back (ops->mark) once
 * the audio queued before it has been played, or cleared. Returns 0 or -ENOBUFS.
 */
int bot_send_mark(struct bot_worker *w, struct bot_session *s, uint32_t id);

/* Drop the audio of s that the caller has not heard yet; pending marks come back.
 * Returns 0 or -ENOBUFS. */
int bot_send_clear(struct bot_worker *w, struct bot_session *s);

/* The bot ends the call: signaling lets its audio play out, then ends the bot's side
 * as the trunk says (BYE, a hand-back notification, ...), or refuses the call before
 * its answer. */
void bot_hangup(struct bot_worker *w, struct bot_session *s);

/* The same, when the bot failed (unreachable, refused, an error): the call's outcome
 * is "failed". */
void bot_fail(struct bot_worker *w, struct bot_session *s);

/*
 * Hand signaling a command of the bot of s (enum vg_bot_cmd) as JSON text. Commands
 * reach signaling in order, one at a time through the slot's mailbox; up to
 * BOT_CMDS_MAX wait meanwhile. Returns 0, -ENOSPC (too many waiting, or longer than
 * the mailbox) or -ENOMEM.
 */
int bot_send_cmd(struct bot_worker *w, struct bot_session *s, uint16_t type,
		 const char *json);

/* The bot of s takes the call's audio now (see bot_ops.ready_later). */
void bot_ready(struct bot_worker *w, struct bot_session *s);

/* The configuration the worker runs with. */
const struct cfg *bot_worker_cfg(struct bot_worker *w);

/* Counters of the worker, for the bot implementations to count in. */
struct bot_stats *bot_worker_stats(struct bot_worker *w);

/* The worker's WebSocket loop (created with the worker), or NULL. */
struct bot_ws_loop *bot_worker_ws(struct bot_worker *w);

/* The built-in bots, and WebSocket bots (bot_ws.c). */
extern const struct bot_ops bot_echo_ops;
extern const struct bot_ops bot_null_ops, bot_play_ops, bot_record_ops;
extern const struct bot_ops bot_ws_ops;

/*
 * End the call in slot (with generation gen) as if its bot had hung up, from any
 * session of worker w (the HTTP API). Returns 0, or -ENOENT when no such call is up.
 */
int bot_hangup_call(struct bot_worker *w, uint32_t slot, uint32_t gen);

/*
 * Hand signaling a command (enum vg_bot_cmd, JSON) for the call in slot (generation
 * gen) from the HTTP API of worker w, through an API mailbox (cs_api_cmd). Returns 0,
 * -ENOENT when no such call is up, -ENOSPC when every mailbox is busy or the JSON
 * does not fit.
 */
int bot_api_cmd(struct bot_worker *w, uint32_t slot, uint32_t gen, uint16_t type,
		const char *json);

/*
 * Hand signaling a request to place a call (VG_BOT_CMD_ORIGINATE's JSON) through an
 * API mailbox; the answer (VG_MSG_API_CMD_DONE) reaches waiter (the HTTP request's
 * wsi) through bot_api_placed(). Returns the mailbox, or -ENOSPC.
 */
int bot_api_originate(struct bot_worker *w, const char *json, void *waiter);

/* The request waiting on mailbox i is gone (its connection closed). */
void bot_api_forget(struct bot_worker *w, unsigned i);

/* Signaling's answer to the originate request of waiter (bot_api.c): enum vg_orig,
 * and the call's slot and generation. */
void bot_api_placed(void *waiter, unsigned result, uint32_t slot, uint32_t gen);

/*
 * A worker's WebSocket loop (bot_ws.c): its libwebsockets context on a libev loop
 * (epoll), created, run and destroyed on the worker's own thread; with api set it
 * also serves the HTTP API (bot_api.c) on cfg->bots.api_address:api_port. NULL when
 * no context can be made. bot_ws_loop_run() services what is ready without waiting
 * and returns how many callbacks had work (0: the worker may nap).
 */
struct bot_ws_loop;
struct bot_ws_loop *bot_ws_loop_create(const struct cfg *cfg, struct bot_worker *w, bool api);
unsigned bot_ws_loop_run(struct bot_ws_loop *l);
struct lws_context *bot_ws_loop_lws(struct bot_ws_loop *l);
void bot_ws_loop_destroy(struct bot_ws_loop *l);

/*
 * What the HTTP API serves operators besides the bots' calls (app/ops.c), called on
 * the API's worker: each body is the callee's to build and the API's to free. Set
 * once voxgate is up; until then those paths answer 503.
 */
struct bot_api_ops {
	void *arg;
	char *(*metrics)(void *arg, size_t *len);                 /* Prometheus text */
	json_t *(*calls)(void *arg);                              /* every call */
	json_t *(*call)(void *arg, uint32_t slot, uint32_t gen);  /* NULL: none */
	json_t *(*stats)(void *arg);                              /* every counter */
	void (*drain)(void *arg, bool on);                        /* new calls or not */
};

void bot_pool_set_api_ops(struct bot_pool *p, const struct bot_api_ops *ops);

/* The operators' side of the API, NULL until set. */
const struct bot_api_ops *bot_worker_api_ops(struct bot_worker *w);

/* The HTTP API's libwebsockets callback and its per-request memory (bot_api.c). */
#define BOT_API_REQ_SIZE 640
int bot_api_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
	       size_t len);

#endif
