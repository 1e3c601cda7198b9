/*
 * g711.c: unit tests of base/g711.c against the G.711 formulas.
 *
 * The expected values are computed here from the code's sign, exponent and mantissa
 * as ITU-T G.711 defines them, independently of the segment arithmetic in g711.c:
 *   A-law  (code ^ 0x55): e = bits 6..4, m = bits 3..0,
 *          magnitude = (e == 0 ? 2m + 1 : (2m + 33) << (e - 1)) in 13-bit units (x8)
 *   mu-law (~code):       magnitude = ((2m + 33) << e) - 33 in 14-bit units (x4)
 * Every one of the 256 codes of both laws is checked, and every 16-bit input of the
 * encoders.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "base/g711.h"

static int alaw_formula(uint8_t code)
{
	int a = code ^ 0x55, e = (a >> 4) & 7, m = a & 15;
	int mag = e == 0 ? 2 * m + 1 : (2 * m + 33) << (e - 1);

	return (a & 0x80 ? 1 : -1) * mag * 8;
}

static int ulaw_formula(uint8_t code)
{
	int u = ~code & 0xff, e = (u >> 4) & 7, m = u & 15;
	int mag = ((2 * m + 33) << e) - 33;

	return (u & 0x80 ? -1 : 1) * mag * 4;
}

static int setup(void **state)
{
	(void)state;
	g711_init();
	return 0;
}

static void test_alaw_decode_all_codes(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		assert_int_equal(g711_alaw_dec[c], alaw_formula((uint8_t)c));
		assert_int_equal(g711_alaw_decode_ref((uint8_t)c), alaw_formula((uint8_t)c));
	}
}

static void test_ulaw_decode_all_codes(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		assert_int_equal(g711_ulaw_dec[c], ulaw_formula((uint8_t)c));
		assert_int_equal(g711_ulaw_decode_ref((uint8_t)c), ulaw_formula((uint8_t)c));
	}
}

/* Encoding a decoded value gives the code back: for A-law always, for mu-law for
 * every code but negative zero (0x7f decodes to 0, which encodes as +0, 0xff). */
static void test_round_trip_all_codes(void **state)
{
	uint8_t out;

	(void)state;
	for (int c = 0; c < 256; c++) {
		int16_t a = g711_alaw_dec[c], u = g711_ulaw_dec[c];

		g711_encode(1, &a, &out, 1);
		assert_int_equal(out, c);
		g711_encode(0, &u, &out, 1);
		assert_int_equal(out, c == 0x7f ? 0xff : c);
	}
}

/* Half the width of the decision interval a code stands for, in 16-bit units: the
 * level is the interval's midpoint, and the width doubles with each segment. */
static int half_width(int law, uint8_t code)
{
	int e = law ? ((code ^ 0x55) >> 4) & 7 : ((~code & 0xff) >> 4) & 7;

	if (law)
		return (e <= 1 ? 1 : 1 << (e - 1)) * 8;
	return (1 << e) * 4;
}

/*
 * For every 16-bit input, the encoder picks the code whose decision interval holds
 * the input: the input lies within half an interval of the decoded level, give or
 * take the low bits the law drops before quantising (3 for A-law, 2 for mu-law).
 * A code one interval off misses by a whole interval. mu-law inputs beyond its last
 * decision level (|x| > 32636) clip to full scale.
 */
static void check_encoder(int law, const int16_t *dec)
{
	for (int x = -32768; x <= 32767; x++) {
		int16_t in = (int16_t)x;
		uint8_t code;

		g711_encode(law, &in, &code, 1);
		if (!law && abs(x) > 32636) {
			assert_int_equal(code, x > 0 ? 0x80 : 0x00);
			continue;
		}
		assert_true(abs(dec[code] - x) <= half_width(law, code) + (law ? 7 : 3));
		/* Sign is kept. */
		if (x >= 8)
			assert_true(dec[code] > 0);
		if (x < -8)
			assert_true(dec[code] < 0);
	}
}

static void test_encoders_all_inputs(void **state)
{
	(void)state;
	check_encoder(1, g711_alaw_dec);
	check_encoder(0, g711_ulaw_dec);
}

/* The table encoder equals the reference encoder for every input, and it is
 * monotonic in the decoded value. */
static void test_tables_match_reference(void **state)
{
	int prev_a = -40000, prev_u = -40000;

	(void)state;
	for (int x = -32768; x <= 32767; x++) {
		int16_t in = (int16_t)x;
		uint8_t a, u;

		g711_encode(1, &in, &a, 1);
		g711_encode(0, &in, &u, 1);
		assert_int_equal(a, g711_alaw_encode_ref(in));
		assert_int_equal(u, g711_ulaw_encode_ref(in));
		assert_true(g711_alaw_dec[a] >= prev_a);
		assert_true(g711_ulaw_dec[u] >= prev_u);
		prev_a = g711_alaw_dec[a];
		prev_u = g711_ulaw_dec[u];
	}
}

/* Known points from the G.711 tables: silence codes, full scale. */
static void test_known_codes(void **state)
{
	int16_t zero = 0, max = 32767, min = -32768;
	uint8_t c;

	(void)state;
	assert_int_equal(g711_silence(1), 0xd5);
	assert_int_equal(g711_silence(0), 0xff);
	g711_encode(1, &zero, &c, 1);
	assert_int_equal(c, 0xd5);
	g711_encode(0, &zero, &c, 1);
	assert_int_equal(c, 0xff);
	g711_encode(1, &max, &c, 1);
	assert_int_equal(c, 0xaa);
	g711_encode(1, &min, &c, 1);
	assert_int_equal(c, 0x2a);
	g711_encode(0, &max, &c, 1);
	assert_int_equal(c, 0x80);
	g711_encode(0, &min, &c, 1);
	assert_int_equal(c, 0x00);
	assert_int_equal(g711_alaw_dec[0xaa], 32256);
	assert_int_equal(g711_ulaw_dec[0x80], 32124);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alaw_decode_all_codes),
		cmocka_unit_test(test_ulaw_decode_all_codes),
		cmocka_unit_test(test_round_trip_all_codes),
		cmocka_unit_test(test_encoders_all_inputs),
		cmocka_unit_test(test_tables_match_reference),
		cmocka_unit_test(test_known_codes),
	};

	return cmocka_run_group_tests_name("g711", tests, setup, NULL);
}
