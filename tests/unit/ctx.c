/*
 * ctx.c: unit tests of the call context (signaling/ctx.c), from INVITEs parsed by
 * sofia-sip as they arrive from the platforms of seeds 001, 003 and 004.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/sip_parser.h>

#include "signaling/ctx.h"

static const char invite[] =
	"INVITE sip:7001@198.18.0.1:5060 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 198.18.0.2:5070;branch=z9hG4bK-1\r\n"
	"From: \"00919990152080|d444-69139d35-vce-daf-3883\" <sip:+15550001@198.18.0.2>;tag=1\r\n"
	"To: <sip:7001@198.18.0.1>\r\n"
	"Call-ID: c1@198.18.0.2\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: <sip:+15550001@198.18.0.2:5070>\r\n"
	"P-Asserted-Identity: <sip:+918888888888@pstn.example>\r\n"
	"X-Workspace-ID: 2b37ba17-7b20-4b3e-b138-1161e351d5c5\r\n"
	"X-Customer-Name: Bob\r\n"
	"X-Complex-Value: {\"subkey\": \"value\"}\r\n"
	"X-Priority: 3\r\n"
	"X-Call-ID: would-overwrite\r\n"
	"X-Tag: one\r\n"
	"X-Tag: two\r\n"
	"Content-Length: 0\r\n\r\n";

/* Parsed as nta parses what voxgate receives: each header line kept as sent. */
static json_t *build(const char *text, const struct cfg_trunk *t, size_t size)
{
	msg_t *msg = msg_make(sip_default_mclass(), MSG_DO_EXTRACT_COPY, text,
			      (isize_t)strlen(text));
	sip_t *sip = sip_object(msg);
	char out[8192];
	json_t *j;
	int n;

	assert_non_null(sip);
	n = ctx_build(out, size, sip, "198.18.0.2", t);
	msg_destroy(msg);
	assert_true(n > 0);
	assert_int_equal(strlen(out), (size_t)n);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	return j;
}

static struct cfg_trunk ameyo(void)
{
	struct cfg_trunk t;

	memset(&t, 0, sizeof(t));
	strcpy(t.name, "ameyo");
	strcpy(t.extract[0].field, "from_display_name");
	assert_int_equal(regcomp(&t.extract[0].re, "^([0-9]+)\\|(.+)$", REG_EXTENDED), 0);
	strcpy(t.extract[0].keys[0], "did");
	strcpy(t.extract[0].keys[1], "crt_object_id");
	t.extract[0].n_keys = 2;
	t.n_extract = 1;
	return t;
}

static void test_fields(void **state)
{
	struct cfg_trunk t = ameyo();
	json_t *j = build(invite, &t, 8192);

	(void)state;
	assert_string_equal(json_string_value(json_object_get(j, "call_id")), "c1@198.18.0.2");
	assert_string_equal(json_string_value(json_object_get(j, "called")), "7001");
	assert_string_equal(json_string_value(json_object_get(j, "to_number")), "7001");
	assert_string_equal(json_string_value(json_object_get(j, "from_number")), "+15550001");
	assert_string_equal(json_string_value(json_object_get(j, "from_display_name")),
			    "00919990152080|d444-69139d35-vce-daf-3883");
	assert_string_equal(json_string_value(json_object_get(j, "from_uri")),
			    "sip:+15550001@198.18.0.2");
	assert_string_equal(json_string_value(json_object_get(j, "p_asserted_identity")),
			    "<sip:+918888888888@pstn.example>");
	assert_string_equal(json_string_value(json_object_get(j, "source_ip")), "198.18.0.2");
	assert_string_equal(json_string_value(json_object_get(j, "trunk")), "ameyo");
	assert_string_equal(json_string_value(json_object_get(j, "request_uri")),
			    "sip:7001@198.18.0.1:5060");
	/* seed 001: the display name split by the trunk's extractor */
	assert_string_equal(json_string_value(json_object_get(j, "did")), "00919990152080");
	assert_string_equal(json_string_value(json_object_get(j, "crt_object_id")),
			    "d444-69139d35-vce-daf-3883");
	regfree(&t.extract[0].re);
	json_decref(j);
}

/* Seed 003: X- headers become snake_case keys, JSON values become JSON. */
static void test_x_headers(void **state)
{
	struct cfg_trunk t = ameyo();
	json_t *j = build(invite, &t, 8192), *cv, *errors;

	(void)state;
	assert_string_equal(json_string_value(json_object_get(j, "customer_name")), "Bob");
	cv = json_object_get(j, "complex_value");
	assert_true(json_is_object(cv));
	assert_string_equal(json_string_value(json_object_get(cv, "subkey")), "value");
	assert_int_equal(json_integer_value(json_object_get(j, "priority")), 3);
	assert_string_equal(json_string_value(json_object_get(j, "workspace_id")),
			    "2b37ba17-7b20-4b3e-b138-1161e351d5c5");
	/* X-Call-ID would overwrite call_id: refused, said in errors */
	assert_string_equal(json_string_value(json_object_get(j, "call_id")), "c1@198.18.0.2");
	errors = json_object_get(j, "errors");
	assert_int_equal(json_array_size(errors), 1);
	assert_non_null(strstr(json_string_value(json_array_get(errors, 0)), "X-Call-ID"));
	regfree(&t.extract[0].re);
	json_decref(j);
}

/* Every header in order, names as sent, repeats kept. */
static void test_headers_list(void **state)
{
	struct cfg_trunk t = ameyo();
	json_t *j = build(invite, &t, 8192), *h;
	size_t n_tag = 0, i;
	json_t *v;

	(void)state;
	h = json_object_get(j, "headers");
	assert_true(json_is_array(h));
	assert_string_equal(json_string_value(json_object_get(json_array_get(h, 0), "name")),
			    "Via");
	json_array_foreach(h, i, v)
		if (strcmp(json_string_value(json_object_get(v, "name")), "X-Tag") == 0)
			n_tag++;
	assert_int_equal(n_tag, 2);
	regfree(&t.extract[0].re);
	json_decref(j);
}

/* Header lines exactly as sent: compact and odd-case names, values unformatted,
 * a comma-separated line as one entry, a folded line unfolded. */
static void test_headers_as_sent(void **state)
{
	static const char raw[] =
		"INVITE sip:7001@198.18.0.1 SIP/2.0\r\n"
		"v: SIP/2.0/UDP 198.18.0.2;branch=z9hG4bK-3\r\n"
		"f: \"Alice\" <sip:alice@198.18.0.2>;tag=3\r\n"
		"TO: <sip:7001@198.18.0.1>\r\n"
		"i: c3\r\nCSeq: 1 INVITE\r\n"
		"Allow: INVITE,ACK,  BYE\r\n"
		"Record-Route: <sip:p1.example;lr>, <sip:p2.example;lr>\r\n"
		"x-lower:   spaced  out  \r\n"
		"X-Folded: one\r\n  two\r\n"
		"Content-Length: 0\r\n\r\n";
	static const char *const want[][2] = {
		{"v", "SIP/2.0/UDP 198.18.0.2;branch=z9hG4bK-3"},
		{"f", "\"Alice\" <sip:alice@198.18.0.2>;tag=3"},
		{"TO", "<sip:7001@198.18.0.1>"},
		{"i", "c3"},
		{"CSeq", "1 INVITE"},
		{"Allow", "INVITE,ACK,  BYE"},
		{"Record-Route", "<sip:p1.example;lr>, <sip:p2.example;lr>"},
		{"x-lower", "spaced  out"},
		{"X-Folded", "one two"},
		{"Content-Length", "0"},
	};
	struct cfg_trunk t = ameyo();
	json_t *j = build(raw, &t, 8192), *h = json_object_get(j, "headers");
	msg_t *msg = msg_make(sip_default_mclass(), MSG_DO_EXTRACT_COPY, raw,
			      (isize_t)strlen(raw));

	(void)state;
	assert_int_equal(json_array_size(h), sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_string_equal(json_string_value(json_object_get(json_array_get(h, i),
								      "name")), want[i][0]);
		assert_string_equal(json_string_value(json_object_get(json_array_get(h, i),
								      "value")), want[i][1]);
	}
	assert_string_equal(json_string_value(json_object_get(j, "lower")), "spaced  out");
	assert_string_equal(json_string_value(json_object_get(j, "from_number")), "alice");
	/* a compact name matches its full name too */
	assert_true(ctx_header_is(sip_object(msg), "From",
				  "\"Alice\" <sip:alice@198.18.0.2>;tag=3"));
	assert_true(ctx_header_is(sip_object(msg), "to", "<sip:7001@198.18.0.1>"));
	msg_destroy(msg);
	regfree(&t.extract[0].re);
	json_decref(j);
}

/* Too large for the room given: the headers list goes, the rest stays. */
static void test_too_large(void **state)
{
	struct cfg_trunk t = ameyo();
	json_t *j = build(invite, &t, 900);
	json_t *errors = json_object_get(j, "errors");

	(void)state;
	assert_null(json_object_get(j, "headers"));
	assert_string_equal(json_string_value(json_object_get(j, "customer_name")), "Bob");
	assert_non_null(strstr(json_string_value(json_array_get(errors,
				json_array_size(errors) - 1)), "headers list left out"));
	regfree(&t.extract[0].re);
	json_decref(j);
}

/* An extractor that does not match says so; the call goes on. */
static void test_extractor_no_match(void **state)
{
	static const char plain[] =
		"INVITE sip:7001@198.18.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 198.18.0.2;branch=z9hG4bK-2\r\n"
		"From: \"Alice\" <sip:alice@198.18.0.2>;tag=2\r\nTo: <sip:7001@198.18.0.1>\r\n"
		"Call-ID: c2\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	struct cfg_trunk t = ameyo();
	json_t *j = build(plain, &t, 8192);

	(void)state;
	assert_null(json_object_get(j, "did"));
	assert_non_null(strstr(json_string_value(json_array_get(json_object_get(j, "errors"), 0)),
			       "does not match"));
	regfree(&t.extract[0].re);
	json_decref(j);
}

static void test_header_is(void **state)
{
	msg_t *msg = msg_make(sip_default_mclass(), 0, invite, (isize_t)strlen(invite));
	sip_t *sip = sip_object(msg);

	(void)state;
	assert_true(ctx_header_is(sip, "x-workspace-id", "2b37ba17-7b20-4b3e-b138-1161e351d5c5"));
	assert_false(ctx_header_is(sip, "X-Workspace-ID", "2b37ba17"));
	assert_true(ctx_header_is(sip, "X-Tag", "two")); /* a repeated header, any copy */
	assert_true(ctx_header_is(sip, "Call-ID", "c1@198.18.0.2")); /* a known header */
	assert_false(ctx_header_is(sip, "X-Absent", ""));
	msg_destroy(msg);
}

static void test_key_of_header(void **state)
{
	char k[32];

	(void)state;
	assert_int_equal(ctx_key_of_header("X-Customer-Name", k, sizeof(k)), 0);
	assert_string_equal(k, "customer_name");
	assert_int_equal(ctx_key_of_header("x-UUI.Data", k, sizeof(k)), 0);
	assert_string_equal(k, "uui_data");
	assert_int_equal(ctx_key_of_header("X-A-Very-Long-Header-Name-Indeed-Yes", k, 8), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_x_headers),
		cmocka_unit_test(test_headers_list),
		cmocka_unit_test(test_headers_as_sent),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_extractor_no_match),
		cmocka_unit_test(test_header_is),
		cmocka_unit_test(test_key_of_header),
	};

	return cmocka_run_group_tests_name("ctx", tests, NULL, NULL);
}
