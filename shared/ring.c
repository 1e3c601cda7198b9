/*
 * ring.c: creation of voxgate's ring set (see ring.h).
 */
#include "shared/ring.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>

#define RING_FLAGS (RING_F_SP_ENQ | RING_F_SC_DEQ)

static int ring_make(struct rte_ring **out, const char *name, unsigned esize,
		     unsigned count, int socket)
{
	*out = rte_ring_create_elem(name, esize, count, socket, RING_FLAGS);
	return *out ? 0 : -rte_errno;
}

int ring_set_create(struct ring_set *rs, unsigned n_lcores, unsigned n_workers,
		    unsigned msg_count, unsigned bot_count, unsigned dp_count, int socket)
{
	char name[RTE_RING_NAMESIZE];
	int err = 0;

	memset(rs, 0, sizeof(*rs));
	if (n_lcores == 0 || n_lcores > RING_MAX_LCORES || n_workers == 0 ||
	    n_workers > RING_MAX_WORKERS)
		return -EINVAL;
	rs->n_lcores = n_lcores;
	rs->n_workers = n_workers;

	for (unsigned l = 0; l < n_lcores && !err; l++) {
		snprintf(name, sizeof(name), "vg_ctl_dp%u", l);
		err = ring_make(&rs->ctl_dp[l], name, sizeof(struct vg_msg), msg_count, socket);
		if (err)
			break;
		snprintf(name, sizeof(name), "vg_evt_dp%u", l);
		err = ring_make(&rs->evt_dp[l], name, sizeof(struct vg_msg), msg_count, socket);
		for (unsigned w = 0; w < n_workers && !err; w++) {
			snprintf(name, sizeof(name), "vg_f_d%ub%u", l, w);
			err = ring_make(&rs->to_bot[l][w], name, sizeof(struct vg_frame),
					bot_count, socket);
			if (err)
				break;
			snprintf(name, sizeof(name), "vg_f_b%ud%u", w, l);
			err = ring_make(&rs->to_dp[w][l], name, sizeof(struct vg_frame),
					dp_count, socket);
		}
	}
	for (unsigned w = 0; w < n_workers && !err; w++) {
		snprintf(name, sizeof(name), "vg_ctl_bot%u", w);
		err = ring_make(&rs->ctl_bot[w], name, sizeof(struct vg_msg), msg_count, socket);
		if (err)
			break;
		snprintf(name, sizeof(name), "vg_evt_bot%u", w);
		err = ring_make(&rs->evt_bot[w], name, sizeof(struct vg_msg), msg_count, socket);
	}
	if (err)
		ring_set_free(rs);
	return err;
}

static unsigned ring_pow2(unsigned n)
{
	unsigned p = 64;

	while (p < n)
		p <<= 1;
	return p;
}

unsigned ring_bot_frames(uint32_t max_calls, unsigned n_workers, unsigned ring_ms)
{
	uint64_t frames = (uint64_t)max_calls * (ring_ms / 20) / n_workers + 256;

	return frames > RING_MAX_FRAMES ? RING_MAX_FRAMES : ring_pow2((unsigned)frames);
}

int ring_set_create_for(struct ring_set *rs, unsigned n_lcores, unsigned n_workers,
			uint32_t max_calls, unsigned ring_ms, int socket)
{
	if (n_workers == 0 || ring_ms < 20)
		return -EINVAL;
	return ring_set_create(rs, n_lcores, n_workers, ring_pow2(4 * max_calls),
			       ring_bot_frames(max_calls, n_workers, ring_ms),
			       ring_pow2(2 * max_calls / n_workers + 256), socket);
}

void ring_set_free(struct ring_set *rs)
{
	for (unsigned l = 0; l < RING_MAX_LCORES; l++) {
		rte_ring_free(rs->ctl_dp[l]);
		rte_ring_free(rs->evt_dp[l]);
		for (unsigned w = 0; w < RING_MAX_WORKERS; w++) {
			rte_ring_free(rs->to_bot[l][w]);
			rte_ring_free(rs->to_dp[w][l]);
		}
	}
	for (unsigned w = 0; w < RING_MAX_WORKERS; w++) {
		rte_ring_free(rs->ctl_bot[w]);
		rte_ring_free(rs->evt_bot[w]);
	}
	memset(rs, 0, sizeof(*rs));
}

struct rte_ring *ring_init_mem(void *mem, const char *name, unsigned esize,
			       unsigned count)
{
	struct rte_ring *r = mem;

	(void)esize; /* the elem API takes the element size at each call */
	if (rte_ring_init(r, name, count, RING_FLAGS) != 0)
		return NULL;
	return r;
}
