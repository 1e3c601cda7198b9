/*
 * dp_bench: capacity and latency of voxgate's dataplane, in one process.
 *
 *   dp_bench --calls N --seconds S [--warmup S] [--srtp] [--talk MS]
 *            [--ws URL[,URL...] [--ws-ca FILE]] [--workers W]
 *            [--loop K [--nap US] [--paired [--worker-idle]]] [--bridge]
 *            [EAL arguments after --]
 *
 * What runs is voxgate's own code: one dp lcore (dataplane/dp.c, the packet path,
 * G.711 both ways, the playout timer wheel), one bot worker with the built-in echo bot
 * (delay 0), calls set up through the real control path (call table slot, BOT_START
 * and CALL_START on the rings, CALL_STARTED back). Only the port is special: a DPDK
 * ethdev made of two rte_rings (rte_eth_from_rings), so that a load generator on the
 * main lcore can stand in for the network on a machine with no NIC and two cores.
 *
 * The generator emulates N callers: every call sends one 20 ms PCMA packet every
 * 20 ms, the calls' phases spread over the 20 ms, with the generator's TSC, call
 * number and packet number in the payload (A-law decode then encode is lossless, so
 * the echo brings these bytes back). It reads every packet voxgate sends, and counts
 * a loss for every packet sent whose echo did not come back.
 *
 * Printed (one "key value" per line, for bench/run.sh): packets sent, echoed, lost;
 * the dp lcore's packets per second and TSC cycles per packet (busy cycles of its
 * loop / packets in + out); the latency packet in -> frame at the bot worker
 * (p50/p99/p99.9, from the worker's histogram); the round trip packet in -> echoed
 * packet out (which includes the wait for the call's next 20 ms send slot, by design
 * up to 20 ms); and dataplane memory per call.
 *
 * With --srtp every call is SRTP (AES_CM_128_HMAC_SHA1_80, its own random keys each
 * way, as SDES gives them): the dp lcore unprotects every packet in and protects
 * every packet out with libsrtp2; the generator does the same on its side with the
 * same wrapper (dataplane/srtp.c), so an echo only counts if it authenticated. The
 * heap libsrtp2 takes per call (jemalloc's count of allocated bytes) is printed too.
 *
 * With --ws URL the bot is a WebSocket bot in the Twilio dialect at URL instead of the
 * built-in echo (bench/ws_echo sends every media message back): every frame goes
 * through the bot worker's socket both ways. The calls are PCMU then, since mu-law
 * survives the trip through linear PCM byte for byte except 0x7f, which the stamps
 * never hold (each stamp byte is sent as two bytes 0x20-0x2f). With several URLs (a
 * comma between them: several ws_echo) the calls take them in turn. wss:// URLs are
 * checked against --ws-ca (PEM). Before the generator starts, dp_bench waits for every
 * session's handshake and prints how many per second were done (ws_handshakes_*).
 * With --talk MS every call talks as a person does: MS of stamped frames, then 200 ms
 * of silence, over and over (each call from its own first packet). The pauses are
 * not counted as sent; they are where the worker may trim a standing queue of the
 * bot's audio (bots/bot.c), so bot_to_out shows what a real-time bot adds.
 * With --bridge the calls are bridged in pairs (2k with 2k+1, VG_MSG_CALL_BRIDGE as
 * for a transfer's two legs): each packet comes out of the other call of its pair,
 * relayed through the reorder window and that call's playout queue with no bot (the
 * stamp survives, as both legs are PCMA), so the same figures tell what a relayed
 * packet costs beside a terminated one.
 * With --workers W (no --loop) W bot workers share the calls, call i on worker
 * i % W; the worker figures (frames, trims, hop latencies) are their sums, and each
 * worker's CPU is printed (workerI_cpu_percent).
 *
 * With --loop K there is no generator: K dp lcores, each with its own queue of the
 * port, whose TX ring is its RX ring (16,384 packets, as deep as bench/run.sh's memif
 * rings), and every call's peer is the call's own address and port. What a dp lcore
 * sends for a call (silence at first, then the echo of what it received) comes back
 * to that lcore as the call's next packet in, so each call is 50 packets/s in and 50
 * out, decoded, through the echo bot and encoded, as from a caller, and the CPUs are
 * left to the dp lcores and the bot worker (no generator, no copy in the port). The
 * calls' send slots are spread over the 20 ms. This tells how the dp lcores scale
 * over the machine's cores where a generator would need a core of its own. Printed
 * per lcore (lcoreI_*): the CPU it ran on, its calls, RTP packets in per call and
 * second (50 when it keeps up), gap frames, drops, packets per second, busy share and
 * TSC cycles per packet (busy TSC), its thread's CPU time and the cycles per packet
 * it makes, and its latency hops; then the bot worker's CPU and hop, each CPU's time
 * stolen by the host, `lost` (packets and frames dropped anywhere) and `carried 1`
 * when every lcore kept every call at 50 packets/s with no gap and no drop. The EAL
 * arguments by default put the main lcore on CPU 0 and dp lcore i on CPU (i + 1) %
 * the CPUs (lcore 0 on CPU 1). One media address (198.18.1.1) has the ports of up to
 * 32,000 calls here (RTP and RTCP from 1024); more calls take a second (198.18.1.3),
 * as dataplane.extra_addresses gives them, up to 64,000.
 * With --loop and --ws the calls' bot is the WebSocket bot: what a call sends comes
 * back through it, and `carried` also needs each call's 50 frames a second to reach
 * the bot workers and 50 media messages a second to come back from the bot, no
 * backlog full and no socket lost (bot_*_per_call_second). The main lcore idles
 * then, so the bot worker has CPU 0 to itself (bench/ws_run.sh).
 * With --nap US a dp lcore with nothing to do sleeps US µs (dataplane.idle_sleep_us;
 * 0, busy polling, by default, as in voxgate's default config): a lcore that shares
 * its CPU with the bot worker must, or the scheduler gives the worker its CPU only
 * in slices of milliseconds.
 * With --paired there are K bot workers, not one: worker i takes the calls of dp lcore
 * i and runs on that lcore's CPU, so every CPU carries the whole path of its calls
 * (packets, decode, the echo bot, encode) and K CPUs do K times one CPU's work: how
 * the calls a machine carries grow with its cores, where the machine has no core for
 * the bot worker beside each dp lcore's. Printed per lcore then too: its worker's CPU
 * and the cycles per packet of both threads together (their CPU time).
 * With --worker-idle too the workers run at SCHED_IDLE: a worker has its CPU when its
 * dp lcore naps and gives it back the moment the lcore wakes, where at the same
 * priority the scheduler shares the CPU in slices of milliseconds, holding the lcore
 * up that long while its packets queue; a lcore that never naps starves its worker.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <sys/random.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include <jemalloc/jemalloc.h>

#include "base/log.h"
#include "bots/bot.h"
#include "config/cfg.h"
#include "dataplane/dp.h"
#include "dataplane/net.h"
#include "dataplane/rtp.h"
#include "dataplane/srtp.h"
#include "shared/cs.h"
#include "shared/ring.h"
#include "tools/proc.h"
#include "tools/stamp.h"

#define GEN_BURST 32
#define PAYLOAD 160
#define RTP_BASE 10000
#define LOOP_RTP_BASE 1024
#define LOOP_PER_ADDR 32000 /* calls on one media address (ports 1024-65023) */
#define LOOP_MAX_CALLS (2 * LOOP_PER_ADDR)
#define LOOP_RING 16384 /* packets: as deep as the memif rings of bench/run.sh */
#define CALLER_BASE 20000
#define PAUSE_MS 200 /* --talk: the pause between a call's talk spurts */

struct bench {
	unsigned calls;
	unsigned seconds, warmup;
	uint64_t hz;
	struct cfg cfg;
	struct cs_table *table;
	struct cs_pool pool;
	struct ring_set rings;
	struct dp *dp;
	struct bot_pool *bots;
	struct rte_ring *to_dp, *from_dp;
	struct rte_mempool *gen_pool;
	struct rte_ether_addr dp_mac, gen_mac;
	uint32_t *seq;        /* per call: next packet number */
	bool srtp;            /* --srtp */
	bool bridge;          /* --bridge: calls 2k and 2k+1 bridged to each other */
	const char *ws;       /* --ws URL[,URL...] */
	unsigned n_ws;        /* URLs in it: agents 0..n_ws-1 */
	unsigned loop;        /* --loop K: dp lcores, each call looped back to itself */
	unsigned lcores;      /* dp lcores: K with --loop, else 1 */
	unsigned nap;         /* --nap US: dataplane.idle_sleep_us (0: busy polling) */
	bool paired;          /* --paired: a bot worker per dp lcore, on its CPU */
	bool worker_idle;     /* --worker-idle: the paired workers at SCHED_IDLE */
	unsigned talk;        /* --talk MS: each call talks MS, then pauses PAUSE_MS */
	const char *ws_ca;    /* --ws-ca FILE: the CA wss:// bots are checked against */
	unsigned workers;     /* bot workers: K with --paired, else 1 */
	unsigned lcore_id[RING_MAX_LCORES]; /* the EAL lcore each dp lcore runs on */
	uint16_t rtp_base;
	unsigned per_addr;    /* calls on one media address */
	struct srtp_call *gen_srtp; /* per call: the generator's side of its SRTP */
	uint64_t srtp_heap;   /* heap taken while the calls were set up (libsrtp2's) */
	uint64_t bad_echo;    /* packets back that did not unprotect */
	uint64_t sent, echoed, silence, other;
	uint64_t *rtt;        /* round trip samples, in TSC */
	size_t n_rtt, cap_rtt;
	uint64_t window_start, window_end; /* stamps of the measured packets */
};

static void die(const char *what, int rc)
{
	fprintf(stderr, "dp_bench: %s: %s\n", what, strerror(rc < 0 ? -rc : rc));
	exit(1);
}

/* The configuration a voxgate with this load would have. */
static void bench_cfg(struct bench *b)
{
	struct cfg *c = &b->cfg;

	memset(c, 0, sizeof(*c));
	c->log_level = LOG_WARN;
	snprintf(c->dp.port, sizeof(c->dp.port), "vg_bench");
	c->dp.addrs[0] = rte_cpu_to_be_32(RTE_IPV4(198, 18, 1, 1));
	c->dp.addrs[1] = rte_cpu_to_be_32(RTE_IPV4(198, 18, 1, 3));
	c->dp.n_addrs = (b->calls + b->per_addr - 1) / b->per_addr;
	c->dp.prefix = 24;
	c->dp.rtp_min = b->rtp_base;
	c->dp.rtp_max = (uint16_t)(b->rtp_base + 2 * b->per_addr - 1);
	c->dp.max_calls = b->calls;
	c->dp.burst = 32;
	c->dp.mbufs = 4 * b->calls + 16383;
	c->dp.rx_desc = c->dp.tx_desc = 1024;
	c->dp.playout_ms = 200;
	c->dp.reorder_window = 1;
	c->dp.rtp_latch = true;
	c->bots.workers = b->workers;
	c->bots.ring_ms = 200;
	c->bots.backlog_s = 120;
	c->bots.n_agents = 1;
	snprintf(c->bots.agents[0].id, sizeof(c->bots.agents[0].id), "echo");
	c->bots.agents[0].builtin = CFG_BOT_ECHO;
	c->bots.agents[0].delay_ms = 0;
	/* --nap: a lcore that shares its CPU with the bot worker must nap when idle */
	c->dp.idle_sleep_us = b->nap;
	if (b->ws) {
		const char *u = b->ws;

		/* the bot (ws_echo) shares the dp lcore's core: let it run */
		c->dp.idle_sleep_us = 20;
		for (b->n_ws = 0; *u && b->n_ws < CFG_MAX_AGENTS; b->n_ws++) {
			struct cfg_agent *a = &c->bots.agents[b->n_ws];
			size_t len = strcspn(u, ",");

			snprintf(a->id, sizeof(a->id), "echo%u", b->n_ws);
			a->builtin = CFG_BOT_NONE;
			snprintf(a->url, sizeof(a->url), "%.*s", (int)len, u);
			a->dialect = CFG_DIALECT_TWILIO;
			a->connect_timeout_ms = 30000;
			snprintf(a->account_sid, sizeof(a->account_sid), "AC0");
			u += len + (u[len] == ',');
		}
		c->bots.n_agents = b->n_ws;
		if (b->ws_ca)
			snprintf(c->bots.tls_ca, sizeof(c->bots.tls_ca), "%s", b->ws_ca);
	}
}

/* --paired: bot worker i onto the CPUs of dp lcore i (at SCHED_IDLE with
 * --worker-idle). */
static void bench_pair(struct bench *b)
{
	struct proc_task t[RING_MAX_LCORES];

	if (proc_tasks("self", "vg-bot", t, b->workers) != b->workers)
		die("the bot workers' threads in /proc", ENOENT);
	for (unsigned w = 0; w < b->workers; w++) {
		rte_cpuset_t cpus = rte_lcore_cpuset(b->lcore_id[w]);

		if (sched_setaffinity(t[w].tid, sizeof(cpus), &cpus) != 0)
			die("a bot worker onto its dp lcore's CPU", errno);
		if (b->worker_idle) {
			struct sched_param sp = {0};

			if (sched_setscheduler(t[w].tid, SCHED_IDLE, &sp) != 0)
				die("a bot worker at SCHED_IDLE", errno);
		}
	}
}

/* Calls through the control path, as signaling sets them up. */
static void bench_calls(struct bench *b)
{
	struct vg_msg m;
	unsigned started = 0;
	uint64_t deadline = rte_rdtsc() + 10 * b->hz, start = rte_rdtsc();

	for (unsigned i = 0; i < b->calls; i++) {
		uint32_t gen;
		int64_t slot = cs_alloc(&b->pool, &gen);
		struct cs_media *md;

		if (slot < 0)
			die("call slot", (int)slot);
		md = &cs_slot(b->table, (uint32_t)slot)->media;
		if (b->loop) { /* the call's peer is itself */
			md->remote_ip = md->local_ip;
			md->remote_port = md->rtp_port;
			/* call i starts i/N into a second: its slot's phase in the 20 ms */
			while (rte_rdtsc() < start + b->hz * i / b->calls)
				rte_pause();
		} else {
			md->remote_ip = rte_cpu_to_be_32(RTE_IPV4(198, 18, 1, 2));
			md->remote_port = (uint16_t)(CALLER_BASE + 2 * slot);
		}
		md->law = b->ws ? CS_LAW_PCMU : CS_LAW_PCMA;
		md->pt = b->ws ? 0 : 8;
		md->dtmf_pt = CS_NO_PT;
		md->dir = CS_DIR_SENDRECV;
		md->lcore = (uint16_t)cs_slot_lcore((uint32_t)slot, b->lcores);
		md->worker = (uint16_t)(b->paired ? md->lcore : i % b->workers);
		md->agent = (uint16_t)(b->n_ws ? i % b->n_ws : 0);
		md->ptime_ms = 20;
		if (b->srtp) {
			md->srtp.suite = CS_SRTP_AES_CM_128_HMAC_SHA1_80;
			if (getrandom(md->srtp.rx_key, sizeof(md->srtp.rx_key), 0) < 0 ||
			    getrandom(md->srtp.tx_key, sizeof(md->srtp.tx_key), 0) < 0)
				die("random keys", errno);
		}
		snprintf(md->call_id, sizeof(md->call_id), "bench-%u", i);
		m = (struct vg_msg){.type = VG_MSG_BOT_START, .slot = (uint32_t)slot, .gen = gen};
		while (ring_msg_send(b->rings.ctl_bot[md->worker], &m) != 0)
			rte_pause();
		m.type = VG_MSG_CALL_START;
		while (ring_msg_send(b->rings.ctl_dp[md->lcore], &m) != 0)
			rte_pause();
	}
	while (started < b->calls && rte_rdtsc() < deadline) {
		for (unsigned l = 0; l < b->lcores; l++) {
			m.type = 0;
			if (ring_msg_recv(b->rings.evt_dp[l], &m, 1) != 1)
				continue;
			if (m.type == VG_MSG_CALL_STARTED)
				started++;
			else if (m.type == VG_MSG_CALL_FAILED)
				die("dp could not set up a call's SRTP", m.arg);
		}
	}
	if (started < b->calls)
		die("calls did not start", ETIMEDOUT);
}

/* --bridge: calls 2k and 2k+1 bridged to each other, as signaling bridges a
 * transfer's legs (VG_MSG_CALL_BRIDGE to each): what the generator sends on one comes
 * out of the other, through the reorder window and the other's playout queue, with
 * no bot in between. */
static void bench_bridge(struct bench *b)
{
	for (unsigned i = 0; i + 1 < b->calls; i += 2) {
		for (unsigned k = 0; k < 2; k++) {
			uint32_t slot = i + k, peer = i + 1 - k;
			struct vg_msg m = {.type = VG_MSG_CALL_BRIDGE, .slot = slot,
					   .gen = cs_slot(b->table, slot)->gen, .value = peer};

			while (ring_msg_send(b->rings.ctl_dp[cs_slot_lcore(slot, b->lcores)],
					     &m) != 0)
				rte_pause();
		}
	}
	rte_delay_ms(50); /* the dp lcore takes its control ring every 100 us */
}

/* --ws: wait until every call's WebSocket bot has its handshake done (60 s at most);
 * print how long that took from the first call's start and the handshakes per
 * second (TCP, TLS for wss://, the WebSocket upgrade and the dialect's first
 * messages). */
static void bench_ws_wait(struct bench *b, uint64_t start)
{
	uint64_t deadline = rte_rdtsc() + 60 * b->hz, n = 0, failed = 0, t;
	double secs;

	for (;;) {
		n = failed = 0;
		for (unsigned w = 0; w < b->workers; w++) {
			const struct bot_stats *st = bot_pool_stats(b->bots, w);

			n += __atomic_load_n(&st->ws_connected, __ATOMIC_RELAXED);
			failed += __atomic_load_n(&st->ws_failed, __ATOMIC_RELAXED);
		}
		t = rte_rdtsc();
		if (n + failed >= b->calls || t > deadline)
			break;
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	}
	secs = (double)(t - start) / (double)b->hz;
	printf("ws_connected %llu\n", (unsigned long long)n);
	printf("ws_connect_failed %llu\n", (unsigned long long)failed);
	printf("ws_handshake_seconds %.3f\n", secs);
	printf("ws_handshakes_per_second %.0f\n", secs > 0 ? (double)n / secs : 0);
	fflush(stdout); /* bench/ws_run.sh waits for this line */
}

/* Bytes jemalloc has handed out and not had back, all threads. */
static uint64_t bench_heap(void)
{
	uint64_t epoch = 1;
	size_t allocated, len = sizeof(allocated), elen = sizeof(epoch);

	if (mallctl("epoch", &epoch, &elen, &epoch, elen) != 0 ||
	    mallctl("stats.allocated", &allocated, &len, NULL, 0) != 0)
		return 0;
	return allocated;
}

/* The generator's side of each call's SRTP: it sends with the dp's receive key and
 * reads with the dp's send key. */
static void bench_gen_srtp(struct bench *b)
{
	b->gen_srtp = calloc(b->calls, sizeof(*b->gen_srtp));
	if (!b->gen_srtp)
		die("memory", ENOMEM);
	for (unsigned i = 0; i < b->calls; i++) {
		const struct cs_srtp *dk = &cs_slot(b->table, i)->media.srtp;
		struct cs_srtp k = {.suite = dk->suite};

		memcpy(k.rx_key, dk->tx_key, sizeof(k.rx_key));
		memcpy(k.tx_key, dk->rx_key, sizeof(k.tx_key));
		if (srtp_call_open_tx(&b->gen_srtp[i], &k, 0x1000 + i) ||
		    srtp_call_open_rx(&b->gen_srtp[i], &k))
			die("generator SRTP", EINVAL);
	}
}

/* After the stamp (tools/stamp.h), the 0x55 pattern. */
#define PATTERN_AT 40

/* One caller packet: Ethernet/IPv4/UDP/RTP with the stamp in the payload, or with
 * --talk in a call's pause, silence (*quiet set). */
static struct rte_mbuf *bench_packet(struct bench *b, unsigned call, uint64_t tsc,
				     bool *quiet)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(b->gen_pool);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	uint8_t *rtp;
	uint32_t seq = b->seq[call]++, len = RTP_HDR_LEN + PAYLOAD;
	uint32_t spurt = b->talk / 20, cycle = spurt + PAUSE_MS / 20;

	*quiet = b->talk && seq % cycle >= spurt;

	if (!m)
		return NULL;
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	udp = (struct rte_udp_hdr *)(ip + 1);
	eth->dst_addr = b->dp_mac;
	eth->src_addr = b->gen_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	rtp = (uint8_t *)(udp + 1);
	rtp_write_hdr(rtp, b->ws ? 0 : 8, seq == 0, (uint16_t)seq, seq * 160, 0x1000 + call);
	if (*quiet) { /* G.711 silence: mu-law 0xff, A-law 0xd5 */
		memset(rtp + RTP_HDR_LEN, b->ws ? 0xff : 0xd5, PAYLOAD);
	} else {
		memset(rtp + RTP_HDR_LEN, 0x55, PAYLOAD);
		stamp_put(rtp + RTP_HDR_LEN, tsc, call, seq);
	}
	if (b->srtp && srtp_call_protect(&b->gen_srtp[call], rtp, &len, false) != 0)
		die("generator srtp_protect", EIO);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + len));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(198, 18, 1, 2));
	ip->dst_addr = b->cfg.dp.addrs[0];
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16((uint16_t)(CALLER_BASE + 2 * call));
	udp->dst_port = rte_cpu_to_be_16((uint16_t)(RTP_BASE + 2 * call));
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + len));
	udp->dgram_cksum = 0;
	m->data_len = m->pkt_len = RTE_ETHER_HDR_LEN + 20 + 8 + len;
	return m;
}

/* Everything voxgate sent: echoes (with our stamp), silence, ARP. */
static void bench_drain(struct bench *b)
{
	struct rte_mbuf *pkts[GEN_BURST];
	unsigned n;
	uint64_t now = rte_rdtsc();

	while ((n = rte_ring_dequeue_burst(b->from_dp, (void **)pkts, GEN_BURST, NULL)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			uint8_t *p = rte_pktmbuf_mtod(pkts[i], uint8_t *);
			uint32_t len = rte_pktmbuf_data_len(pkts[i]);
			const uint8_t *pl = p + NET_UDP_HDRS + RTP_HDR_LEN;
			uint64_t tsc;
			uint32_t call;

			if (b->srtp && len > NET_UDP_HDRS) {
				const struct rte_udp_hdr *u =
					(const struct rte_udp_hdr *)(p + NET_UDP_HDRS) - 1;
				unsigned call = (rte_be_to_cpu_16(u->dst_port) - CALLER_BASE) / 2;

				len -= NET_UDP_HDRS;
				if (rte_be_to_cpu_16(u->dst_port) & 1) { /* SRTCP: an SR */
					b->other++;
					continue;
				}
				if (call >= b->calls ||
				    srtp_call_unprotect(&b->gen_srtp[call], p + NET_UDP_HDRS, &len,
							false) != DP_DROP_NONE) {
					b->bad_echo++;
					continue;
				}
				len += NET_UDP_HDRS;
			}
			if (len != NET_UDP_HDRS + RTP_HDR_LEN + PAYLOAD) {
				b->other++;
			} else if (pl[PATTERN_AT] == 0x55 && /* our pattern came back */
				   stamp_get(pl, &tsc, &call)) {
				if (tsc >= b->window_start && tsc < b->window_end) {
					b->echoed++;
					if (b->n_rtt < b->cap_rtt)
						b->rtt[b->n_rtt++] = now - tsc;
				}
			} else {
				b->silence++;
			}
		}
		rte_pktmbuf_free_bulk(pkts, n);
	}
}

/* Run the callers for `seconds`: each ms, the calls whose phase it is send. Between
 * ticks the generator reads what came back, then sleeps: the bot worker shares its
 * core. */
static void bench_run(struct bench *b, unsigned seconds, int measure)
{
	uint64_t ms = b->hz / 1000, next = rte_rdtsc(), end = next + seconds * b->hz;
	unsigned tick = 0;

	if (measure) {
		/* every stamp of the window is taken after next and before the
		 * loop ends: a send held up past `end` still counts with its echo */
		b->window_start = next;
		b->window_end = UINT64_MAX;
	}
	while (next < end) {
		struct rte_mbuf *burst[GEN_BURST];
		bool quiet[GEN_BURST];
		unsigned nb = 0;

		bench_drain(b);
		while (rte_rdtsc() < next) {
			struct timespec nap = {.tv_nsec = 50000};

			nanosleep(&nap, NULL);
			bench_drain(b);
		}
		for (unsigned c = tick % 20; c < b->calls; c += 20) {
			burst[nb] = bench_packet(b, c, rte_rdtsc(), &quiet[nb]);
			if (burst[nb])
				nb++;
			if (nb == GEN_BURST || c + 20 >= b->calls) {
				unsigned ok = rte_ring_enqueue_burst(b->to_dp, (void **)burst, nb, NULL);

				for (unsigned i = 0; measure && i < ok; i++) /* stamped ones */
					b->sent += !quiet[i];
				rte_pktmbuf_free_bulk(&burst[ok], nb - ok);
				if (measure && ok < nb)
					fprintf(stderr, "dp_bench: port RX ring full\n");
				nb = 0;
			}
		}
		tick++;
		next += ms;
	}
	if (measure)
		b->window_end = rte_rdtsc();
}

/* --loop: what the lcores, the bot worker and the CPUs had done at one moment. */
struct loop_reading {
	uint64_t tsc;
	struct dp_lcore_stats st[RING_MAX_LCORES];
	struct proc_task lcore[RING_MAX_LCORES], worker[RING_MAX_LCORES];
	struct bot_stats bot[RING_MAX_LCORES];
	uint64_t cpu_total[PROC_MAX_CPUS], cpu_steal[PROC_MAX_CPUS];
	unsigned n_cpus;
};

static void loop_read(const struct bench *b, struct loop_reading *r)
{
	memset(r, 0, sizeof(*r));
	r->tsc = rte_rdtsc();
	for (unsigned l = 0; l < b->lcores; l++)
		r->st[l] = *dp_stats(b->dp, l);
	for (unsigned w = 0; w < b->workers; w++)
		r->bot[w] = *bot_pool_stats(b->bots, w);
	/* dp lcore i runs on the i-th worker lcore, as in app/main.c */
	if (proc_tasks("self", "rte-worker-", r->lcore, b->lcores) != b->lcores ||
	    proc_tasks("self", "vg-bot", r->worker, b->workers) != b->workers)
		die("the lcores' and the bot worker's threads in /proc", ENOENT);
	r->n_cpus = proc_steal(r->cpu_total, r->cpu_steal);
}

/* lcore l's latency histogram `hop` between readings: lcoreL_HOP_us_p50 and so on. */
static void loop_lat(unsigned l, const char *hop, const struct lat_hist *z,
		     const struct lat_hist *a)
{
	static struct lat_hist d;
	char name[64];

	snprintf(name, sizeof(name), "lcore%u_%s", l, hop);
	lat_diff(&d, z, a);
	lat_print(stdout, name, &d);
}

/* Every lcore's figures between readings a and z (see the top of the file); returns
 * whether every call was carried. */
static bool loop_print(const struct bench *b, const struct loop_reading *a,
		       const struct loop_reading *z)
{
	double secs = (double)(z->tsc - a->tsc) / (double)b->hz, ghz = (double)b->hz / 1e9;
	uint64_t all = 0, lost = 0, bot_ns = 0, ring_full = 0;
	bool carried = true;
	static struct lat_hist d, in_to_bot;

	printf("calls %u\ndp_lcores %u\nseconds %.1f\ntsc_ghz %.2f\n", b->calls, b->lcores,
	       secs, ghz);
	for (unsigned l = 0; l < b->lcores; l++) {
		const struct dp_lcore_stats *x = &a->st[l], *y = &z->st[l];
		unsigned calls = b->calls / b->lcores + (l < b->calls % b->lcores);
		uint64_t pkts = y->rx_packets + y->tx_packets - x->rx_packets - x->tx_packets;
		uint64_t busy = y->busy_tsc - x->busy_tsc;
		uint64_t cpu = z->lcore[l].cpu_ns - a->lcore[l].cpu_ns, drops = 0;
		double rtp = (double)(y->rx_rtp - x->rx_rtp), want = 50.0 * calls * secs;

		for (unsigned r = 1; r < DP_DROP_MAX; r++)
			drops += y->drops[r] - x->drops[r];
		/* a call's packets in over the window are 50 a second, give or take the
		 * one its slot had in flight at either end */
		carried &= drops == 0 && y->rx_filled == x->rx_filled &&
			   rtp >= want - calls && rtp <= want + calls;
		all += pkts;
		lost += drops;
		printf("lcore%u_on_cpu %d\n", l, z->lcore[l].on_cpu);
		printf("lcore%u_calls %u\n", l, calls);
		printf("lcore%u_rtp_in_per_call_second %.2f\n", l, rtp / calls / secs);
		printf("lcore%u_gap_frames %llu\n", l,
		       (unsigned long long)(y->rx_filled - x->rx_filled));
		printf("lcore%u_drops %llu\n", l, (unsigned long long)drops);
		for (unsigned r = 1; r < DP_DROP_MAX; r++)
			if (y->drops[r] != x->drops[r])
				printf("lcore%u_drop_%s %llu\n", l, dp_drop_name(r),
				       (unsigned long long)(y->drops[r] - x->drops[r]));
		printf("lcore%u_pps %.0f\n", l, (double)pkts / secs);
		/* of the window's TSC: the naps when idle count as neither busy nor idle */
		printf("lcore%u_busy_percent %.1f\n", l,
		       100.0 * (double)busy / (double)(z->tsc - a->tsc));
		printf("lcore%u_cycles_per_packet %.0f\n", l,
		       pkts ? (double)busy / (double)pkts : 0);
		printf("lcore%u_cpu_percent %.1f\n", l, (double)cpu / 1e7 / secs);
		printf("lcore%u_cycles_per_packet_cpu %.0f\n", l,
		       pkts ? (double)cpu * ghz / (double)pkts : 0);
		if (b->paired) { /* the lcore and its worker: the whole path on one CPU */
			cpu += z->worker[l].cpu_ns - a->worker[l].cpu_ns;
			printf("lcore%u_core_cpu_percent %.1f\n", l, (double)cpu / 1e7 / secs);
			printf("lcore%u_core_cycles_per_packet %.0f\n", l,
			       pkts ? (double)cpu * ghz / (double)pkts : 0);
		}
		loop_lat(l, "in_to_ring", &y->in_to_ring, &x->in_to_ring);
		loop_lat(l, "due_to_out", &y->due_to_out, &x->due_to_out);
		loop_lat(l, "bot_to_dp", &y->bot_to_dp, &x->bot_to_dp);
	}
	printf("dp_pps %.0f\n", (double)all / secs);
	memset(&in_to_bot, 0, sizeof(in_to_bot));
	for (unsigned w = 0; w < b->workers; w++) {
		uint64_t ns = z->worker[w].cpu_ns - a->worker[w].cpu_ns;

		printf("worker%u_on_cpu %d\n", w, z->worker[w].on_cpu);
		printf("worker%u_cpu_percent %.1f\n", w, (double)ns / 1e7 / secs);
		bot_ns += ns;
		ring_full += z->bot[w].frames_ring_full - a->bot[w].frames_ring_full;
		lat_diff(&d, &z->bot[w].in_to_bot, &a->bot[w].in_to_bot);
		lat_sum(&in_to_bot, &d);
	}
	printf("bot_cpu_percent %.1f\n", (double)bot_ns / 1e7 / secs); /* all workers */
	printf("bot_frames_ring_full %llu\n", (unsigned long long)ring_full);
	carried &= ring_full == 0;
	if (b->ws) {
		/* every frame to the bot and back: 50 a second each way for each call */
		uint64_t in = 0, msgs = 0, full = 0, trimmed = 0, failed = 0;
		double want = 50.0 * b->calls * secs;

		for (unsigned w = 0; w < b->workers; w++) {
			in += z->bot[w].frames_in - a->bot[w].frames_in;
			msgs += z->bot[w].bot_msgs_in - a->bot[w].bot_msgs_in;
			full += z->bot[w].backlog_full - a->bot[w].backlog_full;
			trimmed += z->bot[w].frames_trimmed - a->bot[w].frames_trimmed;
			failed += z->bot[w].ws_failed + z->bot[w].ws_closed;
		}
		printf("bot_frames_in_per_call_second %.2f\n", (double)in / b->calls / secs);
		printf("bot_msgs_in_per_call_second %.2f\n", (double)msgs / b->calls / secs);
		printf("bot_backlog_full %llu\n", (unsigned long long)full);
		printf("bot_frames_trimmed %llu\n", (unsigned long long)trimmed);
		printf("bot_ws_failed_or_closed %llu\n", (unsigned long long)failed);
		/* and the workers keep up: each frame taken within a frame time (p99) */
		carried &= (double)in >= want - b->calls && (double)msgs >= want - b->calls &&
			   full == 0 && failed == 0 && lat_quantile(&in_to_bot, 0.99) < 20000;
		lost += full;
	}
	lost += ring_full;
	printf("lost %llu\n", (unsigned long long)lost); /* packets and frames dropped */
	lat_print(stdout, "in_to_bot", &in_to_bot);
	for (unsigned c = 0; c < z->n_cpus && c < a->n_cpus; c++) {
		uint64_t t = z->cpu_total[c] - a->cpu_total[c];

		printf("steal_percent_cpu%u %.1f\n", c,
		       t ? 100.0 * (double)(z->cpu_steal[c] - a->cpu_steal[c]) / (double)t : 0);
	}
	printf("carried %d\n", carried);
	return carried;
}

/* --loop: let the calls run for the warm-up, then read everything over the window. */
static bool loop_run(struct bench *b)
{
	static struct loop_reading a, z;
	struct timespec t = {.tv_sec = b->warmup};

	nanosleep(&t, NULL);
	loop_read(b, &a);
	t.tv_sec = b->seconds;
	nanosleep(&t, NULL);
	loop_read(b, &z);
	return loop_print(b, &a, &z);
}

/* Stop the dp lcores and the bot worker, free what they had, leave the EAL. */
static void bench_stop(struct bench *b)
{
	dp_stop(b->dp);
	rte_eal_mp_wait_lcore();
	bot_pool_destroy(b->bots);
	dp_destroy(b->dp);
	ring_set_free(&b->rings);
	rte_eal_cleanup();
}

/* The bot workers' counters and in_to_bot histogram, summed, and their threads. */
static void bench_bots_read(const struct bench *b, struct bot_stats *sum,
			    struct proc_task *t)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned w = 0; w < b->workers; w++) {
		const struct bot_stats *st = bot_pool_stats(b->bots, w);
		uint64_t *to = (uint64_t *)sum;
		const uint64_t *from = (const uint64_t *)st;

		for (unsigned i = 0; i < BOT_COUNTER_COUNT; i++)
			to[i] += from[i];
		lat_sum(&sum->in_to_bot, &st->in_to_bot);
	}
	if (proc_tasks("self", "vg-bot", t, b->workers) != b->workers)
		die("the bot workers' threads in /proc", ENOENT);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static struct bench b;
	static const struct option opts[] = {
		{"calls", required_argument, NULL, 'n'},
		{"seconds", required_argument, NULL, 's'},
		{"warmup", required_argument, NULL, 'w'},
		{"srtp", no_argument, NULL, 'S'},
		{"ws", required_argument, NULL, 'W'},
		{"loop", required_argument, NULL, 'L'},
		{"nap", required_argument, NULL, 'P'},
		{"paired", no_argument, NULL, 'A'},
		{"worker-idle", no_argument, NULL, 'I'},
		{"workers", required_argument, NULL, 'K'},
		{"talk", required_argument, NULL, 'T'},
		{"ws-ca", required_argument, NULL, 'C'},
		{"bridge", no_argument, NULL, 'B'},
		{NULL, 0, NULL, 0}};
	char lcore_map[128], mem[16];
	char *eal[] = {argv[0], lcore_map, "--no-huge", "-m", mem, "--no-shconf", "--no-pci",
		       "--log-level=lib.eal:error", NULL, NULL};
	int eal_argc = 8, opt, rc;
	const struct dp_lcore_stats *st;
	uint64_t pkts, busy;
	unsigned lcore;
	int port;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n;
	uint64_t t_calls;

	b.calls = 1000;
	b.seconds = 10;
	b.warmup = 2;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'n')
			b.calls = (unsigned)atoi(optarg);
		else if (opt == 's')
			b.seconds = (unsigned)atoi(optarg);
		else if (opt == 'w')
			b.warmup = (unsigned)atoi(optarg);
		else if (opt == 'S')
			b.srtp = true;
		else if (opt == 'W')
			b.ws = optarg;
		else if (opt == 'L')
			b.loop = (unsigned)atoi(optarg);
		else if (opt == 'P')
			b.nap = (unsigned)atoi(optarg);
		else if (opt == 'A')
			b.paired = true;
		else if (opt == 'I')
			b.worker_idle = true;
		else if (opt == 'K')
			b.workers = (unsigned)atoi(optarg);
		else if (opt == 'T')
			b.talk = (unsigned)atoi(optarg);
		else if (opt == 'C')
			b.ws_ca = optarg;
		else if (opt == 'B')
			b.bridge = true;
		else
			return 2;
	}
	b.lcores = b.loop ? b.loop : 1;
	if (b.paired || !b.workers)
		b.workers = b.paired ? b.lcores : 1;
	/* the main lcore on CPU 0, dp lcore i on CPU (i + 1) % CPUs (CPU 1 with one) */
	n = (size_t)snprintf(lcore_map, sizeof(lcore_map), "--lcores=0@0");
	for (unsigned i = 1; i <= b.lcores && cpus > 0 && n < sizeof(lcore_map); i++)
		n += (size_t)snprintf(lcore_map + n, sizeof(lcore_map) - n, ",%u@%ld", i,
				      (long)i % cpus);
	snprintf(mem, sizeof(mem), "%u", b.loop ? 4096 : 2048); /* MB */
	if (optind < argc) { /* EAL arguments after -- replace the defaults */
		eal_argc = 0;
		eal[eal_argc++] = argv[0];
		for (int i = optind; i < argc && eal_argc < 9; i++)
			eal[eal_argc++] = argv[i];
	}
	if (b.calls < 1 || b.calls > (b.loop ? LOOP_MAX_CALLS : 30000) || b.seconds < 1 ||
	    b.loop > RING_MAX_LCORES || (b.loop && b.srtp) || b.nap > 1000 ||
	    (b.paired && !b.loop) || (b.worker_idle && !b.paired) ||
	    b.workers > RING_MAX_WORKERS || (b.talk && (b.talk < 20 || b.loop)) ||
	    (b.bridge && (b.loop || b.ws || b.talk || b.calls % 2)))
		die("--calls 1..30000 (--loop: 1..64000), --seconds >= 1, --loop 1..16, "
		    "--loop without --srtp, --nap 0..1000, --paired with --loop, "
		    "--worker-idle with --paired, --workers 1..16, --talk 20.. without --loop, "
		    "--bridge with an even --calls, without --loop, --ws or --talk", EINVAL);
	b.rtp_base = b.loop ? LOOP_RTP_BASE : RTP_BASE;
	b.per_addr = b.calls < LOOP_PER_ADDR ? b.calls : LOOP_PER_ADDR;
	if (rte_eal_init(eal_argc, eal) < 0)
		die("EAL", rte_errno);
	b.hz = rte_get_tsc_hz();
	bench_cfg(&b);
	log_set_level(LOG_WARN);

	if (b.loop) {
		/* queue i's TX ring is its RX ring: what lcore i sends, it receives */
		struct rte_ring *loops[RING_MAX_LCORES];

		for (unsigned l = 0; l < b.loop; l++) {
			char name[RTE_RING_NAMESIZE];

			snprintf(name, sizeof(name), "bench_loop%u", l);
			loops[l] = rte_ring_create(name, LOOP_RING, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (!loops[l])
				die("rings", rte_errno);
		}
		port = rte_eth_from_rings("vg_bench", loops, b.loop, loops, b.loop, 0);
	} else {
		b.to_dp = rte_ring_create("bench_to_dp", 65536, 0,
					  RING_F_SP_ENQ | RING_F_SC_DEQ);
		b.from_dp = rte_ring_create("bench_from_dp", 65536, 0,
					    RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!b.to_dp || !b.from_dp)
			die("rings", rte_errno);
		port = rte_eth_from_rings("vg_bench", &b.to_dp, 1, &b.from_dp, 1, 0);
		b.gen_pool = rte_pktmbuf_pool_create("bench_gen", 4 * b.calls + 16383, 256, 0,
						     RTE_MBUF_DEFAULT_BUF_SIZE, 0);
		b.seq = calloc(b.calls, sizeof(*b.seq));
		b.cap_rtt = (size_t)b.calls * 50 * b.seconds;
		b.rtt = malloc(b.cap_rtt * sizeof(*b.rtt));
		if (!b.gen_pool || !b.seq || !b.rtt)
			die("memory", ENOMEM);
	}
	if (port < 0)
		die("ring port", rte_errno);
	/* the ring PMD names the device itself */
	rte_eth_dev_get_name_by_port((uint16_t)port, b.cfg.dp.port);
	b.table = rte_zmalloc("bench_calls", cs_table_size(b.calls), 64);
	if (!b.table)
		die("memory", ENOMEM);
	if ((rc = cs_table_init(b.table, b.calls, b.rtp_base, b.per_addr, b.cfg.dp.addrs,
				b.cfg.dp.n_addrs)) ||
	    (rc = cs_pool_init(&b.pool, b.table)) ||
	    (rc = ring_set_create_for(&b.rings, b.lcores, b.workers, b.calls,
				      b.cfg.bots.ring_ms, 0)) ||
	    (rc = dp_create(&b.dp, &b.cfg, b.table, &b.rings, b.lcores)) ||
	    (rc = bot_pool_create(&b.bots, &b.cfg, b.table, &b.rings)) ||
	    (rc = bot_pool_start(b.bots)))
		die("set-up", rc);
	rte_eth_macaddr_get((uint16_t)port, &b.dp_mac);
	b.gen_mac = (struct rte_ether_addr){{0x02, 0, 0, 0, 0, 0x02}};
	lcore = rte_get_next_lcore(-1, 1, 0);
	for (unsigned l = 0; l < b.lcores; l++, lcore = rte_get_next_lcore(lcore, 1, 0)) {
		if (lcore >= RTE_MAX_LCORE || (rc = dp_launch(b.dp, l, lcore)))
			die("dp lcore (give the EAL one worker lcore per dp lcore)",
			    lcore >= RTE_MAX_LCORE ? ENODEV : rc);
		b.lcore_id[l] = lcore;
	}
	if (b.paired)
		bench_pair(&b);

	b.srtp_heap = bench_heap();
	t_calls = rte_rdtsc();
	bench_calls(&b);
	if (b.bridge)
		bench_bridge(&b);
	b.srtp_heap = bench_heap() - b.srtp_heap;
	if (b.ws && !b.loop)
		bench_ws_wait(&b, t_calls);
	if (b.loop) {
		bool carried = loop_run(&b);

		bench_stop(&b);
		return carried ? 0 : 3;
	}
	if (b.srtp)
		bench_gen_srtp(&b);
	bench_run(&b, b.warmup, 0);
	st = dp_stats(b.dp, 0);
	pkts = st->rx_packets + st->tx_packets;
	busy = st->busy_tsc;
	{
		uint64_t drops_before[DP_DROP_MAX], drops_after[DP_DROP_MAX];
		static struct lat_hist ring_before, in_before, to_dp_before, to_out_before, due_before;
		static struct lat_hist ring, in, to_dp, to_out, due;
		static struct bot_stats bs_before, bs_after, *bs = &bs_after;
		struct proc_task wt_before[RING_MAX_WORKERS], wt_after[RING_MAX_WORKERS];
		uint64_t t0, t1, drops = 0, bot_ns = 0;
		double secs, per_call;

		bench_bots_read(&b, &bs_before, wt_before);
		t0 = rte_rdtsc();
		ring_before = st->in_to_ring;
		in_before = bs_before.in_to_bot;
		due_before = st->due_to_out;
		to_dp_before = st->bot_to_dp;
		to_out_before = st->bot_to_out;
		memcpy(drops_before, st->drops, sizeof(drops_before));
		bench_run(&b, b.seconds, 1);
		t1 = rte_rdtsc();
		bench_bots_read(&b, &bs_after, wt_after);
		/* the last echoes are at most one packet time and a ring away */
		for (uint64_t until = rte_rdtsc() + b.hz / 10; rte_rdtsc() < until;)
			bench_drain(&b);
		secs = (double)(t1 - t0) / (double)b.hz;
		pkts = st->rx_packets + st->tx_packets - pkts;
		busy = st->busy_tsc - busy;
		lat_diff(&ring, &st->in_to_ring, &ring_before);
		lat_diff(&in, &bs_after.in_to_bot, &in_before);
		lat_diff(&due, &st->due_to_out, &due_before);
		lat_diff(&to_dp, &st->bot_to_dp, &to_dp_before);
		lat_diff(&to_out, &st->bot_to_out, &to_out_before);
		/* read once: the calls go on after the drain, and with no one reading
		 * the port's TX ring the dp lcore soon runs out of mbufs */
		memcpy(drops_after, st->drops, sizeof(drops_after));
		for (unsigned d = 1; d < DP_DROP_MAX; d++)
			drops += drops_after[d] - drops_before[d];
		qsort(b.rtt, b.n_rtt, sizeof(*b.rtt), cmp_u64);
		per_call = (double)sizeof(struct cs_slot) + (double)dp_call_size();
		printf("calls %u\n", b.calls);
		printf("srtp %s\n", b.srtp ? "AES_CM_128_HMAC_SHA1_80" : "none");
		printf("bot %s\n", b.ws ? b.ws : "builtin echo");
		printf("seconds %.1f\n", secs);
		printf("sent %llu\n", (unsigned long long)b.sent);
		printf("echoed %llu\n", (unsigned long long)b.echoed);
		printf("lost %lld\n", (long long)b.sent - (long long)b.echoed);
		printf("dp_drops %llu\n", (unsigned long long)drops);
		for (unsigned d = 1; d < DP_DROP_MAX; d++)
			if (drops_after[d] != drops_before[d])
				printf("dp_drop_%s %llu\n", dp_drop_name(d),
				       (unsigned long long)(drops_after[d] - drops_before[d]));
		/* over the measured window (the worker counters since the start before) */
		printf("bot_frames_in %llu\n",
		       (unsigned long long)(bs->frames_in - bs_before.frames_in));
		printf("bot_to_dp_ring_full %llu\n", (unsigned long long)bs->frames_ring_full);
		printf("bot_frames_trimmed %llu\n", (unsigned long long)bs->frames_trimmed);
		printf("bot_backlog_full %llu\n", (unsigned long long)bs->backlog_full);
		printf("bot_workers %u\n", b.workers);
		for (unsigned w = 0; w < b.workers; w++) {
			uint64_t ns = wt_after[w].cpu_ns - wt_before[w].cpu_ns;

			printf("worker%u_cpu_percent %.1f\n", w, (double)ns / 1e7 / secs);
			bot_ns += ns;
		}
		printf("bot_cpu_percent %.1f\n", (double)bot_ns / 1e7 / secs);
		printf("dp_pps %.0f\n", (double)pkts / secs);
		printf("cycles_per_packet %.0f\n", pkts ? (double)busy / (double)pkts : 0);
		printf("tsc_ghz %.2f\n", (double)b.hz / 1e9);
		printf("dp_busy_percent %.1f\n", 100.0 * (double)busy / (double)(t1 - t0));
		lat_print(stdout, "in_to_ring", &ring);
		lat_print(stdout, "in_to_bot", &in);
		lat_print(stdout, "bot_to_dp", &to_dp);
		lat_print(stdout, "bot_to_out", &to_out);
		lat_print(stdout, "due_to_out", &due);
		if (b.n_rtt) {
			printf("round_trip_us_p50 %.0f\n", 1e6 * (double)b.rtt[b.n_rtt / 2] / (double)b.hz);
			printf("round_trip_us_p99 %.0f\n",
			       1e6 * (double)b.rtt[(size_t)((double)b.n_rtt * 0.99)] / (double)b.hz);
			printf("round_trip_us_p999 %.0f\n",
			       1e6 * (double)b.rtt[(size_t)((double)b.n_rtt * 0.999)] / (double)b.hz);
		}
		printf("dp_bytes_per_call %.0f\n", per_call);
		printf("playout_bytes_per_call %zu\n", dp_playout_size(&b.cfg));
		/* heap taken while the calls were set up: libsrtp2's contexts */
		printf("heap_bytes_per_call %.0f\n", (double)b.srtp_heap / (double)b.calls);
		if (b.srtp)
			printf("echo_not_authenticated %llu\n", (unsigned long long)b.bad_echo);
	}
	bench_stop(&b);
	return 0;
}
