/*
 * rtcp.c: unit tests of RTCP (dataplane/rtcp.c): receive statistics (RFC 3550 A.1,
 * A.3, A.8), compound parsing, SR building and the round-trip time (6.4.1).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/rtcp.h"

/* 100 packets, 5 of them lost, arriving exactly on time: loss 5, jitter 0. */
static void test_rx_loss(void **state)
{
	struct rtcp_rx r = {0};

	(void)state;
	for (uint32_t i = 0; i < 100; i++)
		if (i % 20 != 7)
			rtcp_rx_packet(&r, 42, (uint16_t)(65500 + i), 160 * i, 1000 + 160 * i);
	assert_int_equal(r.received, 95);
	assert_int_equal(rtcp_rx_lost(&r), 5);
	assert_int_equal(rtcp_rx_jitter(&r), 0);
	assert_int_equal(r.cycles, 65536); /* the sequence wrapped once */
}

/* Arrivals alternately 80 units early and late: jitter converges to 160 (A.8). */
static void test_rx_jitter(void **state)
{
	struct rtcp_rx r = {0};

	(void)state;
	for (uint32_t i = 0; i < 2000; i++)
		rtcp_rx_packet(&r, 42, (uint16_t)i, 160 * i, 160 * i + (i & 1 ? 80 : -80));
	assert_in_range(rtcp_rx_jitter(&r), 155, 160);
}

/* A new SSRC restarts the statistics. */
static void test_rx_new_ssrc(void **state)
{
	struct rtcp_rx r = {0};

	(void)state;
	rtcp_rx_packet(&r, 1, 10, 0, 0);
	rtcp_rx_packet(&r, 1, 12, 320, 320);
	rtcp_rx_packet(&r, 2, 500, 0, 400);
	assert_int_equal(r.ssrc, 2);
	assert_int_equal(r.received, 1);
	assert_int_equal(rtcp_rx_lost(&r), 0);
}

/* Our SR, with a report block and CNAME, parses back with what we put in. */
static void test_sr_round_trip(void **state)
{
	struct rtcp_rx r = {0};
	struct rtcp_sr_params p = {.ssrc = 0xabcdef01, .ntp = 0x1122334455667788ull,
				   .rtp_ts = 777, .packets = 250, .octets = 40000,
				   .cname = "voxgate@198.18.1.1"};
	struct rtcp_report rep;
	uint8_t buf[256];
	int n;

	(void)state;
	for (uint32_t i = 0; i < 10; i++)
		if (i != 4)
			rtcp_rx_packet(&r, 0x5555, (uint16_t)(100 + i), 160 * i, 160 * i);
	r.peer_sr_ntp_mid = 0x12345678;
	r.peer_sr_arrival_ntp = 0x0000000100000000ull;
	p.rx = &r;
	p.now_ntp = 0x0000000180000000ull; /* 0.5 s after the peer's SR arrived */
	n = rtcp_build_sr(buf, sizeof(buf), &p, &r);
	assert_true(n > 0);
	assert_int_equal(n % 4, 0);
	assert_int_equal(buf[0], 0x81);
	assert_int_equal(buf[1], RTCP_SR);
	/* parsed as the peer would, looking for the block about 0x5555 */
	assert_int_equal(rtcp_parse(buf, (uint32_t)n, 0x5555, &rep), DP_DROP_NONE);
	assert_true(rep.has_sr);
	assert_int_equal(rep.sender_ssrc, 0xabcdef01);
	assert_int_equal(rep.sr_ntp_mid, 0x33445566);
	assert_true(rep.has_block);
	assert_int_equal(rep.cumulative_lost, 1);
	assert_int_equal(rep.fraction_lost, 256 / 10);
	assert_int_equal(rep.lsr, 0x12345678);
	assert_int_equal(rep.dlsr, 0x8000); /* 0.5 s in 16.16 */
	/* the interval counters moved: the next report's fraction is 0 */
	n = rtcp_build_sr(buf, sizeof(buf), &p, &r);
	assert_int_equal(rtcp_parse(buf, (uint32_t)n, 0x5555, &rep), DP_DROP_NONE);
	assert_int_equal(rep.fraction_lost, 0);
	assert_int_equal(rep.cumulative_lost, 1);
	assert_true(memmem(buf, (size_t)n, "voxgate@198.18.1.1", 18) != NULL);
	assert_int_equal(rtcp_build_sr(buf, 40, &p, &r), -ENOSPC);
}

/* An RR (as a phone sends) with a block about us, then an SDES. */
static void test_parse_rr(void **state)
{
	static const uint8_t rr[] = {
		0x81, 201, 0, 7, 0, 0, 0, 9,            /* RR from SSRC 9, one block */
		0xab, 0xcd, 0xef, 0x01,                 /* about our SSRC */
		0x40, 0xff, 0xff, 0xfe,                 /* 25% lost, cumulative -2 */
		0, 1, 0, 50, 0, 0, 0, 33,               /* ext seq, jitter 33 */
		0x12, 0x34, 0x56, 0x78, 0, 0, 0x40, 0,  /* LSR, DLSR 0.25 s */
		0x81, 202, 0, 2, 0, 0, 0, 9, 1, 1, 'x', 0};
	struct rtcp_report rep;

	(void)state;
	assert_int_equal(rtcp_parse(rr, sizeof(rr), 0xabcdef01, &rep), DP_DROP_NONE);
	assert_false(rep.has_sr);
	assert_true(rep.has_block);
	assert_int_equal(rep.fraction_lost, 0x40);
	assert_int_equal(rep.cumulative_lost, -2);
	assert_int_equal(rep.jitter, 33);
	assert_int_equal(rep.dlsr, 0x4000);
	/* about someone else: no block for us */
	assert_int_equal(rtcp_parse(rr, sizeof(rr), 0x1, &rep), DP_DROP_NONE);
	assert_false(rep.has_block);
}

static void test_parse_malformed(void **state)
{
	static const uint8_t sdes_first[] = {0x81, 202, 0, 1, 0, 0, 0, 9};
	static const uint8_t bad_version[] = {0x41, 201, 0, 1, 0, 0, 0, 9};
	static const uint8_t too_long[] = {0x80, 201, 0, 9, 0, 0, 0, 9};
	static const uint8_t blocks_past_end[] = {0x82, 201, 0, 1, 0, 0, 0, 9};
	struct rtcp_report rep;

	(void)state;
	assert_int_equal(rtcp_parse(sdes_first, 8, 1, &rep), DP_DROP_RTCP_BAD);
	assert_int_equal(rtcp_parse(bad_version, 8, 1, &rep), DP_DROP_RTCP_BAD);
	assert_int_equal(rtcp_parse(too_long, 8, 1, &rep), DP_DROP_RTCP_BAD);
	assert_int_equal(rtcp_parse(blocks_past_end, 8, 1, &rep), DP_DROP_RTCP_BAD);
	assert_int_equal(rtcp_parse(sdes_first, 3, 1, &rep), DP_DROP_RTCP_BAD);
	assert_int_equal(rtcp_parse(sdes_first, 0, 1, &rep), DP_DROP_RTCP_BAD);
}

/* RFC 3550 6.4.1's own example: A = 0xb710:8000 (46864.5 s), LSR = 0xb705:2000,
 * DLSR = 0x0005:4000 (5.25 s) -> RTT 0x0006:2000 = 6.125 s. */
static void test_rtt(void **state)
{
	uint64_t now = (uint64_t)0xb7108000u << 16;

	(void)state;
	assert_int_equal(rtcp_rtt_ms(now, 0xb7052000u, 0x00054000u), 6125);
	assert_int_equal(rtcp_rtt_ms(now, 0, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx_loss),
		cmocka_unit_test(test_rx_jitter),
		cmocka_unit_test(test_rx_new_ssrc),
		cmocka_unit_test(test_sr_round_trip),
		cmocka_unit_test(test_parse_rr),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_rtt),
	};

	return cmocka_run_group_tests_name("rtcp", tests, NULL, NULL);
}
