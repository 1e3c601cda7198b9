/*
 * dtmf.c: unit tests of RFC 4733 telephone-event reception (dataplane/dtmf.c), with
 * the packet pattern real senders use: updates every 20 ms, three end packets.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dataplane/dtmf.h"
#include "shared/msg-t.h"

static int put(struct dtmf_rx *d, uint32_t ts, uint8_t ev, int end, uint16_t dur,
	       uint64_t now, struct dtmf_event out[2])
{
	uint8_t p[4] = {ev, (uint8_t)((end ? 0x80 : 0) | 10), (uint8_t)(dur >> 8),
			(uint8_t)dur};

	return dtmf_rx_put(d, ts, p, 4, now, out);
}

/* One key press as sipp's dtmf_2833 captures send it: 8 updates, 3 end packets. */
static void test_one_press_reported_once(void **state)
{
	struct dtmf_rx d;
	struct dtmf_event out[2];
	int total = 0;

	(void)state;
	dtmf_rx_init(&d);
	for (int i = 0; i < 7; i++)
		total += put(&d, 43200, 5, 0, (uint16_t)(320 * i), 20 * i, out);
	assert_int_equal(total, 0);
	assert_int_equal(put(&d, 43200, 5, 1, 2240, 140, out), 1);
	assert_int_equal(out[0].event, 5);
	assert_int_equal(out[0].duration_ms, 280);
	assert_int_equal(put(&d, 43200, 5, 1, 2240, 141, out), 0); /* redundant ends */
	assert_int_equal(put(&d, 43200, 5, 1, 2240, 142, out), 0);
	assert_int_equal(d.reported, 1);
	assert_int_equal(vg_dtmf_char(out[0].event), '5');
}

/* All end packets lost: the next key press reports the previous one first. */
static void test_lost_end_then_next_event(void **state)
{
	struct dtmf_rx d;
	struct dtmf_event out[2];

	(void)state;
	dtmf_rx_init(&d);
	put(&d, 1000, 1, 0, 0, 0, out);
	put(&d, 1000, 1, 0, 800, 20, out);
	assert_int_equal(put(&d, 3000, 2, 0, 0, 300, out), 1);
	assert_int_equal(out[0].event, 1);
	assert_int_equal(out[0].duration_ms, 100);
	assert_int_equal(put(&d, 3000, 2, 1, 960, 320, out), 1);
	assert_int_equal(out[0].event, 2);
	assert_int_equal(d.ended_by_timeout, 1);
}

/* All end packets lost and nothing after: reported by the tick. */
static void test_lost_end_timeout(void **state)
{
	struct dtmf_rx d;
	struct dtmf_event out[2], ev;

	(void)state;
	dtmf_rx_init(&d);
	put(&d, 500, 11, 0, 160, 1000, out);
	assert_int_equal(dtmf_rx_tick(&d, 1000 + DTMF_LOST_END_MS - 1, &ev), 0);
	assert_int_equal(dtmf_rx_tick(&d, 1000 + DTMF_LOST_END_MS, &ev), 1);
	assert_int_equal(ev.event, 11);
	assert_int_equal(vg_dtmf_char(ev.event), '#');
	assert_int_equal(dtmf_rx_tick(&d, 5000, &ev), 0);
	/* a late update of that event does not report it again */
	assert_int_equal(put(&d, 500, 11, 1, 400, 5000, out), 0);
}

/* Only an end packet arrived (the start was lost): reported once. */
static void test_only_end_packets(void **state)
{
	struct dtmf_rx d;
	struct dtmf_event out[2];

	(void)state;
	dtmf_rx_init(&d);
	assert_int_equal(put(&d, 9000, 0, 1, 1600, 0, out), 1);
	assert_int_equal(out[0].event, 0);
	assert_int_equal(out[0].duration_ms, 200);
	assert_int_equal(put(&d, 9000, 0, 1, 1600, 1, out), 0);
	assert_int_equal(put(&d, 9000, 0, 1, 1600, 2, out), 0);
}

/* The same digit twice is two presses: events differ by timestamp. */
static void test_same_digit_twice(void **state)
{
	struct dtmf_rx d;
	struct dtmf_event out[2];

	(void)state;
	dtmf_rx_init(&d);
	assert_int_equal(put(&d, 100, 7, 1, 800, 0, out), 1);
	assert_int_equal(put(&d, 2100, 7, 1, 800, 300, out), 1);
	assert_int_equal(d.reported, 2);
}

static void test_short_payload(void **state)
{
	struct dtmf_rx d;
	struct dtmf_event out[2];
	uint8_t p[3] = {1, 0x80, 0};

	(void)state;
	dtmf_rx_init(&d);
	assert_int_equal(dtmf_rx_put(&d, 1, p, 3, 0, out), -EBADMSG);
	assert_int_equal(vg_dtmf_char(12), 'A');
	assert_int_equal(vg_dtmf_char(16), '!');
	assert_int_equal(vg_dtmf_char(200), '?');
}

/* A 100 ms press: marker on the first packet, durations 160..800, the same event
 * timestamp throughout, three end packets, then audio again. */
static void test_tx_one_press(void **state)
{
	struct dtmf_tx t = {0};
	uint8_t p[4];
	uint32_t ts;
	bool marker;
	int n = 0, ends = 0;

	(void)state;
	assert_int_equal(dtmf_tx_next(&t, 1000, p, &ts, &marker), 0);
	assert_int_equal(dtmf_tx_push(&t, 11, 100), 0);
	for (uint32_t now = 1000; dtmf_tx_next(&t, now, p, &ts, &marker); now += 160, n++) {
		assert_int_equal(p[0], 11);
		assert_int_equal(ts, 1000);
		assert_int_equal(marker, n == 0);
		assert_int_equal(p[2] << 8 | p[3], n < 5 ? 160 * (n + 1) : 800);
		if (p[1] & 0x80)
			ends++;
	}
	assert_int_equal(n, 7); /* 5 packet times, the last one an end, plus 2 more ends */
	assert_int_equal(ends, 3);
	assert_int_equal(t.sent_events, 1);
}

/* What the sender sends, the receiver reports once, with its duration. */
static void test_tx_rx_round_trip(void **state)
{
	struct dtmf_tx t = {0};
	struct dtmf_rx r;
	struct dtmf_event out[2], got[4];
	uint8_t p[4];
	uint32_t ts, now = 5000;
	bool marker;
	int n = 0;

	(void)state;
	dtmf_rx_init(&r);
	assert_int_equal(dtmf_tx_push(&t, 1, 200), 0);
	assert_int_equal(dtmf_tx_push(&t, 9, 60), 0);
	for (int i = 0; i < 40; i++, now += 160) {
		if (!dtmf_tx_next(&t, now, p, &ts, &marker))
			continue;
		int k = dtmf_rx_put(&r, ts, p, 4, now / 8, out);

		for (int j = 0; j < k; j++)
			got[n++] = out[j];
	}
	assert_int_equal(n, 2);
	assert_int_equal(got[0].event, 1);
	assert_int_equal(got[0].duration_ms, 200);
	assert_int_equal(got[1].event, 9);
	assert_int_equal(got[1].duration_ms, 60);
}

static void test_tx_queue_full(void **state)
{
	struct dtmf_tx t = {0};

	(void)state;
	for (int i = 0; i < DTMF_TX_QUEUE; i++)
		assert_int_equal(dtmf_tx_push(&t, 5, 100), 0);
	assert_int_equal(dtmf_tx_push(&t, 5, 100), -ENOBUFS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_press_reported_once),
		cmocka_unit_test(test_lost_end_then_next_event),
		cmocka_unit_test(test_lost_end_timeout),
		cmocka_unit_test(test_only_end_packets),
		cmocka_unit_test(test_same_digit_twice),
		cmocka_unit_test(test_short_payload),
		cmocka_unit_test(test_tx_one_press),
		cmocka_unit_test(test_tx_rx_round_trip),
		cmocka_unit_test(test_tx_queue_full),
	};

	return cmocka_run_group_tests_name("dtmf", tests, NULL, NULL);
}
