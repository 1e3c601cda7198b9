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
 * in the memzone "vg_dp_stats" so another process can read them while lcores run.
 */
#ifndef VG_DP_H
#define VG_DP_H

#include <stdint.h>

#include "config/cfg.h"
#include "dataplane/drop.h"
#include "shared/cs.h"
#include "shared/ring.h"

#define DP_MAX_LCORES RING_MAX_LCORES
#define DP_STATS_MEMZONE "vg_dp_stats"

/* Counters of one dp lcore. W: that lcore; read by anyone (torn reads of a 64-bit
 * counter cannot happen on x86-64). */
struct dp_lcore_stats {
	uint64_t rx_packets;
	uint64_t rx_rtp;          /* RTP audio packets delivered as frames */
	uint64_t rx_filled;       /* gap frames sent to bots in place of lost packets */
	uint64_t rx_reordered;    /* packets put back in order */
	uint64_t ssrc_changes;    /* a caller's stream restarted with a new SSRC */
	uint64_t dtmf_events;     /* key presses delivered to bots */
	uint64_t rtp_timeouts;    /* calls that stopped receiving RTP */
	uint64_t rtcp_rx;         /* RTCP compounds parsed */
	uint64_t rtcp_tx;         /* SRs sent */
	uint64_t tx_packets;
	uint64_t tx_rtp;
	uint64_t tx_silence;      /* RTP packets sent with silence */
	uint64_t arp_replies;
	uint64_t icmp_replies;
	uint64_t frames_to_bot;
	uint64_t frames_from_bot;
	uint64_t calls_started;
	uint64_t calls_stopped;
	uint64_t calls_active;
	uint64_t ctl_stale;       /* control messages for a reused slot */
	uint64_t evt_ring_full;   /* events that did not fit (never expected) */
	uint64_t busy_tsc;        /* TSC spent in loop iterations that did work */
	uint64_t idle_tsc;        /* TSC spent in empty iterations */
	uint64_t drops[DP_DROP_MAX];
} __attribute__((aligned(64)));

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

/* Counters of dp lcore idx. */
const struct dp_lcore_stats *dp_stats(const struct dp *dp, unsigned idx);

/* Number of dp lcores. */
unsigned dp_lcores(const struct dp *dp);

#endif
