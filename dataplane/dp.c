/*
 * dp.c: the dataplane lcores (see dp.h for the contract).
 *
 * Who owns what: struct dp is built by the main lcore in dp_create() and is read-only
 * once lcores run, except `quit`. Each struct dp_lcore belongs to its lcore. The
 * per-call array dp->call[] and the playout queues are indexed by call slot; entry i
 * is written only by the lcore that owns slot i (cs_slot_lcore()).
 *
 * The packet path is a straight sequence of small steps over one struct dp_pkt:
 * eth -> ipv4 -> udp -> call -> rtp -> emit; each step returns DP_DROP_NONE or the
 * reason the packet is dropped, and the caller counts that reason once.
 *
 * Playout: every call sends one packet per 20 ms. Calls sit in a 20-bucket timer
 * wheel of 1 ms buckets (the bucket is the call's phase inside the packet time), so
 * each millisecond touches only the calls that are due. A call with no bot audio
 * queued sends silence, which keeps the peer's jitter buffer and NAT bindings fed.
 */
#include "dataplane/dp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>
#include <rte_prefetch.h>
#include <rte_random.h>
#include <rte_udp.h>

#include "base/log.h"
#include "dataplane/dtmf.h"
#include "base/g711.h"
#include "dataplane/jb.h"
#include "dataplane/net.h"
#include "dataplane/rtcp.h"
#include "dataplane/rtp.h"
#include "dataplane/srtp.h"
#include "base/shm.h"

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
#define DP_MARKS 8           /* marks a call holds until their audio has played */
#define DP_WALK_AHEAD 4      /* calls ahead whose state the wheel walk asks for */
#define DP_WALK_QUEUED 2     /* calls ahead whose queued frame it asks for */

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

static inline void dp_count(struct dp_lcore *lc, enum dp_drop d)
{
	lc->st->drops[d]++;
}

/* Send an event to signaling; the event ring is sized so that it cannot fill. */
static void dp_event_arg(struct dp_lcore *lc, uint16_t type, uint32_t slot, uint32_t gen,
			 uint16_t arg)
{
	struct vg_msg m = {.type = type, .arg = arg, .slot = slot, .gen = gen};

	if (ring_msg_send(lc->evt, &m) != 0)
		lc->st->evt_ring_full++;
}

static void dp_event(struct dp_lcore *lc, uint16_t type, uint32_t slot, uint32_t gen)
{
	dp_event_arg(lc, type, slot, gen, 0);
}

static void dp_tx_flush(struct dp_lcore *lc)
{
	uint16_t sent;

	if (lc->n_tx == 0)
		return;
	sent = rte_eth_tx_burst(lc->dp->port, lc->queue, lc->tx, (uint16_t)lc->n_tx);
	lc->st->tx_packets += sent;
	if (sent < lc->n_tx) {
		lc->st->drops[DP_DROP_TX_FULL] += lc->n_tx - sent;
		rte_pktmbuf_free_bulk(&lc->tx[sent], lc->n_tx - sent);
	}
	lc->n_tx = 0;
}

static inline void dp_tx_add(struct dp_lcore *lc, struct rte_mbuf *m)
{
	lc->tx[lc->n_tx++] = m;
	if (lc->n_tx == lc->dp->burst)
		dp_tx_flush(lc);
}

static void dp_arp_ask(struct dp_lcore *lc, uint32_t ip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->dp->pool);

	if (!m) {
		dp_count(lc, DP_DROP_TX_NO_MBUF);
		return;
	}
	if (net_arp_request(&lc->dp->nif, m, ip) != 0) {
		rte_pktmbuf_free(m);
		return;
	}
	dp_tx_add(lc, m);
}

/* Frames staged for worker w go into its ring in one burst (dp_stage() stages no
 * more than the ring has room for); what does not fit is dropped and counted. */
static void dp_frames_flush(struct dp_lcore *lc, unsigned w)
{
	unsigned n = lc->n_stage[w], sent;
	uint64_t now;

	if (n == 0)
		return;
	sent = ring_frame_send(lc->to_bot[w], lc->stage[w], n, &lc->bot_room[w]);
	now = rte_rdtsc();
	for (unsigned i = 0; i < sent; i++)
		if (lc->stage[w][i].tsc)
			lat_add_tsc(&lc->st->in_to_ring, now - lc->stage[w][i].tsc,
				    lc->dp->lat_mult);
	lc->st->frames_to_bot += sent;
	lc->st->drops[DP_DROP_BOT_RING_FULL] += n - sent;
	lc->n_stage[w] = 0;
}

/* Find the next hop's MAC for the call's peer; asks ARP (at most once a second per
 * address) while unknown. Returns true when c->remote_mac is usable. */
static bool dp_resolve(struct dp_lcore *lc, struct dp_call *c, uint64_t now)
{
	const struct rte_ether_addr *mac;
	uint32_t ask;

	if (c->mac_known)
		return true;
	if (c->remote_ip == 0)
		return false;
	mac = net_arp_lookup(&lc->arp, &lc->dp->nif, c->remote_ip, now, &ask);
	if (!mac) {
		if (ask)
			dp_arp_ask(lc, ask);
		return false;
	}
	c->remote_mac = *mac;
	c->mac_known = 1;
	return true;
}

/* NTP time (32.32 fixed point) at a TSC reading; wall clock without a syscall. */
static uint64_t dp_ntp(const struct dp *dp, uint64_t tsc)
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

/* ---- timer wheel ---- */

/* The lcore's time in ms, as the wheel counts it (the unit of jb, dtmf and RTCP
 * timers). */
static inline uint64_t dp_ms(const struct dp_lcore *lc)
{
	return lc->tick / DP_TICKS_PER_MS;
}

static void dp_wheel_add(struct dp_lcore *lc, uint32_t slot, struct dp_call *c)
{
	struct dp_link *link = lc->dp->link;
	uint8_t b = (uint8_t)((lc->tick + 1) % DP_WHEEL);

	c->bucket = b;
	link[slot].prev = DP_NIL;
	link[slot].next = lc->wheel[b];
	if (link[slot].next != DP_NIL)
		link[link[slot].next].prev = slot;
	lc->wheel[b] = slot;
}

static void dp_wheel_del(struct dp_lcore *lc, uint32_t slot, const struct dp_call *c)
{
	struct dp_link *link = lc->dp->link, *l = &link[slot];

	if (l->prev != DP_NIL)
		link[l->prev].next = l->next;
	else
		lc->wheel[c->bucket] = l->next;
	if (l->next != DP_NIL)
		link[l->next].prev = l->prev;
	l->next = l->prev = DP_NIL;
}

/* ---- control ---- */

/* True when a control message names the live generation of a slot this lcore
 * owns; anything else is counted as stale. */
static bool dp_ctl_ours(struct dp_lcore *lc, const struct vg_msg *msg)
{
	if (cs_gen_ok(lc->dp->calls, msg->slot, msg->gen) &&
	    cs_slot_lcore(msg->slot, lc->dp->n_lcores) == lc->idx)
		return true;
	lc->st->ctl_stale++;
	return false;
}

static void dp_call_start(struct dp_lcore *lc, const struct vg_msg *msg, uint64_t now)
{
	struct dp *dp = lc->dp;
	const struct cs_media *md;
	struct dp_call *c;

	if (!dp_ctl_ours(lc, msg))
		return;
	c = &dp->call[msg->slot];
	if (c->active) { /* a START without STOP for the previous generation */
		dp_wheel_del(lc, msg->slot, c);
		lc->st->calls_active--;
	}
	srtp_call_close(&c->srtp);
	md = &cs_slot(dp->calls, msg->slot)->media;
	memset(c, 0, sizeof(*c));
	c->gen = msg->gen;
	c->law = md->law;
	c->pt = md->pt;
	c->dtmf_pt = md->dtmf_pt;
	c->dir = md->dir;
	c->local_ip = md->local_ip;
	c->local_port = md->rtp_port;
	c->remote_ip = md->remote_ip;
	c->remote_port = md->remote_port;
	c->worker = md->worker < dp->n_workers ? md->worker : 0;
	/* RFC 3550 5.1: random initial sequence number, timestamp and SSRC. */
	c->ssrc = (uint32_t)rte_rand();
	c->seq = (uint16_t)rte_rand();
	c->ts = (uint32_t)rte_rand();
	c->marker = 1;
	if (md->srtp.suite) {
		int rc = srtp_call_open_rx(&c->srtp, &md->srtp);

		if (rc == 0)
			rc = srtp_call_open_tx(&c->srtp, &md->srtp, c->ssrc);
		if (rc != 0) {
			srtp_call_close(&c->srtp);
			lc->st->srtp_failed++;
			dp_event_arg(lc, VG_MSG_CALL_FAILED, msg->slot, msg->gen, (uint16_t)-rc);
			return;
		}
		lc->st->srtp_calls++;
	}
	c->last_rx_tsc = now; /* the loop's time, as every comparison with it uses */
	jb_init(&c->jb, dp->cfg->dp.reorder_window, 20 * (dp->cfg->dp.reorder_window + 1));
	dtmf_rx_init(&c->dtmf);
	/* RFC 3550 6.2: the first report after a random part of the interval */
	c->next_sr_ms = dp_ms(lc) + RTCP_INTERVAL_MS / 2 + rte_rand() % 1000;
	cs_slot(dp->calls, msg->slot)->dp.rtt_ms = -1;
	dp_resolve(lc, c, c->last_rx_tsc);
	dp_wheel_add(lc, msg->slot, c);
	c->active = 1;
	lc->st->calls_started++;
	lc->st->calls_active++;
	dp_event(lc, VG_MSG_CALL_STARTED, msg->slot, msg->gen);
}

/* A re-INVITE changed the call's media (RFC 3264 8): new peer address (learned
 * again from its RTP), codec, telephone-event or direction (hold). */
static void dp_call_update(struct dp_lcore *lc, const struct vg_msg *msg)
{
	struct dp *dp = lc->dp;
	const struct cs_media *u;
	struct dp_call *c;

	if (!dp_ctl_ours(lc, msg))
		return;
	c = &dp->call[msg->slot];
	if (!c->active || c->gen != msg->gen) {
		lc->st->ctl_stale++;
		return;
	}
	u = &cs_slot(dp->calls, msg->slot)->update;
	if (u->remote_ip != c->remote_ip || u->remote_port != c->remote_port) {
		c->remote_ip = u->remote_ip;
		c->remote_port = u->remote_port;
		c->latched = 0;
		c->mac_known = 0;
		c->rtcp_latched = 0;
	}
	if (u->pt != c->pt || u->law != c->law)
		c->marker = 1; /* a new stream for the peer's jitter buffer */
	c->law = u->law;
	c->pt = u->pt;
	c->dtmf_pt = u->dtmf_pt;
	c->dir = u->dir;
	/* RFC 4568 7.1.4: new keys from the re-INVITE's offer and our answer */
	if (u->srtp.rekey && !u->srtp.suite) {
		srtp_call_close(&c->srtp);
	} else if (u->srtp.rekey) {
		int rc = 0;

		if (u->srtp.rekey & CS_REKEY_RX)
			rc = srtp_call_open_rx(&c->srtp, &u->srtp);
		if (rc == 0 && (u->srtp.rekey & CS_REKEY_TX))
			rc = srtp_call_open_tx(&c->srtp, &u->srtp, c->ssrc);
		if (rc != 0 || !c->srtp.rx || !c->srtp.tx) {
			srtp_call_close(&c->srtp);
			lc->st->srtp_failed++;
			dp_event_arg(lc, VG_MSG_CALL_FAILED, msg->slot, msg->gen,
				     (uint16_t)(rc ? -rc : EINVAL));
			return;
		}
	}
	dp_event(lc, VG_MSG_CALL_UPDATED, msg->slot, msg->gen);
}

static void dp_call_stop(struct dp_lcore *lc, const struct vg_msg *msg)
{
	struct dp *dp = lc->dp;
	struct dp_call *c;

	if (!dp_ctl_ours(lc, msg))
		return;
	c = &dp->call[msg->slot];
	if (c->active && c->gen == msg->gen) {
		struct cs_dp_stats *st = &cs_slot(dp->calls, msg->slot)->dp;

		st->rx_lost = rtcp_rx_lost(&c->rtcp);
		st->rx_jitter_ms = rtcp_rx_jitter(&c->rtcp) / 8;
		dp_wheel_del(lc, msg->slot, c);
		srtp_call_close(&c->srtp);
		c->active = 0;
		c->q_count = 0;
		lc->st->calls_stopped++;
		lc->st->calls_active--;
	}
	dp_event(lc, VG_MSG_CALL_STOPPED, msg->slot, msg->gen);
}

static unsigned dp_ctl_poll(struct dp_lcore *lc, uint64_t now)
{
	struct vg_msg msgs[32];
	unsigned n = ring_msg_recv(lc->ctl, msgs, 32);

	for (unsigned i = 0; i < n; i++) {
		switch (msgs[i].type) {
		case VG_MSG_CALL_START:
			dp_call_start(lc, &msgs[i], now);
			break;
		case VG_MSG_CALL_STOP:
			dp_call_stop(lc, &msgs[i]);
			break;
		case VG_MSG_CALL_UPDATE:
			dp_call_update(lc, &msgs[i]);
			break;
		default:
			lc->st->ctl_stale++;
			break;
		}
	}
	return n;
}

/* ---- receive path: one step per layer ---- */

/* Tell the other lcores who sent this ARP packet, so every lcore's cache knows the
 * peers (each lcore sends to its own calls' peers). */
static void dp_arp_tell(struct dp_lcore *lc, const struct dp_pkt *p)
{
	const struct rte_arp_hdr *arp = (const struct rte_arp_hdr *)(p->eth + 1);
	const struct net_if *nif = &lc->dp->nif;
	struct dp_arp_learn l = {0};

	if (p->len < RTE_ETHER_HDR_LEN + sizeof(*arp) || arp->arp_data.arp_sip == 0 ||
	    ((arp->arp_data.arp_sip ^ nif->ip) & nif->mask) != 0)
		return;
	l.ip = arp->arp_data.arp_sip;
	l.mac = arp->arp_data.arp_sha;
	for (unsigned j = 0; j < lc->dp->n_lcores; j++)
		if (j != lc->idx)
			rte_ring_mp_enqueue_elem(lc->dp->arp_in[j], &l, sizeof(l));
}

static void dp_arp_learn_poll(struct dp_lcore *lc)
{
	struct dp_arp_learn l;

	while (rte_ring_sc_dequeue_elem(lc->arp_in, &l, sizeof(l)) == 0)
		net_arp_learn(&lc->arp, l.ip, &l.mac);
}

static enum dp_drop dp_step_eth(struct dp_lcore *lc, struct dp_pkt *p)
{
	bool reply;
	enum dp_drop d;

	if (p->len < RTE_ETHER_HDR_LEN)
		return DP_DROP_ETH_SHORT;
	p->eth = (struct rte_ether_hdr *)p->data;
	if (p->eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return DP_DROP_NONE;
	if (p->eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
		return DP_DROP_ETH_TYPE;
	if (lc->dp->n_lcores > 1)
		dp_arp_tell(lc, p);
	d = net_arp_input(&lc->arp, &lc->dp->nif, p->m, &reply);
	if (d == DP_DROP_NONE && reply) {
		lc->st->arp_replies++;
		dp_tx_add(lc, p->m);
		p->m = NULL; /* sent */
	}
	return d;
}

static enum dp_drop dp_step_ipv4(struct dp_lcore *lc, struct dp_pkt *p)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p->eth + 1);
	uint32_t avail = p->len - RTE_ETHER_HDR_LEN, ihl;
	enum dp_drop d;
	int addr;

	if (avail < sizeof(*ip) || (ip->version_ihl >> 4) != 4)
		return DP_DROP_IP_BAD;
	ihl = (ip->version_ihl & 0x0f) * 4u;
	p->ip_len = rte_be_to_cpu_16(ip->total_length);
	if (ihl < 20 || p->ip_len < ihl || p->ip_len > avail)
		return DP_DROP_IP_BAD;
	addr = cs_addr_index(lc->dp->calls, ip->dst_addr);
	if (addr < 0)
		return DP_DROP_IP_NOT_OURS;
	p->addr = (unsigned)addr;
	if (ip->fragment_offset &
	    rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return DP_DROP_IP_FRAGMENT;
	p->ip = ip;
	if (ip->next_proto_id == IPPROTO_UDP) {
		p->l4 = (uint8_t *)ip + ihl;
		p->l4_len = p->ip_len - ihl;
		return DP_DROP_NONE;
	}
	if (ip->next_proto_id != IPPROTO_ICMP)
		return DP_DROP_IP_PROTO;
	d = net_icmp_echo(p->m, RTE_ETHER_HDR_LEN, p->ip_len);
	if (d == DP_DROP_NONE) {
		lc->st->icmp_replies++;
		rte_pktmbuf_trim(p->m, (uint16_t)(avail - p->ip_len)); /* Ethernet padding */
		dp_tx_add(lc, p->m);
		p->m = NULL;
		return DP_DROP_NONE;
	}
	return d;
}

static enum dp_drop dp_step_udp(struct dp_lcore *lc, struct dp_pkt *p)
{
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)p->l4;
	uint32_t ulen;
	int64_t slot;

	if (p->l4_len < sizeof(*udp))
		return DP_DROP_UDP_BAD;
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (ulen < sizeof(*udp) || ulen > p->l4_len)
		return DP_DROP_UDP_BAD;
	p->dport = rte_be_to_cpu_16(udp->dst_port);
	p->sport = rte_be_to_cpu_16(udp->src_port);
	slot = cs_port_slot(lc->dp->calls, p->addr, p->dport);
	if (slot < 0)
		return DP_DROP_UDP_PORT;
	p->slot = (uint32_t)slot;
	p->l4 += sizeof(*udp);
	p->l4_len = ulen - sizeof(*udp);
	return DP_DROP_NONE;
}

static enum dp_drop dp_step_call(struct dp_lcore *lc, struct dp_pkt *p)
{
	struct dp_call *c = &lc->dp->call[p->slot];

	if (cs_slot_lcore(p->slot, lc->dp->n_lcores) != lc->idx || !c->active)
		return DP_DROP_NO_CALL;
	p->c = c;
	p->rtcp = p->dport & 1;
	if (p->rtcp)
		return DP_DROP_NONE;
	cs_slot(lc->dp->calls, p->slot)->dp.rx_packets++;
	cs_slot(lc->dp->calls, p->slot)->dp.rx_bytes += p->l4_len;
	return DP_DROP_NONE;
}

/* RTCP from the caller (RFC 3550 6.4): what it says about our stream, and the time
 * of its SR for our next report block. Its source is where our RTCP goes. */
static enum dp_drop dp_step_rtcp(struct dp_lcore *lc, struct dp_pkt *p)
{
	struct dp_call *c = p->c;
	struct cs_dp_stats *st = &cs_slot(lc->dp->calls, p->slot)->dp;
	uint64_t ntp = dp_ntp(lc->dp, p->now);
	struct rtcp_report rep;
	enum dp_drop d = rtcp_parse(p->l4, p->l4_len, c->ssrc, &rep);

	if (d != DP_DROP_NONE)
		return d;
	if (!c->rtcp_latched) {
		c->rtcp_ip = p->ip->src_addr;
		c->rtcp_port = p->sport;
		c->rtcp_latched = 1;
	}
	if (rep.has_sr) {
		c->rtcp.peer_sr_ntp_mid = rep.sr_ntp_mid;
		c->rtcp.peer_sr_arrival_ntp = ntp;
	}
	if (rep.has_block) {
		st->peer_lost = rep.cumulative_lost;
		st->peer_jitter_ms = rep.jitter / 8;
		if (rep.lsr)
			st->rtt_ms = rtcp_rtt_ms(ntp, rep.lsr, rep.dlsr);
	}
	st->rtcp_rx++;
	lc->st->rtcp_rx++;
	return DP_DROP_NONE;
}

static enum dp_drop dp_step_rtp(struct dp_lcore *lc, struct dp_pkt *p)
{
	struct dp_call *c = p->c;
	enum dp_drop d = rtp_parse(p->l4, p->l4_len, &p->rtp);
	uint32_t src = p->ip->src_addr;

	if (d != DP_DROP_NONE)
		return d;
	if (p->rtp.pt == c->dtmf_pt)
		p->event = true;
	else if (p->rtp.pt != c->pt)
		return DP_DROP_RTP_PT;
	else if (p->rtp.payload_len != DP_PAYLOAD)
		return DP_DROP_RTP_SIZE;

	/* Symmetric RTP (RFC 4961): the first valid packet fixes the peer's address
	 * when the SDP one is hidden behind NAT; later packets must come from it. */
	if (!c->latched) {
		if (lc->dp->cfg->dp.rtp_latch || src == c->remote_ip) {
			struct cs_dp_stats *st = &cs_slot(lc->dp->calls, p->slot)->dp;

			c->remote_ip = src;
			c->remote_port = p->sport;
			c->remote_mac = p->eth->src_addr;
			c->mac_known = 1;
			c->latched = 1;
			st->latched_ip = src;
			st->latched_port = p->sport;
		}
	} else if (src != c->remote_ip || p->sport != c->remote_port) {
		return DP_DROP_RTP_SOURCE;
	}
	if (c->dir == CS_DIR_SENDONLY || c->dir == CS_DIR_INACTIVE)
		return DP_DROP_RTP_INACTIVE;
	c->last_rx_tsc = p->now;
	return DP_DROP_NONE;
}

/* A frame to fill for worker w, or NULL, counted as bot_ring_full, when its ring has
 * no room: a worker behind costs the lcore no decode and no copy of what it would
 * drop. The room is what the last burst into the ring left (read again only when
 * the frames staged reach it), so a ring with room costs no read of the worker's
 * side of it. */
static struct vg_frame *dp_stage(struct dp_lcore *lc, unsigned w)
{
	unsigned n = lc->n_stage[w];

	if (n == lc->dp->burst || n >= lc->bot_room[w]) {
		if (n)
			dp_frames_flush(lc, w);
		else
			lc->bot_room[w] = rte_ring_free_count(lc->to_bot[w]);
		if (lc->bot_room[w] == 0) {
			dp_count(lc, DP_DROP_BOT_RING_FULL);
			return NULL;
		}
	}
	return &lc->stage[w][lc->n_stage[w]++];
}

/* Where the reorder window's frames go: decoded straight into a staged frame. */
struct dp_emit_ctx {
	struct dp_lcore *lc;
	struct dp_call *c;
	uint32_t slot;
	uint64_t tsc;
};

static void dp_jb_emit(void *arg, uint16_t seq, const uint8_t *payload)
{
	struct dp_emit_ctx *x = arg;
	struct dp_call *c = x->c;
	struct vg_frame *f = dp_stage(x->lc, c->worker);

	(void)seq;
	if (payload)
		x->lc->st->rx_rtp++;
	else
		x->lc->st->rx_filled++;
	if (!f) { /* the worker's ring is full: the frame's number is gone with it */
		c->frames_in++;
		return;
	}
	f->slot = x->slot;
	f->gen = c->gen;
	f->kind = VG_FRAME_AUDIO;
	f->samples = VG_FRAME_SAMPLES;
	f->seq = c->frames_in++;
	f->tsc = x->tsc;
	if (payload)
		g711_decode(c->law, payload, f->pcm, VG_FRAME_SAMPLES);
	else /* a lost packet: silence keeps the bot's 50 frames/s */
		memset(f->pcm, 0, sizeof(f->pcm));
}

static void dp_dtmf_emit(struct dp_lcore *lc, uint32_t slot, struct dp_call *c,
			 const struct dtmf_event *ev, uint64_t tsc)
{
	struct vg_frame *f = dp_stage(lc, c->worker);

	if (!f)
		return;
	f->slot = slot;
	f->gen = c->gen;
	f->kind = VG_FRAME_DTMF;
	f->samples = 0;
	f->seq = 0;
	f->tsc = tsc;
	f->dtmf.event = ev->event;
	f->dtmf.pad = 0;
	f->dtmf.duration_ms = ev->duration_ms;
	lc->st->dtmf_events++;
}

/* Hand the packet to the call's reorder window (audio) or DTMF detector (events). */
static enum dp_drop dp_step_emit(struct dp_lcore *lc, struct dp_pkt *p)
{
	struct dp_call *c = p->c;
	struct dp_emit_ctx x = {.lc = lc, .c = c, .slot = p->slot, .tsc = p->now};
	uint64_t ssrc_changes = c->jb.st.ssrc_changes, reordered = c->jb.st.reordered;
	enum jb_verdict v;

	if (p->event) {
		struct dtmf_event ev[2];
		int n = dtmf_rx_put(&c->dtmf, p->rtp.ts, p->rtp.payload, p->rtp.payload_len,
				    dp_ms(lc), ev);

		if (n < 0)
			return DP_DROP_RTP_EVENT_BAD;
		for (int i = 0; i < n; i++)
			dp_dtmf_emit(lc, p->slot, c, &ev[i], p->now);
		return DP_DROP_NONE;
	}
	rtcp_rx_packet(&c->rtcp, p->rtp.ssrc, p->rtp.seq, p->rtp.ts,
		       dp_ts_units(lc->dp, p->now));
	v = jb_put(&c->jb, p->rtp.ssrc, p->rtp.seq, p->rtp.payload, dp_ms(lc), dp_jb_emit, &x);
	lc->st->ssrc_changes += c->jb.st.ssrc_changes - ssrc_changes;
	lc->st->rx_reordered += c->jb.st.reordered - reordered;
	if (v == JB_DUPLICATE)
		return DP_DROP_RTP_DUPLICATE;
	if (v == JB_LATE)
		return DP_DROP_RTP_LATE;
	return DP_DROP_NONE;
}

static void dp_input(struct dp_lcore *lc, struct rte_mbuf *m, uint64_t now)
{
	struct dp_pkt p = {.m = m, .now = now};
	enum dp_drop d;

	p.data = rte_pktmbuf_mtod(m, uint8_t *);
	p.len = rte_pktmbuf_data_len(m);
	lc->st->rx_packets++;

	d = dp_step_eth(lc, &p);
	if (d == DP_DROP_NONE && p.m && p.eth->ether_type ==
	    rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		d = dp_step_ipv4(lc, &p);
	if (d == DP_DROP_NONE && p.m && p.ip)
		d = dp_step_udp(lc, &p);
	if (d == DP_DROP_NONE && p.m && p.ip)
		d = dp_step_call(lc, &p);
	if (d == DP_DROP_NONE && p.c && p.c->srtp.rx)
		d = srtp_call_unprotect(&p.c->srtp, p.l4, &p.l4_len, p.rtcp);
	if (d == DP_DROP_NONE && p.c && p.rtcp)
		d = dp_step_rtcp(lc, &p);
	else if (d == DP_DROP_NONE && p.c)
		d = dp_step_rtp(lc, &p);
	if (d == DP_DROP_NONE && p.c && !p.rtcp)
		d = dp_step_emit(lc, &p);
	if (d != DP_DROP_NONE) {
		dp_count(lc, d);
		if (p.c)
			cs_slot(lc->dp->calls, p.slot)->dp.rx_dropped++;
	}
	if (p.m)
		rte_pktmbuf_free(p.m);
}

/* ---- bot frames into the playout queues ---- */

/* Tell the bot worker of the call that the marks whose audio has played (all of
 * them with `all`: the queue was cleared or the call ends) are done, in order. */
static void dp_marks_done(struct dp_lcore *lc, uint32_t slot, struct dp_call *c, bool all)
{
	while (c->n_marks && (all || (int32_t)(c->q_out - c->marks[c->mark_head].at) >= 0)) {
		struct vg_frame *f = dp_stage(lc, c->worker);

		if (f) {
			f->slot = slot;
			f->gen = c->gen;
			f->kind = VG_FRAME_MARK;
			f->samples = 0;
			f->seq = c->marks[c->mark_head].id;
			f->tsc = 0;
		}
		c->mark_head = (uint8_t)((c->mark_head + 1) % DP_MARKS);
		c->n_marks--;
	}
}

/* A mark from the bot: done when the audio queued before it has played, at once
 * when nothing is queued. A call holding DP_MARKS already gives its oldest back
 * early (counted), so that marks still come back in order. */
static void dp_mark(struct dp_lcore *lc, uint32_t slot, struct dp_call *c, uint32_t id)
{
	if (c->n_marks == DP_MARKS) {
		dp_count(lc, DP_DROP_MARKS_FULL);
		c->marks[c->mark_head].at = c->q_out;
		dp_marks_done(lc, slot, c, false);
	}
	c->marks[(c->mark_head + c->n_marks) % DP_MARKS].id = id;
	c->marks[(c->mark_head + c->n_marks) % DP_MARKS].at = c->q_in;
	c->n_marks++;
	dp_marks_done(lc, slot, c, false);
}

static unsigned dp_bot_poll(struct dp_lcore *lc, uint64_t now)
{
	struct dp *dp = lc->dp;
	unsigned total = 0;

	for (unsigned w = 0; w < dp->n_workers; w++) {
		unsigned n = ring_frame_recv(lc->from_bot[w], lc->in, dp->burst);

		total += n;
		lc->st->frames_from_bot += n;
		for (unsigned i = 0; i < n; i++) {
			const struct vg_frame *f = &lc->in[i];
			struct dp_call *c;
			uint8_t *q;

			/* the call two frames ahead, the queue entry of the next one */
			if (i + 2 < n && lc->in[i + 2].slot < dp->calls->n_slots)
				rte_prefetch0(&dp->call[lc->in[i + 2].slot]);
			if (i + 1 < n && lc->in[i + 1].slot < dp->calls->n_slots)
				dp_playout_prefetch(dp, lc->in[i + 1].slot, true);
			if (f->slot >= dp->calls->n_slots ||
			    cs_slot_lcore(f->slot, dp->n_lcores) != lc->idx ||
			    !dp->call[f->slot].active || dp->call[f->slot].gen != f->gen) {
				dp_count(lc, DP_DROP_STALE_FRAME);
				continue;
			}
			c = &dp->call[f->slot];
			if (f->kind == VG_FRAME_MARK) {
				dp_mark(lc, f->slot, c, f->seq);
				continue;
			}
			if (f->kind == VG_FRAME_CLEAR) {
				lc->st->playout_cleared += c->q_count;
				c->q_out += c->q_count;
				c->q_count = 0;
				dp_marks_done(lc, f->slot, c, true);
				continue;
			}
			if (f->kind == VG_FRAME_DTMF) {
				if (c->dtmf_pt == CS_NO_PT)
					dp_count(lc, DP_DROP_DTMF_NOT_NEGOTIATED);
				else if (dtmf_tx_push(&c->dtmf_tx, f->dtmf.event,
						      f->dtmf.duration_ms) != 0)
					dp_count(lc, DP_DROP_DTMF_QUEUE_FULL);
				continue;
			}
			if (f->kind != VG_FRAME_AUDIO || f->samples != VG_FRAME_SAMPLES) {
				dp_count(lc, DP_DROP_BOT_FRAME_BAD);
				continue;
			}
			if (c->q_count == dp->q_cap) {
				dp_count(lc, DP_DROP_PLAYOUT_FULL);
				cs_slot(dp->calls, f->slot)->dp.playout_full++;
				continue;
			}
			q = dp_qentry(dp, f->slot, (c->q_head + c->q_count) % dp->q_cap);
			g711_encode(c->law, f->pcm, q, DP_PAYLOAD);
			memcpy(q + DP_PAYLOAD, &f->tsc, sizeof(f->tsc));
			if (f->tsc)
				lat_add_tsc(&lc->st->bot_to_dp, now - f->tsc, dp->lat_mult);
			c->q_count++;
			c->q_in++;
		}
	}
	return total;
}

/* ---- the call's 20 ms tick: receive-side timers, then one packet out ---- */

/* Send our SR (+ report block + CNAME) to the peer's RTCP address: where its RTCP
 * came from, else its RTP port + 1 (RFC 3550 11). */
static void dp_call_sr(struct dp_lcore *lc, uint32_t slot, struct dp_call *c, uint64_t now)
{
	struct dp *dp = lc->dp;
	struct cs_dp_stats *st = &cs_slot(dp->calls, slot)->dp;
	uint64_t ntp = dp_ntp(dp, now);
	struct rtcp_sr_params sp = {
		.ssrc = c->ssrc, .ntp = ntp, .rtp_ts = c->ts,
		.packets = (uint32_t)st->tx_packets,
		.octets = (uint32_t)(st->tx_bytes - RTP_HDR_LEN * st->tx_packets),
		.rx = &c->rtcp, .now_ntp = ntp, .cname = dp->cname};
	uint32_t ip = c->rtcp_latched ? c->rtcp_ip : c->remote_ip;
	uint16_t port = c->rtcp_latched ? c->rtcp_port : (uint16_t)(c->remote_port + 1);
	struct rte_mbuf *m;
	uint8_t *rtcp;
	uint32_t wire;
	int n;

	c->next_sr_ms = dp_ms(lc) + RTCP_INTERVAL_MS / 2 + rte_rand() % RTCP_INTERVAL_MS;
	st->rx_lost = rtcp_rx_lost(&c->rtcp);
	st->rx_jitter_ms = rtcp_rx_jitter(&c->rtcp) / 8;
	if (ip == 0 || c->remote_port == 0 || !dp_resolve(lc, c, now))
		return;
	m = rte_pktmbuf_alloc(dp->pool);
	if (!m) {
		dp_count(lc, DP_DROP_TX_NO_MBUF);
		return;
	}
	rtcp = rte_pktmbuf_mtod_offset(m, uint8_t *, NET_UDP_HDRS);
	n = rtcp_build_sr(rtcp, rte_pktmbuf_tailroom(m) - NET_UDP_HDRS - SRTP_CALL_TRAILER,
			  &sp, &c->rtcp);
	if (n < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	wire = (uint32_t)n;
	/* RFC 3711 3.4: SRTCP when the call is SRTP */
	if (c->srtp.tx && srtp_call_protect(&c->srtp, rtcp, &wire, true) != 0) {
		rte_pktmbuf_free(m);
		dp_count(lc, DP_DROP_TX_SRTP);
		return;
	}
	net_udp_fill(m, &dp->nif, &c->remote_mac, c->local_ip, ip,
		     (uint16_t)(c->local_port + 1), port, (uint16_t)wire, dp->hw_cksum);
	st->rtcp_tx++;
	lc->st->rtcp_tx++;
	dp_tx_add(lc, m);
}

/* Give up on packets and key-press ends that did not come, end a call whose peer
 * stopped sending (signaling sends BYE), and send RTCP when due. */
static void dp_call_rx_timers(struct dp_lcore *lc, uint32_t slot, struct dp_call *c,
			      uint64_t now)
{
	struct dp_emit_ctx x = {.lc = lc, .c = c, .slot = slot, .tsc = now};
	struct dtmf_event ev;

	jb_tick(&c->jb, dp_ms(lc), dp_jb_emit, &x);
	if (dtmf_rx_tick(&c->dtmf, dp_ms(lc), &ev))
		dp_dtmf_emit(lc, slot, c, &ev, now);
	/* signed, so that a time taken later in this loop iteration cannot wrap */
	if (lc->dp->rtp_timeout_tsc && !c->timeout_sent &&
	    (c->dir == CS_DIR_SENDRECV || c->dir == CS_DIR_RECVONLY) &&
	    (int64_t)(now - c->last_rx_tsc) > (int64_t)lc->dp->rtp_timeout_tsc) {
		c->timeout_sent = 1;
		lc->st->rtp_timeouts++;
		dp_event(lc, VG_MSG_RTP_TIMEOUT, slot, c->gen);
	}
	if (dp_ms(lc) >= c->next_sr_ms)
		dp_call_sr(lc, slot, c, now);
}

/* One packet time of the call: a telephone-event packet while a key press plays
 * (RFC 4733 2.5.1), else the next bot frame, else silence. The stream's clock moves
 * on even when nothing may be sent (hold, peer not resolved yet). */
static void dp_call_tx(struct dp_lcore *lc, uint32_t slot, struct dp_call *c, uint64_t now)
{
	struct dp *dp = lc->dp;
	struct cs_dp_stats *st = &cs_slot(dp->calls, slot)->dp;
	const uint8_t *payload = dp->silence[c->law];
	uint16_t len = DP_PAYLOAD;
	uint32_t wire;
	uint8_t pt = c->pt, event[4];
	uint32_t ts = c->ts;
	uint64_t stamp = 0; /* when the bot frame sent now left its worker */
	bool marker = c->marker, silence = false;
	struct rte_mbuf *m;
	uint8_t *rtp;

	if (c->dtmf_pt != CS_NO_PT && dtmf_tx_next(&c->dtmf_tx, c->ts, event, &ts, &marker)) {
		payload = event;
		len = sizeof(event);
		pt = c->dtmf_pt;
		lc->st->dtmf_tx += marker;
	} else if (c->q_count) {
		payload = dp_qentry(dp, slot, c->q_head);
		memcpy(&stamp, payload + DP_PAYLOAD, sizeof(stamp));
		c->q_head = (uint16_t)((c->q_head + 1) % dp->q_cap);
		c->q_count--;
		c->q_out++;
		if (c->n_marks)
			dp_marks_done(lc, slot, c, false);
	} else {
		silence = true;
	}
	c->ts += VG_FRAME_SAMPLES;
	if (c->dir == CS_DIR_RECVONLY || c->dir == CS_DIR_INACTIVE ||
	    c->remote_ip == 0 || c->remote_port == 0)
		return;
	if (!c->mac_known && !dp_resolve(lc, c, now)) {
		dp_count(lc, DP_DROP_TX_NO_ARP);
		return;
	}
	m = rte_pktmbuf_alloc(dp->pool);
	if (!m) {
		dp_count(lc, DP_DROP_TX_NO_MBUF);
		return;
	}
	rtp = rte_pktmbuf_mtod_offset(m, uint8_t *, NET_UDP_HDRS);
	rtp_write_hdr(rtp, pt, marker, c->seq, ts, c->ssrc);
	rte_memcpy(rtp + RTP_HDR_LEN, payload, len);
	if (pt == c->pt)
		c->marker = 0;
	c->seq++;
	wire = RTP_HDR_LEN + len;
	if (c->srtp.tx && srtp_call_protect(&c->srtp, rtp, &wire, false) != 0) {
		rte_pktmbuf_free(m);
		dp_count(lc, DP_DROP_TX_SRTP);
		return;
	}
	net_udp_fill(m, &dp->nif, &c->remote_mac, c->local_ip, c->remote_ip, c->local_port,
		     c->remote_port, (uint16_t)wire, dp->hw_cksum);
	st->tx_packets++;
	st->tx_bytes += RTP_HDR_LEN + len;
	lc->st->tx_rtp++;
	if (silence) {
		st->tx_silence++;
		lc->st->tx_silence++;
	}
	if (stamp)
		lat_add_tsc(&lc->st->bot_to_out, now - stamp, dp->lat_mult);
	dp_tx_add(lc, m);
}

/* The wheel walk's look-ahead: ask for the state (or the queued frame) of call *at,
 * then move *at to the next call of the bucket. */
static inline void dp_walk_call(const struct dp *dp, uint32_t *at)
{
	if (*at != DP_NIL) {
		dp_call_prefetch(dp, *at);
		*at = dp->link[*at].next;
	}
}

static inline void dp_walk_queued(const struct dp *dp, uint32_t *at)
{
	if (*at != DP_NIL) {
		dp_playout_prefetch(dp, *at, false);
		*at = dp->link[*at].next;
	}
}

/* Run the wheel buckets that are due. Catches up at most one packet time; a lcore
 * that was held up longer re-anchors its clock instead of bursting. The walk asks
 * for the state of the call DP_WALK_AHEAD ahead and the queued frame of the one
 * DP_WALK_QUEUED ahead, as l3fwd does for packets: serving a call hides the memory
 * wait of the next ones. The links are an array of their own (dp->link), so looking
 * ahead costs no wait of its own. */
static void dp_tick(struct dp_lcore *lc, uint64_t now)
{
	struct dp *dp = lc->dp;

	for (unsigned n = 0; now >= lc->next_tick_tsc && n < DP_WHEEL; n++) {
		uint32_t i = lc->wheel[lc->tick % DP_WHEEL], ahead = i, queued = i;
		uint64_t served = 0;

		for (unsigned k = 0; k < DP_WALK_AHEAD; k++)
			dp_walk_call(dp, &ahead);
		for (unsigned k = 0; k < DP_WALK_QUEUED; k++)
			dp_walk_queued(dp, &queued);
		while (i != DP_NIL) {
			uint32_t next = dp->link[i].next;

			dp_walk_call(dp, &ahead);
			dp_walk_queued(dp, &queued);
			dp_call_rx_timers(lc, i, &dp->call[i], now);
			dp_call_tx(lc, i, &dp->call[i], now);
			i = next;
			/* how late: once per burst of calls served, as their packets leave */
			if (++served == dp->burst || i == DP_NIL) {
				lat_add_tsc_n(&lc->st->due_to_out,
					      rte_rdtsc() - lc->next_tick_tsc, dp->lat_mult, served);
				served = 0;
			}
		}
		lc->tick++;
		lc->next_tick_tsc += dp->tick_tsc;
	}
	if (now >= lc->next_tick_tsc)
		lc->next_tick_tsc = now + dp->tick_tsc;
}

/* The call slot of a received packet: its UDP destination port's, when that is one of
 * our RTP/RTCP ports; -1 for anything else (ARP, ICMP, strays). A few loads of header
 * fields the packet path reads anyway. */
static int64_t dp_pkt_slot(const struct dp *dp, struct rte_mbuf *m)
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

static void dp_fwd_flush(struct dp_lcore *lc)
{
	for (unsigned j = 0; j < lc->dp->n_lcores; j++) {
		unsigned n = lc->n_fwd[j], sent;

		if (n == 0)
			continue;
		sent = rte_ring_sp_enqueue_burst(lc->fwd_out[j], (void **)lc->fwd[j], n, NULL);
		lc->st->fwd_out += sent;
		if (sent < n) {
			lc->st->drops[DP_DROP_FWD_FULL] += n - sent;
			rte_pktmbuf_free_bulk(&lc->fwd[j][sent], n - sent);
		}
		lc->n_fwd[j] = 0;
	}
}

/* Packets of this lcore's calls that other lcores received. */
static unsigned dp_fwd_poll(struct dp_lcore *lc, uint64_t now)
{
	struct rte_mbuf *pkts[DP_BURST_MAX];
	unsigned total = 0;

	for (unsigned j = 0; j < lc->dp->n_lcores; j++) {
		unsigned n;

		if (j == lc->idx)
			continue;
		n = rte_ring_sc_dequeue_burst(lc->fwd_in[j], (void **)pkts, lc->dp->burst, NULL);
		for (unsigned i = 0; i < n; i++)
			dp_input(lc, pkts[i], now);
		lc->st->fwd_in += n;
		total += n;
	}
	return total;
}

/* Fault in the top 64 KiB of the lcore's stack, deeper than its loop goes, so that a
 * path first taken mid-call (an RTCP report, a key press) finds its pages there. */
static void __attribute__((noinline)) dp_stack_prefault(void)
{
	volatile uint8_t stack[64 * 1024];

	for (size_t i = 0; i < sizeof(stack); i += 4096)
		stack[i] = 0;
}

static int dp_lcore_main(void *arg)
{
	struct dp_lcore *lc = arg;
	struct dp *dp = lc->dp;
	struct rte_mbuf *pkts[DP_BURST_MAX];
	int64_t next_slot;   /* dp_pkt_slot() of the next packet to handle */
	unsigned next_owner; /* and its lcore */

	log_info("dp", "lcore %u (EAL lcore %u) polling port %u queue %u", lc->idx,
		 rte_lcore_id(), dp->port, lc->queue);
	/* an empty TX burst walks the send path once now: its first use reads ethdev
	 * pages (the queue's callbacks) not yet touched, a page fault on the first call */
	rte_eth_tx_burst(dp->port, lc->queue, lc->tx, 0);
	dp_stack_prefault();
	lc->next_tick_tsc = rte_rdtsc() + dp->tick_tsc;
	while (!__atomic_load_n(&dp->quit, __ATOMIC_RELAXED)) {
		uint64_t t0 = rte_rdtsc(), t1;
		unsigned work = 0;
		uint16_t nb;

		if (t0 >= lc->next_ctl_tsc) {
			work += dp_ctl_poll(lc, t0);
			if (lc->arp_in)
				dp_arp_learn_poll(lc);
			lc->next_ctl_tsc = t0 + dp->ctl_tsc;
		}
		nb = rte_eth_rx_burst(dp->port, lc->queue, pkts, (uint16_t)dp->burst);
		for (unsigned i = 0; i < nb && i < DP_PREFETCH_AHEAD; i++)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
		next_slot = nb ? dp_pkt_slot(dp, pkts[0]) : -1;
		next_owner = dp_owner(lc, next_slot);
		for (unsigned i = 0; i < nb; i++) {
			unsigned owner = next_owner;

			/* packets DP_PREFETCH_AHEAD ahead; the next one's call, when ours */
			if (i + DP_PREFETCH_AHEAD < nb)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[i + DP_PREFETCH_AHEAD], void *));
			if (i + 1 < nb) {
				next_slot = dp_pkt_slot(dp, pkts[i + 1]);
				next_owner = dp_owner(lc, next_slot);
				if (next_slot >= 0 && next_owner == lc->idx)
					dp_call_prefetch(dp, (uint32_t)next_slot);
			}
			if (owner == lc->idx) {
				dp_input(lc, pkts[i], t0);
			} else {
				lc->fwd[owner][lc->n_fwd[owner]++] = pkts[i];
			}
		}
		work += nb;
		if (dp->n_lcores > 1) {
			dp_fwd_flush(lc);
			work += dp_fwd_poll(lc, t0);
		}
		work += dp_bot_poll(lc, t0);
		if (t0 >= lc->next_tick_tsc) {
			dp_tick(lc, t0);
			work++;
		}
		dp_tx_flush(lc);
		for (unsigned w = 0; w < dp->n_workers; w++)
			dp_frames_flush(lc, w);
		t1 = rte_rdtsc();
		if (work) {
			lc->st->busy_tsc += t1 - t0;
		} else {
			lc->st->idle_tsc += t1 - t0;
			if (dp->idle_sleep_ns) {
				struct timespec nap = {.tv_nsec = (long)dp->idle_sleep_ns};

				nanosleep(&nap, NULL);
			}
		}
	}
	dp_tx_flush(lc);
	log_info("dp", "lcore %u stopped", lc->idx);
	return 0;
}

/* ---- set-up ---- */

static int dp_port_open(struct dp *dp)
{
	const struct cfg *cfg = dp->cfg;
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	uint16_t rxd = (uint16_t)cfg->dp.rx_desc, txd = (uint16_t)cfg->dp.tx_desc;
	uint64_t need = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	int socket, rc;

	if (rte_eth_dev_get_port_by_name(cfg->dp.port, &dp->port) != 0) {
		log_err("dp", "port '%s' not found: check dataplane.port and the EAL "
			"arguments (--vdev or the PCI allow list); %u ports are present",
			cfg->dp.port, rte_eth_dev_count_avail());
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(dp->port, &info);
	if (rc)
		return rc;
	if (info.max_rx_queues < dp->n_lcores || info.max_tx_queues < dp->n_lcores) {
		log_err("dp", "port '%s' has %u RX and %u TX queues; %u dp lcores need one "
			"each", cfg->dp.port, info.max_rx_queues, info.max_tx_queues,
			dp->n_lcores);
		return -EINVAL;
	}
	memset(&conf, 0, sizeof(conf));
	dp->hw_cksum = (info.tx_offload_capa & need) == need;
	if (dp->hw_cksum)
		conf.txmode.offloads = need;
	rc = rte_eth_dev_configure(dp->port, (uint16_t)dp->n_lcores, (uint16_t)dp->n_lcores,
				   &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(dp->port, &rxd, &txd);
	if (rc) {
		log_err("dp", "port '%s': configure failed: %s", cfg->dp.port, strerror(-rc));
		return rc;
	}
	socket = rte_eth_dev_socket_id(dp->port);
	if (socket < 0)
		socket = (int)rte_socket_id();
	for (unsigned q = 0; q < dp->n_lcores; q++) {
		rc = rte_eth_rx_queue_setup(dp->port, (uint16_t)q, rxd, (unsigned)socket, NULL,
					    dp->pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(dp->port, (uint16_t)q, txd, (unsigned)socket,
						    NULL);
		if (rc) {
			log_err("dp", "port '%s': queue %u setup failed: %s", cfg->dp.port, q,
				strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(dp->port);
	if (rc) {
		log_err("dp", "port '%s': start failed: %s", cfg->dp.port, strerror(-rc));
		return rc;
	}
	dp->port_started = true;
	rte_eth_macaddr_get(dp->port, &mac);
	dp->nif.mac = mac;
	log_info("dp", "port '%s' (%s) up: mac " RTE_ETHER_ADDR_PRT_FMT ", %u queue(s), "
		 "%u/%u descriptors, checksums in %s", cfg->dp.port, info.driver_name,
		 RTE_ETHER_ADDR_BYTES(&mac), dp->n_lcores, rxd, txd,
		 dp->hw_cksum ? "hardware" : "software");
	return 0;
}

/* One rte_flow rule: UDP to our address ip with (destination port & mask) == value,
 * to RX queue q. Returns 0, or -errno with the PMD's reason in err. */
static int dp_flow_rule(struct dp *dp, uint32_t ip, uint16_t value, uint16_t mask,
			uint16_t q, struct rte_flow_error *err)
{
	const struct rte_flow_attr attr = {.ingress = 1};
	struct rte_flow_item_ipv4 ip_spec = {.hdr.dst_addr = ip};
	struct rte_flow_item_ipv4 ip_mask = {.hdr.dst_addr = UINT32_MAX};
	struct rte_flow_item_udp udp_spec = {.hdr.dst_port = rte_cpu_to_be_16(value)};
	struct rte_flow_item_udp udp_mask = {.hdr.dst_port = rte_cpu_to_be_16(mask)};
	const struct rte_flow_item pattern[] = {
		{.type = RTE_FLOW_ITEM_TYPE_ETH},
		{.type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &ip_spec, .mask = &ip_mask},
		{.type = RTE_FLOW_ITEM_TYPE_UDP, .spec = &udp_spec, .mask = &udp_mask},
		{.type = RTE_FLOW_ITEM_TYPE_END}};
	const struct rte_flow_action_queue queue = {.index = q};
	const struct rte_flow_action actions[] = {
		{.type = RTE_FLOW_ACTION_TYPE_QUEUE, .conf = &queue},
		{.type = RTE_FLOW_ACTION_TYPE_END}};
	int rc;

	memset(err, 0, sizeof(*err));
	rc = rte_flow_validate(dp->port, &attr, pattern, actions, err);
	if (rc == 0 && !rte_flow_create(dp->port, &attr, pattern, actions, err))
		rc = rte_errno ? -rte_errno : -ENOTSUP;
	return rc;
}

/* Most rules of the exact-port fallback: two per call slot. */
#define DP_FLOW_EXACT_MAX 65536

/* Steer each call's packets to its lcore's RX queue with rte_flow, on our address and
 * the UDP destination port: one masked rule per lcore and media address
 * (cs_steer_rule()), or, on a port that matches ports only exactly (net_tap: tc
 * flower), one rule per RTP and per RTCP port of every slot. Packets no rule takes
 * (ARP, ICMP, strays) go where the port puts them. Returns 0 with the rules in place
 * and `msg` saying which, or -errno with why in `msg` (the ports do not line up, the
 * PMD has no flow rules or refuses these): the lcores then hand each other's packets
 * over rings, and do for any packet on a queue not its own. */
static int dp_flow_steer(struct dp *dp, char *msg, size_t msg_size)
{
	const struct cs_table *t = dp->calls;
	uint16_t n = (uint16_t)dp->n_lcores;
	uint32_t slots = t->n_slots;
	struct rte_flow_error err;
	uint16_t value, mask;
	char masked[64];
	int rc = 0;

	if (cs_steer_rule(t, n, 0, &value, &mask)) {
		snprintf(msg, msg_size, "flow rules need a power-of-two count of dp lcores, "
			 "the first RTP port a multiple of %u and, with more than one media "
			 "address, calls per address a multiple of %u", 2 * n, n);
		return -EINVAL;
	}
	for (unsigned a = 0; a < t->n_addrs && rc == 0; a++)
		for (uint16_t l = 0; l < n && rc == 0; l++) {
			cs_steer_rule(t, n, l, &value, &mask);
			rc = dp_flow_rule(dp, t->addr[a], value, mask, l, &err);
		}
	if (rc == 0) {
		snprintf(msg, msg_size, "%u rte_flow rules, one per lcore and media address on "
			 "the masked UDP destination port", n * t->n_addrs);
		return 0;
	}
	snprintf(masked, sizeof(masked), "%s", err.message ? err.message : rte_strerror(-rc));
	rte_flow_flush(dp->port, &err);
	if (2 * slots > DP_FLOW_EXACT_MAX) {
		snprintf(msg, msg_size, "the port takes no masked flow rule (%s), and %u call "
			 "slots would need %u rules of exact ports", masked, slots, 2 * slots);
		return -ENOSPC;
	}
	for (uint32_t i = 0; i < 2 * slots; i++) {
		rc = dp_flow_rule(dp, cs_slot_ip(t, i / 2),
				  (uint16_t)(cs_slot_port(t, i / 2) + (i & 1)), UINT16_MAX,
				  (uint16_t)cs_slot_lcore(i / 2, n), &err);
		if (rc) {
			snprintf(msg, msg_size, "the port takes no masked flow rule (%s), nor "
				 "exact rule %u of %u: %.64s", masked, i + 1, 2 * slots,
				 err.message ? err.message : rte_strerror(-rc));
			rte_flow_flush(dp->port, &err);
			return rc;
		}
	}
	snprintf(msg, msg_size, "%u rte_flow rules, one per RTP and RTCP port (the port "
		 "takes no masked rule: %s)", 2 * slots, masked);
	return 0;
}

/* Map the stats file shared: the lcores count straight into it. */
static int dp_stats_open(struct dp *dp)
{
	size_t size = sizeof(struct dp_stats_file) +
		      dp->n_lcores * sizeof(struct dp_lcore_stats);

	dp->stats_file = shm_create(DP_STATS_KIND, size, dp->stats_path);
	if (!dp->stats_file) {
		log_err("dp", "stats file %s: %s", dp->stats_path, strerror(errno));
		return -errno;
	}
	dp->stats_size = size;
	dp->stats_file->version = DP_STATS_VERSION;
	dp->stats_file->n_lcores = dp->n_lcores;
	dp->stats_file->n_counters = DP_COUNTER_COUNT;
	dp->stats_file->n_drops = DP_DROP_MAX;
	dp->stats_file->lcore_size = sizeof(struct dp_lcore_stats);
	dp->stats_file->tsc_hz = rte_get_tsc_hz();
	__atomic_store_n(&dp->stats_file->magic, DP_STATS_MAGIC, __ATOMIC_RELEASE);
	dp->stats = dp->stats_file->lcores;
	log_info("dp", "counters readable at %s (tools/vgstat)", dp->stats_path);
	return 0;
}

/* Rings between lcores: received packets to the lcore that owns their call, and
 * what each lcore learned from ARP. */
static int dp_fwd_create(struct dp *dp)
{
	char name[RTE_RING_NAMESIZE];

	for (unsigned i = 0; i < dp->n_lcores; i++) {
		snprintf(name, sizeof(name), "vg_arp%u", i);
		dp->arp_in[i] = rte_ring_create_elem(name, sizeof(struct dp_arp_learn), 256,
						     (int)rte_socket_id(), RING_F_SC_DEQ);
		if (!dp->arp_in[i])
			return -rte_errno;
		dp->lc[i]->arp_in = dp->arp_in[i];
		for (unsigned j = 0; j < dp->n_lcores; j++) {
			if (i == j)
				continue;
			snprintf(name, sizeof(name), "vg_fwd%u_%u", i, j);
			dp->fwd[i][j] = rte_ring_create(name, 4096, (int)rte_socket_id(),
							RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (!dp->fwd[i][j])
				return -rte_errno;
		}
	}
	for (unsigned i = 0; i < dp->n_lcores; i++)
		for (unsigned j = 0; j < dp->n_lcores; j++) {
			dp->lc[i]->fwd_out[j] = dp->fwd[i][j];
			dp->lc[i]->fwd_in[j] = dp->fwd[j][i];
		}
	return 0;
}

/* Bytes of the playout queues: n_slots queues of q_stride bytes. */
static size_t dp_playout_bytes(const struct dp *dp)
{
	return (size_t)dp->calls->n_slots * dp->q_stride;
}

/* Fault in the pages of [p, p + len) now, writable; contents are kept. */
static int dp_prefault_range(const void *p, size_t len, size_t *done)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)p & ~(page - 1);
	uintptr_t hi = ((uintptr_t)p + len + page - 1) & ~(page - 1);

	if (madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE) != 0)
		return -errno;
	*done += hi - lo;
	return 0;
}

/* Map in the pages of the program's code and read-only data (its own and its
 * libraries': every file mapping that is readable and not writable), so that the first
 * run of a path the lcores seldom take (an RTCP report, a timeout, an SRTP rekey) does
 * not stop on a page fault. Returns the bytes mapped, or -errno. */
static ssize_t dp_prefault_code(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], perms[8];
	unsigned long lo, hi, inode;
	ssize_t done = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s %*s %*s %lu", &lo, &hi, perms, &inode) != 4 ||
		    inode == 0 || perms[0] != 'r' || perms[1] != '-')
			continue;
		if (madvise((void *)lo, hi - lo, MADV_POPULATE_READ) == 0)
			done += (ssize_t)(hi - lo);
		else if (errno == EINVAL) { /* a kernel before 5.14 */
			done = -errno;
			break;
		} /* else a mapping past its file's end (EFAULT): left as it is */
	}
	fclose(f);
	return done;
}

struct dp_prefault_ctx {
	size_t done;
	int rc;
};

static void dp_prefault_mz(const struct rte_memzone *mz, void *arg)
{
	struct dp_prefault_ctx *x = arg;

	if (x->rc == 0)
		x->rc = dp_prefault_range(mz->addr, mz->len, &x->done);
}

/* Make the memory the lcores touch resident before the first call: the call state,
 * the playout queues, the lcores' own state (their staged frames), the stats file and
 * every memzone (call table, rings, mbufs). Without hugepages (--no-huge) DPDK's
 * memory is faulted in page by page on first touch, and the lcores' first pass over
 * it would take a trip into the kernel every few packets. Hugepages are resident
 * already; a kernel before 5.14 cannot do this (a warning). */
static void dp_prefault(struct dp *dp)
{
	uint64_t t0 = rte_get_tsc_cycles();
	struct dp_prefault_ctx x = {0};
	ssize_t code = dp_prefault_code();

	x.rc = dp_prefault_range(dp->call, dp->calls->n_slots * sizeof(*dp->call), &x.done);
	if (x.rc == 0)
		x.rc = dp_prefault_range(dp->link, dp->calls->n_slots * sizeof(*dp->link),
					 &x.done);
	if (x.rc == 0)
		x.rc = dp_prefault_range(dp->playout, dp_playout_bytes(dp), &x.done);
	for (unsigned i = 0; i < dp->n_lcores && x.rc == 0; i++)
		x.rc = dp_prefault_range(dp->lc[i], sizeof(*dp->lc[i]), &x.done);
	if (x.rc == 0)
		x.rc = dp_prefault_range(dp->stats_file, dp->stats_size, &x.done);
	if (x.rc == 0)
		rte_memzone_walk(dp_prefault_mz, &x);
	if (x.rc == 0 && code < 0)
		x.rc = (int)code;
	if (x.rc)
		log_warn("dp", "could not fault in the dataplane's memory and code ahead (%s): "
			 "the lcores will on their first pass over it", strerror(-x.rc));
	else
		log_info("dp", "%zu MiB of call state, playout queues, lcore state, stats, "
			 "rings and mbufs and %zd MiB of code and read-only data resident in "
			 "%llu ms", x.done >> 20, code >> 20,
			 (unsigned long long)((rte_get_tsc_cycles() - t0) * 1000 /
					      rte_get_tsc_hz()));
}

/* Log the media addresses and ports at start-up; `ip` is the first address. */
static void dp_log_media(const struct dp *dp, const struct cfg *cfg, const char *ip)
{
	const struct cs_table *t = dp->calls;
	char more[CS_MAX_ADDRS * (INET_ADDRSTRLEN + 2)] = "";
	uint32_t per = t->n_slots < t->per_addr ? t->n_slots : t->per_addr;

	for (unsigned i = 0; i < dp->nif.n_alias; i++) {
		size_t at = strlen(more);

		snprintf(more + at, sizeof(more) - at, ", ");
		inet_ntop(AF_INET, &dp->nif.alias[i], more + at + 2,
			  (socklen_t)(sizeof(more) - at - 2));
	}
	log_info("dp", "media address %s/%u%s, RTP ports %u-%u%s, %u call slots, %u dp "
		 "lcore(s)", ip, cfg->dp.prefix, more, t->rtp_port_base,
		 t->rtp_port_base + 2 * per - 1, t->n_addrs > 1 ? " on each" : "", t->n_slots,
		 dp->n_lcores);
}

int dp_create(struct dp **out, const struct cfg *cfg, struct cs_table *calls,
	      struct ring_set *rings, unsigned n_lcores)
{
	struct dp *dp;
	char ip[INET_ADDRSTRLEN], why[320];
	unsigned pool_cache;
	int rc = -ENOMEM;

	if (n_lcores == 0 || n_lcores > DP_MAX_LCORES || n_lcores > rings->n_lcores)
		return -EINVAL;
	g711_init();
	if (srtp_call_lib_init() != 0) {
		log_err("dp", "libsrtp2 does not initialise (srtp_init)");
		return -EIO;
	}
	log_info("dp", "SRTP by %s on %s", srtp_get_version_string(), VG_SRTP_CRYPTO);
	dp = rte_zmalloc("vg_dp", sizeof(*dp), RTE_CACHE_LINE_SIZE);
	if (!dp) {
		srtp_call_lib_fini();
		return -ENOMEM;
	}
	dp->cfg = cfg;
	dp->calls = calls;
	dp->rings = rings;
	dp->n_lcores = n_lcores;
	dp->n_workers = rings->n_workers;
	dp->burst = cfg->dp.burst < DP_BURST_MAX ? cfg->dp.burst : DP_BURST_MAX;
	dp->tick_tsc = rte_get_tsc_hz() / (1000 * DP_TICKS_PER_MS);
	dp->ctl_tsc = rte_get_tsc_hz() / (1000000 / DP_CTL_PERIOD_US);
	dp->rtp_timeout_tsc = rte_get_tsc_hz() / 1000 * cfg->dp.rtp_timeout_ms;
	dp->idle_sleep_ns = (uint64_t)cfg->dp.idle_sleep_us * 1000;
	dp->tsc_hz = rte_get_tsc_hz();
	dp->ts_mult = (uint64_t)(((unsigned __int128)8000 << 32) / dp->tsc_hz);
	dp->lat_mult = lat_tsc_mult(dp->tsc_hz);
	{
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		dp->tsc_base = rte_rdtsc();
		/* NTP era starts 1900: 2208988800 s before the Unix epoch */
		dp->ntp_base = ((uint64_t)now.tv_sec + 2208988800ull) << 32 |
			       (uint64_t)((((uint64_t)now.tv_nsec) << 32) / 1000000000ull);
	}
	dp->q_cap = (uint16_t)(cfg->dp.playout_ms / 20);
	dp->q_stride = dp_playout_size(cfg);
	memset(dp->silence[CS_LAW_PCMU], g711_silence(CS_LAW_PCMU), DP_PAYLOAD);
	memset(dp->silence[CS_LAW_PCMA], g711_silence(CS_LAW_PCMA), DP_PAYLOAD);
	dp->nif.ip = calls->addr[0];
	dp->nif.mask = cfg->dp.prefix ? rte_cpu_to_be_32(~0u << (32 - cfg->dp.prefix)) : 0;
	dp->nif.gateway = cfg->dp.gateway;
	_Static_assert(NET_MAX_ALIASES + 1 >= CS_MAX_ADDRS, "every media address on the link");
	dp->nif.n_alias = calls->n_addrs - 1u;
	memcpy(dp->nif.alias, &calls->addr[1], dp->nif.n_alias * sizeof(uint32_t));
	inet_ntop(AF_INET, &dp->nif.ip, ip, sizeof(ip));
	snprintf(dp->cname, sizeof(dp->cname), "voxgate@%s", ip);

	dp->call = rte_zmalloc("vg_dp_calls", calls->n_slots * sizeof(*dp->call),
			       RTE_CACHE_LINE_SIZE);
	dp->link = rte_malloc("vg_dp_links", calls->n_slots * sizeof(*dp->link),
			      RTE_CACHE_LINE_SIZE);
	dp->playout = rte_malloc("vg_playout", dp_playout_bytes(dp), RTE_CACHE_LINE_SIZE);
	if (!dp->call || !dp->link || !dp->playout) {
		log_err("dp", "out of DPDK memory for %u calls (%u ms playout each): raise "
			"the EAL memory (-m) or lower dataplane.max_calls/playout_ms",
			calls->n_slots, cfg->dp.playout_ms);
		goto out;
	}
	rc = dp_stats_open(dp);
	if (rc)
		goto out;

	pool_cache = cfg->dp.mbufs / 4 < 256 ? cfg->dp.mbufs / 4 : 256;
	dp->pool = rte_pktmbuf_pool_create("vg_mbuf", cfg->dp.mbufs, pool_cache, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!dp->pool) {
		log_err("dp", "mbuf pool of %u failed: %s", cfg->dp.mbufs,
			rte_strerror(rte_errno));
		goto out;
	}
	for (unsigned i = 0; i < n_lcores; i++) {
		struct dp_lcore *lc = rte_zmalloc("vg_dp_lcore", sizeof(*lc),
						  RTE_CACHE_LINE_SIZE);

		if (!lc)
			goto out;
		dp->lc[i] = lc;
		lc->dp = dp;
		lc->idx = i;
		lc->queue = (uint16_t)i;
		lc->ctl = rings->ctl_dp[i];
		lc->evt = rings->evt_dp[i];
		for (unsigned w = 0; w < dp->n_workers; w++) {
			lc->to_bot[w] = rings->to_bot[i][w];
			lc->from_bot[w] = rings->to_dp[w][i];
		}
		lc->st = &dp->stats[i];
		lc->arp.retry_tsc = rte_get_tsc_hz();
		for (unsigned b = 0; b < DP_WHEEL; b++)
			lc->wheel[b] = DP_NIL;
	}
	if (n_lcores > 1) {
		rc = dp_fwd_create(dp);
		if (rc)
			goto out;
	}
	rc = dp_port_open(dp);
	if (rc)
		goto out;
	dp_prefault(dp);
	dp_log_media(dp, cfg, ip);
	if (n_lcores == 1) {
		log_info("dp", "one lcore takes every call");
	} else if (dp_flow_steer(dp, why, sizeof(why)) == 0) {
		dp->flow_steered = true;
		log_info("dp", "steering by the port's flow rules: %s put each call's "
			 "packets on its lcore's RX queue", why);
	} else {
		log_info("dp", "steering in software (%s): each lcore polls its own RX queue "
			 "and passes packets of other lcores' calls to them over rings of "
			 "%u packets", why, rte_ring_get_capacity(dp->fwd[0][1]));
	}
	*out = dp;
	return 0;
out:
	dp_destroy(dp);
	return rc;
}

int dp_launch(struct dp *dp, unsigned idx, unsigned lcore_id)
{
	if (idx >= dp->n_lcores)
		return -EINVAL;
	return rte_eal_remote_launch(dp_lcore_main, dp->lc[idx], lcore_id);
}

void dp_stop(struct dp *dp)
{
	__atomic_store_n(&dp->quit, 1, __ATOMIC_RELAXED);
}

void dp_destroy(struct dp *dp)
{
	if (!dp)
		return;
	if (dp->port_started) {
		struct rte_flow_error err;

		if (dp->flow_steered)
			rte_flow_flush(dp->port, &err);
		rte_eth_dev_stop(dp->port);
		rte_eth_dev_close(dp->port);
	}
	for (unsigned i = 0; i < DP_MAX_LCORES; i++) {
		rte_free(dp->lc[i]);
		rte_ring_free(dp->arp_in[i]);
		for (unsigned j = 0; j < DP_MAX_LCORES; j++) {
			struct rte_mbuf *m;

			while (dp->fwd[i][j] && rte_ring_dequeue(dp->fwd[i][j], (void **)&m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(dp->fwd[i][j]);
		}
	}
	rte_mempool_free(dp->pool);
	shm_destroy(dp->stats_file, dp->stats_size, dp->stats_path);
	rte_free(dp->playout);
	for (uint32_t i = 0; dp->call && i < dp->calls->n_slots; i++)
		srtp_call_close(&dp->call[i].srtp); /* frees and wipes the keys */
	rte_free(dp->link);
	rte_free(dp->call);
	rte_free(dp);
	srtp_call_lib_fini();
}

void dp_port_stats_update(struct dp *dp, bool force)
{
	struct rte_eth_stats es;
	uint64_t now = rte_rdtsc();
	struct dp_port_stats *p = &dp->stats_file->port;

	if (!dp->port_started || (!force && now - dp->port_stats_tsc < dp->tsc_hz))
		return;
	dp->port_stats_tsc = now;
	if (rte_eth_stats_get(dp->port, &es) != 0)
		return;
	/* The file's counters only grow: a PMD that starts its own again from zero (net_memif
	 * when its peer leaves) has what it had counted added back. */
#define DP_PORT_COUNTER_COPY(name)                                                       \
	if (es.name < dp->port_last.name)                                                \
		dp->port_base.name += dp->port_last.name;                                \
	dp->port_last.name = es.name;                                                    \
	__atomic_store_n(&p->name, dp->port_base.name + es.name, __ATOMIC_RELAXED);
	DP_PORT_COUNTER_LIST(DP_PORT_COUNTER_COPY)
#undef DP_PORT_COUNTER_COPY
}

const struct dp_port_stats *dp_port_stats(const struct dp *dp)
{
	return &dp->stats_file->port;
}

const struct dp_lcore_stats *dp_stats(const struct dp *dp, unsigned idx)
{
	return idx < dp->n_lcores ? &dp->stats[idx] : NULL;
}

size_t dp_call_size(void)
{
	return sizeof(struct dp_call);
}

size_t dp_playout_size(const struct cfg *c)
{
	return RTE_ALIGN_CEIL((size_t)(c->dp.playout_ms / 20) * DP_QENTRY,
			      (size_t)RTE_CACHE_LINE_SIZE);
}

