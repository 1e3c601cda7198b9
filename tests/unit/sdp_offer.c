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

	return sdp_offer_choose(sdp, strlen(sdp), codecs, n, c, why, sizeof(why));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exotel_offer),
		cmocka_unit_test(test_static_pts_and_preference),
		cmocka_unit_test(test_multi_stream_and_direction),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_answer_too_small),
	};

	return cmocka_run_group_tests_name("sdp_offer", tests, NULL, NULL);
}
