/*
 * backlog.h: what a bot sent that waits in its worker for room in the call's playout
 * queue: audio frames, marks and key presses, in the order the bot sent them.
 *
 * A bot may send a whole answer at once, many times faster than real time; the
 * dataplane holds only the next few frames of each call (bots/bot.c hands them on as
 * they play), and the rest waits here. One backlog per bot session, used by its
 * worker's thread only. Memory grows by chunks of BACKLOG_CHUNK frames as the bot
 * sends ahead and each chunk is freed once its frames have left: an empty backlog
 * holds no memory.
 */
#ifndef VG_BACKLOG_H
#define VG_BACKLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/msg-t.h"

#define BACKLOG_CHUNK 50 /* frames a chunk holds: 1 s of audio, about 17 KiB */

struct backlog_chunk;

struct backlog {
	struct backlog_chunk *head, *tail;
	uint32_t n;     /* frames of any kind */
	uint32_t audio; /* of them, VG_FRAME_AUDIO */
};

/* Bytes of one chunk. */
extern const size_t backlog_chunk_bytes;

/* Append a copy of f. Returns 0, 1 when that took a new chunk, or -ENOMEM. */
int backlog_push(struct backlog *b, const struct vg_frame *f);

/* The oldest frame, or NULL when b is empty. */
const struct vg_frame *backlog_peek(const struct backlog *b);

/* Take the oldest frame off; b must not be empty. Returns true when that freed a
 * chunk. */
bool backlog_pop(struct backlog *b);

/* Empty b, freeing its memory. */
void backlog_free(struct backlog *b);

/* Bytes b holds (its chunks). */
size_t backlog_bytes(const struct backlog *b);

#endif
