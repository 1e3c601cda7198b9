/*
 * cs.c: the shared call table and signaling's slot allocator over it.
 *
 * The table itself has no locks: each field has one writer (see cs.h) and the
 * handover between sides is the control ring, whose enqueue/dequeue give the
 * release/acquire ordering that makes the media block visible before the message.
 */
#include "shared/cs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CS_MAGIC 0x76676373u /* "vgcs" */

size_t cs_table_size(uint32_t n)
{
	return sizeof(struct cs_table) +
	       (size_t)n * (sizeof(struct cs_slot) + CS_CTX_MAX + CS_CMD_MAX) +
	       (size_t)CS_API_CMDS * CS_CMD_MAX;
}

int cs_table_init(struct cs_table *t, uint32_t n, uint16_t rtp_port_base, uint32_t per_addr,
		  const uint32_t *addr, unsigned n_addrs)
{
	if (n == 0 || (rtp_port_base & 1) || per_addr == 0 || n_addrs == 0 ||
	    n_addrs > CS_MAX_ADDRS || (uint32_t)rtp_port_base + 2u * per_addr - 1 > 65535u ||
	    (uint64_t)per_addr * n_addrs < n)
		return -EINVAL;
	for (unsigned a = 0; a < n_addrs; a++)
		for (unsigned b = 0; b < a; b++)
			if (addr[a] == addr[b])
				return -EINVAL;
	memset(t, 0, cs_table_size(n));
	t->magic = CS_MAGIC;
	t->n_slots = n;
	t->rtp_port_base = rtp_port_base;
	t->per_addr = per_addr;
	t->n_addrs = (uint16_t)n_addrs;
	memcpy(t->addr, addr, n_addrs * sizeof(*addr));
	for (uint32_t i = 0; i < n; i++) {
		t->slots[i].media.local_ip = cs_slot_ip(t, i);
		t->slots[i].media.rtp_port = cs_slot_port(t, i);
	}
	return 0;
}

int cs_pool_init(struct cs_pool *p, struct cs_table *t)
{
	p->table = t;
	p->fifo = calloc(t->n_slots, sizeof(*p->fifo));
	if (!p->fifo)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->n_slots; i++)
		p->fifo[i] = i;
	p->head = 0;
	p->count = t->n_slots;
	return 0;
}

void cs_pool_fini(struct cs_pool *p)
{
	free(p->fifo);
	p->fifo = NULL;
	p->count = 0;
}

int64_t cs_alloc(struct cs_pool *p, uint32_t *gen)
{
	struct cs_table *t = p->table;
	struct cs_slot *s;
	uint32_t idx;

	if (p->count == 0)
		return -ENOSPC;
	idx = p->fifo[p->head];
	p->head = (p->head + 1) % t->n_slots;
	p->count--;

	s = &t->slots[idx];
	memset(&s->media, 0, sizeof(s->media));
	memset(&s->dp, 0, sizeof(s->dp));
	s->media.local_ip = cs_slot_ip(t, idx);
	s->media.rtp_port = cs_slot_port(t, idx);
	s->media.dtmf_pt = CS_NO_PT;
	cs_ctx(t, idx)[0] = '\0';
	s->in_use = 1;
	*gen = __atomic_add_fetch(&s->gen, 1, __ATOMIC_RELEASE);
	return idx;
}

int64_t cs_alloc_on(struct cs_pool *p, unsigned lcore, unsigned n_lcores, uint32_t *gen)
{
	uint32_t n = p->table->n_slots;

	for (uint32_t i = 0; i < p->count; i++) {
		uint32_t at = (p->head + i) % n, idx = p->fifo[at];

		if (cs_slot_lcore(idx, n_lcores) != lcore)
			continue;
		/* to the head: the slots passed over keep their turn */
		p->fifo[at] = p->fifo[p->head];
		p->fifo[p->head] = idx;
		return cs_alloc(p, gen);
	}
	return -ENOSPC;
}

int cs_free(struct cs_pool *p, uint32_t idx)
{
	struct cs_table *t = p->table;

	if (idx >= t->n_slots || !t->slots[idx].in_use)
		return -EINVAL;
	t->slots[idx].in_use = 0;
	/* SRTP keys do not outlive the call (RFC 3711 9.1: keys are secrets). */
	explicit_bzero(&t->slots[idx].media.srtp, sizeof(t->slots[idx].media.srtp));
	explicit_bzero(&t->slots[idx].update.srtp, sizeof(t->slots[idx].update.srtp));
	__atomic_add_fetch(&t->slots[idx].gen, 1, __ATOMIC_RELEASE);
	p->fifo[(p->head + p->count) % t->n_slots] = idx;
	p->count++;
	return 0;
}
