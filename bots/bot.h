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

#include <stdint.h>

#include "config/cfg.h"
#include "shared/cs.h"
#include "shared/msg-t.h"
#include "shared/ring.h"

#define BOT_LAT_US 2000 /* latency histogram: 1 us buckets, the last one "or more" */

/* Counters of one worker. W: that worker. */
struct bot_stats {
	uint64_t sessions_started;
	uint64_t sessions_stopped;
	uint64_t sessions_active;
	uint64_t frames_in;
	uint64_t dtmf_in;
	uint64_t frames_out;
	uint64_t frames_stale;    /* frames for a session that is gone or not ours */
	uint64_t frames_ring_full; /* bot frames dropped: ring to dp lcore full */
	uint64_t ctl_stale;
	uint64_t open_failed;
	/* Dataplane latency of the caller's frames: packet taken from the port by its
	 * dp lcore -> frame taken from the ring by this worker, in microseconds. */
	uint64_t lat_us[BOT_LAT_US + 1];
};

struct bot_pool;
struct bot_worker;
struct bot_session;

/* What a bot implementation provides. Called on its worker's thread only. */
struct bot_ops {
	const char *name;
	/* Open the session for agent a; set s->state. Returns 0 or -errno. */
	int (*open)(struct bot_session *s, const struct cfg_agent *a);
	/* One 20 ms frame of the caller's audio. */
	void (*frame)(struct bot_worker *w, struct bot_session *s, const struct vg_frame *f);
	/* A key press of the caller (RFC 4733), when it ended: event code (0-9, 10 '*',
	 * 11 '#', 12-15 A-D, 16 flash; vg_dtmf_char() names it). Optional. */
	void (*dtmf)(struct bot_worker *w, struct bot_session *s, uint8_t event,
		     unsigned duration_ms);
	/* Release s->state. */
	void (*close)(struct bot_session *s);
};

/* A bot session: one call on one worker. */
struct bot_session {
	const char *call_id; /* SIP Call-ID (in the call table), for logs */
	const char *context; /* the call context, JSON (in the call table, read-only) */
	uint32_t slot;
	uint32_t gen;
	uint16_t lcore;     /* dp lcore of the call */
	uint8_t active;
	uint32_t out_seq;   /* frames sent towards the caller */
	const struct bot_ops *ops;
	void *state;
};

/*
 * Build cfg->bots.workers workers over the call table and rings (not started).
 * Returns 0 and *out, or -ENOMEM.
 */
int bot_pool_create(struct bot_pool **out, const struct cfg *cfg, struct cs_table *calls,
		    struct ring_set *rings);

/* Start the worker threads. Returns 0 or -errno (threads started so far are
 * stopped again). */
int bot_pool_start(struct bot_pool *p);

/* Stop and join the worker threads, closing every open session. */
void bot_pool_stop(struct bot_pool *p);

/* Free the pool (stopped first if needed). */
void bot_pool_destroy(struct bot_pool *p);

/* Counters of worker i, or NULL. */
const struct bot_stats *bot_pool_stats(const struct bot_pool *p, unsigned i);

/*
 * Queue one frame of PCM (VG_FRAME_SAMPLES samples) towards the caller of s. The
 * frame is sent with the worker's next flush, in order. Returns 0, or -ENOBUFS when
 * the frame was dropped (counted in frames_ring_full).
 */
int bot_send_pcm(struct bot_worker *w, struct bot_session *s, const int16_t *pcm);

/*
 * Queue a key press (event code, duration in ms) towards the caller of s; the
 * dataplane sends it as RFC 4733 telephone-events in place of audio (and counts a
 * drop when the call negotiated no telephone-event). Returns 0 or -ENOBUFS.
 */
int bot_send_dtmf(struct bot_worker *w, struct bot_session *s, uint8_t event,
		  unsigned duration_ms);

/* The built-in bots. */
extern const struct bot_ops bot_echo_ops;

#endif
