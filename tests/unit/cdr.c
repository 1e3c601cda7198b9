/*
 * cdr.c: unit tests of the call detail records (signaling/cdr.c): the JSON line of
 * an answered call and of one that never was, the fields that may be null, and the
 * reopen after the file was moved away, in a temporary folder.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "signaling/cdr.h"

static char dir[64], path[96];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/vg-cdr-test-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cdr.jsonl", dir);
	return 0;
}

static int teardown(void **state)
{
	char moved[128];

	(void)state;
	snprintf(moved, sizeof(moved), "%s.1", path);
	unlink(path);
	unlink(moved);
	rmdir(dir);
	return 0;
}

/* Line n (1-based) of file p, parsed. */
static json_t *line_of(const char *p, int n)
{
	char buf[4096];
	FILE *f = fopen(p, "r");
	json_t *j = NULL;

	assert_non_null(f);
	for (int i = 0; i < n && fgets(buf, sizeof(buf), f); i++)
		if (i == n - 1)
			j = json_loads(buf, 0, NULL);
	fclose(f);
	assert_non_null(j);
	return j;
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void set_media(struct cs_media *md, struct cs_dp_stats *dp)
{
	memset(md, 0, sizeof(*md));
	memset(dp, 0, sizeof(*dp));
	md->local_ip = inet_addr("198.18.1.3");
	md->rtp_port = 10002;
	md->remote_ip = inet_addr("192.0.2.7");
	md->remote_port = 40000;
	md->law = CS_LAW_PCMU;
	snprintf(md->call_id, sizeof(md->call_id), "abc@192.0.2.7");
}

/* An answered SRTP call: every figure where it belongs, RTT a number. */
static void test_answered(void **state)
{
	struct cdr d;
	struct cs_media md;
	struct cs_dp_stats dp;
	struct cdr_call c = {
		.context = "{\"trunk\":\"exotel\",\"source_ip\":\"192.0.2.7\",\"from_number\":"
			   "\"+911234\",\"to_number\":\"+915678\",\"called\":\"sales\"}",
		.agent = "echo",
		.start = {.tv_sec = 1795494879, .tv_nsec = 123456789},
		.answer_s = 0.25,
		.duration_s = 61.0004,
		.end = "caller_bye",
		.media = &md,
		.dp = &dp,
		.outcome = "success",
		.final_intent = "{\"intent\":\"billing\",\"final\":true}",
		.final_delivered = true,
		.transfer_mode = "refer",
		.transfer_target = "sip:+15550100@pbx.example",
		.transfer_status = 603,
		.handback_status = 200,
	};
	json_t *r, *m, *rtp;

	(void)state;
	set_media(&md, &dp);
	md.srtp.suite = CS_SRTP_AES_CM_128_HMAC_SHA1_80;
	dp.rx_packets = 3050;
	dp.rx_dropped = 2;
	dp.rx_lost = 3;
	dp.rx_jitter_ms = 4;
	dp.tx_packets = 3051;
	dp.tx_silence = 10;
	dp.latched_ip = inet_addr("203.0.113.9");
	dp.latched_port = 41000;
	dp.rtt_ms = 12;
	dp.rtcp_rx = 12;
	dp.rtcp_tx = 13;
	assert_int_equal(cdr_open(&d, path), 0);
	assert_int_equal(cdr_write(&d, &c), 0);
	assert_int_equal(d.written, 1);
	r = line_of(path, 1);
	assert_string_equal(str(r, "call_id"), "abc@192.0.2.7");
	assert_string_equal(str(r, "start"), "2026-11-24T04:34:39.123Z");
	assert_true(json_is_true(json_object_get(r, "answered")));
	assert_true(json_real_value(json_object_get(r, "answer_s")) == 0.25);
	assert_true(json_real_value(json_object_get(r, "duration_s")) == 61.0);
	assert_string_equal(str(r, "end"), "caller_bye");
	/* 61.0004 s: 11 units of 6 s (Ultravox's rule: rounded up) */
	assert_int_equal(json_integer_value(json_object_get(r, "billing_units")), 11);
	assert_int_equal(json_integer_value(json_object_get(r, "billed_s")), 66);
	assert_string_equal(str(r, "outcome"), "success");
	assert_string_equal(str(json_object_get(r, "final_intent"), "intent"), "billing");
	assert_true(json_is_true(json_object_get(r, "final_delivered")));
	assert_string_equal(str(json_object_get(r, "transfer"), "target"),
			    "sip:+15550100@pbx.example");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "transfer"),
							    "status")), 603);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "handback"),
							    "status")), 200);
	assert_string_equal(str(r, "trunk"), "exotel");
	assert_string_equal(str(r, "direction"), "inbound"); /* none in the context */
	assert_true(json_is_null(json_object_get(r, "outbound")));
	assert_string_equal(str(r, "from_number"), "+911234");
	assert_string_equal(str(r, "called"), "sales");
	assert_string_equal(str(r, "agent"), "echo");
	m = json_object_get(r, "media");
	assert_string_equal(str(m, "local"), "198.18.1.3:10002");
	assert_string_equal(str(m, "remote"), "192.0.2.7:40000");
	assert_string_equal(str(m, "latched"), "203.0.113.9:41000");
	assert_string_equal(str(m, "codec"), "PCMU");
	assert_string_equal(str(m, "srtp"), "AES_CM_128_HMAC_SHA1_80");
	rtp = json_object_get(r, "rtp");
	assert_int_equal(json_integer_value(json_object_get(rtp, "in")), 3050);
	assert_int_equal(json_integer_value(json_object_get(rtp, "in_dropped")), 2);
	assert_int_equal(json_integer_value(json_object_get(rtp, "in_lost")), 3);
	assert_int_equal(json_integer_value(json_object_get(rtp, "out_silence")), 10);
	assert_int_equal(json_integer_value(json_object_get(rtp, "rtt_ms")), 12);
	assert_int_equal(json_integer_value(json_object_get(rtp, "rtcp_out")), 13);
	json_decref(r);
	cdr_close(&d);
}

/* A call that never was answered, whose context could not be read: nulls where
 * nothing is known, and the line is still written. */
static void test_not_answered(void **state)
{
	struct cdr d;
	struct cs_media md;
	struct cs_dp_stats dp;
	struct cdr_call c = {.context = "not json", .agent = "echo", .answer_s = -1,
			     .end = "bot_hangup", .media = &md, .dp = &dp,
			     .handback_status = -1};
	json_t *r, *m;

	(void)state;
	set_media(&md, &dp);
	dp.rtt_ms = -1;
	assert_int_equal(cdr_open(&d, path), 0);
	assert_int_equal(cdr_write(&d, &c), 0);
	r = line_of(path, 2); /* after the first test's */
	assert_true(json_is_false(json_object_get(r, "answered")));
	assert_true(json_is_null(json_object_get(r, "answer_s")));
	assert_true(json_real_value(json_object_get(r, "duration_s")) == 0);
	assert_string_equal(str(r, "end"), "bot_hangup");
	assert_int_equal(json_integer_value(json_object_get(r, "billing_units")), 0);
	assert_string_equal(str(r, "outcome"), "failed"); /* none given */
	assert_true(json_is_null(json_object_get(r, "final_intent")));
	assert_true(json_is_null(json_object_get(r, "transfer")));
	assert_true(json_is_null(json_object_get(r, "handback")));
	assert_true(json_is_null(json_object_get(r, "trunk")));
	m = json_object_get(r, "media");
	assert_true(json_is_null(json_object_get(m, "latched")));
	assert_true(json_is_null(json_object_get(m, "srtp")));
	assert_true(json_is_null(json_object_get(json_object_get(r, "rtp"), "rtt_ms")));
	json_decref(r);
	cdr_close(&d);
}

/* A call voxgate placed: billed from the start of its attempt, not from the answer
 * (seed 003); its direction and endpoint from the context. */
static void test_outbound(void **state)
{
	struct cdr d;
	struct cs_media md;
	struct cs_dp_stats dp;
	struct cdr_call c = {.context = "{\"direction\":\"outbound-api\",\"trunk\":\"local\","
					"\"outbound\":\"carrier\"}",
			     .agent = "dialer", .answer_s = 2.5, .duration_s = 4.0,
			     .billed_from_s = 2.5, .end = "callee_bye", .media = &md, .dp = &dp,
			     .handback_status = -1};
	json_t *r;

	(void)state;
	set_media(&md, &dp);
	assert_int_equal(cdr_open(&d, path), 0);
	assert_int_equal(cdr_write(&d, &c), 0);
	r = line_of(path, 3); /* after the first two tests' */
	assert_true(json_real_value(json_object_get(r, "duration_s")) == 4.0);
	/* 6.5 s from the INVITE: two units, where the 4 s talked would be one */
	assert_int_equal(json_integer_value(json_object_get(r, "billing_units")), 2);
	assert_int_equal(json_integer_value(json_object_get(r, "billed_s")), 12);
	assert_string_equal(str(r, "direction"), "outbound-api");
	assert_string_equal(str(r, "outbound"), "carrier");
	assert_string_equal(str(r, "end"), "callee_bye");
	json_decref(r);
	cdr_close(&d);
}

/* Moved away: records go to the old file until reopened, then to a new one; a path
 * that cannot be opened loses records, counted. */
static void test_reopen(void **state)
{
	struct cdr d;
	struct cs_media md;
	struct cs_dp_stats dp;
	struct cdr_call c = {.context = "{}", .agent = "echo", .answer_s = -1,
			     .end = "other", .media = &md, .dp = &dp};
	char moved[128];
	json_t *r;

	(void)state;
	set_media(&md, &dp);
	snprintf(moved, sizeof(moved), "%s.1", path);
	assert_int_equal(cdr_open(&d, path), 0);
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(cdr_write(&d, &c), 0); /* still the moved file */
	assert_int_equal(cdr_reopen(&d), 0);
	assert_int_equal(cdr_write(&d, &c), 0);
	r = line_of(moved, 3);
	json_decref(r);
	r = line_of(path, 1);
	assert_string_equal(str(r, "end"), "other");
	json_decref(r);
	cdr_close(&d);

	assert_int_equal(cdr_open(&d, "/nonexistent-dir/cdr.jsonl"), -ENOENT);
	assert_int_equal(cdr_write(&d, &c), -EBADF);
	assert_int_equal(d.failed, 1);
	assert_int_equal(d.written, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answered),
		cmocka_unit_test(test_not_answered),
		cmocka_unit_test(test_outbound),
		cmocka_unit_test(test_reopen),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
