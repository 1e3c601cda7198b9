/*
 * jb.c: unit tests of the reorder window (dataplane/jb.c). Time is the test's: every
 * call passes now_ms explicitly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/jb.h"

/* What came out: sequence numbers, -1 marking a gap frame. */
struct out {
	int seq[256];
	int n;
};

static void emit(void *arg, uint16_t seq, const uint8_t *payload)
{
	struct out *o = arg;

	if (payload)
		assert_int_equal(payload[0], (uint8_t)seq); /* the right packet's bytes */
	o->seq[o->n++] = payload ? seq : -1;
}

static enum jb_verdict put(struct jb *j, struct out *o, uint32_t ssrc, uint16_t seq,
			   uint64_t now)
{
	uint8_t p[JB_PAYLOAD];

	memset(p, (uint8_t)seq, sizeof(p));
	return jb_put(j, ssrc, seq, p, now, emit, o);
}

#define EXPECT(o, ...)                                                           \
	do {                                                                     \
		const int want[] = {__VA_ARGS__};                                \
		assert_int_equal((o)->n, (int)(sizeof(want) / sizeof(want[0]))); \
		for (int i = 0; i < (o)->n; i++)                                 \
			assert_int_equal((o)->seq[i], want[i]);                  \
	} while (0)

static void test_in_order_passes_at_once(void **state)
{
	struct jb j;
	struct out o = {0};

	(void)state;
	jb_init(&j, 1, 40);
	for (uint16_t s = 100; s < 105; s++)
		assert_int_equal(put(&j, &o, 7, s, s), JB_OK);
	EXPECT(&o, 100, 101, 102, 103, 104);
	assert_int_equal(j.st.emitted, 5);
	assert_int_equal(j.st.filled, 0);
}

/* Window 1: a swapped pair is put back in order. */
static void test_reorder(void **state)
{
	struct jb j;
	struct out o = {0};

	(void)state;
	jb_init(&j, 1, 40);
	put(&j, &o, 7, 10, 0);
	put(&j, &o, 7, 12, 20); /* held, 11 missing */
	EXPECT(&o, 10);
	put(&j, &o, 7, 11, 25);
	EXPECT(&o, 10, 11, 12);
	assert_int_equal(j.st.reordered, 1);
	assert_int_equal(j.st.filled, 0);
}

/* A lost packet: the next one waits, the one after gives up on it (window 1). */
static void test_loss_filled_when_window_full(void **state)
{
	struct jb j;
	struct out o = {0};

	(void)state;
	jb_init(&j, 1, 100);
	put(&j, &o, 7, 10, 0);
	put(&j, &o, 7, 12, 20);
	put(&j, &o, 7, 13, 40);
	EXPECT(&o, 10, -1, 12, 13);
	/* the lost one arriving now is too late */
	assert_int_equal(put(&j, &o, 7, 11, 45), JB_LATE);
	assert_int_equal(j.st.late, 1);
}

/* A lost packet and then silence from the sender: the tick releases the held one. */
static void test_loss_filled_on_timeout(void **state)
{
	struct jb j;
	struct out o = {0};

	(void)state;
	jb_init(&j, 2, 40);
	put(&j, &o, 7, 10, 0);
	put(&j, &o, 7, 12, 20);
	jb_tick(&j, 59, emit, &o);
	EXPECT(&o, 10);
	jb_tick(&j, 60, emit, &o);
	EXPECT(&o, 10, -1, 12);
}

/* Window 2: two gaps held; a packet filling the first arrives, the window moves. */
static void test_window_two(void **state)
{
	struct jb j;
	struct out o = {0};

	(void)state;
	jb_init(&j, 2, 100);
	put(&j, &o, 7, 1, 0);
	put(&j, &o, 7, 4, 1);
	put(&j, &o, 7, 3, 2);
	EXPECT(&o, 1);
	put(&j, &o, 7, 2, 3);
	EXPECT(&o, 1, 2, 3, 4);
	/* window full with 6, 7 held and 5 missing: 8 gives up on 5 */
	put(&j, &o, 7, 7, 4);
	put(&j, &o, 7, 6, 5);
	put(&j, &o, 7, 8, 6);
	EXPECT(&o, 1, 2, 3, 4, -1, 6, 7, 8);
}

/* Window full and the new packet sorts first: only the gap before it is lost. */
static void test_full_window_new_packet_first(void **state)
{
	struct jb j;
	struct out o = {0};

	(void)state;
	jb_init(&j, 1, 100);
	put(&j, &o, 7, 10, 0);
	put(&j, &o, 7, 13, 1);  /* held; 11, 12 missing */
	put(&j, &o, 7, 12, 2);  /* 11 given up, 12 and 13 out */
	EXPECT(&o, 10, -1, 12, 13);
}

static void test_duplicates(void **state)
{
	struct jb j;
	struct out o = {0};

	(void)state;
	jb_init(&j, 1, 100);
	put(&j, &o, 7, 10, 0);
	assert_int_equal(put(&j, &o, 7, 10, 1), JB_DUPLICATE);
	put(&j, &o, 7, 12, 2);
	assert_int_equal(put(&j, &o, 7, 12, 3), JB_DUPLICATE); /* held twice */
	put(&j, &o, 7, 11, 4);
	assert_int_equal(put(&j, &o, 7, 11, 5), JB_DUPLICATE);
	EXPECT(&o, 10, 11, 12);
	assert_int_equal(j.st.duplicates, 3);
}

/* Sequence numbers wrap at 65535 (RFC 3550 A.1). */
static void test_wrap(void **state)
{
	struct jb j;
	struct out o = {0};

	(void)state;
	jb_init(&j, 1, 100);
	put(&j, &o, 7, 65534, 0);
	put(&j, &o, 7, 0, 1);
	put(&j, &o, 7, 65535, 2);
	put(&j, &o, 7, 1, 3);
	EXPECT(&o, 65534, 65535, 0, 1);
	assert_int_equal(put(&j, &o, 7, 65535, 4), JB_DUPLICATE);
}

/* A new SSRC is a new stream: what was held goes out, counting restarts from it. */
static void test_ssrc_change(void **state)
{
	struct jb j;
	struct out o = {0};

	(void)state;
	jb_init(&j, 1, 100);
	put(&j, &o, 7, 10, 0);
	put(&j, &o, 7, 12, 1);
	put(&j, &o, 9, 5000, 2);
	put(&j, &o, 9, 5001, 3);
	EXPECT(&o, 10, -1, 12, 5000, 5001);
	assert_int_equal(j.st.ssrc_changes, 1);
}

/* More than JB_MAX_GAP missing packets are not filled with a second of gaps; up to
 * JB_MAX_GAP are. */
static void test_big_jump_resyncs(void **state)
{
	struct jb j;
	struct out o = {0};

	(void)state;
	jb_init(&j, 0, 100);
	put(&j, &o, 7, 10, 0);
	put(&j, &o, 7, 11 + JB_MAX_GAP + 1, 1); /* JB_MAX_GAP + 1 missing */
	EXPECT(&o, 10, 11 + JB_MAX_GAP + 1);
	assert_int_equal(j.st.resyncs, 1);
	assert_int_equal(j.st.filled, 0);
	o.n = 0;
	put(&j, &o, 7, 12 + 2 * JB_MAX_GAP + 1, 2); /* exactly JB_MAX_GAP missing */
	assert_int_equal(o.n, JB_MAX_GAP + 1);
	assert_int_equal(j.st.filled, JB_MAX_GAP);
	assert_int_equal(j.st.resyncs, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_passes_at_once),
		cmocka_unit_test(test_reorder),
		cmocka_unit_test(test_loss_filled_when_window_full),
		cmocka_unit_test(test_loss_filled_on_timeout),
		cmocka_unit_test(test_window_two),
		cmocka_unit_test(test_full_window_new_packet_first),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_ssrc_change),
		cmocka_unit_test(test_big_jump_resyncs),
	};

	return cmocka_run_group_tests_name("jb", tests, NULL, NULL);
}
