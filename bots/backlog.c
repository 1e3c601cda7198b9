/*
 * backlog.c: a FIFO of frames in chunks (see backlog.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bots/backlog.h"

struct backlog_chunk {
	struct backlog_chunk *next;
	uint32_t head; /* the first frame not yet taken */
	uint32_t n;    /* frames written */
	struct vg_frame f[BACKLOG_CHUNK];
};

const size_t backlog_chunk_bytes = sizeof(struct backlog_chunk);

int backlog_push(struct backlog *b, const struct vg_frame *f)
{
	struct backlog_chunk *c = b->tail;
	int fresh = 0;

	if (!c || c->n == BACKLOG_CHUNK) {
		c = malloc(sizeof(*c));
		if (!c)
			return -ENOMEM;
		c->next = NULL;
		c->head = 0;
		c->n = 0;
		if (b->tail)
			b->tail->next = c;
		else
			b->head = c;
		b->tail = c;
		fresh = 1;
	}
	memcpy(&c->f[c->n++], f, sizeof(*f));
	b->n++;
	b->audio += f->kind == VG_FRAME_AUDIO;
	return fresh;
}

const struct vg_frame *backlog_peek(const struct backlog *b)
{
	return b->n ? &b->head->f[b->head->head] : NULL;
}

bool backlog_pop(struct backlog *b)
{
	struct backlog_chunk *c = b->head;

	b->audio -= c->f[c->head].kind == VG_FRAME_AUDIO;
	b->n--;
	if (++c->head < c->n)
		return false;
	/* the chunk is used up (a tail chunk only when nothing else waits) */
	b->head = c->next;
	if (!b->head)
		b->tail = NULL;
	free(c);
	return true;
}

void backlog_free(struct backlog *b)
{
	while (b->head) {
		struct backlog_chunk *c = b->head;

		b->head = c->next;
		free(c);
	}
	b->tail = NULL;
	b->n = b->audio = 0;
}

size_t backlog_bytes(const struct backlog *b)
{
	size_t n = 0;

	for (const struct backlog_chunk *c = b->head; c; c = c->next)
		n += sizeof(*c);
	return n;
}
