/*
 * backlog.c: unit tests of the bot's backlog (bots/backlog.c): frames come out in the
 * order they went in across chunks, the audio count follows the kinds, a chunk is
 * freed as soon as its frames have left and an emptied backlog holds no memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bots/backlog.h"

static struct vg_frame frame(uint16_t kind, uint32_t seq)
{
	struct vg_frame f;

	memset(&f, 0, sizeof(f));
	f.kind = kind;
	f.seq = seq;
	if (kind == VG_FRAME_AUDIO)
		f.pcm[0] = (int16_t)seq, f.pcm[VG_FRAME_SAMPLES - 1] = (int16_t)~seq;
	return f;
}

/* 3.5 chunks in, with a mark every 10th frame; out in order, with the chunk count
 * and the memory going down as they leave. */
static void test_order_and_memory(void **state)
{
	struct backlog b = {0};
	unsigned n = BACKLOG_CHUNK * 7 / 2, fresh = 0, freed = 0;

	(void)state;
	assert_null(backlog_peek(&b));
	assert_int_equal(backlog_bytes(&b), 0);
	for (unsigned i = 0; i < n; i++) {
		struct vg_frame f = frame(i % 10 == 9 ? VG_FRAME_MARK : VG_FRAME_AUDIO, i);
		int rc = backlog_push(&b, &f);

		assert_true(rc == 0 || rc == 1);
		fresh += (unsigned)rc;
	}
	assert_int_equal(fresh, 4);
	assert_int_equal(b.n, n);
	assert_int_equal(b.audio, n - n / 10);
	assert_int_equal(backlog_bytes(&b), 4 * backlog_chunk_bytes);
	for (unsigned i = 0; i < n; i++) {
		const struct vg_frame *f = backlog_peek(&b);

		assert_non_null(f);
		assert_int_equal(f->seq, i);
		assert_int_equal(f->kind, i % 10 == 9 ? VG_FRAME_MARK : VG_FRAME_AUDIO);
		if (f->kind == VG_FRAME_AUDIO) {
			assert_int_equal(f->pcm[0], (int16_t)i);
			assert_int_equal(f->pcm[VG_FRAME_SAMPLES - 1], (int16_t)~i);
		}
		freed += backlog_pop(&b);
		assert_int_equal(freed, (i + 1) / BACKLOG_CHUNK + (i + 1 == n));
	}
	assert_int_equal(b.n, 0);
	assert_int_equal(b.audio, 0);
	assert_null(backlog_peek(&b));
	assert_int_equal(backlog_bytes(&b), 0);
}

/* Pushing after it emptied starts a fresh chunk; backlog_free gives all back. */
static void test_refill_and_free(void **state)
{
	struct backlog b = {0};
	struct vg_frame f = frame(VG_FRAME_AUDIO, 1);

	(void)state;
	assert_int_equal(backlog_push(&b, &f), 1);
	assert_true(backlog_pop(&b));
	assert_int_equal(backlog_push(&b, &f), 1);
	for (unsigned i = 0; i < 2 * BACKLOG_CHUNK; i++)
		assert_true(backlog_push(&b, &f) >= 0);
	assert_int_equal(b.audio, 2 * BACKLOG_CHUNK + 1);
	backlog_free(&b);
	assert_int_equal(b.n, 0);
	assert_null(backlog_peek(&b));
	assert_int_equal(backlog_bytes(&b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_memory),
		cmocka_unit_test(test_refill_and_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
