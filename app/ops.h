/*
 * ops.h: what operators read of a running voxgate through the HTTP API: Prometheus
 * metrics, the calls in progress, every counter as JSON.
 *
 * Each view is built on the thread that serves the API (bot worker 0) from what the
 * other sides publish for any reader: signaling's counters, the dataplane's and the
 * bot workers' stats files, the call table's slots (cs_info, cs_dp_stats). Nothing
 * here takes a lock or sends a message; a call that ends while it is read is left
 * out (its slot's generation changed).
 */
#ifndef VG_OPS_H
#define VG_OPS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config/cfg.h"
#include "shared/cs.h"

struct sig;
struct dp;
struct bot_pool;

struct ops_src {
	const struct cfg *cfg;
	struct sig *sig;
	const struct dp *dp;
	const struct bot_pool *bots;
	struct cs_table *calls;
	unsigned n_lcores, n_workers;
	uint64_t tsc_hz;
};

/* The metrics in Prometheus' text exposition format (version 0.0.4), malloc'd, *len
 * its length; NULL without memory. */
char *ops_metrics(const struct ops_src *o, size_t *len);

/* {"calls": [call, ...], "draining": bool}: every call in progress, as ops_call(). */
json_t *ops_calls(const struct ops_src *o);

/* One call: {"sid", "call_id", "state", "direction", "trunk", "agent", "from", "to",
 * "start", "duration_s", "codec", "srtp", "lcore", "worker", "bot", "media", "rtp"};
 * NULL when (slot, gen) names no call in progress. */
json_t *ops_call(const struct ops_src *o, uint32_t slot, uint32_t gen);

/* {"sip": {...}, "ends": {...}, "port": {...}, "lcores": [...], "workers": [...],
 * "cdrs": {...}, "draining": bool}: every counter, by name. */
json_t *ops_stats(const struct ops_src *o);

#endif
