/*
 * ring.h: the rings between signaling, dp lcores and bot workers.
 *
 * All rings are single-producer single-consumer rte_rings of fixed-size elements
 * (struct vg_msg or struct vg_frame, copied by value). A ring_set holds every ring of
 * the process: one control and one event ring per dp lcore and per bot worker, and a
 * frame ring each way for every (dp lcore, bot worker) pair. Rings are created at
 * start-up under fixed names ("vg_ctl_dp0", "vg_f_d0b1", ...) so that a second process
 * can find them with rte_ring_lookup().
 *
 * ring_set_create() needs the DPDK EAL; ring_init_mem() builds a ring in plain memory
 * for unit tests. The send/recv helpers may be called from the ring's single producer
 * or single consumer thread only; they never block.
 */
#ifndef VG_RING_H
#define VG_RING_H

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "shared/msg-t.h"

#define RING_MAX_LCORES 16
#define RING_MAX_WORKERS 16
#define RING_MAX_FRAMES (1u << 26) /* the deepest frame ring ring_bot_frames() gives */

struct ring_set {
	unsigned n_lcores;
	unsigned n_workers;
	struct rte_ring *ctl_dp[RING_MAX_LCORES];   /* signaling -> dp lcore, vg_msg */
	struct rte_ring *evt_dp[RING_MAX_LCORES];   /* dp lcore -> signaling, vg_msg */
	struct rte_ring *ctl_bot[RING_MAX_WORKERS]; /* signaling -> worker, vg_msg */
	struct rte_ring *evt_bot[RING_MAX_WORKERS]; /* worker -> signaling, vg_msg */
	struct rte_ring *to_bot[RING_MAX_LCORES][RING_MAX_WORKERS]; /* vg_frame */
	struct rte_ring *to_dp[RING_MAX_WORKERS][RING_MAX_LCORES];  /* vg_frame */
};

/*
 * Create every ring for n_lcores dp lcores and n_workers bot workers: control and
 * event rings of msg_count entries, frame rings of bot_count entries towards the bot
 * workers and dp_count back (powers of two). Returns 0, -EINVAL for counts out of
 * range, or the negative errno of the failed rte_ring creation (the rings made so
 * far are freed).
 */
int ring_set_create(struct ring_set *rs, unsigned n_lcores, unsigned n_workers,
		    unsigned msg_count, unsigned bot_count, unsigned dp_count, int socket);

/*
 * The frames a ring from one dp lcore to one bot worker holds so that it carries
 * ring_ms of audio of every call the pair could have (max_calls / n_workers), plus
 * room for a burst: a worker may fall ring_ms behind before frames are dropped.
 */
unsigned ring_bot_frames(uint32_t max_calls, unsigned n_workers, unsigned ring_ms);

/*
 * ring_set_create() with the sizes voxgate uses for max_calls call slots: control and
 * event rings hold a few messages per slot (so they can never fill), frame rings
 * towards the bot workers ring_ms of audio of every call (ring_bot_frames()), frame
 * rings back 40 ms (the dp lcore takes them on every turn of its loop).
 */
int ring_set_create_for(struct ring_set *rs, unsigned n_lcores, unsigned n_workers,
			uint32_t max_calls, unsigned ring_ms, int socket);

/* Free every ring of the set. */
void ring_set_free(struct ring_set *rs);

/*
 * Build an SPSC ring of count elements of esize bytes in mem, which holds
 * rte_ring_get_memsize_elem(esize, count) bytes, 64-byte aligned. For unit tests and
 * for rings placed in memory of the caller's choice. Returns the ring or NULL.
 */
struct rte_ring *ring_init_mem(void *mem, const char *name, unsigned esize,
			       unsigned count);

/* Enqueue one message. Returns 0, or -ENOBUFS when the ring is full. */
static inline int ring_msg_send(struct rte_ring *r, const struct vg_msg *m)
{
	return rte_ring_sp_enqueue_elem(r, (void *)m, sizeof(*m)) == 0 ? 0 : -ENOBUFS;
}

/* Dequeue up to n messages into out. Returns how many. */
static inline unsigned ring_msg_recv(struct rte_ring *r, struct vg_msg *out, unsigned n)
{
	return rte_ring_sc_dequeue_burst_elem(r, out, sizeof(*out), n, NULL);
}

/* Enqueue up to n frames. Returns how many were taken (the rest did not fit); sets
 * *room, unless NULL, to the frames the ring has room for after them. */
static inline unsigned ring_frame_send(struct rte_ring *r, const struct vg_frame *f,
				       unsigned n, unsigned *room)
{
	return rte_ring_sp_enqueue_burst_elem(r, (void *)f, sizeof(*f), n, room);
}

/* Dequeue up to n frames into out. Returns how many. */
static inline unsigned ring_frame_recv(struct rte_ring *r, struct vg_frame *out,
				       unsigned n)
{
	return rte_ring_sc_dequeue_burst_elem(r, out, sizeof(*out), n, NULL);
}

#endif
