/*
 * rtp.c: unit tests of RTP header parsing (dataplane/rtp.c, RFC 3550 5.1) and of
 * the drop reason names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/rtp.h"

/* A PCMA packet: header, then n payload bytes of 0xd5. */
static uint32_t make_pkt(uint8_t *buf, uint32_t n)
{
	rtp_write_hdr(buf, 8, true, 0x1234, 0xdeadbeef, 0x01020304);
	memset(buf + RTP_HDR_LEN, 0xd5, n);
	return RTP_HDR_LEN + n;
}

static void test_plain_packet(void **state)
{
	uint8_t buf[256];
	uint32_t len = make_pkt(buf, 160);
	struct rtp_info r;

	(void)state;
	assert_int_equal(rtp_parse(buf, len, &r), DP_DROP_NONE);
	assert_int_equal(r.pt, 8);
	assert_true(r.marker);
	assert_int_equal(r.seq, 0x1234);
	assert_int_equal(r.ts, 0xdeadbeef);
	assert_int_equal(r.ssrc, 0x01020304);
	assert_ptr_equal(r.payload, buf + RTP_HDR_LEN);
	assert_int_equal(r.payload_len, 160);
	/* the bytes on the wire, as RFC 3550 5.1 lays them out */
	assert_int_equal(buf[0], 0x80);
	assert_int_equal(buf[1], 0x88);
	assert_int_equal(buf[2], 0x12);
	assert_int_equal(buf[3], 0x34);
	assert_int_equal(buf[4], 0xde);
	assert_int_equal(buf[11], 0x04);
}

static void test_short_and_version(void **state)
{
	uint8_t buf[256];
	uint32_t len = make_pkt(buf, 160);
	struct rtp_info r;

	(void)state;
	assert_int_equal(rtp_parse(buf, 11, &r), DP_DROP_RTP_SHORT);
	assert_int_equal(rtp_parse(buf, 0, &r), DP_DROP_RTP_SHORT);
	assert_int_equal(rtp_parse(buf, RTP_HDR_LEN, &r), DP_DROP_NONE); /* empty payload */
	for (int v = 0; v < 4; v++) {
		buf[0] = (uint8_t)(v << 6);
		assert_int_equal(rtp_parse(buf, len, &r),
				 v == 2 ? DP_DROP_NONE : DP_DROP_RTP_VERSION);
	}
}

static void test_csrc(void **state)
{
	uint8_t buf[256];
	uint32_t len = make_pkt(buf, 160);
	struct rtp_info r;

	(void)state;
	buf[0] = 0x80 | 3; /* three CSRCs: payload starts 12 bytes later */
	assert_int_equal(rtp_parse(buf, len, &r), DP_DROP_NONE);
	assert_int_equal(r.payload_len, 160 - 12);
	assert_ptr_equal(r.payload, buf + RTP_HDR_LEN + 12);
	buf[0] = 0x80 | 15; /* 60 bytes of CSRC in a 20-byte packet */
	assert_int_equal(rtp_parse(buf, 20, &r), DP_DROP_RTP_CSRC);
}

static void test_extension(void **state)
{
	uint8_t buf[256];
	uint32_t len = make_pkt(buf, 160);
	struct rtp_info r;

	(void)state;
	buf[0] = 0x90; /* X bit */
	buf[12] = 0xbe;
	buf[13] = 0xde;
	buf[14] = 0;
	buf[15] = 2; /* 2 words of extension */
	assert_int_equal(rtp_parse(buf, len, &r), DP_DROP_NONE);
	assert_int_equal(r.payload_len, 160 - 4 - 8);
	buf[15] = 200; /* runs past the packet */
	assert_int_equal(rtp_parse(buf, len, &r), DP_DROP_RTP_EXT);
	assert_int_equal(rtp_parse(buf, 14, &r), DP_DROP_RTP_EXT); /* no room for the header */
}

static void test_padding(void **state)
{
	uint8_t buf[256];
	uint32_t len = make_pkt(buf, 164);
	struct rtp_info r;

	(void)state;
	buf[0] = 0xa0; /* P bit */
	buf[len - 1] = 4;
	assert_int_equal(rtp_parse(buf, len, &r), DP_DROP_NONE);
	assert_int_equal(r.payload_len, 160);
	buf[len - 1] = 0;
	assert_int_equal(rtp_parse(buf, len, &r), DP_DROP_RTP_PADDING);
	buf[len - 1] = 165; /* more than the payload */
	assert_int_equal(rtp_parse(buf, len, &r), DP_DROP_RTP_PADDING);
	buf[len - 1] = 164; /* exactly the payload: empty */
	assert_int_equal(rtp_parse(buf, len, &r), DP_DROP_NONE);
	assert_int_equal(r.payload_len, 0);
}

/* Every byte string of up to 40 bytes with a valid first byte parses or is dropped
 * with a reason, and a parsed payload always lies inside the buffer. */
static void test_never_out_of_bounds(void **state)
{
	uint8_t buf[40];
	struct rtp_info r;

	(void)state;
	for (unsigned seed = 0; seed < 20000; seed++) {
		uint32_t len = seed % 41, x = seed * 2654435761u;

		for (uint32_t i = 0; i < sizeof(buf); i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (uint8_t)(x >> 16);
		}
		buf[0] = (uint8_t)(0x80 | (buf[0] & 0x3f));
		if (rtp_parse(buf, len, &r) == DP_DROP_NONE) {
			assert_true(r.payload >= buf + RTP_HDR_LEN);
			assert_true(r.payload + r.payload_len <= buf + len);
		}
	}
}

static void test_drop_names(void **state)
{
	(void)state;
	assert_string_equal(dp_drop_name(DP_DROP_NONE), "none");
	assert_string_equal(dp_drop_name(DP_DROP_RTP_PADDING), "rtp_padding");
	assert_string_equal(dp_drop_name(DP_DROP_TX_FULL), "tx_full");
	assert_string_equal(dp_drop_name(DP_DROP_MAX), "?");
	for (int d = 0; d < DP_DROP_MAX; d++)
		for (int e = d + 1; e < DP_DROP_MAX; e++)
			assert_string_not_equal(dp_drop_name(d), dp_drop_name(e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_packet),
		cmocka_unit_test(test_short_and_version),
		cmocka_unit_test(test_csrc),
		cmocka_unit_test(test_extension),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_never_out_of_bounds),
		cmocka_unit_test(test_drop_names),
	};

	return cmocka_run_group_tests_name("rtp", tests, NULL, NULL);
}
