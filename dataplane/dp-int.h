/*
 * dp-int.h: the dataplane's own types and the functions its files share (private to
 * dataplane/; the rest of voxgate sees dp.h).
 *
 * Who owns what: struct dp is built by the main lcore in dp_create() (dp_setup.c)
 * and is read-only once lcores run, except `quit`. Each struct dp_lcore belongs to
 * its lcore. The per-call array dp->call[] and the playout queues are indexed by call
 * slot; entry i is written only by the lcore that owns slot i (cs_slot_lcore()).
 * Every function declared here runs on the dp lcore whose context it is given,
 * unless it says otherwise.
 *
 * The files, by phase of the lcore's loop:
 *   dp.c        the loop itself and the control messages from signaling
 *   dp_rx.c     the receive path: one step per layer over a struct dp_pkt, and the
 *               handover of packets between lcores
 *   dp_bot.c    frames to the bot workers (staged, decoded straight into the ring's
 *               frame) and the bot workers' frames into the playout queues
 *   dp_tx.c     the playout timer wheel, RTCP reports, receive timers, transmit
 *   dp_setup.c  port, flow rules, stats file, memory made resident, create/destroy
 */
#ifndef VG_DP_INT_H
#define VG_DP_INT_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>
#include <rte_prefetch.h>
#include <rte_random.h>
#include <rte_udp.h>

#include "base/g711.h"
#include "base/log.h"
#include "base/shm.h"
#include "dataplane/dp.h"
#include "dataplane/dtmf.h"
#include "dataplane/jb.h"
#include "dataplane/net.h"
#include "dataplane/rtcp.h"
#include "dataplane/rtp.h"
#include "dataplane/srtp.h"

#define DP_BURST_MAX 64
#define DP_PREFETCH_AHEAD 3
/* The timer wheel: DP_WHEEL buckets of 250 µs over one 20 ms packet time, so that a
 * bucket's calls are few enough to be served soon after their due time. */
#define DP_TICKS_PER_MS 4
#define DP_WHEEL (20 * DP_TICKS_PER_MS)
#define DP_NIL UINT32_MAX
#define DP_PAYLOAD 160       /* G.711 bytes in 20 ms */
/* A playout queue entry: the encoded frame, then the TSC its worker sent it at. */
#define DP_QENTRY (DP_PAYLOAD + sizeof(uint64_t))
#define DP_CTL_PERIOD_US 100 /* control rings are polled this often */
#define DP_CTL_DRAIN_MAX 32  /* control messages taken per poll, at most */
#define DP_MARKS 8           /* marks a call holds until their audio has played */
#define DP_WALK_AHEAD 4      /* calls ahead whose state the wheel walk asks for */
#define DP_WALK_QUEUED 2     /* calls ahead whose queued frame it asks for */
/* A bridged call's frames wait at most this many in the other leg's playout queue
 * (100 ms): a sender whose clock runs fast loses a frame now and then instead of
 * adding delay. */
#define DP_RELAY_Q 5

/* A call's links in its lcore's timer wheel bucket (slot indices), apart from its
 * state: 8 bytes a call, so the wheel walk reads calls ahead from cache. */
struct dp_link {
	uint32_t next, prev;
};

/* Dataplane state of one call. W: the owning dp lcore. */
struct dp_call {
	uint32_t gen;         /* slot generation this state belongs to */
	uint8_t active;
	uint8_t latched;      /* peer address learned from its RTP */
	uint8_t mac_known;    /* remote_mac is the next hop's MAC */
	uint8_t law;          /* enum cs_law */
	uint8_t pt, dtmf_pt, dir, marker;
	uint16_t local_port, remote_port;
	uint32_t remote_ip;   /* where we send, network order */
	uint32_t local_ip;    /* our media address of the call, network order */
	struct rte_ether_addr remote_mac;
	uint16_t seq;         /* next RTP sequence number we send */
	uint16_t worker;      /* bot worker of the call */
	uint32_t peer;        /* bridged: the other leg's slot (same lcore), else DP_NIL */
	uint32_t peer_gen;    /* and its generation */
	uint32_t ts;          /* next RTP timestamp we send */
	uint32_t ssrc;        /* our SSRC */
	uint32_t frames_in;   /* frames handed to the bot worker */
	uint16_t q_head, q_count; /* playout queue of encoded 20 ms payloads */
	uint32_t q_in, q_out;     /* frames ever put in / taken out of the queue */
	uint8_t n_marks, mark_head;
	struct {
		uint32_t id;  /* the bot's mark id */
		uint32_t at;  /* q_in when it came: played once q_out reaches it */
	} marks[DP_MARKS];
	uint8_t bucket;
	uint8_t timeout_sent;     /* VG_MSG_RTP_TIMEOUT was sent */
	uint64_t last_rx_tsc;     /* last valid RTP from the peer (or call start) */
	uint64_t next_sr_ms;      /* lcore time (dp_ms()) when our next SR is due */
	uint32_t rtcp_ip;         /* where our RTCP goes (latched from the peer's) */
	uint16_t rtcp_port;
	uint8_t rtcp_latched;
	struct rtcp_rx rtcp;      /* receive statistics of the caller's stream */
	struct dtmf_rx dtmf;      /* RFC 4733 events from the caller */
	struct dtmf_tx dtmf_tx;   /* key presses the bot sends to the caller */
	struct srtp_call srtp;    /* SRTP/SRTCP contexts, zero for plain RTP */
	struct jb jb;             /* reorder window of the caller's audio; last: its
				   * held packets are the only lines a packet seldom
				   * touches */
} __rte_cache_aligned;

struct dp_lcore {
	struct dp *dp;
	unsigned idx;
	uint16_t queue;
	struct rte_ring *ctl, *evt;
	struct rte_ring *to_bot[RING_MAX_WORKERS], *from_bot[RING_MAX_WORKERS];
	struct dp_lcore_stats *st;
	uint32_t wheel[DP_WHEEL];
	uint64_t tick, next_tick_tsc, next_ctl_tsc;
	struct rte_mbuf *tx[DP_BURST_MAX];
	unsigned n_tx;
	unsigned n_stage[RING_MAX_WORKERS];
	unsigned bot_room[RING_MAX_WORKERS]; /* frames worker w's ring had room for */
	struct vg_frame stage[RING_MAX_WORKERS][DP_BURST_MAX]; /* frames to bots */
	struct vg_frame in[DP_BURST_MAX];                      /* frames from bots */
	struct rte_ring *fwd_out[DP_MAX_LCORES]; /* packets for lcore j's calls */
	struct rte_ring *fwd_in[DP_MAX_LCORES];  /* packets lcore j received for ours */
	struct rte_ring *arp_in;                 /* ARP learned by other lcores */
	struct rte_mbuf *fwd[DP_MAX_LCORES][DP_BURST_MAX];
	unsigned n_fwd[DP_MAX_LCORES];
	struct net_arp arp;
} __rte_cache_aligned;

/* What one lcore learned from an ARP packet, told to the others. */
struct dp_arp_learn {
	uint32_t ip;
	struct rte_ether_addr mac;
	uint16_t pad;
	uint32_t pad2;
};

struct dp {
	const struct cfg *cfg;
	struct cs_table *calls;
	struct ring_set *rings;
	struct dp_call *call;
	struct dp_link *link; /* timer wheel links, by slot */
	uint8_t *playout;     /* by slot, q_stride bytes each: q_cap entries */
	uint16_t q_cap;
	size_t q_stride;      /* q_cap * DP_QENTRY rounded up to a cache line, so that
			       * adjacent slots, on different lcores, share no line */
	struct rte_mempool *pool;
	uint16_t port;
	bool port_started;
	bool flow_steered;    /* rte_flow rules put each call's packets on its lcore */
	bool hw_cksum;
	struct net_if nif;
	unsigned n_lcores, n_workers;
	uint32_t burst;
	uint64_t tick_tsc, ctl_tsc;
	uint64_t rtp_timeout_tsc; /* 0: no RTP timeout */
	uint64_t ts_mult;         /* TSC -> 8 kHz units: (tsc * ts_mult) >> 32 */
	uint64_t lat_mult;        /* TSC -> µs for the latency histograms */
	uint64_t tsc_hz;
	uint64_t ntp_base, tsc_base; /* NTP time (32.32) at TSC tsc_base */
	char cname[48];           /* RTCP CNAME (RFC 3550 6.5.1) */
	struct dp_stats_file *stats_file; /* shared mapping, stats_size bytes */
	uint64_t port_stats_tsc;          /* last dp_port_stats_update() copy */
	struct dp_port_stats port_last;   /* the PMD's counters at that copy */
	struct dp_port_stats port_base;   /* what the PMD counted before it reset them */
	size_t stats_size;
	char stats_path[SHM_PATH_MAX];
	struct dp_lcore_stats *stats;
	struct dp_lcore *lc[DP_MAX_LCORES];
	struct rte_ring *fwd[DP_MAX_LCORES][DP_MAX_LCORES]; /* [from][to], mbufs */
	struct rte_ring *arp_in[DP_MAX_LCORES];              /* MP/SC, dp_arp_learn */
	uint64_t idle_sleep_ns;
	uint8_t silence[2][DP_PAYLOAD]; /* by enum cs_law */
	volatile int quit;
};

/* One received packet on its way through the steps. */
struct dp_pkt {
	struct rte_mbuf *m;
	uint8_t *data;
	uint32_t len;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	uint32_t ip_len;      /* bytes of IP datagram */
	unsigned addr;        /* index of its destination among our media addresses */
	uint16_t dport, sport;
	uint8_t *l4;          /* UDP payload */
	uint32_t l4_len;
	uint32_t slot;
	struct dp_call *c;
	struct rtp_info rtp;
	bool event;           /* an RFC 4733 telephone-event, not audio */
	bool rtcp;            /* to the call's RTCP port */
	uint64_t now;
};

/* Where the reorder window's frames go: decoded straight into a staged frame. */
struct dp_emit_ctx {
	struct dp_lcore *lc;
	struct dp_call *c;
	uint32_t slot;
	uint64_t tsc;
};

/* Send the packets gathered for the TX burst (dp_tx.c). */
void dp_tx_flush(struct dp_lcore *lc);

static inline void dp_count(struct dp_lcore *lc, enum dp_drop d)
{
	lc->st->drops[d]++;
}

static inline void dp_tx_add(struct dp_lcore *lc, struct rte_mbuf *m)
{
	lc->tx[lc->n_tx++] = m;
	if (lc->n_tx == lc->dp->burst)
		dp_tx_flush(lc);
}

/* NTP time (32.32 fixed point) at a TSC reading; wall clock without a syscall. */
static inline uint64_t dp_ntp(const struct dp *dp, uint64_t tsc)
{
	return dp->ntp_base + (uint64_t)(((unsigned __int128)(tsc - dp->tsc_base) << 32) /
					 dp->tsc_hz);
}

/* A TSC reading in 8 kHz RTP timestamp units (for interarrival jitter). */
static inline uint32_t dp_ts_units(const struct dp *dp, uint64_t tsc)
{
	return (uint32_t)(((unsigned __int128)tsc * dp->ts_mult) >> 32);
}

/* Ask for the lines a call's packet reads: its state up to the reorder window's held
 * packets (seven lines, its hot fields, RTCP, key press, SRTP and reorder state) and
 * its call table counters. */
static inline void dp_call_prefetch(const struct dp *dp, uint32_t slot)
{
	const uint8_t *c = (const uint8_t *)&dp->call[slot];
	const size_t hot = offsetof(struct dp_call, jb.held);

	for (size_t off = 0; off < hot; off += RTE_CACHE_LINE_SIZE)
		rte_prefetch0(c + off);
	rte_prefetch0(&cs_slot(dp->calls, slot)->dp);
}

/* Publish how many of the bot's frames have left the playout queue of slot
 * (cs_dp_stats.bot_done): after each one played, a clear, a drop. */
static inline void dp_bot_done(const struct dp *dp, uint32_t slot, const struct dp_call *c)
{
	struct cs_dp_stats *st = &cs_slot(dp->calls, slot)->dp;

	__atomic_store_n(&st->bot_done, (uint64_t)c->gen << 32 |
			 (uint32_t)(c->q_out + st->playout_full), __ATOMIC_RELEASE);
}

/* Entry i (0 .. q_cap - 1) of the playout queue of slot. */
static inline uint8_t *dp_qentry(const struct dp *dp, uint32_t slot, unsigned i)
{
	return dp->playout + (size_t)slot * dp->q_stride + (size_t)i * DP_QENTRY;
}

/* Ask for a call's playout queue entry: the head (the next frame to send) or the
 * tail (where the next bot frame goes). The call's first line should be there. */
static inline void dp_playout_prefetch(const struct dp *dp, uint32_t slot, bool tail)
{
	const struct dp_call *c = &dp->call[slot];
	const uint8_t *q;

	if (!tail && !c->q_count)
		return;
	q = dp_qentry(dp, slot, (c->q_head + (tail ? c->q_count : 0u)) % dp->q_cap);
	for (unsigned off = 0; off < DP_QENTRY; off += RTE_CACHE_LINE_SIZE)
		rte_prefetch0(q + off);
	rte_prefetch0(q + DP_QENTRY - 1);
}

/* The lcore's time in ms, as the wheel counts it (the unit of jb, dtmf and RTCP
 * timers). */
static inline uint64_t dp_ms(const struct dp_lcore *lc)
{
	return lc->tick / DP_TICKS_PER_MS;
}

/* dp_tx.c */
/* Find the next hop's MAC for the call's peer; asks ARP (at most once a second per
 * address) while unknown. Returns true when c->remote_mac is usable. */
bool dp_resolve(struct dp_lcore *lc, struct dp_call *c, uint64_t now);

/* Put a call in its lcore's timer wheel (served from the next tick on), or take it
 * out. */
void dp_wheel_add(struct dp_lcore *lc, uint32_t slot, struct dp_call *c);
void dp_wheel_del(struct dp_lcore *lc, uint32_t slot, const struct dp_call *c);

/* Serve the wheel buckets that are due at TSC now: each call's receive timers, then
 * its packet. */
void dp_tick(struct dp_lcore *lc, uint64_t now);

/* dp.c */

/* Send an event (enum vg_msg_type) to signaling; the event ring is sized so that it
 * cannot fill (counted in evt_ring_full if it does). */
void dp_event_arg(struct dp_lcore *lc, uint16_t type, uint32_t slot, uint32_t gen,
		  uint16_t arg);
void dp_event(struct dp_lcore *lc, uint16_t type, uint32_t slot, uint32_t gen);

/* Take up to DP_CTL_DRAIN_MAX control messages (call start, update, stop) from
 * signaling and carry them out. Returns how many. */
unsigned dp_ctl_poll(struct dp_lcore *lc, uint64_t now);

/* dp_rx.c: the receive steps. Each returns DP_DROP_NONE or the one reason the packet
 * is dropped; dp_input() counts it. A step that sends the packet on (an ARP or ICMP
 * answer) sets p->m to NULL. */
enum dp_drop dp_step_eth(struct dp_lcore *lc, struct dp_pkt *p);
enum dp_drop dp_step_ipv4(struct dp_lcore *lc, struct dp_pkt *p);
enum dp_drop dp_step_udp(struct dp_lcore *lc, struct dp_pkt *p);
enum dp_drop dp_step_call(struct dp_lcore *lc, struct dp_pkt *p);
enum dp_drop dp_step_rtcp(struct dp_lcore *lc, struct dp_pkt *p);
enum dp_drop dp_step_rtp(struct dp_lcore *lc, struct dp_pkt *p);
enum dp_drop dp_step_emit(struct dp_lcore *lc, struct dp_pkt *p);

/* One received packet through every step, taken at TSC now; the mbuf is freed or
 * sent on. */
void dp_input(struct dp_lcore *lc, struct rte_mbuf *m, uint64_t now);

/* What other lcores learned from ARP, into this lcore's cache. */
void dp_arp_learn_poll(struct dp_lcore *lc);

/* Packets handed over to the lcores that own their calls: send what is staged, take
 * what others staged for this one (through dp_input()). */
void dp_fwd_flush(struct dp_lcore *lc);
unsigned dp_fwd_poll(struct dp_lcore *lc, uint64_t now);

/* dp_bot.c */

/* Send the frames staged for worker w into its ring in one burst. */
void dp_frames_flush(struct dp_lcore *lc, unsigned w);

/* The reorder window's output (jb_emit_h): a packet's payload (NULL: a gap) decoded
 * straight into a frame staged for the call's worker. arg: struct dp_emit_ctx. */
void dp_jb_emit(void *arg, uint16_t seq, const uint8_t *payload);

/* A key press of the caller, staged for the call's worker (or passed to the other
 * leg of a bridged call). */
void dp_dtmf_emit(struct dp_lcore *lc, uint32_t slot, struct dp_call *c,
		  const struct dtmf_event *ev, uint64_t tsc);

/* Give the call's worker back the marks whose audio has played (all of them with
 * `all`). */
void dp_marks_done(struct dp_lcore *lc, uint32_t slot, struct dp_call *c, bool all);

/* Drop what c's playout queue holds (a clear, or the bot's audio when the call is
 * bridged): counted, told to the worker, its marks given back. */
void dp_playout_clear(struct dp_lcore *lc, uint32_t slot, struct dp_call *c);

/* Take the bot workers' frames (audio into the playout queues, marks, clears, key
 * presses). Returns how many. */
unsigned dp_bot_poll(struct dp_lcore *lc, uint64_t now);

/* The call slot of a received packet: its UDP destination port's, when that is one of
 * our RTP/RTCP ports; -1 for anything else (ARP, ICMP, strays). A few loads of header
 * fields the packet path reads anyway. */
static inline int64_t dp_pkt_slot(const struct dp *dp, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	const struct rte_udp_hdr *udp;
	int addr;

	if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + 28 ||
	    eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    ip->next_proto_id != IPPROTO_UDP ||
	    rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + (ip->version_ihl & 0x0f) * 4u + 8)
		return -1;
	addr = cs_addr_index(dp->calls, ip->dst_addr);
	if (addr < 0)
		return -1;
	udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + (ip->version_ihl & 0x0f) * 4);
	return cs_port_slot(dp->calls, (unsigned)addr, rte_be_to_cpu_16(udp->dst_port));
}

/* The lcore that owns a packet of call slot `slot` (dp_pkt_slot()): its call's, or
 * this one for a packet of no call. */
static inline unsigned dp_owner(const struct dp_lcore *lc, int64_t slot)
{
	return slot < 0 ? lc->idx : cs_slot_lcore((uint32_t)slot, lc->dp->n_lcores);
}

#endif
