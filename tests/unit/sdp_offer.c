/*
 * sdp_offer.c: unit tests of the offer/answer choice (signaling/sdp_offer.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <string.h>

#include <cmocka.h>

#include "config/cfg.h"
#include "shared/cs.h"
#include "signaling/sdp_offer.h"

static const uint8_t pcma_first[] = {CFG_CODEC_PCMA, CFG_CODEC_PCMU};
static const uint8_t pcmu_only[] = {CFG_CODEC_PCMU};

static int choose(const char *sdp, const uint8_t *codecs, unsigned n, struct sdp_choice *c)
{
	char why[200];

	return sdp_offer_choose(sdp, strlen(sdp), codecs, n, CFG_SRTP_OPTIONAL, c, why, sizeof(why));
}

/* Exotel's example offer (seed 004): PCMA preferred, telephone-event 96. */
static const char exotel[] =
	"v=0\r\no=root 1683048786 1683048786 IN IP4 203.0.113.61\r\n"
	"s=call\r\nc=IN IP4 203.0.113.61\r\nt=0 0\r\n"
	"m=audio 37456 RTP/AVP 8 0 96\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15\r\na=sendrecv\r\na=ptime:20\r\n";

static void test_exotel_offer(void **state)
{
	struct sdp_choice c;
	char buf[1024];
	int n;

	(void)state;
	assert_int_equal(choose(exotel, pcma_first, 2, &c), 0);
	assert_int_equal(c.law, CS_LAW_PCMA);
	assert_int_equal(c.pt, 8);
	assert_int_equal(c.dtmf_pt, 96);
	assert_string_equal(c.dtmf_fmtp, "0-15");
	assert_int_equal(c.remote_port, 37456);
	assert_int_equal(c.remote_ip, htonl(0xcb00713d));
	assert_int_equal(c.dir, CS_DIR_SENDRECV);
	n = sdp_answer_format(buf, sizeof(buf), &c, "198.18.1.1", 10002, 42, 1);
	assert_true(n > 0);
	assert_string_equal(buf,
		"v=0\r\no=voxgate 42 1 IN IP4 198.18.1.1\r\ns=voxgate\r\n"
		"c=IN IP4 198.18.1.1\r\nt=0 0\r\n"
		"m=audio 10002 RTP/AVP 8 96\r\na=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15\r\n"
		"a=ptime:20\r\na=sendrecv\r\n");
}

/* Static payload types need no rtpmap (RFC 3551 6); trunk order beats offer order. */
static void test_static_pts_and_preference(void **state)
{
	static const char offer[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n"
				    "c=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 8\r\n";
	struct sdp_choice c;

	(void)state;
	assert_int_equal(choose(offer, pcma_first, 2, &c), 0);
	assert_int_equal(c.pt, 8);
	assert_int_equal(c.law, CS_LAW_PCMA);
	assert_int_equal(c.dtmf_pt, CS_NO_PT);
	assert_int_equal(choose(offer, pcmu_only, 1, &c), 0);
	assert_int_equal(c.pt, 0);
	assert_int_equal(c.law, CS_LAW_PCMU);
}

/* A video stream is rejected with port 0; the audio one is answered; sendonly offer
 * gets a recvonly answer (RFC 3264 6.1). */
static void test_multi_stream_and_direction(void **state)
{
	static const char offer[] =
		"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
		"m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n";
	struct sdp_choice c;
	char buf[1024];

	(void)state;
	assert_int_equal(choose(offer, pcma_first, 2, &c), 0);
	assert_int_equal(c.stream, 1);
	assert_int_equal(c.dir, CS_DIR_RECVONLY);
	assert_true(sdp_answer_format(buf, sizeof(buf), &c, "198.18.1.1", 10000, 1, 1) > 0);
	assert_non_null(strstr(buf, "m=video 0 RTP/AVP 96\r\nm=audio 10000 RTP/AVP 0\r\n"));
	assert_non_null(strstr(buf, "a=recvonly\r\n"));
}

static void test_rejections(void **state)
{
	static const char g729[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n"
				   "c=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 18\r\n";
	static const char savp[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n"
				   "c=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\n";
	static const char v6[] = "v=0\r\no=- 1 1 IN IP6 2001:db8::1\r\ns=-\r\n"
				 "c=IN IP6 2001:db8::1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
	struct sdp_choice c;

	(void)state;
	assert_int_equal(choose(g729, pcma_first, 2, &c), -ENOTSUP);
	assert_int_equal(choose(savp, pcma_first, 2, &c), -ENOTSUP);
	assert_int_equal(choose(v6, pcma_first, 2, &c), -ENOTSUP);
	assert_int_equal(choose("this is not sdp", pcma_first, 2, &c), -EBADMSG);
	assert_int_equal(choose("", pcma_first, 2, &c), -EBADMSG);
}

/* An answer that does not fit its buffer is an error, never a truncated SDP. */
static void test_answer_too_small(void **state)
{
	struct sdp_choice c;
	char buf[64];

	(void)state;
	assert_int_equal(choose(exotel, pcma_first, 2, &c), 0);
	assert_int_equal(sdp_answer_format(buf, sizeof(buf), &c, "198.18.1.1", 10000, 1, 1),
			 -ENOSPC);
}

static int choose_srtp(const char *sdp, unsigned policy, struct sdp_choice *c, char *why,
		       size_t whylen)
{
	return sdp_offer_choose(sdp, strlen(sdp), pcma_first, 2, policy, c, why, whylen);
}

/* A RingCX-style offer over TLS (seed 000): RTP/SAVP, two crypto lines. */
static const char savp[] =
	"v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
	"m=audio 20000 RTP/SAVP 0 101\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOqvm\r\n"
	"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n"
	"a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"
	"a=sendrecv\r\n";

static const uint8_t key_ref[30] = {
	0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde,
	0x41, 0x39, 0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a,
	0xab, 0xe6};

/* The first crypto line is taken, its key decoded; the answer is RTP/SAVP with the
 * offer's tag and our own key (RFC 4568 5.1.2). */
static void test_srtp_offer_and_answer(void **state)
{
	struct sdp_choice c;
	char buf[1024], why[200];
	int n;

	(void)state;
	assert_int_equal(choose_srtp(savp, CFG_SRTP_OPTIONAL, &c, why, sizeof(why)), 0);
	assert_int_equal(c.srtp.suite, CS_SRTP_AES_CM_128_HMAC_SHA1_80);
	assert_string_equal(c.crypto_tag, "1");
	assert_memory_equal(c.srtp.rx_key, key_ref, 30);
	assert_int_equal(c.srtp.rx_mki_len, 0);
	assert_int_equal(c.pt, 0);
	for (unsigned i = 0; i < 30; i++)
		c.srtp.tx_key[i] = (uint8_t)i;
	n = sdp_answer_format(buf, sizeof(buf), &c, "198.18.1.1", 10002, 42, 1);
	assert_true(n > 0);
	assert_string_equal(buf,
		"v=0\r\no=voxgate 42 1 IN IP4 198.18.1.1\r\ns=voxgate\r\n"
		"c=IN IP4 198.18.1.1\r\nt=0 0\r\n"
		"m=audio 10002 RTP/SAVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n"
		"a=ptime:20\r\na=sendrecv\r\n");
	/* the trunk's policy: required takes it too, refused does not */
	assert_int_equal(choose_srtp(savp, CFG_SRTP_REQUIRED, &c, why, sizeof(why)), 0);
	assert_int_equal(choose_srtp(savp, CFG_SRTP_REFUSED, &c, why, sizeof(why)), -ENOTSUP);
	assert_string_equal(why, "the trunk refuses SRTP and RTP/SAVP was offered");
}

/* voxgate's own offer (a call it places): plain, then with SDES (RTP/SAVP, crypto tag
 * 1 with our key); the callee's answer read back gives its key. */
static void test_own_offer(void **state)
{
	static const uint8_t codecs[] = {CFG_CODEC_PCMU, CFG_CODEC_PCMA};
	struct cs_srtp k = {.suite = CS_SRTP_AES_CM_128_HMAC_SHA1_80};
	struct sdp_choice c;
	char buf[1024], why[200];
	int n;

	(void)state;
	n = sdp_offer_format(buf, sizeof(buf), "198.18.1.1", 10004, codecs, 2, 7, 1, NULL);
	assert_true(n > 0);
	assert_string_equal(buf,
		"v=0\r\no=voxgate 7 1 IN IP4 198.18.1.1\r\ns=voxgate\r\n"
		"c=IN IP4 198.18.1.1\r\nt=0 0\r\n"
		"m=audio 10004 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"
		"a=ptime:20\r\na=sendrecv\r\n");
	for (unsigned i = 0; i < 30; i++)
		k.tx_key[i] = (uint8_t)i;
	n = sdp_offer_format(buf, sizeof(buf), "198.18.1.1", 10004, codecs + 1, 1, 7, 1, &k);
	assert_true(n > 0);
	assert_string_equal(buf,
		"v=0\r\no=voxgate 7 1 IN IP4 198.18.1.1\r\ns=voxgate\r\n"
		"c=IN IP4 198.18.1.1\r\nt=0 0\r\n"
		"m=audio 10004 RTP/SAVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n"
		"a=ptime:20\r\na=sendrecv\r\n");
	assert_int_equal(sdp_offer_format(buf, 200, "198.18.1.1", 10004, codecs, 2, 7, 1, &k),
			 -ENOSPC);
	/* the callee's answer: its key under our tag */
	assert_int_equal(choose_srtp(savp, CFG_SRTP_REQUIRED, &c, why, sizeof(why)), 0);
	assert_string_equal(c.crypto_tag, "1");
	assert_memory_equal(c.srtp.rx_key, key_ref, 30);
}

/* Key parameters: lifetime and MKI are taken (RFC 4568 6.1), WSH too; lines voxgate
 * cannot use are skipped for the next one. */
static void test_crypto_lines(void **state)
{
	struct cs_srtp k;
	char tag[12], why[200];

	(void)state;
	assert_int_equal(sdp_crypto_parse("7 AES_CM_128_HMAC_SHA1_32 inline:"
					  "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^20|258:4",
					  tag, sizeof(tag), &k, why, sizeof(why)), 0);
	assert_string_equal(tag, "7");
	assert_int_equal(k.suite, CS_SRTP_AES_CM_128_HMAC_SHA1_32);
	assert_int_equal(k.rx_mki_len, 4);
	assert_int_equal(k.rx_mki[2], 1);
	assert_int_equal(k.rx_mki[3], 2);
	assert_int_equal(k.rx_key[29], 29);
	assert_int_equal(sdp_crypto_parse("1 AES_256_CM_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0O"
					  "DxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ== WSH=128",
					  tag, sizeof(tag), &k, why, sizeof(why)), 0);
	assert_int_equal(k.suite, CS_SRTP_AES_256_CM_HMAC_SHA1_80);
	assert_int_equal(k.rx_key[45], 45);
	assert_int_equal(sdp_crypto_parse("2 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhM"
					  "UFRYXGBkaGw==|1048576", tag, sizeof(tag), &k, why,
					  sizeof(why)), 0);
	assert_int_equal(k.suite, CS_SRTP_AEAD_AES_128_GCM);
	/* refused, each with its reason, and no key left behind */
	assert_int_equal(sdp_crypto_parse("1 F8_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREh"
					  "MUFRYXGBkaGxwd", tag, sizeof(tag), &k, why, sizeof(why)),
			 -ENOTSUP);
	assert_string_equal(why, "crypto suite F8_128_HMAC_SHA1_80 is not supported");
	assert_int_equal(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0O"
					  "DxAREhMUFRYXGBkaGxw=", tag, sizeof(tag), &k, why,
					  sizeof(why)), -EBADMSG);
	assert_string_equal(why, "a=crypto 1: key is not 30 bytes of base64 for "
			    "AES_CM_128_HMAC_SHA1_80");
	assert_int_equal(k.rx_key[0], 0);
	assert_int_equal(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0O"
					  "DxAREhMUFRYXGBkaGx*d", tag, sizeof(tag), &k, why,
					  sizeof(why)), -EBADMSG);
	assert_int_equal(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0O"
					  "DxAREhMUFRYXGBkaGxwd UNENCRYPTED_SRTCP", tag, sizeof(tag),
					  &k, why, sizeof(why)), -ENOTSUP);
	assert_string_equal(why, "a=crypto 1: session parameter UNENCRYPTED_SRTCP is not "
			    "supported");
	assert_int_equal(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0O"
					  "DxAREhMUFRYXGBkaGxwd|2^20|1:4;inline:AAECAwQFBgcICQoLDA0O"
					  "DxAREhMUFRYXGBkaGxwd|2^20|2:4", tag, sizeof(tag), &k, why,
					  sizeof(why)), -ENOTSUP);
	assert_int_equal(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0O"
					  "DxAREhMUFRYXGBkaGxwd|1:40", tag, sizeof(tag), &k, why,
					  sizeof(why)), -ENOTSUP);
	assert_int_equal(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0O"
					  "DxAREhMUFRYXGBkaGxwd|x", tag, sizeof(tag), &k, why,
					  sizeof(why)), -EBADMSG);
	assert_int_equal(sdp_crypto_parse("AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0O"
					  "DxAREhMUFRYXGBkaGxwd", tag, sizeof(tag), &k, why,
					  sizeof(why)), -EBADMSG);
}

/* Offers voxgate cannot take under each policy, and the best-effort pattern of an
 * RTP/SAVP stream beside an RTP/AVP one. */
static void test_srtp_policy(void **state)
{
	static const char no_crypto[] =
		"v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
		"m=audio 20000 RTP/SAVP 8\r\na=rtpmap:8 PCMA/8000\r\n";
	static const char skip_first[] =
		"v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
		"m=audio 20000 RTP/SAVP 8\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA\r\n"
		"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n";
	static const char both[] =
		"v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
		"m=audio 20000 RTP/AVP 8\r\n"
		"m=audio 20002 RTP/SAVP 8\r\n"
		"a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n";
	struct sdp_choice c;
	char why[200];

	(void)state;
	assert_int_equal(choose_srtp(no_crypto, CFG_SRTP_OPTIONAL, &c, why, sizeof(why)),
			 -ENOTSUP);
	assert_string_equal(why, "RTP/SAVP offered without an a=crypto line (SDES)");
	assert_int_equal(choose_srtp(skip_first, CFG_SRTP_OPTIONAL, &c, why, sizeof(why)), 0);
	assert_string_equal(c.crypto_tag, "2");
	assert_int_equal(c.srtp.suite, CS_SRTP_AES_CM_128_HMAC_SHA1_32);
	assert_int_equal(choose_srtp(exotel, CFG_SRTP_REQUIRED, &c, why, sizeof(why)),
			 -ENOTSUP);
	assert_string_equal(why, "the trunk requires SRTP (RTP/SAVP) and RTP/AVP was offered");
	assert_int_equal(choose_srtp(exotel, CFG_SRTP_REFUSED, &c, why, sizeof(why)), 0);
	assert_int_equal(c.srtp.suite, CS_SRTP_NONE);
	/* optional: the SAVP stream wins; refused: the AVP one */
	assert_int_equal(choose_srtp(both, CFG_SRTP_OPTIONAL, &c, why, sizeof(why)), 0);
	assert_int_equal(c.stream, 1);
	assert_int_equal(c.remote_port, 20002);
	assert_string_equal(c.crypto_tag, "3");
	assert_int_equal(choose_srtp(both, CFG_SRTP_REFUSED, &c, why, sizeof(why)), 0);
	assert_int_equal(c.stream, 0);
	assert_int_equal(c.srtp.suite, CS_SRTP_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exotel_offer),
		cmocka_unit_test(test_static_pts_and_preference),
		cmocka_unit_test(test_multi_stream_and_direction),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_answer_too_small),
		cmocka_unit_test(test_srtp_offer_and_answer),
		cmocka_unit_test(test_own_offer),
		cmocka_unit_test(test_crypto_lines),
		cmocka_unit_test(test_srtp_policy),
	};

	return cmocka_run_group_tests_name("sdp_offer", tests, NULL, NULL);
}
