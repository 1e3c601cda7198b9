/*
 * dp_stats-t.h: the dataplane's counters and the layout of its stats file (types
 * only), for the dataplane that counts into it and for tools/vgstat and tools/vgload,
 * which read it from another process without linking the dataplane.
 */
#ifndef VG_DP_STATS_T_H
#define VG_DP_STATS_T_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/lat.h"
#include "dataplane/drop.h"

/*
 * Counters of one dp lcore, as one list: the struct fields, their names in the log
 * and in the stats file. W: that lcore; read by anyone (a 64-bit counter cannot be
 * read torn on x86-64).
 */
#define DP_COUNTER_LIST(X)                                                       \
	X(rx_packets)     /* packets received: from the port, fwd_in included */ \
	X(rx_rtp)         /* RTP audio packets delivered as frames */            \
	X(rx_filled)      /* gap frames sent to bots in place of lost packets */ \
	X(rx_reordered)   /* packets put back in order */                        \
	X(ssrc_changes)   /* a caller's stream restarted with a new SSRC */      \
	X(dtmf_events)    /* key presses delivered to bots */                    \
	X(dtmf_tx)        /* key presses sent to callers */                      \
	X(rtp_timeouts)   /* calls that stopped receiving RTP */                 \
	X(rtcp_rx)        /* RTCP compounds parsed */                            \
	X(rtcp_tx)        /* SRs sent */                                         \
	X(fwd_out)        /* packets passed to the lcore that owns their call */ \
	X(fwd_in)         /* packets other lcores passed to this one */          \
	X(relay_frames)   /* frames of a bridged call into its other leg's queue */ \
	X(relay_dtmf)     /* key presses passed to a bridged call's other leg */  \
	X(tx_packets)     /* packets the port took */                            \
	X(tx_rtp)         /* RTP packets sent */                                 \
	X(tx_silence)     /* RTP packets sent with silence */                    \
	X(arp_replies)                                                           \
	X(icmp_replies)                                                          \
	X(frames_to_bot)                                                         \
	X(frames_from_bot)                                                       \
	X(playout_cleared) /* bot frames dropped unplayed by a clear */          \
	X(calls_started)                                                         \
	X(calls_stopped)                                                         \
	X(calls_active)                                                          \
	X(srtp_calls)     /* calls (and re-keys) set up with SRTP */              \
	X(srtp_failed)    /* SRTP contexts libsrtp2 refused: the call ended */    \
	X(ctl_stale)      /* control messages for a reused slot */               \
	X(evt_ring_full)  /* events that did not fit (never expected) */         \
	X(busy_tsc)       /* TSC spent in loop iterations that did work */       \
	X(idle_tsc)       /* TSC spent in empty iterations */

struct dp_lcore_stats {
#define DP_COUNTER_FIELD(name) uint64_t name;
	DP_COUNTER_LIST(DP_COUNTER_FIELD)
#undef DP_COUNTER_FIELD
	uint64_t drops[DP_DROP_MAX];
	/* Latency, µs. A received packet's frame, from the loop iteration that took the
	 * packet off the port to its send on the bot worker's ring (in_to_ring). A bot
	 * frame's wait, from its worker's ring send to: this lcore taking it off the
	 * ring (bot_to_dp), its packet leaving (bot_to_out, which includes the wait for
	 * the call's 20 ms send slot and any audio queued ahead of it). How late the
	 * 20 ms send slots are served: a slot's due time to the end of its run of the
	 * timer wheel (due_to_out, once per packet sent). */
	struct lat_hist in_to_ring;
	struct lat_hist bot_to_dp;
	struct lat_hist bot_to_out;
	struct lat_hist due_to_out;
} __attribute__((aligned(64)));

#define DP_COUNTER_COUNT (offsetof(struct dp_lcore_stats, drops) / sizeof(uint64_t))

/* Name of counter i (0 .. DP_COUNTER_COUNT-1) and its value in st. */
const char *dp_counter_name(unsigned i);
static inline uint64_t dp_counter(const struct dp_lcore_stats *st, unsigned i)
{
	return ((const uint64_t *)st)[i];
}

/*
 * The stats file: /dev/shm/voxgate-<pid>.stats, a header then one struct
 * dp_lcore_stats per dp lcore, mapped shared by the dataplane for its whole life so
 * that any process can read the counters while the lcores run (tools/vgstat).
 */
#define DP_STATS_MAGIC 0x54534756u /* "VGST" */
#define DP_STATS_KIND "stats"
#define DP_STATS_VERSION 4

/*
 * The port's own counters (rte_eth_stats), copied into the stats file about once a
 * second by dp_port_stats_update(); they never go back, even when the PMD starts its
 * own from zero again. imissed, ierrors and rx_nombuf are packets the NIC or PMD
 * dropped before any lcore saw them.
 */
#define DP_PORT_COUNTER_LIST(X)                                                  \
	X(ipackets)                                                              \
	X(opackets)                                                              \
	X(ibytes)                                                                \
	X(obytes)                                                                \
	X(imissed)    /* RX queue full: the lcores did not keep up */            \
	X(ierrors)                                                               \
	X(oerrors)                                                               \
	X(rx_nombuf)  /* no mbuf for a received packet */

struct dp_port_stats {
#define DP_PORT_COUNTER_FIELD(name) uint64_t name;
	DP_PORT_COUNTER_LIST(DP_PORT_COUNTER_FIELD)
#undef DP_PORT_COUNTER_FIELD
};

struct dp_stats_file {
	uint32_t magic;
	uint32_t version;       /* DP_STATS_VERSION */
	uint32_t n_lcores;
	uint32_t n_counters;    /* DP_COUNTER_COUNT */
	uint32_t n_drops;       /* DP_DROP_MAX */
	uint32_t lcore_size;    /* sizeof(struct dp_lcore_stats) */
	uint64_t tsc_hz;
	struct dp_port_stats port; /* W: dp_port_stats_update() */
	struct dp_lcore_stats lcores[] __attribute__((aligned(64)));
};

/* Whether a stats file of size bytes mapped at f is one this build can read. */
static inline bool dp_stats_file_ok(const struct dp_stats_file *f, size_t size)
{
	return size >= sizeof(*f) &&
	       __atomic_load_n(&f->magic, __ATOMIC_ACQUIRE) == DP_STATS_MAGIC &&
	       f->version == DP_STATS_VERSION && f->n_counters == DP_COUNTER_COUNT &&
	       f->n_drops == DP_DROP_MAX && f->lcore_size == sizeof(struct dp_lcore_stats) &&
	       sizeof(*f) + f->n_lcores * sizeof(struct dp_lcore_stats) <= size;
}

#endif
