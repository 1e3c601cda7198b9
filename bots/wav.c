/*
 * wav.c: the WAV files of recordings (8 kHz mono PCM16), written through stdio's
 * buffer by the bot worker that owns the session; the header's sizes are filled in
 * when the file is closed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "bots/bot.h"

static void bot_wav_header(FILE *f, uint32_t bytes)
{
	uint8_t h[44] = "RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x40\x1f\0\0\x80\x3e\0\0"
			"\x02\0\x10\0data";

	for (int i = 0; i < 4; i++) {
		h[4 + i] = (uint8_t)((36 + bytes) >> (8 * i));
		h[40 + i] = (uint8_t)(bytes >> (8 * i));
	}
	fwrite(h, 1, sizeof(h), f);
}

int bot_wav_open(struct bot_wav *w, const char *dir, const char *call_id, const char *what)
{
	char path[512], name[100];
	size_t i;

	for (i = 0; call_id[i] && i < sizeof(name) - 1; i++)
		name[i] = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789-_.@", call_id[i]) ? call_id[i] : '_';
	name[i] = '\0';
	snprintf(path, sizeof(path), "%s/%s-%s.wav", dir, name, what);
	w->bytes = 0;
	w->f = fopen(path, "wb");
	if (!w->f) {
		int err = errno;

		log_err("bot", "call %s: cannot write the recording %s: %s", call_id, path,
			strerror(err));
		return -err;
	}
	bot_wav_header(w->f, 0);
	return 0;
}

void bot_wav_write(struct bot_wav *w, const int16_t *pcm, unsigned n)
{
	uint8_t le[2 * VG_FRAME_SAMPLES];

	if (!w->f)
		return;
	for (unsigned i = 0; i < n && i < VG_FRAME_SAMPLES; i++) {
		le[2 * i] = (uint8_t)pcm[i];
		le[2 * i + 1] = (uint8_t)((uint16_t)pcm[i] >> 8);
	}
	w->bytes += (uint32_t)fwrite(le, 1, 2u * (n < VG_FRAME_SAMPLES ? n : VG_FRAME_SAMPLES),
				     w->f);
}

void bot_wav_close(struct bot_wav *w)
{
	if (!w->f)
		return;
	if (fseek(w->f, 0, SEEK_SET) == 0)
		bot_wav_header(w->f, w->bytes);
	fclose(w->f);
	w->f = NULL;
}
