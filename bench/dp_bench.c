/*
 * dp_bench: capacity and latency of voxgate's dataplane, in one process.
 *
 *   dp_bench --calls N --seconds S [--warmup S] [--srtp] [--ws URL]
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
 * never hold (each stamp byte is sent as two bytes 0x20-0x2f).
 */
#include <errno.h>
#include <getopt.h>
#include <sys/random.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

#include "app/log.h"
#include "bots/bot.h"
#include "config/cfg.h"
#include "dataplane/dp.h"
#include "dataplane/net.h"
#include "dataplane/rtp.h"
#include "dataplane/srtp.h"
#include "shared/cs.h"
#include "shared/ring.h"
#include "tools/stamp.h"

#define GEN_BURST 32
#define PAYLOAD 160
#define RTP_BASE 10000
#define CALLER_BASE 20000

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
	const char *ws;       /* --ws URL */
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
	c->dp.address = rte_cpu_to_be_32(RTE_IPV4(198, 18, 1, 1));
	c->dp.prefix = 24;
	c->dp.rtp_min = RTP_BASE;
	c->dp.rtp_max = (uint16_t)(RTP_BASE + 2 * b->calls + 1);
	c->dp.max_calls = b->calls;
	c->dp.burst = 32;
	c->dp.mbufs = 4 * b->calls + 16383;
	c->dp.rx_desc = c->dp.tx_desc = 1024;
	c->dp.playout_ms = 200;
	c->dp.reorder_window = 1;
	c->dp.rtp_latch = true;
	c->bots.workers = 1;
	c->bots.ring_ms = 200;
	c->bots.n_agents = 1;
	snprintf(c->bots.agents[0].id, sizeof(c->bots.agents[0].id), "echo");
	c->bots.agents[0].builtin = CFG_BOT_ECHO;
	c->bots.agents[0].delay_ms = 0;
	if (b->ws) {
		c->bots.agents[0].builtin = CFG_BOT_NONE;
		snprintf(c->bots.agents[0].url, sizeof(c->bots.agents[0].url), "%s", b->ws);
		c->bots.agents[0].dialect = CFG_DIALECT_TWILIO;
		c->bots.agents[0].connect_timeout_ms = 10000;
		/* the bot (ws_echo) shares the dp lcore's core: let it run */
		c->dp.idle_sleep_us = 20;
		snprintf(c->bots.agents[0].account_sid, sizeof(c->bots.agents[0].account_sid),
			 "AC0");
	}
}

/* Calls through the control path, as signaling sets them up. */
static void bench_calls(struct bench *b)
{
	struct vg_msg m;
	unsigned started = 0;
	uint64_t deadline = rte_rdtsc() + 10 * b->hz;

	for (unsigned i = 0; i < b->calls; i++) {
		uint32_t gen;
		int64_t slot = cs_alloc(&b->pool, &gen);
		struct cs_media *md;

		if (slot < 0)
			die("call slot", (int)slot);
		md = &cs_slot(b->table, (uint32_t)slot)->media;
		md->remote_ip = rte_cpu_to_be_32(RTE_IPV4(198, 18, 1, 2));
		md->remote_port = (uint16_t)(CALLER_BASE + 2 * slot);
		md->law = b->ws ? CS_LAW_PCMU : CS_LAW_PCMA;
		md->pt = b->ws ? 0 : 8;
		md->dtmf_pt = CS_NO_PT;
		md->dir = CS_DIR_SENDRECV;
		md->lcore = 0;
		md->worker = 0;
		md->agent = 0;
		md->ptime_ms = 20;
		if (b->srtp) {
			md->srtp.suite = CS_SRTP_AES_CM_128_HMAC_SHA1_80;
			if (getrandom(md->srtp.rx_key, sizeof(md->srtp.rx_key), 0) < 0 ||
			    getrandom(md->srtp.tx_key, sizeof(md->srtp.tx_key), 0) < 0)
				die("random keys", errno);
		}
		snprintf(md->call_id, sizeof(md->call_id), "bench-%u", i);
		m = (struct vg_msg){.type = VG_MSG_BOT_START, .slot = (uint32_t)slot, .gen = gen};
		while (ring_msg_send(b->rings.ctl_bot[0], &m) != 0)
			rte_pause();
		m.type = VG_MSG_CALL_START;
		while (ring_msg_send(b->rings.ctl_dp[0], &m) != 0)
			rte_pause();
	}
	while (started < b->calls && rte_rdtsc() < deadline) {
		if (ring_msg_recv(b->rings.evt_dp[0], &m, 1) == 1 &&
		    m.type == VG_MSG_CALL_STARTED)
			started++;
		else if (m.type == VG_MSG_CALL_FAILED)
			die("dp could not set up a call's SRTP", m.arg);
	}
	if (started < b->calls)
		die("calls did not start", ETIMEDOUT);
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

/* One caller packet: Ethernet/IPv4/UDP/RTP with the stamp in the payload. */
static struct rte_mbuf *bench_packet(struct bench *b, unsigned call, uint64_t tsc)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(b->gen_pool);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	uint8_t *rtp;
	uint32_t seq = b->seq[call]++, len = RTP_HDR_LEN + PAYLOAD;

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
	memset(rtp + RTP_HDR_LEN, 0x55, PAYLOAD);
	stamp_put(rtp + RTP_HDR_LEN, tsc, call, seq);
	if (b->srtp && srtp_call_protect(&b->gen_srtp[call], rtp, &len, false) != 0)
		die("generator srtp_protect", EIO);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + len));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(198, 18, 1, 2));
	ip->dst_addr = b->cfg.dp.address;
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
		unsigned nb = 0;

		bench_drain(b);
		while (rte_rdtsc() < next) {
			struct timespec nap = {.tv_nsec = 50000};

			nanosleep(&nap, NULL);
			bench_drain(b);
		}
		for (unsigned c = tick % 20; c < b->calls; c += 20) {
			burst[nb] = bench_packet(b, c, rte_rdtsc());
			if (burst[nb])
				nb++;
			if (nb == GEN_BURST || c + 20 >= b->calls) {
				unsigned ok = rte_ring_enqueue_burst(b->to_dp, (void **)burst, nb, NULL);

				if (measure)
					b->sent += ok;
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
		{NULL, 0, NULL, 0}};
	char *eal[] = {argv[0], "-l", "0-1", "--no-huge", "-m", "2048", "--no-shconf",
		       "--no-pci", "--log-level=lib.eal:error", NULL};
	int eal_argc = 9, opt, rc;
	const struct dp_lcore_stats *st;
	uint64_t pkts, busy;
	unsigned lcore;
	int port;

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
		else
			return 2;
	}
	if (optind < argc) { /* EAL arguments after -- replace the defaults */
		eal_argc = 0;
		eal[eal_argc++] = argv[0];
		for (int i = optind; i < argc && eal_argc < 9; i++)
			eal[eal_argc++] = argv[i];
	}
	if (b.calls < 1 || b.calls > 30000 || b.seconds < 1)
		die("--calls 1..30000, --seconds >= 1", EINVAL);
	if (rte_eal_init(eal_argc, eal) < 0)
		die("EAL", rte_errno);
	b.hz = rte_get_tsc_hz();
	bench_cfg(&b);
	log_set_level(LOG_WARN);

	b.to_dp = rte_ring_create("bench_to_dp", 65536, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	b.from_dp = rte_ring_create("bench_from_dp", 65536, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!b.to_dp || !b.from_dp)
		die("rings", rte_errno);
	port = rte_eth_from_rings("vg_bench", &b.to_dp, 1, &b.from_dp, 1, 0);
	if (port < 0)
		die("ring port", rte_errno);
	/* the ring PMD names the device itself */
	rte_eth_dev_get_name_by_port((uint16_t)port, b.cfg.dp.port);
	b.gen_pool = rte_pktmbuf_pool_create("bench_gen", 4 * b.calls + 16383, 256, 0,
					     RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	b.table = rte_zmalloc("bench_calls", cs_table_size(b.calls), 64);
	b.seq = calloc(b.calls, sizeof(*b.seq));
	b.cap_rtt = (size_t)b.calls * 50 * b.seconds;
	b.rtt = malloc(b.cap_rtt * sizeof(*b.rtt));
	if (!b.gen_pool || !b.table || !b.seq || !b.rtt)
		die("memory", ENOMEM);
	if ((rc = cs_table_init(b.table, b.calls, RTP_BASE)) ||
	    (rc = cs_pool_init(&b.pool, b.table)) ||
	    (rc = ring_set_create_for(&b.rings, 1, 1, b.calls, b.cfg.bots.ring_ms, 0)) ||
	    (rc = dp_create(&b.dp, &b.cfg, b.table, &b.rings, 1)) ||
	    (rc = bot_pool_create(&b.bots, &b.cfg, b.table, &b.rings)) ||
	    (rc = bot_pool_start(b.bots)))
		die("set-up", rc);
	rte_eth_macaddr_get((uint16_t)port, &b.dp_mac);
	b.gen_mac = (struct rte_ether_addr){{0x02, 0, 0, 0, 0, 0x02}};
	lcore = rte_get_next_lcore(-1, 1, 0);
	if ((rc = dp_launch(b.dp, 0, lcore)))
		die("dp lcore", rc);

	b.srtp_heap = bench_heap();
	bench_calls(&b);
	b.srtp_heap = bench_heap() - b.srtp_heap;
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
		const struct bot_stats *bs = bot_pool_stats(b.bots, 0);
		uint64_t t0 = rte_rdtsc(), t1, drops = 0;
		double secs, per_call;

		ring_before = st->in_to_ring;
		in_before = bs->in_to_bot;
		due_before = st->due_to_out;
		to_dp_before = st->bot_to_dp;
		to_out_before = st->bot_to_out;
		memcpy(drops_before, st->drops, sizeof(drops_before));
		bench_run(&b, b.seconds, 1);
		t1 = rte_rdtsc();
		/* the last echoes are at most one packet time and a ring away */
		for (uint64_t until = rte_rdtsc() + b.hz / 10; rte_rdtsc() < until;)
			bench_drain(&b);
		secs = (double)(t1 - t0) / (double)b.hz;
		pkts = st->rx_packets + st->tx_packets - pkts;
		busy = st->busy_tsc - busy;
		lat_diff(&ring, &st->in_to_ring, &ring_before);
		lat_diff(&in, &bs->in_to_bot, &in_before);
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
		printf("bot_frames_in %llu\n", (unsigned long long)bs->frames_in);
		printf("bot_to_dp_ring_full %llu\n", (unsigned long long)bs->frames_ring_full);
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
	dp_stop(b.dp);
	rte_eal_mp_wait_lcore();
	bot_pool_destroy(b.bots);
	dp_destroy(b.dp);
	ring_set_free(&b.rings);
	rte_eal_cleanup();
	return 0;
}
