/*
 * dp.h: the dataplane: one DPDK port and the polling lcores that terminate RTP.
 *
 * dp_create() runs on the main lcore after rte_eal_init(): it opens the configured
 * port (a PCI NIC or a vdev), creates the mbuf pool and one context per worker
 * lcore, and sizes everything the fast path uses from the configuration. Each dp
 * lcore then runs dp_lcore_main(): a DPDK-style loop of control ring -> RX burst ->
 * per-packet steps -> bot frames -> 20 ms playout timer -> TX burst. The lcores meet
 * the rest of voxgate only in shared/: the call table and the rings.
 *
 * Calls are pinned to one lcore (cs_slot_lcore()); all
 * per-call dataplane state is written by that lcore only. The per-lcore counters sit
 * in a shared stats file so another process can read them while lcores run.
 */
#ifndef VG_DP_H
#define VG_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/cfg.h"
#include "dataplane/dp_stats-t.h"
#include "dataplane/drop.h"
#include "shared/cs.h"
#include "shared/ring.h"

#define DP_MAX_LCORES RING_MAX_LCORES

struct dp;

/*
 * Open the port and build the dataplane for n_lcores lcores (the EAL worker lcores,
 * in order). calls and rings are the shared call table and ring set. Returns 0 and
 * *out, or a negative errno with the reason logged.
 */
int dp_create(struct dp **out, const struct cfg *cfg, struct cs_table *calls,
	      struct ring_set *rings, unsigned n_lcores);

/* Start the loop of dp lcore index idx on EAL lcore lcore_id. Returns 0 or -errno. */
int dp_launch(struct dp *dp, unsigned idx, unsigned lcore_id);

/* Ask every dp lcore to leave its loop (they return from dp_lcore_main). */
void dp_stop(struct dp *dp);

/* Stop and close the port and free everything; lcores must have returned. */
void dp_destroy(struct dp *dp);

/* Copy the port's counters into the stats file when forced or when the last copy is
 * a second old (the main lcore calls it often; cheap when nothing is due). */
void dp_port_stats_update(struct dp *dp, bool force);

/* The port's counters as last copied. */
const struct dp_port_stats *dp_port_stats(const struct dp *dp);

/* Counters of dp lcore idx. */
const struct dp_lcore_stats *dp_stats(const struct dp *dp, unsigned idx);

/* Bytes of dataplane state per call (not counting its call table slot and playout
 * queue), for capacity planning and the benchmarks. */
size_t dp_call_size(void);

/* Bytes of one call's playout queue under configuration c (dataplane.playout_ms):
 * 168 bytes a 20 ms frame, rounded up to a cache line. */
size_t dp_playout_size(const struct cfg *c);

#endif
