/*
 * vgload: a DPDK load generator that plays the callers' side of N calls' media.
 *
 *   vgload --calls N --seconds S [--warmup S] [--learn S] [--ip A.B.C.D]
 *          [--law pcma|pcmu] [--stats PID] [--linger S] [--queues Q] [--steer BASE]
 *          [--fifo PRIO] -- EAL arguments (one port)
 *
 * It sits on the other end of a voxgate media port (a net_memif pair, a veth, ...),
 * with the callers' media address (--ip, 198.18.1.2 by default), and works with calls
 * that signaling has set up by any means (sipp, baresip, a carrier):
 *   1. learn: answers ARP for --ip and waits for voxgate's first RTP of each call (the
 *      silence it sends from the start), learning the call's voxgate port and the
 *      caller port it sends to; waits up to --learn seconds (30) for N calls;
 *   2. run: every call sends one 20 ms G.711 packet every 20 ms from that caller port
 *      to the call's voxgate port, the calls' phases spread over the 20 ms (80 send
 *      ticks of 250 µs, as many calls in each: independent callers' packets come
 *      spread out, not in bursts of a ms's worth). The payload is a 1 kHz tone whose
 *      first 32 bytes carry a stamp (TSC, call, packet number, as 0x20 | nibble
 *      bytes, which survive G.711 decode and encode);
 *   3. reads everything voxgate sends: an echo (our stamp back) is checked for its
 *      call and for the tone, and its round trip is taken; silence is counted.
 * It prints how late its send tick ran at worst, in the warm-up and in the window:
 * a tick held up (the generator's core busy) sends its packets late, in one burst. In
 * the warm-up a tick held up over 5 ms is skipped instead (counted): its burst would
 * leave every echo queue deeper for the whole window. It faults its memif memory in
 * before it sends (gen_prefault_mib) and counts the minor page faults that it and
 * voxgate's dp lcores (with --stats) still took, in the warm-up and in the window,
 * and each CPU's time stolen by the host over the window (a virtual machine).
 * The first --warmup seconds (5) are not measured; then S seconds are. A packet sent
 * in the measured window whose echo did not come back within 1.2 s is lost (the
 * drain outlasts voxgate's once-a-second copy of its port counters).
 *
 * With --stats PID it reads that voxgate's stats files (base/shm.h) at the start
 * and the end of the window: packets per second and TSC cycles per packet of its dp
 * lcores (and the CPU time the kernel gave their threads, the cycles per packet it
 * makes: the busy TSC also runs while a thread is off its CPU), the CPU time of its
 * bot worker threads and of vgload itself (they share a CPU on a small machine), and
 * its latency histograms (packet in -> frame on the bot worker's ring and at the bot
 * worker, bot frame -> dp lcore and -> packet out, send slot due -> out); the same
 * per dp lcore (lcoreI_*: the CPU its thread ran on, the packets it handled, its CPU
 * and its cycles per packet by busy TSC and by CPU time);
 * and after the drain: the drops the window's packets and echoes met (dp lcores, by
 * reason, bot workers, and voxgate's port: packets its PMD dropped unseen).
 *
 * With --queues Q the port has Q queues (as many as voxgate's dp lcores): every queue
 * is read; calls send on queue 0, so voxgate's lcore 0 hands other lcores' packets
 * over rings, as with a port that cannot steer. With --steer BASE too, each call sends
 * on the queue of its voxgate lcore, as a NIC's flow rule on the UDP port would put
 * it (BASE: voxgate's first RTP port; slot i has port BASE + 2i, on lcore i % Q).
 *
 * With --fifo PRIO the warm-up, the window and the drain run at real-time priority
 * (SCHED_FIFO PRIO), ahead of the threads it shares its CPU with: it stands for the
 * callers and their network, which those threads do not hold up. Learning runs at
 * normal priority, so that signaling and sipp set the calls up undisturbed. Printed
 * as gen_fifo (0: normal priority, also when the kernel refused it, with a warning).
 *
 * With --linger S it stays on the port after printing, for at most S seconds, until
 * voxgate has sent nothing for 2 s: bench scripts let the calls end first.
 *
 * Prints one "key value" per line (for bench scripts). Exit 0 when the run was
 * made (losses or not), 1 when it could not be (EAL, port, calls not learnt).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "bots/bot_stats-t.h"
#include "dataplane/dp.h"
#include "base/g711.h"
#include "dataplane/net.h"
#include "dataplane/rtp.h"
#include "shared/cs.h"
#include "base/lat.h"
#include "base/shm.h"
#include "tools/proc.h"
#include "tools/stamp.h"

#define BURST 32
#define PAYLOAD 160
#define HDRS (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr))
#define DRAIN_MS 1200
#define TICKS 80 /* send ticks per 20 ms (250 µs each); call c sends at tick c % TICKS */

struct gen_call {
	uint16_t vg_port;  /* voxgate's RTP port of the call (host order) */
	uint16_t my_port;  /* the caller port voxgate sends to */
	uint32_t seq;
};

struct gen {
	unsigned calls, seconds, warmup, learn, linger;
	unsigned queues;      /* of the port: all are read, queue 0 sends (or --steer) */
	unsigned steer_base; /* --steer: voxgate's first RTP port, 0: off */
	int fifo;            /* --fifo: SCHED_FIFO priority of the warm-up and window */
	uint64_t ipackets;           /* gen_linger(): the port's count at the last look */
	int law;
	uint8_t pt;
	uint16_t port_id;
	uint64_t hz;
	struct rte_mempool *pool;
	struct net_if nif;           /* our MAC and address (--ip), for ARP */
	struct net_arp arp;          /* what net_arp_input() learns (not used further) */
	struct rte_ether_addr peer_mac;
	uint32_t peer_ip;            /* voxgate's, network order; 0 until it sent */
	uint64_t lat_mult;           /* TSC -> µs for the round trip histogram */
	uint8_t hdr[HDRS];           /* gen_template() */
	uint32_t *by_port;           /* voxgate port -> call index + 1 */
	struct gen_call *call;
	unsigned known;
	uint8_t tone[PAYLOAD];
	uint64_t window_start, window_end;
	/* counters */
	const char *vg_pid;   /* --stats */
	uint64_t late_max[2]; /* how late a send tick ran (TSC): warm-up, window */
	uint64_t warmup_skipped; /* warm-up ticks skipped, held up over 5 ms */
	size_t prefault;         /* bytes of memif memory gen_prefault() faulted in */
	uint64_t sent, tx_full, echoed, bad_audio, wrong_call, silence, unknown, other;
	uint64_t arp_replies;
	struct lat_hist rtt;
	/* the voxgate read with --stats */
	const struct dp_stats_file *dpf;
	const struct bot_stats_file *bf;
};

struct vg_reading {
	uint64_t pkts, busy, idle;
	uint64_t cpu_ns; /* CPU time of the dp lcore threads (the kernel's schedstat) */
	uint64_t minflt; /* their minor page faults */
	uint64_t bot_cpu_ns; /* CPU time of the bot worker threads */
	uint64_t gen_cpu_ns; /* ours */
	uint64_t drops[DP_DROP_MAX]; /* of every dp lcore, by reason */
	uint64_t bot_drops;          /* bot workers' frames_ring_full + frames_stale */
	struct dp_port_stats port;
	struct lat_hist in_to_ring, in_to_bot, bot_to_dp, bot_to_out, due_to_out;
	/* each dp lcore's: the packets it handled (received from the port or another
	 * lcore, and sent; not those it passed on), busy TSC, its thread's CPU time and
	 * the CPU that thread ran on last */
	uint64_t l_pkts[DP_MAX_LCORES], l_busy[DP_MAX_LCORES], l_cpu_ns[DP_MAX_LCORES];
	int l_on_cpu[DP_MAX_LCORES];
};

static void die(const char *what, const char *why)
{
	fprintf(stderr, "vgload: %s: %s\n", what, why);
	exit(1);
}

static void gen_tone(struct gen *g)
{
	int16_t pcm[PAYLOAD];

	/* 1 kHz at 8 kHz: 20 whole periods per packet, so every packet is the same */
	for (unsigned i = 0; i < PAYLOAD; i++)
		pcm[i] = (int16_t)lrint(8000.0 * sin(2 * M_PI * 1000.0 * i / 8000.0));
	g711_encode(g->law, pcm, g->tone, PAYLOAD);
}

/* Fault in the memif shared memory now: on a client (our side) the PMD makes its
 * regions with memfd_create() when the peer connects, and the first pass over the
 * rings would otherwise take a page fault (a page allocated and zeroed) every two
 * packets, holding the first ticks of the warm-up up by ms. Returns the bytes. */
static size_t gen_prefault(void)
{
	char line[512];
	size_t bytes = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (!strstr(line, "memif_region") || sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		if (madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE) == 0)
			bytes += hi - lo;
	}
	fclose(f);
	return bytes;
}

static void gen_port(struct gen *g, unsigned n_mbufs)
{
	struct rte_eth_conf conf = {0};
	int rc;

	if (rte_eth_dev_count_avail() != 1)
		die("port", "give the EAL exactly one port (e.g. --vdev=net_memif0,...)");
	g->port_id = 0;
	RTE_ETH_FOREACH_DEV(g->port_id)
		break;
	g->pool = rte_pktmbuf_pool_create("vgload", n_mbufs, 256, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!g->pool)
		die("mbuf pool", rte_strerror(rte_errno));
	rc = rte_eth_dev_configure(g->port_id, (uint16_t)g->queues, (uint16_t)g->queues, &conf);
	for (uint16_t q = 0; rc == 0 && q < g->queues; q++) {
		rc = rte_eth_rx_queue_setup(g->port_id, q, 4096, (unsigned)rte_socket_id(), NULL,
					    g->pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(g->port_id, q, 4096, (unsigned)rte_socket_id(),
						    NULL);
	}
	if (rc == 0)
		rc = rte_eth_dev_start(g->port_id);
	if (rc)
		die("port", rte_strerror(-rc));
	rte_eth_macaddr_get(g->port_id, &g->nif.mac);
	/* a memif comes up when its peer has connected */
	for (unsigned i = 0; i < 100; i++) {
		struct rte_eth_link link;

		if (rte_eth_link_get_nowait(g->port_id, &link) == 0 && link.link_status) {
			g->prefault = gen_prefault();
			return;
		}
		rte_delay_ms(100);
	}
	die("port", "link down after 10 s (is voxgate running on the other end?)");
}

/* Send nb packets, retrying while the port is busy, for at most 2 ms. */
static unsigned gen_tx(struct gen *g, uint16_t q, struct rte_mbuf **pkts, unsigned nb)
{
	unsigned done = 0;
	uint64_t until = rte_rdtsc() + g->hz / 500;

	while (done < nb) {
		done += rte_eth_tx_burst(g->port_id, q, pkts + done, (uint16_t)(nb - done));
		if (done < nb && rte_rdtsc() > until)
			break;
	}
	if (done < nb) {
		g->tx_full += nb - done;
		rte_pktmbuf_free_bulk(pkts + done, nb - done);
	}
	return done;
}

/* ARP: answer a request for our address (voxgate asks before it sends RTP). */
static void gen_arp(struct gen *g, struct rte_mbuf *m)
{
	bool reply;

	if (net_arp_input(&g->arp, &g->nif, m, &reply) == DP_DROP_NONE && reply) {
		g->arp_replies++;
		gen_tx(g, 0, &m, 1);
		return;
	}
	g->other++;
	rte_pktmbuf_free(m);
}

/* One packet from voxgate to a caller: learn the call, or check the echo. */
static void gen_rtp(struct gen *g, const uint8_t *p, uint32_t len, uint64_t now)
{
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)p;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(ip + 1);
	uint16_t sport = rte_be_to_cpu_16(udp->src_port);
	const uint8_t *pl = p + HDRS + RTP_HDR_LEN;
	uint32_t idx = g->by_port[sport], call;
	uint64_t tsc;

	if ((sport & 1) || len < HDRS + RTP_HDR_LEN) { /* RTCP, runts */
		g->other++;
		return;
	}
	if (!idx) {
		if (g->known == g->calls) {
			g->unknown++;
			return;
		}
		g->call[g->known].vg_port = sport;
		g->call[g->known].my_port = rte_be_to_cpu_16(udp->dst_port);
		g->by_port[sport] = idx = ++g->known;
		if (!g->peer_ip) {
			g->peer_ip = ip->src_addr;
			g->peer_mac = eth->src_addr;
		}
	}
	if (len != HDRS + RTP_HDR_LEN + PAYLOAD) {
		g->other++;
		return;
	}
	if (!stamp_get(pl, &tsc, &call)) {
		g->silence++;
		return;
	}
	if (call != idx - 1) {
		g->wrong_call++;
		return;
	}
	if (memcmp(pl + STAMP_LEN, g->tone + STAMP_LEN, PAYLOAD - STAMP_LEN) != 0) {
		g->bad_audio++;
		return;
	}
	if (tsc >= g->window_start && tsc < g->window_end) {
		g->echoed++;
		lat_add_tsc(&g->rtt, now - tsc, g->lat_mult);
	}
}

/* Everything waiting on queue q. */
static void gen_rx_queue(struct gen *g, uint16_t q)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n;

	while ((n = rte_eth_rx_burst(g->port_id, q, pkts, BURST)) > 0) {
		uint64_t now = rte_rdtsc();

		for (unsigned i = 0; i < n; i++) {
			struct rte_mbuf *m = pkts[i];
			const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
			const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
			uint32_t len = rte_pktmbuf_data_len(m);

			if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
				gen_arp(g, m);
				continue;
			}
			if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
			    len >= HDRS && ip->next_proto_id == IPPROTO_UDP && ip->dst_addr == g->nif.ip)
				gen_rtp(g, (const uint8_t *)eth, len, now);
			else
				g->other++;
			rte_pktmbuf_free(m);
		}
	}
}

/* Everything waiting on the port. */
static void gen_rx(struct gen *g)
{
	for (uint16_t q = 0; q < g->queues; q++)
		gen_rx_queue(g, q);
}

/* The Ethernet and IPv4 headers every caller packet shares (only UDP ports and the
 * RTP differ): built once voxgate's addresses are known. */
static void gen_template(struct gen *g)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)g->hdr;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	memset(g->hdr, 0, sizeof(g->hdr));
	eth->dst_addr = g->peer_mac;
	eth->src_addr = g->nif.mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(20 + 8 + RTP_HDR_LEN + PAYLOAD);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = g->nif.ip;
	ip->dst_addr = g->peer_ip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->dgram_len = rte_cpu_to_be_16(8 + RTP_HDR_LEN + PAYLOAD);
}

static struct rte_mbuf *gen_packet(struct gen *g, unsigned i, uint64_t tsc)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);
	struct gen_call *c = &g->call[i];
	struct rte_udp_hdr *udp;
	uint8_t *p, *rtp;
	uint32_t seq = c->seq++;

	if (!m)
		return NULL;
	p = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(p, g->hdr, HDRS);
	udp = (struct rte_udp_hdr *)(p + HDRS) - 1;
	udp->src_port = rte_cpu_to_be_16(c->my_port);
	udp->dst_port = rte_cpu_to_be_16(c->vg_port);
	rtp = p + HDRS;
	rtp_write_hdr(rtp, g->pt, seq == 0, (uint16_t)seq, seq * PAYLOAD, 0x5000 + i);
	memcpy(rtp + RTP_HDR_LEN, g->tone, PAYLOAD);
	stamp_put(rtp + RTP_HDR_LEN, tsc, i, seq);
	m->data_len = m->pkt_len = (uint32_t)(HDRS + RTP_HDR_LEN + PAYLOAD);
	return m;
}

/* Read the port until `until` (TSC), napping between looks: the generator may share
 * its core with voxgate's signaling and bot worker. */
static void gen_wait(struct gen *g, uint64_t until)
{
	gen_rx(g);
	while (rte_rdtsc() < until) {
		struct timespec nap = {.tv_nsec = 50000};

		nanosleep(&nap, NULL);
		gen_rx(g);
	}
}

/* Learn the calls from voxgate's first packets. Returns the number known. */
static unsigned gen_learn(struct gen *g)
{
	uint64_t end = rte_rdtsc() + (uint64_t)g->learn * g->hz;
	unsigned last = 0;

	while (g->known < g->calls && rte_rdtsc() < end) {
		gen_wait(g, rte_rdtsc() + g->hz / 10);
		if (g->known / 1000 != last / 1000)
			fprintf(stderr, "vgload: %u of %u calls heard\n", g->known, g->calls);
		last = g->known;
	}
	return g->known;
}

/* The queue call c sends on: 0, or with --steer its voxgate lcore's, as voxgate's
 * rte_flow rules on the UDP destination port would put it (slot i owns port
 * base + 2i, on lcore cs_slot_lcore()). */
static uint16_t gen_queue(const struct gen *g, unsigned c)
{
	if (!g->steer_base || g->call[c].vg_port < g->steer_base)
		return 0;
	return (uint16_t)cs_slot_lcore((g->call[c].vg_port - g->steer_base) / 2, g->queues);
}

static void gen_send(struct gen *g, uint16_t q, struct rte_mbuf **pkts, unsigned nb,
		     bool measure)
{
	unsigned ok = gen_tx(g, q, pkts, nb);

	if (measure)
		g->sent += ok;
}

/* The callers, for `seconds`: each tick (250 µs) the calls whose phase it is send.
 * Packets sent while `measure` count in the window. */
static void gen_run(struct gen *g, unsigned seconds, bool measure)
{
	uint64_t ms = g->hz / 1000, step = g->hz / (50 * TICKS);
	uint64_t next = rte_rdtsc(), end = next + seconds * g->hz;
	unsigned tick = 0;

	if (measure) {
		/* every stamp of the window is taken after next and before the
		 * loop ends: a send held up past `end` still counts with its echo */
		g->window_start = next;
		g->window_end = UINT64_MAX;
	}
	while (next < end) {
		static struct rte_mbuf *burst[RTE_MAX_QUEUES_PER_PORT][BURST];
		unsigned nb[RTE_MAX_QUEUES_PER_PORT] = {0};
		uint64_t late;

		gen_wait(g, next);
		late = rte_rdtsc() - next;
		g->late_max[measure] = RTE_MAX(g->late_max[measure], late);
		/* in the warm-up a tick held up over 5 ms is skipped, not caught up: a
		 * catch-up burst would leave every call's echo queue that much deeper for
		 * the whole window (voxgate plays silence for the gap instead) */
		if (!measure && late > 5 * ms) {
			g->warmup_skipped++;
			tick++;
			next += step;
			continue;
		}
		for (unsigned c = tick % TICKS; c < g->known; c += TICKS) {
			uint16_t q = gen_queue(g, c);
			struct rte_mbuf *m = gen_packet(g, c, rte_rdtsc());

			if (m)
				burst[q][nb[q]++] = m;
			else
				g->tx_full++;
			if (nb[q] == BURST) {
				gen_send(g, q, burst[q], nb[q], measure);
				nb[q] = 0;
			}
		}
		for (uint16_t q = 0; q < g->queues; q++)
			if (nb[q])
				gen_send(g, q, burst[q], nb[q], measure);
		tick++;
		next += step;
	}
	if (measure)
		g->window_end = rte_rdtsc();
}

/* Stay on the port, answering ARP and reading, until voxgate has sent nothing for 2 s
 * (its calls have ended) or --linger seconds have passed. A memif peer that leaves
 * while DPDK 22.11's net_memif still sends to it can crash that process: this lets
 * the calls end first. */
static void gen_linger(struct gen *g)
{
	uint64_t end = rte_rdtsc() + (uint64_t)g->linger * g->hz, quiet = rte_rdtsc();

	while (rte_rdtsc() < end && rte_rdtsc() - quiet < 2 * g->hz) {
		struct rte_eth_stats ps;

		gen_wait(g, rte_rdtsc() + g->hz / 10);
		if (rte_eth_stats_get(g->port_id, &ps) == 0 && ps.ipackets != g->ipackets) {
			g->ipackets = ps.ipackets;
			quiet = rte_rdtsc();
		}
	}
}

/* ---- the voxgate under load, read from its stats files ---- */

static void vg_open(struct gen *g, const char *pid)
{
	char path[SHM_PATH_MAX];
	size_t size;

	g->dpf = shm_open_ro(pid, DP_STATS_KIND, &size, path);
	if (!g->dpf || !dp_stats_file_ok(g->dpf, size))
		die(path, "not the stats file of a running voxgate of this version");
	g->bf = shm_open_ro(pid, BOT_STATS_KIND, &size, path);
	if (!g->bf || !bot_stats_file_ok(g->bf, size))
		die(path, "not the bot stats file of a running voxgate of this version");
}

/* Our CPU time so far. */
static uint64_t gen_cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Our minor page faults so far. */
static uint64_t gen_minflt(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? (uint64_t)ru.ru_minflt : 0;
}

static void vg_read(const struct gen *g, struct vg_reading *r)
{
	struct proc_task t[DP_MAX_LCORES + RING_MAX_WORKERS];
	unsigned n;

	memset(r, 0, sizeof(*r));
	/* dp lcore i runs on the i-th worker lcore (app/main.c) */
	n = proc_tasks(g->vg_pid, "rte-worker-", t, DP_MAX_LCORES);
	for (unsigned i = 0; i < n; i++) {
		r->cpu_ns += t[i].cpu_ns;
		r->minflt += t[i].minflt;
		r->l_cpu_ns[i] = t[i].cpu_ns;
		r->l_on_cpu[i] = t[i].on_cpu;
	}
	n = proc_tasks(g->vg_pid, "vg-bot", t, RING_MAX_WORKERS);
	for (unsigned i = 0; i < n; i++)
		r->bot_cpu_ns += t[i].cpu_ns;
	r->gen_cpu_ns = gen_cpu_ns();
	for (unsigned l = 0; l < g->dpf->n_lcores && l < DP_MAX_LCORES; l++) {
		const struct dp_lcore_stats *st = &g->dpf->lcores[l];

		r->pkts += st->rx_packets + st->tx_packets;
		r->busy += st->busy_tsc;
		r->idle += st->idle_tsc;
		r->l_pkts[l] = st->rx_packets + st->tx_packets;
		r->l_busy[l] = st->busy_tsc;
		for (unsigned d = 1; d < DP_DROP_MAX; d++)
			r->drops[d] += st->drops[d];
		lat_sum(&r->in_to_ring, &st->in_to_ring);
		lat_sum(&r->bot_to_dp, &st->bot_to_dp);
		lat_sum(&r->bot_to_out, &st->bot_to_out);
		lat_sum(&r->due_to_out, &st->due_to_out);
	}
	r->port = g->dpf->port;
	for (unsigned w = 0; w < g->bf->n_workers; w++) {
		lat_sum(&r->in_to_bot, &g->bf->workers[w].in_to_bot);
		r->bot_drops += g->bf->workers[w].frames_ring_full + g->bf->workers[w].frames_stale;
	}
}

/* a: at the window's start, b: at its end, c: after the drain (the drops the
 * window's packets and their echoes met, by reason) */
static void vg_print(const struct gen *g, const struct vg_reading *a,
		     const struct vg_reading *b, const struct vg_reading *c, double secs)
{
	static struct lat_hist d;
	uint64_t pkts = b->pkts - a->pkts, busy = b->busy - a->busy, drops = 0;
	unsigned n = g->dpf->n_lcores;

	printf("dp_lcores %u\n", n);
	printf("dp_pps %.0f\n", (double)pkts / secs);
	printf("dp_pps_per_lcore %.0f\n", (double)pkts / secs / n);
	printf("cycles_per_packet %.0f\n", pkts ? (double)busy / (double)pkts : 0);
	printf("dp_busy_percent %.1f\n",
	       100.0 * (double)busy / ((double)(b->busy + b->idle - a->busy - a->idle) + 1));
	printf("dp_minflt %llu\n", (unsigned long long)(b->minflt - a->minflt));
	printf("dp_cpu_percent %.1f\n", (double)(b->cpu_ns - a->cpu_ns) / 1e7 / secs);
	/* on a machine short of cores these share one: what the echo's other side used */
	printf("bot_cpu_percent %.1f\n", (double)(b->bot_cpu_ns - a->bot_cpu_ns) / 1e7 / secs);
	printf("gen_cpu_percent %.1f\n", (double)(b->gen_cpu_ns - a->gen_cpu_ns) / 1e7 / secs);
	printf("cycles_per_packet_cpu %.0f\n",
	       pkts ? (double)(b->cpu_ns - a->cpu_ns) * (double)g->hz / 1e9 / (double)pkts : 0);
	for (unsigned l = 0; l < n && l < DP_MAX_LCORES; l++) {
		uint64_t lp = b->l_pkts[l] - a->l_pkts[l], ln = b->l_cpu_ns[l] - a->l_cpu_ns[l];

		printf("lcore%u_on_cpu %d\n", l, b->l_on_cpu[l]);
		printf("lcore%u_pps %.0f\n", l, (double)lp / secs);
		printf("lcore%u_cpu_percent %.1f\n", l, (double)ln / 1e7 / secs);
		printf("lcore%u_cycles_per_packet %.0f\n", l,
		       lp ? (double)(b->l_busy[l] - a->l_busy[l]) / (double)lp : 0);
		printf("lcore%u_cycles_per_packet_cpu %.0f\n", l,
		       lp ? (double)ln * (double)g->hz / 1e9 / (double)lp : 0);
	}
	for (unsigned r = 1; r < DP_DROP_MAX; r++)
		drops += c->drops[r] - a->drops[r];
	printf("dp_drops %llu\n", (unsigned long long)drops);
	for (unsigned r = 1; r < DP_DROP_MAX; r++)
		if (c->drops[r] != a->drops[r])
			printf("dp_drop_%s %llu\n", dp_drop_name(r),
			       (unsigned long long)(c->drops[r] - a->drops[r]));
	printf("bot_drops %llu\n", (unsigned long long)(c->bot_drops - a->bot_drops));
	/* the port's counters are copied once a second: a's may be that old */
	printf("port_missed %llu\n", (unsigned long long)(c->port.imissed - a->port.imissed +
							 c->port.rx_nombuf - a->port.rx_nombuf));
	printf("port_errors %llu\n", (unsigned long long)(c->port.ierrors - a->port.ierrors +
							 c->port.oerrors - a->port.oerrors));
	lat_diff(&d, &b->in_to_ring, &a->in_to_ring);
	lat_print(stdout, "in_to_ring", &d);
	lat_diff(&d, &b->in_to_bot, &a->in_to_bot);
	lat_print(stdout, "in_to_bot", &d);
	lat_diff(&d, &b->bot_to_dp, &a->bot_to_dp);
	lat_print(stdout, "bot_to_dp", &d);
	lat_diff(&d, &b->bot_to_out, &a->bot_to_out);
	lat_print(stdout, "bot_to_out", &d);
	lat_diff(&d, &b->due_to_out, &a->due_to_out);
	lat_print(stdout, "due_to_out", &d);
}

/* This thread at SCHED_FIFO prio, or back to normal (prio 0). Returns the priority
 * now in effect. */
static int gen_priority(int prio)
{
	struct sched_param sp = {.sched_priority = prio};
	int rc = pthread_setschedparam(pthread_self(), prio ? SCHED_FIFO : SCHED_OTHER, &sp);

	if (rc) {
		if (prio)
			fprintf(stderr, "vgload: SCHED_FIFO %d refused (%s): normal priority\n",
				prio, strerror(rc));
		else
			fprintf(stderr, "vgload: back to normal priority refused (%s)\n",
				strerror(rc));
		return 0;
	}
	return prio;
}

static void usage(void)
{
	fprintf(stderr, "usage: vgload --calls N --seconds S [--warmup S] [--learn S] "
		"[--ip A.B.C.D] [--law pcma|pcmu] [--stats PID] [--linger S] [--queues Q] "
		"[--steer BASE] [--fifo PRIO] -- EAL arguments\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"calls", required_argument, NULL, 'n'}, {"seconds", required_argument, NULL, 's'},
		{"warmup", required_argument, NULL, 'w'}, {"learn", required_argument, NULL, 'l'},
		{"ip", required_argument, NULL, 'i'}, {"law", required_argument, NULL, 'a'},
		{"stats", required_argument, NULL, 'p'}, {"linger", required_argument, NULL, 'g'},
		{"queues", required_argument, NULL, 'q'}, {"steer", required_argument, NULL, 'r'},
		{"fifo", required_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
	static struct gen g = {.queues = 1, .warmup = 5, .learn = 30, .law = CS_LAW_PCMA, .pt = 8};
	static struct vg_reading rw, r0, r1, r2;
	uint64_t flt[3], cpu_total[2][PROC_MAX_CPUS], cpu_steal[2][PROC_MAX_CPUS];
	unsigned n_cpus;
	const char *stats_pid = NULL, *ip = "198.18.1.2";
	struct in_addr a;
	struct rte_eth_stats ps;
	int opt, eal_argc;
	double secs;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': g.calls = (unsigned)atoi(optarg); break;
		case 's': g.seconds = (unsigned)atoi(optarg); break;
		case 'w': g.warmup = (unsigned)atoi(optarg); break;
		case 'l': g.learn = (unsigned)atoi(optarg); break;
		case 'i': ip = optarg; break;
		case 'p': stats_pid = optarg; break;
		case 'g': g.linger = (unsigned)atoi(optarg); break;
		case 'q': g.queues = (unsigned)atoi(optarg); break;
		case 'r': g.steer_base = (unsigned)atoi(optarg); break;
		case 'f': g.fifo = atoi(optarg); break;
		case 'a':
			if (strcmp(optarg, "pcmu") == 0) {
				g.law = CS_LAW_PCMU;
				g.pt = 0;
			} else if (strcmp(optarg, "pcma") != 0) {
				usage();
			}
			break;
		default: usage();
		}
	}
	if (g.calls == 0 || g.calls > 30000 || g.seconds == 0 || g.queues == 0 ||
	    g.queues > RTE_MAX_QUEUES_PER_PORT || g.fifo < 0 || g.fifo > 99 ||
	    inet_pton(AF_INET, ip, &a) != 1)
		usage();
	g.nif.ip = a.s_addr; /* mask 0: any sender is on-link */
	/* the EAL takes argv[0] and what follows "--" */
	eal_argc = argc - optind + 1;
	argv[optind - 1] = argv[0];
	if (rte_eal_init(eal_argc, argv + optind - 1) < 0)
		die("EAL", rte_strerror(rte_errno));
	g.hz = rte_get_tsc_hz();
	g.lat_mult = lat_tsc_mult(g.hz);
	g.by_port = calloc(65536, sizeof(*g.by_port));
	g.call = calloc(g.calls, sizeof(*g.call));
	if (!g.by_port || !g.call)
		die("memory", strerror(ENOMEM));
	gen_tone(&g);
	gen_port(&g, 4 * g.calls + 8191);
	if (stats_pid)
		vg_open(&g, stats_pid);
	g.vg_pid = stats_pid;
	if (gen_learn(&g) < g.calls) {
		printf("calls %u\nheard %u\n", g.calls, g.known);
		die("learn", "voxgate did not send to every call in time (were they all set up?)");
	}
	gen_template(&g);
	if (g.dpf)
		vg_read(&g, &rw);
	flt[0] = gen_minflt();
	if (g.fifo)
		g.fifo = gen_priority(g.fifo);
	gen_run(&g, g.warmup, false);
	rte_eth_stats_reset(g.port_id);
	if (g.dpf)
		vg_read(&g, &r0);
	flt[1] = gen_minflt();
	proc_steal(cpu_total[0], cpu_steal[0]);
	gen_run(&g, g.seconds, true);
	flt[2] = gen_minflt();
	n_cpus = proc_steal(cpu_total[1], cpu_steal[1]);
	secs = (double)(g.window_end - g.window_start) / (double)g.hz;
	if (g.dpf)
		vg_read(&g, &r1);
	/* the drain too, and its figures: the window's echoes are still coming back,
	 * and what voxgate sends meanwhile must not wait for this thread */
	gen_wait(&g, rte_rdtsc() + g.hz * DRAIN_MS / 1000);
	if (g.dpf)
		vg_read(&g, &r2);
	if (g.fifo)
		gen_priority(0);
	rte_eth_stats_get(g.port_id, &ps);
	printf("calls %u\n", g.calls);
	printf("law %s\n", g.law == CS_LAW_PCMU ? "pcmu" : "pcma");
	printf("seconds %.1f\n", secs);
	printf("sent %llu\n", (unsigned long long)g.sent);
	printf("echoed %llu\n", (unsigned long long)g.echoed);
	printf("lost %lld\n", (long long)g.sent - (long long)g.echoed);
	printf("gen_tx_full %llu\n", (unsigned long long)g.tx_full);
	printf("gen_late_max_us_warmup %llu\n", (unsigned long long)(g.late_max[0] * 1000000 / g.hz));
	printf("gen_late_max_us %llu\n", (unsigned long long)(g.late_max[1] * 1000000 / g.hz));
	printf("gen_fifo %d\n", g.fifo);
	printf("gen_warmup_ticks_skipped %llu\n", (unsigned long long)g.warmup_skipped);
	printf("gen_prefault_mib %zu\n", g.prefault >> 20);
	printf("gen_minflt_warmup %llu\n", (unsigned long long)(flt[1] - flt[0]));
	printf("gen_minflt %llu\n", (unsigned long long)(flt[2] - flt[1]));
	for (unsigned c = 0; c < n_cpus; c++)
		printf("steal_percent_cpu%u %.1f\n", c,
		       cpu_total[1][c] > cpu_total[0][c]
			       ? 100.0 * (double)(cpu_steal[1][c] - cpu_steal[0][c]) /
					 (double)(cpu_total[1][c] - cpu_total[0][c])
			       : 0.0);
	if (g.dpf)
		printf("dp_minflt_warmup %llu\n", (unsigned long long)(r0.minflt - rw.minflt));
	printf("gen_rx_missed %llu\n", (unsigned long long)(ps.imissed + ps.rx_nombuf));
	printf("echo_wrong_call %llu\n", (unsigned long long)g.wrong_call);
	printf("echo_bad_audio %llu\n", (unsigned long long)g.bad_audio);
	printf("rx_silence %llu\n", (unsigned long long)g.silence);
	printf("rx_unknown_call %llu\n", (unsigned long long)g.unknown);
	printf("rx_other %llu\n", (unsigned long long)g.other);
	printf("arp_replies %llu\n", (unsigned long long)g.arp_replies);
	printf("tsc_ghz %.2f\n", (double)g.hz / 1e9);
	lat_print(stdout, "round_trip", &g.rtt);
	if (g.dpf)
		vg_print(&g, &r0, &r1, &r2, secs);
	fflush(stdout);
	gen_linger(&g);
	rte_eth_dev_stop(g.port_id);
	rte_eth_dev_close(g.port_id);
	rte_eal_cleanup();
	return 0;
}
