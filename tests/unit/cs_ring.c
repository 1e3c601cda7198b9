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

/* Three media addresses (the table only compares them). */
#define IP1 0x0101a8c0u
#define IP2 0x0201a8c0u
#define IP3 0x0301a8c0u

static struct cs_table *table_alloc(uint32_t n)
{
	struct cs_table *t = aligned_alloc(64, (cs_table_size(n) + 63) / 64 * 64);

	assert_non_null(t);
	return t;
}

/* A table of n slots on one address, with room for exactly n. */
static struct cs_table *table_new(uint32_t n, uint16_t base)
{
	static const uint32_t ip[] = {IP1};
	struct cs_table *t = table_alloc(n);

	assert_int_equal(cs_table_init(t, n, base, n, ip, 1), 0);
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
	assert_int_equal(cs_slot(t, 3)->media.local_ip, IP1);
	assert_int_equal(cs_addr_index(t, IP1), 0);
	assert_int_equal(cs_addr_index(t, IP2), -1);
	assert_int_equal(cs_port_slot(t, 0, 10000), 0);
	assert_int_equal(cs_port_slot(t, 0, 10001), 0); /* RTCP of slot 0 */
	assert_int_equal(cs_port_slot(t, 0, 10007), 3);
	assert_int_equal(cs_port_slot(t, 0, 10008), -1);
	assert_int_equal(cs_port_slot(t, 0, 9999), -1);
	assert_int_equal(cs_table_init(t, 4, 10001, 4, (uint32_t[]){IP1}, 1), -EINVAL); /* odd */
	/* ports past 65535 */
	assert_int_equal(cs_table_init(t, 4, 65530, 4, (uint32_t[]){IP1}, 1), -EINVAL);
	free(t);
}

/* Slots fill the first address's ports, then the next address's, the same ports
 * again; a packet's address and port give its slot back, and nothing else does. */
static void test_table_addresses(void **state)
{
	const uint32_t ip[] = {IP1, IP2, IP3};
	struct cs_table *t = table_alloc(7);
	struct cs_pool p;
	uint32_t gen;

	(void)state;
	/* 3 addresses of 3 port pairs each hold 9; 10 do not fit, one address twice is
	 * refused, 3 addresses of the last pairs below 65535 are fine */
	assert_int_equal(cs_table_init(t, 7, 20000, 2, ip, 3), -EINVAL);
	assert_int_equal(cs_table_init(t, 7, 20000, 3, (uint32_t[]){IP1, IP2, IP1}, 3), -EINVAL);
	assert_int_equal(cs_table_init(t, 7, 65530, 3, ip, 3), 0);
	assert_int_equal(cs_table_init(t, 7, 20000, 3, ip, 0), -EINVAL);
	assert_int_equal(cs_table_init(t, 7, 20000, 3, ip, 3), 0);
	for (uint32_t i = 0; i < 7; i++) {
		const struct cs_media *md = &cs_slot(t, i)->media;

		assert_int_equal(md->local_ip, ip[i / 3]);
		assert_int_equal(md->rtp_port, 20000 + 2 * (i % 3));
		assert_int_equal(cs_port_slot(t, (unsigned)cs_addr_index(t, md->local_ip),
					      md->rtp_port), i);
		assert_int_equal(cs_port_slot(t, (unsigned)cs_addr_index(t, md->local_ip),
					      md->rtp_port + 1), i);
	}
	assert_int_equal(cs_addr_index(t, IP3), 2);
	assert_int_equal(cs_port_slot(t, 2, 20002), -1); /* slot 7: past the table */
	assert_int_equal(cs_port_slot(t, 1, 20006), -1); /* past an address's ports */
	/* the allocator hands them out with their address */
	assert_int_equal(cs_pool_init(&p, t), 0);
	for (uint32_t i = 0; i < 7; i++) {
		assert_int_equal(cs_alloc(&p, &gen), i);
		assert_int_equal(cs_slot(t, i)->media.local_ip, ip[i / 3]);
		assert_int_equal(cs_slot(t, i)->media.rtp_port, 20000 + 2 * (i % 3));
	}
	cs_pool_fini(&p);
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

/* A second leg's slot on its first leg's lcore: the first free one that lcore owns;
 * the slots passed over keep their turn; none free on it: -ENOSPC. */
static void test_alloc_on(void **state)
{
	struct cs_table *t = table_new(6, 20000);
	struct cs_pool p;
	uint32_t gen;

	(void)state;
	assert_int_equal(cs_pool_init(&p, t), 0);
	assert_int_equal(cs_alloc(&p, &gen), 0);       /* lcore 0 of 2 */
	assert_int_equal(cs_alloc_on(&p, 0, 2, &gen), 2); /* 1 passed over */
	assert_true(cs_gen_ok(t, 2, gen) && cs_slot(t, 2)->in_use);
	assert_int_equal(cs_alloc(&p, &gen), 1);       /* its turn kept */
	assert_int_equal(cs_alloc_on(&p, 1, 2, &gen), 3);
	assert_int_equal(cs_alloc_on(&p, 1, 2, &gen), 5);
	assert_int_equal(cs_alloc_on(&p, 1, 2, &gen), -ENOSPC);
	assert_int_equal(cs_alloc(&p, &gen), 4);
	assert_int_equal(cs_alloc_on(&p, 0, 1, &gen), -ENOSPC); /* all taken */
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
	unsigned room = 99;

	(void)state;
	for (int i = 0; i < 5; i++) {
		memset(&f[i], 0, sizeof(f[i]));
		f[i].slot = (uint32_t)i;
		f[i].samples = VG_FRAME_SAMPLES;
		for (int s = 0; s < VG_FRAME_SAMPLES; s++)
			f[i].pcm[s] = (int16_t)(i * 1000 + s);
	}
	assert_int_equal(ring_frame_send(r, f, 1, &room), 1);
	assert_int_equal(room, 2); /* the room left after it */
	assert_int_equal(ring_frame_send(r, f + 1, 4, &room), 2); /* what fits */
	assert_int_equal(room, 0);
	assert_int_equal(ring_frame_send(r, f, 1, NULL), 0);
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
				assert_int_equal(cs_steer_rule(t, n, l, &value[l], &mask[l]), 0);
			for (uint32_t i = 0; i < t->n_slots; i++)
				for (uint16_t p = 0; p < 2; p++) {
					uint16_t port = (uint16_t)(bases[b] + 2 * i + p);

					assert_int_equal(cs_port_slot(t, 0, port), i);
					for (unsigned l = 0; l < n; l++)
						assert_int_equal((port & mask[l]) == value[l],
								 l == cs_slot_lcore(i, n));
				}
			free(t);
		}
}

/* With several addresses, the same rule holds on each when an address's calls are a
 * multiple of the lcores: slot i's lcore is i % n wherever its ports are. */
static void test_steer_rule_addresses(void **state)
{
	const uint32_t ip[] = {IP1, IP2, IP3};
	struct cs_table *t = table_alloc(3 * 64);
	uint16_t value[4], mask[4];

	(void)state;
	assert_int_equal(cs_table_init(t, 3 * 64, 10000, 64, ip, 3), 0);
	for (unsigned l = 0; l < 4; l++)
		assert_int_equal(cs_steer_rule(t, 4, l, &value[l], &mask[l]), 0);
	for (uint32_t i = 0; i < t->n_slots; i++)
		for (uint16_t p = 0; p < 2; p++) {
			uint16_t port = (uint16_t)(cs_slot_port(t, i) + p);

			for (unsigned l = 0; l < 4; l++)
				assert_int_equal((port & mask[l]) == value[l],
						 l == cs_slot_lcore(i, 4));
		}
	/* 62 calls an address: the second address's first slot (62) is on lcore 2 of 4
	 * but has port 10000, which lcore 0's rule takes */
	assert_int_equal(cs_table_init(t, 3 * 62, 10000, 62, ip, 3), 0);
	assert_int_equal(cs_steer_rule(t, 4, 0, &value[0], &mask[0]), -EINVAL);
	assert_int_equal(cs_steer_rule(t, 2, 0, &value[0], &mask[0]), 0); /* 62 % 2 == 0 */
	free(t);
}

/* Where the ports cannot line up with the lcores, no rule is made. */
static void test_steer_rule_refused(void **state)
{
	static const uint16_t bases[] = {10000, 10002, 10004, 10000, 10000, 10002};
	struct cs_table *t[6];
	uint16_t value, mask;

	(void)state;
	for (unsigned i = 0; i < 6; i++)
		t[i] = table_new(16, bases[i]);
	assert_int_equal(cs_steer_rule(t[0], 3, 0, &value, &mask), -EINVAL);  /* n not 2^k */
	assert_int_equal(cs_steer_rule(t[1], 2, 0, &value, &mask), -EINVAL);  /* base % 4 */
	assert_int_equal(cs_steer_rule(t[2], 4, 0, &value, &mask), -EINVAL);  /* base % 8 */
	assert_int_equal(cs_steer_rule(t[3], 2, 2, &value, &mask), -EINVAL);  /* no lcore 2 */
	assert_int_equal(cs_steer_rule(t[4], 0, 0, &value, &mask), -EINVAL);
	assert_int_equal(cs_steer_rule(t[5], 1, 0, &value, &mask), 0); /* one: all ports */
	assert_int_equal(mask, 0);
	for (unsigned i = 0; i < 6; i++)
		free(t[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_layout),
		cmocka_unit_test(test_table_addresses),
		cmocka_unit_test(test_alloc_fifo),
		cmocka_unit_test(test_alloc_on),
		cmocka_unit_test(test_generation),
		cmocka_unit_test(test_msg_ring),
		cmocka_unit_test(test_frame_ring),
		cmocka_unit_test(test_bot_ring_depth),
		cmocka_unit_test(test_steer_rule),
		cmocka_unit_test(test_steer_rule_addresses),
		cmocka_unit_test(test_steer_rule_refused),
	};

	return cmocka_run_group_tests_name("cs_ring", tests, NULL, NULL);
}
