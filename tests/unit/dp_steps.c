/*
 * dp_steps.c: unit tests of the dataplane's receive steps (dataplane/dp_rx.c) on
 * crafted packets.
 *
 * A real dataplane is built: DPDK's EAL with --no-huge and no PCI device, the port a
 * net_null vdev (it takes whatever is sent and gives nothing), one dp lcore context,
 * the call table in plain memory and the rings. Nothing polls: each test runs the
 * lcore's functions on this thread, starts a call through the control ring as
 * signaling does, puts mbufs it built through dp_input() or the steps one by one,
 * and checks the verdict, the counters and the frames staged for the bot worker.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>

#include "config/cfg.h"
#include "dataplane/dp-int.h"

#define SLOTS 4
#define PEER_IP RTE_IPV4(198, 18, 1, 2)
#define PEER_PORT 40000
#define PEER_SSRC 0x11223344u
#define PT_PCMA 8
#define PT_EVENT 101

static struct cfg cfg;
static struct cs_table *table;
static struct cs_pool pool;
static struct ring_set rings;
static struct dp *dp;
static struct dp_lcore *lc;
static struct net_if peer; /* the caller's side: its MAC and address */
static uint32_t slot, gen; /* the call of the current test */

/* ---- set-up ---- */

static int group_setup(void **state)
{
	char *eal[] = {"unit_dp_steps", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
		       "-l", "0", "--vdev=net_null0", "--log-level=lib.eal:error"};
	char err[256];

	(void)state;
	if (rte_eal_init(sizeof(eal) / sizeof(eal[0]), eal) < 0)
		return -1;
	if (cfg_load(&cfg, VG_SOURCE_DIR "/config/voxgate.conf", err, sizeof(err)) != 0)
		return -1;
	snprintf(cfg.dp.port, sizeof(cfg.dp.port), "net_null0");
	cfg.dp.max_calls = SLOTS;
	cfg.dp.mbufs = 2048;
	cfg.dp.reorder_window = 2;
	cfg.dp.idle_sleep_us = 0;
	table = aligned_alloc(64, (cs_table_size(SLOTS) + 63) / 64 * 64);
	if (!table || cs_table_init(table, SLOTS, cfg.dp.rtp_min,
				    (uint32_t)(cfg.dp.rtp_max - cfg.dp.rtp_min + 1) / 2,
				    cfg.dp.addrs, cfg.dp.n_addrs) != 0 ||
	    cs_pool_init(&pool, table) != 0 ||
	    ring_set_create_for(&rings, 1, 1, SLOTS, cfg.bots.ring_ms, SOCKET_ID_ANY) != 0 ||
	    dp_create(&dp, &cfg, table, &rings, 1) != 0)
		return -1;
	lc = dp->lc[0];
	peer.ip = rte_cpu_to_be_32(PEER_IP);
	peer.mac = (struct rte_ether_addr){{0x02, 0, 0, 0, 0, 0x02}};
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	dp_destroy(dp);
	ring_set_free(&rings);
	cs_pool_fini(&pool);
	free(table);
	cfg_free(&cfg);
	rte_eal_cleanup();
	return 0;
}

/* Start a PCMA call with telephone-event as signaling does: the slot's media, then
 * VG_MSG_CALL_START on the lcore's control ring, which the lcore answers with
 * VG_MSG_CALL_STARTED. Counters start from zero. */
static int call_setup(void **state)
{
	struct vg_msg m = {.type = VG_MSG_CALL_START}, ev;
	struct cs_media *md;
	int64_t s = cs_alloc(&pool, &gen);

	(void)state;
	if (s < 0)
		return -1;
	slot = (uint32_t)s;
	md = &cs_slot(table, slot)->media;
	md->remote_ip = peer.ip;
	md->remote_port = PEER_PORT;
	md->law = CS_LAW_PCMA;
	md->pt = PT_PCMA;
	md->dtmf_pt = PT_EVENT;
	md->dir = CS_DIR_SENDRECV;
	md->ptime_ms = 20;
	m.slot = slot;
	m.gen = gen;
	memset(lc->st, 0, sizeof(*lc->st));
	if (ring_msg_send(rings.ctl_dp[0], &m) != 0 || dp_ctl_poll(lc, rte_rdtsc()) != 1 ||
	    ring_msg_recv(rings.evt_dp[0], &ev, 1) != 1 || ev.type != VG_MSG_CALL_STARTED)
		return -1;
	return 0;
}

static int call_teardown(void **state)
{
	struct vg_msg m = {.type = VG_MSG_CALL_STOP, .slot = slot, .gen = gen}, ev;
	struct vg_frame f;

	(void)state;
	ring_msg_send(rings.ctl_dp[0], &m);
	dp_ctl_poll(lc, rte_rdtsc());
	while (ring_msg_recv(rings.evt_dp[0], &ev, 1))
		;
	dp_tx_flush(lc);
	dp_frames_flush(lc, 0);
	while (ring_frame_recv(rings.to_bot[0][0], &f, 1))
		;
	cs_free(&pool, slot);
	return 0;
}

/* ---- packets ---- */

/* A UDP datagram from the peer to our media address and port dport, payload
 * data[0..len). */
static struct rte_mbuf *udp_from_peer(uint16_t dport, const void *data, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp->pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, NET_UDP_HDRS), data, len);
	net_udp_fill(m, &peer, &dp->nif.mac, peer.ip, table->addr[0], PEER_PORT, dport, len,
		     false);
	return m;
}

/* An RTP packet of the peer's to the call: 160 bytes of `fill` by default. */
static struct rte_mbuf *rtp_pkt(uint8_t pt, uint16_t seq, uint32_t ssrc, const uint8_t *payload,
				uint16_t payload_len)
{
	uint8_t pkt[RTP_HDR_LEN + 512];

	rtp_write_hdr(pkt, pt, false, seq, (uint32_t)seq * 160, ssrc);
	memcpy(pkt + RTP_HDR_LEN, payload, payload_len);
	return udp_from_peer(cs_slot_port(table, slot), pkt, (uint16_t)(RTP_HDR_LEN + payload_len));
}

static struct rte_mbuf *audio_pkt(uint16_t seq, uint8_t fill)
{
	uint8_t payload[DP_PAYLOAD];

	memset(payload, fill, sizeof(payload));
	return rtp_pkt(PT_PCMA, seq, PEER_SSRC, payload, sizeof(payload));
}

static void input(struct rte_mbuf *m)
{
	dp_input(lc, m, rte_rdtsc());
}

/* Run the steps by hand, as dp_input() does, up to and including rtp. */
static enum dp_drop steps(struct dp_pkt *p, struct rte_mbuf *m)
{
	enum dp_drop d;

	memset(p, 0, sizeof(*p));
	p->m = m;
	p->data = rte_pktmbuf_mtod(m, uint8_t *);
	p->len = rte_pktmbuf_data_len(m);
	p->now = rte_rdtsc();
	if ((d = dp_step_eth(lc, p)) || (d = dp_step_ipv4(lc, p)) ||
	    (d = dp_step_udp(lc, p)) || (d = dp_step_call(lc, p)))
		return d;
	return p->rtcp ? dp_step_rtcp(lc, p) : dp_step_rtp(lc, p);
}

static uint64_t drops(enum dp_drop d)
{
	return lc->st->drops[d];
}

/* ---- tests ---- */

/* A good packet: each step's findings, then through dp_input() the frame staged for
 * the bot worker holds the payload decoded, and the peer's address is latched. */
static void test_good(void **state)
{
	struct dp_pkt p;
	struct rte_mbuf *m = audio_pkt(100, 0xd5);
	const struct vg_frame *f;
	int16_t want[VG_FRAME_SAMPLES];
	uint8_t alaw[DP_PAYLOAD];

	(void)state;
	assert_int_equal(steps(&p, m), DP_DROP_NONE);
	assert_int_equal(p.slot, slot);
	assert_ptr_equal(p.c, &dp->call[slot]);
	assert_false(p.rtcp);
	assert_int_equal(p.l4_len, RTP_HDR_LEN + DP_PAYLOAD);
	assert_int_equal(p.rtp.seq, 100);
	assert_int_equal(p.rtp.ssrc, PEER_SSRC);
	assert_int_equal(p.rtp.payload_len, DP_PAYLOAD);
	assert_true(dp->call[slot].latched);
	assert_int_equal(dp_step_emit(lc, &p), DP_DROP_NONE);
	rte_pktmbuf_free(m);

	assert_int_equal(lc->st->rx_rtp, 1);
	assert_int_equal(lc->n_stage[0], 1);
	f = &lc->stage[0][0];
	memset(alaw, 0xd5, sizeof(alaw));
	g711_decode(CS_LAW_PCMA, alaw, want, VG_FRAME_SAMPLES);
	assert_int_equal(f->kind, VG_FRAME_AUDIO);
	assert_int_equal(f->slot, slot);
	assert_int_equal(f->gen, gen);
	assert_int_equal(f->samples, VG_FRAME_SAMPLES);
	assert_memory_equal(f->pcm, want, sizeof(want));
	assert_int_equal(cs_slot(table, slot)->dp.latched_ip, peer.ip);
	assert_int_equal(cs_slot(table, slot)->dp.latched_port, PEER_PORT);

	/* the next packet through dp_input(): a second frame, nothing dropped */
	input(audio_pkt(101, 0x55));
	assert_int_equal(lc->st->rx_packets, 1); /* steps() does not count rx_packets */
	assert_int_equal(lc->st->rx_rtp, 2);
	assert_int_equal(lc->n_stage[0], 2);
	assert_int_equal(lc->stage[0][1].seq, 1);
	assert_int_equal(cs_slot(table, slot)->dp.rx_dropped, 0);
	for (unsigned d = 1; d < DP_DROP_MAX; d++)
		assert_int_equal(drops(d), 0);
}

/* 10, 12, 11: the window holds 12 for the missing 11, which then comes; the bot gets
 * 10, 11, 12 in order, none filled. */
static void test_reordered(void **state)
{
	(void)state;
	input(audio_pkt(10, 0x10));
	input(audio_pkt(12, 0x12));
	assert_int_equal(lc->n_stage[0], 1);
	input(audio_pkt(11, 0x11));
	assert_int_equal(lc->st->rx_reordered, 1);
	assert_int_equal(lc->st->rx_filled, 0);
	assert_int_equal(lc->n_stage[0], 3);
	for (unsigned i = 0; i < 3; i++) {
		uint8_t a = (uint8_t)(0x10 + i);
		int16_t want;

		g711_decode(CS_LAW_PCMA, &a, &want, 1);
		assert_int_equal(lc->stage[0][i].seq, i);
		assert_int_equal(lc->stage[0][i].pcm[0], want);
	}
	/* 11 again: a duplicate */
	input(audio_pkt(11, 0x11));
	assert_int_equal(drops(DP_DROP_RTP_DUPLICATE), 1);
	assert_int_equal(cs_slot(table, slot)->dp.rx_dropped, 1);
}

/* RTP version 1, a packet shorter than an RTP header, a payload type not agreed, a
 * payload that is not 20 ms: each dropped under its own reason, no frame. */
static void test_bad_rtp(void **state)
{
	uint8_t pkt[RTP_HDR_LEN + DP_PAYLOAD] = {0}, payload[80] = {0};

	(void)state;
	rtp_write_hdr(pkt, PT_PCMA, false, 1, 160, PEER_SSRC);
	pkt[0] = (uint8_t)((pkt[0] & 0x3f) | 0x40); /* version 1 */
	input(udp_from_peer(cs_slot_port(table, slot), pkt, sizeof(pkt)));
	assert_int_equal(drops(DP_DROP_RTP_VERSION), 1);

	input(udp_from_peer(cs_slot_port(table, slot), pkt, 8));
	assert_int_equal(drops(DP_DROP_RTP_SHORT), 1);

	input(rtp_pkt(0, 2, PEER_SSRC, (uint8_t[DP_PAYLOAD]){0}, DP_PAYLOAD)); /* PCMU */
	assert_int_equal(drops(DP_DROP_RTP_PT), 1);

	input(rtp_pkt(PT_PCMA, 3, PEER_SSRC, payload, sizeof(payload)));
	assert_int_equal(drops(DP_DROP_RTP_SIZE), 1);

	assert_int_equal(lc->n_stage[0], 0);
	assert_int_equal(lc->st->rx_packets, 4);
	assert_int_equal(cs_slot(table, slot)->dp.rx_dropped, 4);
	assert_false(dp->call[slot].latched); /* nothing valid came */
}

/* Headers that do not hold together, and packets that are not ours. */
static void test_bad_headers(void **state)
{
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;

	(void)state;
	/* shorter than an Ethernet header */
	m = audio_pkt(1, 0);
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - 10));
	input(m);
	assert_int_equal(drops(DP_DROP_ETH_SHORT), 1);

	/* an IP total length past the frame */
	m = audio_pkt(1, 0);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	ip->total_length = rte_cpu_to_be_16(1400);
	input(m);
	assert_int_equal(drops(DP_DROP_IP_BAD), 1);

	/* to an address that is not ours */
	m = audio_pkt(1, 0);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(198, 18, 1, 99));
	input(m);
	assert_int_equal(drops(DP_DROP_IP_NOT_OURS), 1);

	/* to a port below the RTP range, and to a slot with no call */
	input(udp_from_peer(5060, "OPTIONS", 7));
	assert_int_equal(drops(DP_DROP_UDP_PORT), 1);
	input(udp_from_peer(cs_slot_port(table, (slot + 1) % SLOTS), "x", 1));
	assert_int_equal(drops(DP_DROP_NO_CALL), 1);
	assert_int_equal(lc->n_stage[0], 0);
}

/* A new SSRC from the latched address restarts the stream (counted, delivered); a
 * packet from another address once latched is dropped. */
static void test_ssrc_and_source(void **state)
{
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;
	struct dp_pkt p;

	(void)state;
	input(audio_pkt(500, 1));
	input(rtp_pkt(PT_PCMA, 9000, 0xabcdef01u, (uint8_t[DP_PAYLOAD]){0}, DP_PAYLOAD));
	assert_int_equal(lc->st->ssrc_changes, 1);
	assert_int_equal(lc->n_stage[0], 2);

	m = audio_pkt(501, 1);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(198, 18, 1, 7));
	ip->hdr_checksum = 0; /* not checked on the way in */
	assert_int_equal(steps(&p, m), DP_DROP_RTP_SOURCE);
	rte_pktmbuf_free(m);
	assert_int_equal(lc->n_stage[0], 2);
}

/* An RTCP receiver report to the call's RTCP port: parsed, its source latched for
 * our reports; an RTCP packet of the wrong version is dropped as rtcp_bad. */
static void test_rtcp(void **state)
{
	uint8_t rr[8] = {0x80, 201, 0, 1, 0x11, 0x22, 0x33, 0x44}; /* RR, no blocks */
	uint16_t port = (uint16_t)(cs_slot_port(table, slot) + 1);

	(void)state;
	input(udp_from_peer(port, rr, sizeof(rr)));
	assert_int_equal(lc->st->rtcp_rx, 1);
	assert_int_equal(cs_slot(table, slot)->dp.rtcp_rx, 1);
	assert_true(dp->call[slot].rtcp_latched);
	assert_int_equal(dp->call[slot].rtcp_port, PEER_PORT);
	rr[0] = 0x40;
	input(udp_from_peer(port, rr, sizeof(rr)));
	assert_int_equal(drops(DP_DROP_RTCP_BAD), 1);
	assert_int_equal(lc->n_stage[0], 0); /* RTCP makes no frame */
}

/* RFC 4733: key 5 in three packets, its end sent three times (2.5.1.4): one DTMF
 * frame for the bot, with the event and its duration. A 2-byte event is bad. */
static void test_telephone_event(void **state)
{
	/* event 5, volume 10, durations 400, 800 then 1200 with E set */
	const uint8_t ev[3][4] = {{5, 10, 0x01, 0x90}, {5, 10, 0x03, 0x20}, {5, 0x80 | 10, 0x04, 0xb0}};
	uint8_t pkt[RTP_HDR_LEN + 4];

	(void)state;
	for (unsigned i = 0; i < 5; i++) {
		rtp_write_hdr(pkt, PT_EVENT, i == 0, (uint16_t)(700 + i), 8000, PEER_SSRC);
		memcpy(pkt + RTP_HDR_LEN, ev[i < 2 ? i : 2], 4);
		input(udp_from_peer(cs_slot_port(table, slot), pkt, sizeof(pkt)));
	}
	assert_int_equal(lc->st->dtmf_events, 1);
	assert_int_equal(lc->n_stage[0], 1);
	assert_int_equal(lc->stage[0][0].kind, VG_FRAME_DTMF);
	assert_int_equal(lc->stage[0][0].dtmf.event, 5);
	assert_int_equal(lc->stage[0][0].dtmf.duration_ms, 150); /* 1200 / 8 */
	assert_int_equal(lc->st->rx_rtp, 0); /* no audio frame */

	input(udp_from_peer(cs_slot_port(table, slot), pkt, RTP_HDR_LEN + 2));
	assert_int_equal(drops(DP_DROP_RTP_EVENT_BAD), 1);
}

/* ARP for our address and an ICMP echo: answered (queued for the TX burst). */
static void test_arp_icmp(void **state)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp->pool);
	struct net_if asker = peer;
	uint8_t echo[64] = {8, 0}; /* ICMP echo request; checksum below */
	struct rte_ipv4_hdr *ip;
	uint16_t ck;

	(void)state;
	assert_non_null(m);
	/* the peer asks who has our media address */
	assert_int_equal(net_arp_request(&asker, m, table->addr[0]), 0);
	input(m);
	assert_int_equal(lc->st->arp_replies, 1);
	assert_int_equal(lc->n_tx, 1);

	ck = rte_raw_cksum(echo, sizeof(echo));
	ck = (uint16_t)~ck;
	memcpy(echo + 2, &ck, 2);
	m = udp_from_peer(1, echo, sizeof(echo));
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	/* the same IP datagram, carrying ICMP: drop the UDP header */
	memmove((uint8_t *)(ip + 1), (uint8_t *)(ip + 1) + 8, sizeof(echo));
	ip->next_proto_id = IPPROTO_ICMP;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(echo)));
	rte_pktmbuf_trim(m, 8);
	input(m);
	assert_int_equal(lc->st->icmp_replies, 1);
	assert_int_equal(lc->n_tx, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good, call_setup, call_teardown),
		cmocka_unit_test_setup_teardown(test_reordered, call_setup, call_teardown),
		cmocka_unit_test_setup_teardown(test_bad_rtp, call_setup, call_teardown),
		cmocka_unit_test_setup_teardown(test_bad_headers, call_setup, call_teardown),
		cmocka_unit_test_setup_teardown(test_ssrc_and_source, call_setup, call_teardown),
		cmocka_unit_test_setup_teardown(test_rtcp, call_setup, call_teardown),
		cmocka_unit_test_setup_teardown(test_telephone_event, call_setup, call_teardown),
		cmocka_unit_test_setup_teardown(test_arp_icmp, call_setup, call_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
