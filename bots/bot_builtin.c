/*
 * bot_builtin.c: the built-in bots besides echo: null, play and record.
 *
 * null: takes the caller's frames and does nothing with them (benchmarks).
 *
 * play: plays the agent's WAV file (8 kHz, mono, PCM16) to the caller, once or again
 * and again (loop). It paces itself with marks: it queues a second of audio and a
 * mark, and each mark that comes back (its audio played) lets it queue the next half
 * second, so the playout queue never overflows whatever its size, and nothing waits
 * on the caller's own audio. It starts with the caller's first frame, when the
 * dataplane has the call. The file is read when the session opens (one read per
 * call; fine for prompts, not for hours of audio).
 *
 * record: takes the caller's frames and sends nothing; what it is for is the
 * session's recording of both directions (bot_tap_open() in bot.c, with the agent's
 * dir), which any bot can have with record_dir.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "bots/bot.h"

/* ---- null ---- */

static int null_open(struct bot_session *s, const struct cfg_agent *a)
{
	(void)s;
	(void)a;
	return 0;
}

static void null_frame(struct bot_worker *w, struct bot_session *s, const struct vg_frame *f)
{
	(void)w;
	(void)s;
	(void)f;
}

static void null_close(struct bot_session *s)
{
	(void)s;
}

const struct bot_ops bot_null_ops = {
	.name = "null", .open = null_open, .frame = null_frame, .close = null_close,
};

/* ---- play ---- */

#define PLAY_FIRST 50 /* frames queued before the first mark: 1 s */
#define PLAY_NEXT 25  /* frames queued for each mark that comes back */

struct play_state {
	int16_t *pcm;
	size_t n, pos;  /* samples in the file, next to play */
	bool loop, started, done;
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The samples of a WAV file of 8 kHz mono PCM16 into *pcm (malloc'd). Returns the
 * sample count, or -EINVAL / -ENOENT / -ENOMEM. */
static long play_load(const char *path, int16_t **pcm)
{
	FILE *f = fopen(path, "rb");
	uint8_t hdr[12], ch[8], fmt[16];
	long n = -EINVAL;
	int fmt_ok = 0;

	if (!f)
		return -ENOENT;
	if (fread(hdr, 1, 12, f) != 12 || memcmp(hdr, "RIFF", 4) || memcmp(hdr + 8, "WAVE", 4))
		goto out;
	while (fread(ch, 1, 8, f) == 8) {
		uint32_t len = le32(ch + 4);

		if (memcmp(ch, "fmt ", 4) == 0 && len >= 16) {
			if (fread(fmt, 1, 16, f) != 16 || fseek(f, (long)(len - 16 + (len & 1)),
							    SEEK_CUR))
				goto out;
			/* PCM, 1 channel, 8000 Hz, 16 bits */
			fmt_ok = fmt[0] == 1 && fmt[1] == 0 && fmt[2] == 1 && fmt[3] == 0 &&
				 le32(fmt + 4) == 8000 && fmt[14] == 16;
		} else if (memcmp(ch, "data", 4) == 0 && fmt_ok) {
			uint8_t *raw = malloc(len ? len : 1);

			if (!raw) {
				n = -ENOMEM;
				goto out;
			}
			len = (uint32_t)fread(raw, 1, len, f) & ~1u;
			*pcm = malloc(len ? len : 2);
			if (!*pcm) {
				free(raw);
				n = -ENOMEM;
				goto out;
			}
			for (uint32_t i = 0; i < len / 2; i++)
				(*pcm)[i] = (int16_t)(raw[2 * i] | raw[2 * i + 1] << 8);
			free(raw);
			n = (long)(len / 2);
			goto out;
		} else if (fseek(f, (long)(len + (len & 1)), SEEK_CUR)) {
			goto out;
		}
	}
out:
	fclose(f);
	return n;
}

static int play_open(struct bot_session *s, const struct cfg_agent *a)
{
	struct play_state *p = calloc(1, sizeof(*p));
	long n;

	if (!p)
		return -ENOMEM;
	n = play_load(a->file, &p->pcm);
	if (n < 0) {
		log_err("bot", "call %s: play: %s is not a WAV file of 8 kHz mono PCM16 (%s)",
			s->call_id, a->file, strerror((int)-n));
		free(p);
		return (int)n;
	}
	p->n = (size_t)n;
	p->loop = a->loop;
	s->state = p;
	return 0;
}

/* Queue up to frames frames of the file, then a mark to ask for more. */
static void play_more(struct bot_worker *w, struct bot_session *s, unsigned frames)
{
	struct play_state *p = s->state;
	int16_t frame[VG_FRAME_SAMPLES];

	for (unsigned i = 0; i < frames && !p->done; i++) {
		for (unsigned k = 0; k < VG_FRAME_SAMPLES; k++) {
			if (p->pos == p->n && p->loop && p->n)
				p->pos = 0;
			frame[k] = p->pos < p->n ? p->pcm[p->pos++] : 0;
		}
		if (bot_send_pcm(w, s, frame) != 0)
			break;
		p->done = p->pos == p->n && !p->loop;
	}
	if (!p->done)
		bot_send_mark(w, s, 0);
}

static void play_frame(struct bot_worker *w, struct bot_session *s, const struct vg_frame *f)
{
	struct play_state *p = s->state;

	(void)f;
	if (!p->started) {
		p->started = true;
		play_more(w, s, PLAY_FIRST);
	}
}

static void play_mark(struct bot_worker *w, struct bot_session *s, uint32_t id)
{
	(void)id;
	play_more(w, s, PLAY_NEXT);
}

static void play_close(struct bot_session *s)
{
	struct play_state *p = s->state;

	if (p)
		free(p->pcm);
	free(p);
	s->state = NULL;
}

const struct bot_ops bot_play_ops = {
	.name = "play", .open = play_open, .frame = play_frame, .mark = play_mark,
	.close = play_close,
};

/* ---- record: a null bot whose session records both directions (bot.c's tap) ---- */

const struct bot_ops bot_record_ops = {
	.name = "record", .open = null_open, .frame = null_frame, .close = null_close,
};
