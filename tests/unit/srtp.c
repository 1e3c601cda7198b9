/*
 * srtp.c: unit tests of the call's SRTP wrapper (dataplane/srtp.c) against known
 * answers and libsrtp2's own sender.
 *
 * The known answers are libsrtp's reference packets (test/srtp_driver.c,
 * srtp_validate and srtp_validate_aes_256): an RTP packet with SSRC 0xcafebabe,
 * sequence 0x1234 and 16 bytes of 0xab, protected with a fixed master key and salt.
 * Our wrapper must produce exactly those bytes and take them back; replays, forged
 * tags, short packets and unknown MKIs are refused under their drop reasons.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/srtp.h"

static const uint8_t key_128[30] = {
	0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde,
	0x41, 0x39, 0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a,
	0xab, 0xe6};

static const uint8_t key_256[46] = {
	0xf0, 0xf0, 0x49, 0x14, 0xb5, 0x13, 0xf2, 0x76, 0x3a, 0x1b, 0x1f, 0xa1, 0x30, 0xf1,
	0x0e, 0x29, 0x98, 0xf6, 0xf6, 0xe4, 0x3e, 0x43, 0x09, 0xd1, 0xe6, 0x22, 0xa0, 0xe3,
	0x32, 0xb9, 0xf1, 0xb6, 0x3b, 0x04, 0x80, 0x3d, 0xe5, 0x1e, 0xe7, 0xc9, 0x64, 0x23,
	0xab, 0x5b, 0x78, 0xd2};

/* The plain reference packet: 12-byte header, 16 bytes of 0xab. */
static const uint8_t plain_ref[28] = {
	0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0xab, 0xab,
	0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};

/* It protected with AES_CM_128_HMAC_SHA1_80: ciphertext, then the 80-bit tag. */
static const uint8_t srtp_ref_128[38] = {
	0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0x4e, 0x55,
	0xdc, 0x4c, 0xe7, 0x99, 0x78, 0xd8, 0x8c, 0xa4, 0xd2, 0x15, 0x94, 0x9d, 0x24, 0x02,
	0xb7, 0x8d, 0x6a, 0xcc, 0x99, 0xea, 0x17, 0x9b, 0x8d, 0xbb};

/* And with AES_256_CM_HMAC_SHA1_80 (RFC 6188). */
static const uint8_t srtp_ref_256[38] = {
	0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0xf1, 0xd9,
	0xde, 0x17, 0xff, 0x25, 0x1f, 0xf1, 0xaa, 0x00, 0x77, 0x74, 0xb0, 0xb4, 0xb4, 0x0d,
	0xa0, 0x8d, 0x9d, 0x9a, 0x5b, 0x3a, 0x55, 0xd8, 0x87, 0x3b};

#define SSRC_REF 0xcafebabe

static int setup(void **state)
{
	(void)state;
	return srtp_call_lib_init();
}

static int teardown(void **state)
{
	(void)state;
	srtp_call_lib_fini();
	return 0;
}

/* Keys with the same master key both ways, so that a call can read its own packets. */
static struct cs_srtp keys(unsigned suite, const uint8_t *key)
{
	struct cs_srtp k = {.suite = (uint8_t)suite};

	memcpy(k.rx_key, key, cs_srtp_key_len(suite));
	memcpy(k.tx_key, key, cs_srtp_key_len(suite));
	return k;
}

/* Protect the reference packet with suite/key, compare with ref, read it back. */
static void known_answer(unsigned suite, const uint8_t *key, const uint8_t *ref)
{
	struct cs_srtp k = keys(suite, key);
	struct srtp_call tx = {0}, rx = {0};
	uint8_t buf[sizeof(plain_ref) + SRTP_CALL_TRAILER];
	uint32_t len = sizeof(plain_ref);

	assert_int_equal(srtp_call_open_tx(&tx, &k, SSRC_REF), 0);
	assert_int_equal(srtp_call_open_rx(&rx, &k), 0);
	memcpy(buf, plain_ref, sizeof(plain_ref));
	assert_int_equal(srtp_call_protect(&tx, buf, &len, false), 0);
	assert_int_equal(len, 38);
	assert_memory_equal(buf, ref, 38);

	assert_int_equal(srtp_call_unprotect(&rx, buf, &len, false), DP_DROP_NONE);
	assert_int_equal(len, sizeof(plain_ref));
	assert_memory_equal(buf, plain_ref, sizeof(plain_ref));
	srtp_call_close(&tx);
	srtp_call_close(&rx);
	assert_null(tx.tx);
	assert_null(rx.rx);
}

static void test_known_answer_aes_cm_128_sha1_80(void **state)
{
	(void)state;
	known_answer(CS_SRTP_AES_CM_128_HMAC_SHA1_80, key_128, srtp_ref_128);
}

static void test_known_answer_aes_256_cm_sha1_80(void **state)
{
	(void)state;
	known_answer(CS_SRTP_AES_256_CM_HMAC_SHA1_80, key_256, srtp_ref_256);
}

/* Protect the reference packet with suite/key, expect want bytes, keep them in out,
 * read them back. */
static void round_trip(unsigned suite, const uint8_t *key, uint32_t want, uint8_t *out)
{
	struct cs_srtp k = keys(suite, key);
	struct srtp_call s = {0};
	uint32_t len = sizeof(plain_ref);
	uint8_t back[64];

	assert_int_equal(srtp_call_open_tx(&s, &k, SSRC_REF), 0);
	assert_int_equal(srtp_call_open_rx(&s, &k), 0);
	memcpy(out, plain_ref, sizeof(plain_ref));
	assert_int_equal(srtp_call_protect(&s, out, &len, false), 0);
	assert_int_equal(len, want);
	memcpy(back, out, len);
	assert_int_equal(srtp_call_unprotect(&s, back, &len, false), DP_DROP_NONE);
	assert_int_equal(len, sizeof(plain_ref));
	assert_memory_equal(back, plain_ref, sizeof(plain_ref));
	srtp_call_close(&s);
}

/* The 32-bit tag suite: same keystream as the 80-bit one, a 4-byte tag. */
static void test_sha1_32_tag(void **state)
{
	uint8_t buf[64];

	(void)state;
	round_trip(CS_SRTP_AES_CM_128_HMAC_SHA1_32, key_128, 28 + 4, buf);
	assert_memory_equal(buf, srtp_ref_128, 28); /* AES-CM keystream is the same */
}

/* RFC 3711 3.3.2: a packet seen before is a replay; one older than the window too. */
static void test_replay(void **state)
{
	struct cs_srtp k = keys(CS_SRTP_AES_CM_128_HMAC_SHA1_80, key_128);
	struct srtp_call s = {0};
	uint8_t first[64], buf[64];
	uint32_t first_len = sizeof(plain_ref), len;

	(void)state;
	assert_int_equal(srtp_call_open_tx(&s, &k, SSRC_REF), 0);
	assert_int_equal(srtp_call_open_rx(&s, &k), 0);
	memcpy(first, plain_ref, sizeof(plain_ref));
	assert_int_equal(srtp_call_protect(&s, first, &first_len, false), 0);
	memcpy(buf, first, first_len);
	len = first_len;
	assert_int_equal(srtp_call_unprotect(&s, buf, &len, false), DP_DROP_NONE);
	memcpy(buf, first, first_len);
	len = first_len;
	assert_int_equal(srtp_call_unprotect(&s, buf, &len, false), DP_DROP_SRTP_REPLAY);
	/* 200 packets later the first one is behind the 128-packet window */
	for (unsigned i = 1; i <= 200; i++) {
		memcpy(buf, plain_ref, sizeof(plain_ref));
		buf[2] = (uint8_t)((0x1234 + i) >> 8);
		buf[3] = (uint8_t)(0x1234 + i);
		len = sizeof(plain_ref);
		assert_int_equal(srtp_call_protect(&s, buf, &len, false), 0);
		assert_int_equal(srtp_call_unprotect(&s, buf, &len, false), DP_DROP_NONE);
	}
	memcpy(buf, first, first_len);
	len = first_len;
	assert_int_equal(srtp_call_unprotect(&s, buf, &len, false), DP_DROP_SRTP_REPLAY);
	srtp_call_close(&s);
}

/* A flipped bit anywhere, a wrong key, plain RTP: the tag does not match. A refused
 * packet does not move the window: the genuine one is still taken afterwards. */
static void test_forged(void **state)
{
	struct cs_srtp k = keys(CS_SRTP_AES_CM_128_HMAC_SHA1_80, key_128);
	struct cs_srtp other = k;
	struct srtp_call s = {0}, wrong = {0};
	uint8_t buf[64];
	uint32_t len;

	(void)state;
	other.rx_key[0] ^= 1;
	assert_int_equal(srtp_call_open_rx(&s, &k), 0);
	assert_int_equal(srtp_call_open_rx(&wrong, &other), 0);
	for (unsigned i = 12; i < 38; i++) {
		memcpy(buf, srtp_ref_128, 38);
		buf[i] ^= 0x10;
		len = 38;
		assert_int_equal(srtp_call_unprotect(&s, buf, &len, false), DP_DROP_SRTP_AUTH);
	}
	memcpy(buf, srtp_ref_128, 38);
	len = 38;
	assert_int_equal(srtp_call_unprotect(&wrong, buf, &len, false), DP_DROP_SRTP_AUTH);
	memcpy(buf, plain_ref, 28); /* a peer that sends plain RTP on an SRTP call */
	len = 28;
	assert_int_equal(srtp_call_unprotect(&s, buf, &len, false), DP_DROP_SRTP_AUTH);
	memcpy(buf, srtp_ref_128, 38);
	len = 8; /* shorter than an RTP header */
	assert_int_equal(srtp_call_unprotect(&s, buf, &len, false), DP_DROP_SRTP_BAD);
	memcpy(buf, srtp_ref_128, 38);
	len = 38;
	assert_int_equal(srtp_call_unprotect(&s, buf, &len, false), DP_DROP_NONE);
	assert_memory_equal(buf, plain_ref, 28);
	srtp_call_close(&s);
	srtp_call_close(&wrong);
}

/* RFC 3711 3.4: an SR goes out as SRTCP (index and E flag, tag) and comes back. */
static void test_srtcp(void **state)
{
	static const uint8_t sr[28] = {
		0x80, 200, 0, 6, 0xca, 0xfe, 0xba, 0xbe, 1, 2, 3, 4, 5, 6, 7, 8,
		0, 0, 0, 160, 0, 0, 0, 1, 0, 0, 0, 160};
	struct cs_srtp k = keys(CS_SRTP_AES_CM_128_HMAC_SHA1_32, key_128);
	struct srtp_call s = {0};
	uint8_t buf[64];
	uint32_t len = sizeof(sr);

	(void)state;
	assert_int_equal(srtp_call_open_tx(&s, &k, SSRC_REF), 0);
	assert_int_equal(srtp_call_open_rx(&s, &k), 0);
	memcpy(buf, sr, sizeof(sr));
	assert_int_equal(srtp_call_protect(&s, buf, &len, true), 0);
	/* SRTCP keeps the 80-bit tag with the _32 suite (RFC 4568 6.2.2) */
	assert_int_equal(len, sizeof(sr) + 4 + 10);
	assert_true(buf[sizeof(sr)] & 0x80); /* E flag: encrypted */
	assert_memory_not_equal(buf + 8, sr + 8, sizeof(sr) - 8);
	assert_int_equal(srtp_call_unprotect(&s, buf, &len, true), DP_DROP_NONE);
	assert_int_equal(len, sizeof(sr));
	assert_memory_equal(buf, sr, sizeof(sr));
	srtp_call_close(&s);
}

/* AEAD_AES_128_GCM (RFC 7714): a 16-byte tag, and a round trip. */
static void test_gcm(void **state)
{
	static const uint8_t key_gcm[28] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
		0x0e, 0x0f, 0x51, 0x75, 0x69, 0x64, 0x20, 0x70, 0x72, 0x6f, 0x20, 0x71, 0x75, 0x6f};
	uint8_t buf[64];

	(void)state;
	round_trip(CS_SRTP_AEAD_AES_128_GCM, key_gcm, 28 + 16, buf);
	assert_memory_not_equal(buf + 12, plain_ref + 12, 16);
}

/* A caller whose packets carry an MKI (RFC 3711 3.1, a=crypto "|1:4"): libsrtp2
 * itself is the sender here. Another MKI is not ours. */
static void test_mki(void **state)
{
	uint8_t key[30], mki[4] = {0, 0, 0, 7};
	srtp_master_key_t mk = {.key = key, .mki_id = mki, .mki_size = 4};
	srtp_master_key_t *mks[1] = {&mk};
	srtp_policy_t p;
	srtp_t sender;
	struct cs_srtp k = keys(CS_SRTP_AES_CM_128_HMAC_SHA1_80, key_128);
	struct srtp_call s = {0};
	uint8_t buf[64], again[64];
	int n = sizeof(plain_ref);
	uint32_t len;

	(void)state;
	memcpy(key, key_128, sizeof(key));
	memset(&p, 0, sizeof(p));
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
	p.ssrc.type = ssrc_specific;
	p.ssrc.value = SSRC_REF;
	p.keys = mks;
	p.num_master_keys = 1;
	p.window_size = 128;
	assert_int_equal(srtp_create(&sender, &p), srtp_err_status_ok);
	memcpy(buf, plain_ref, sizeof(plain_ref));
	assert_int_equal(srtp_protect_mki(sender, buf, &n, 1, 0), srtp_err_status_ok);
	assert_int_equal(n, 28 + 4 + 10);
	memcpy(again, buf, (size_t)n);

	k.rx_mki_len = 4;
	k.rx_mki[3] = 8; /* not the sender's MKI */
	assert_int_equal(srtp_call_open_rx(&s, &k), 0);
	len = (uint32_t)n;
	assert_int_equal(srtp_call_unprotect(&s, buf, &len, false), DP_DROP_SRTP_BAD);
	k.rx_mki[3] = 7;
	assert_int_equal(srtp_call_open_rx(&s, &k), 0); /* re-key replaces the context */
	len = (uint32_t)n;
	assert_int_equal(srtp_call_unprotect(&s, again, &len, false), DP_DROP_NONE);
	assert_int_equal(len, sizeof(plain_ref));
	assert_memory_equal(again, plain_ref, sizeof(plain_ref));
	srtp_call_close(&s);
	srtp_dealloc(sender);
}

/* A suite voxgate does not know, or a key length the suite does not have. */
static void test_bad_suite(void **state)
{
	struct cs_srtp k = keys(CS_SRTP_AES_CM_128_HMAC_SHA1_80, key_128);
	struct srtp_call s = {0};

	(void)state;
	k.suite = CS_SRTP_SUITES;
	assert_int_equal(srtp_call_open_rx(&s, &k), -EINVAL);
	assert_null(s.rx);
	k.suite = CS_SRTP_NONE;
	assert_int_equal(srtp_call_open_tx(&s, &k, 1), -EINVAL);
	assert_null(s.tx);
	srtp_call_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answer_aes_cm_128_sha1_80),
		cmocka_unit_test(test_known_answer_aes_256_cm_sha1_80),
		cmocka_unit_test(test_sha1_32_tag),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_srtcp),
		cmocka_unit_test(test_gcm),
		cmocka_unit_test(test_mki),
		cmocka_unit_test(test_bad_suite),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
