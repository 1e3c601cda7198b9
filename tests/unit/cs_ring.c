/*
 * cs_ring.c: unit tests of the shared call table (shared/cs.c) and the ring helpers
 * (shared/ring.c), in plain memory: no EAL, no hugepages.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shared/cs.h"
#include "shared/ring.h"

static struct cs_table *table_new(uint32_t n, uint16_t base)
{
	struct cs_table *t = aligned_alloc(64, (cs_table_size(n) + 63) / 64 * 64);

	assert_non_null(t);
	assert_int_equal(cs_table_init(t, n, base), 0);
	return t;
}

static void test_table_layout(void **state)
{
	struct cs_table *t = table_new(4, 10000);

	(void)state;
	/* fields of different writers on different cache lines */
	assert_int_equal(offsetof(struct cs_slot, dp) % 64, 0);
	assert_true(offsetof(struct cs_slot, dp) >= offsetof(struct cs_slot, media) +
							sizeof(struct cs_media));
	assert_int_equal(sizeof(struct cs_slot) % 64, 0);
	assert_int_equal(cs_slot(t, 3)->media.rtp_port, 10006);
	assert_int_equal(cs_port_slot(t, 10000), 0);
	assert_int_equal(cs_port_slot(t, 10001), 0); /* RTCP of slot 0 */
	assert_int_equal(cs_port_slot(t, 10007), 3);
	assert_int_equal(cs_port_slot(t, 10008), -1);
	assert_int_equal(cs_port_slot(t, 9999), -1);
	assert_int_equal(cs_table_init(t, 4, 10001), -EINVAL); /* odd base */
	assert_int_equal(cs_table_init(t, 10, 65530), -EINVAL); /* ports past 65535 */
	free(t);
}

/* Slots come back in FIFO order, so a port is reused as late as possible; the pool
 * says -ENOSPC when full and refuses a double free. */
static void test_alloc_fifo(void **state)
{
	struct cs_table *t = table_new(3, 20000);
	struct cs_pool p;
	uint32_t gen;

	(void)state;
	assert_int_equal(cs_pool_init(&p, t), 0);
	assert_int_equal(cs_alloc(&p, &gen), 0);
	assert_int_equal(cs_alloc(&p, &gen), 1);
	assert_int_equal(cs_alloc(&p, &gen), 2);
	assert_int_equal(cs_alloc(&p, &gen), -ENOSPC);
	assert_int_equal(cs_free(&p, 1), 0);
	assert_int_equal(cs_free(&p, 1), -EINVAL);
	assert_int_equal(cs_free(&p, 0), 0);
	assert_int_equal(cs_free(&p, 7), -EINVAL);
	assert_int_equal(cs_alloc(&p, &gen), 1);
	assert_int_equal(cs_alloc(&p, &gen), 0);
	assert_int_equal(p.count, 0);
	cs_pool_fini(&p);
	free(t);
}

/* A message made for one life of a slot is recognised as stale in every later life,
 * including the time between free and the next allocation. */
static void test_generation(void **state)
{
	struct cs_table *t = table_new(1, 10000);
	struct cs_pool p;
	uint32_t g1, g2;

	(void)state;
	assert_int_equal(cs_pool_init(&p, t), 0);
	assert_int_equal(cs_alloc(&p, &g1), 0);
	assert_true(cs_gen_ok(t, 0, g1));
	cs_slot(t, 0)->dp.rx_packets = 42;
	memset(&cs_slot(t, 0)->media.srtp, 0xa5, sizeof(struct cs_srtp));
	memset(&cs_slot(t, 0)->update.srtp, 0x5a, sizeof(struct cs_srtp));
	assert_int_equal(cs_free(&p, 0), 0);
	/* the SRTP keys are gone the moment the slot is free, not when it is reused */
	for (size_t i = 0; i < sizeof(struct cs_srtp); i++) {
		assert_int_equal(((uint8_t *)&cs_slot(t, 0)->media.srtp)[i], 0);
		assert_int_equal(((uint8_t *)&cs_slot(t, 0)->update.srtp)[i], 0);
	}
	assert_false(cs_gen_ok(t, 0, g1)); /* freed: stale already */
	assert_int_equal(cs_alloc(&p, &g2), 0);
	assert_true(g2 != g1);
	assert_false(cs_gen_ok(t, 0, g1));
	assert_true(cs_gen_ok(t, 0, g2));
	assert_false(cs_gen_ok(t, 1, g2)); /* out of range */
	assert_int_equal(cs_slot(t, 0)->dp.rx_packets, 0); /* counters start clean */
	assert_int_equal(cs_slot(t, 0)->media.dtmf_pt, CS_NO_PT);
	cs_pool_fini(&p);
	free(t);
}

static struct rte_ring *ring_new(unsigned esize, unsigned count, void **mem)
{
	ssize_t sz = rte_ring_get_memsize_elem(esize, count);
	struct rte_ring *r;

	assert_true(sz > 0);
	*mem = aligned_alloc(64, ((size_t)sz + 63) / 64 * 64);
	r = ring_init_mem(*mem, "t", esize, count);
	assert_non_null(r);
	return r;
}

static void test_msg_ring(void **state)
{
	void *mem;
	struct rte_ring *r = ring_new(sizeof(struct vg_msg), 8, &mem);
	struct vg_msg m = {.type = VG_MSG_CALL_START}, out[16];
	unsigned sent = 0;

	(void)state;
	/* an SPSC ring of 8 holds 7 */
	for (uint32_t i = 0; i < 10; i++) {
		m.slot = i;
		m.gen = 100 + i;
		if (ring_msg_send(r, &m) == 0)
			sent++;
		else
			assert_int_equal(ring_msg_send(r, &m), -ENOBUFS);
	}
	assert_int_equal(sent, 7);
	assert_int_equal(ring_msg_recv(r, out, 16), 7);
	for (uint32_t i = 0; i < 7; i++) {
		assert_int_equal(out[i].type, VG_MSG_CALL_START);
		assert_int_equal(out[i].slot, i);
		assert_int_equal(out[i].gen, 100 + i);
	}
	assert_int_equal(ring_msg_recv(r, out, 16), 0);
	free(mem);
}

static void test_frame_ring(void **state)
{
	void *mem;
	struct rte_ring *r = ring_new(sizeof(struct vg_frame), 4, &mem);
	struct vg_frame f[5], out[5];

	(void)state;
	for (int i = 0; i < 5; i++) {
		memset(&f[i], 0, sizeof(f[i]));
		f[i].slot = (uint32_t)i;
		f[i].samples = VG_FRAME_SAMPLES;
		for (int s = 0; s < VG_FRAME_SAMPLES; s++)
			f[i].pcm[s] = (int16_t)(i * 1000 + s);
	}
	assert_int_equal(ring_frame_send(r, f, 5), 3); /* what fits */
	assert_int_equal(ring_frame_recv(r, out, 5), 3);
	for (int i = 0; i < 3; i++)
		assert_memory_equal(&out[i], &f[i], sizeof(f[i]));
	free(mem);
}

/* A ring to a bot worker holds ring_ms of every call the worker can have, and room
 * for a burst, in a power of two; absurd settings stop at the cap. */
static void test_bot_ring_depth(void **state)
{
	(void)state;
	assert_int_equal(ring_bot_frames(1024, 1, 200), 16384);   /* 10,496 frames */
	assert_int_equal(ring_bot_frames(25000, 1, 200), 262144); /* 250,256 */
	assert_int_equal(ring_bot_frames(25000, 1, 40), 65536);   /* 50,256 */
	assert_int_equal(ring_bot_frames(25000, 4, 200), 65536);  /* 62,756 */
	assert_int_equal(ring_bot_frames(25000, 1, 210), 262144); /* whole frames */
	assert_int_equal(ring_bot_frames(1, 1, 40), 512);         /* 258 */
	assert_int_equal(ring_bot_frames(1 << 20, 1, 2000), RING_MAX_FRAMES);
}

/* Every RTP and RTCP port of every slot matches its own lcore's rule and no other. */
static void test_steer_rule(void **state)
{
	static const uint16_t bases[] = {10000, 16384, 20000};
	static const unsigned counts[] = {1, 2, 4, 8};

	(void)state;
	for (unsigned b = 0; b < 3; b++)
		for (unsigned k = 0; k < 4; k++) {
			unsigned n = counts[k];
			struct cs_table *t = table_new(4096, bases[b]);
			uint16_t value[8], mask[8];

			for (unsigned l = 0; l < n; l++)
				assert_int_equal(cs_steer_rule(bases[b], n, l, &value[l],
							       &mask[l]), 0);
			for (uint32_t i = 0; i < t->n_slots; i++)
				for (uint16_t p = 0; p < 2; p++) {
					uint16_t port = (uint16_t)(bases[b] + 2 * i + p);

					assert_int_equal(cs_port_slot(t, port), i);
					for (unsigned l = 0; l < n; l++)
						assert_int_equal((port & mask[l]) == value[l],
								 l == cs_slot_lcore(i, n));
				}
			free(t);
		}
}

/* Where the ports cannot line up with the lcores, no rule is made. */
static void test_steer_rule_refused(void **state)
{
	uint16_t value, mask;

	(void)state;
	assert_int_equal(cs_steer_rule(10000, 3, 0, &value, &mask), -EINVAL);  /* n not 2^k */
	assert_int_equal(cs_steer_rule(10002, 2, 0, &value, &mask), -EINVAL);  /* base % 4 */
	assert_int_equal(cs_steer_rule(10004, 4, 0, &value, &mask), -EINVAL);  /* base % 8 */
	assert_int_equal(cs_steer_rule(10000, 2, 2, &value, &mask), -EINVAL);  /* no lcore 2 */
	assert_int_equal(cs_steer_rule(10000, 0, 0, &value, &mask), -EINVAL);
	assert_int_equal(cs_steer_rule(10002, 1, 0, &value, &mask), 0); /* one: all ports */
	assert_int_equal(mask, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_layout),
		cmocka_unit_test(test_alloc_fifo),
		cmocka_unit_test(test_generation),
		cmocka_unit_test(test_msg_ring),
		cmocka_unit_test(test_frame_ring),
		cmocka_unit_test(test_bot_ring_depth),
		cmocka_unit_test(test_steer_rule),
		cmocka_unit_test(test_steer_rule_refused),
	};

	return cmocka_run_group_tests_name("cs_ring", tests, NULL, NULL);
}
