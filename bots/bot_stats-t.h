/*
 * bot_stats-t.h: the bot workers' counters and the layout of their stats file (types
 * only), for the workers that count into it and for tools/vgstat and tools/vgload,
 * which read it from another process without linking the workers (or libwebsockets).
 */
#ifndef VG_BOT_STATS_T_H
#define VG_BOT_STATS_T_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/lat.h"

/* Counters of one worker, as one list (vgstat prints them by name). */
#define BOT_COUNTER_LIST(X)                                                       \
	X(sessions_started)                                                       \
	X(sessions_stopped)                                                       \
	X(sessions_active)                                                        \
	X(frames_in)                                                              \
	X(dtmf_in)                                                                \
	X(frames_out)                                                             \
	X(frames_stale)     /* frames for a session that is gone or not ours */   \
	X(frames_ring_full) /* bot frames dropped: ring to dp lcore full */       \
	X(backlog_full)     /* bot frames dropped: bots.backlog_s ahead already */ \
	X(frames_trimmed)   /* bot frames dropped: a real-time bot's standing queue */ \
	X(backlog_bytes)    /* memory the sessions' backlogs hold now */          \
	X(ctl_stale)                                                              \
	X(open_failed)                                                            \
	X(ws_connected)     /* WebSocket bots whose handshake completed */       \
	X(ws_failed)        /* WebSocket bots unreachable, timed out or refused */ \
	X(ws_closed)        /* WebSocket bots that closed mid-call */             \
	X(bot_msgs_in)      /* messages from WebSocket bots */                    \
	X(bot_msgs_bad)     /* of them: bad JSON, base64, kind or size (dropped) */ \
	X(cmds_sent)        /* bot commands handed to signaling */                \
	X(cmds_dropped)     /* bot commands beyond BOT_CMDS_MAX waiting, or too long */

/* The counters of one worker. W: that worker. */
struct bot_stats {
#define BOT_COUNTER_FIELD(name) uint64_t name;
	BOT_COUNTER_LIST(BOT_COUNTER_FIELD)
#undef BOT_COUNTER_FIELD
	/* Dataplane latency of the caller's frames: packet taken from the port by its
	 * dp lcore -> frame taken from the ring by this worker. */
	struct lat_hist in_to_bot;
} __attribute__((aligned(64)));

/*
 * The bot stats file: /dev/shm/voxgate-<pid>.bots (base/shm.h), a header then one
 * struct bot_stats per worker, which the workers count straight into; any process
 * can read it while they run (tools/vgstat).
 */
#define BOT_STATS_MAGIC 0x54424756u /* "VGBT" */
#define BOT_STATS_KIND "bots"
#define BOT_STATS_VERSION 4

#define BOT_COUNTER_COUNT (offsetof(struct bot_stats, in_to_bot) / sizeof(uint64_t))

/* Name of counter i (0 .. BOT_COUNTER_COUNT-1) and its value in st. */
const char *bot_counter_name(unsigned i);
static inline uint64_t bot_counter(const struct bot_stats *st, unsigned i)
{
	return ((const uint64_t *)st)[i];
}

struct bot_stats_file {
	uint32_t magic;
	uint32_t version;     /* BOT_STATS_VERSION */
	uint32_t n_workers;
	uint32_t worker_size; /* sizeof(struct bot_stats) */
	uint64_t tsc_hz;
	struct bot_stats workers[] __attribute__((aligned(64)));
};

/* Whether a bot stats file of size bytes mapped at f is one this build can read. */
static inline bool bot_stats_file_ok(const struct bot_stats_file *f, size_t size)
{
	return size >= sizeof(*f) &&
	       __atomic_load_n(&f->magic, __ATOMIC_ACQUIRE) == BOT_STATS_MAGIC &&
	       f->version == BOT_STATS_VERSION && f->worker_size == sizeof(struct bot_stats) &&
	       sizeof(*f) + f->n_workers * sizeof(struct bot_stats) <= size;
}

#endif
