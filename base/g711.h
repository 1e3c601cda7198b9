/*
 * g711.h: ITU-T G.711 A-law and mu-law, table driven.
 *
 * Decoding is one 256-entry table per law; encoding is one 16384-entry table per
 * law indexed by the top 14 bits of the sample (A-law uses 13 of them, mu-law 14),
 * so both directions are one load per sample. Call g711_init() once before any
 * other function (it fills the tables; any thread may then use them read-only).
 */
#ifndef VG_G711_H
#define VG_G711_H

#include <stddef.h>
#include <stdint.h>

extern int16_t g711_alaw_dec[256];
extern int16_t g711_ulaw_dec[256];
extern uint8_t g711_alaw_enc[16384];
extern uint8_t g711_ulaw_enc[16384];

/* Fill the tables from the reference formulas. Idempotent. */
void g711_init(void);

/* Reference encoders/decoders (ITU-T G.711 segment arithmetic), used to build the
 * tables and by the unit tests. Not for the fast path. */
uint8_t g711_alaw_encode_ref(int16_t pcm);
uint8_t g711_ulaw_encode_ref(int16_t pcm);
int16_t g711_alaw_decode_ref(uint8_t code);
int16_t g711_ulaw_decode_ref(uint8_t code);

/* Decode n codes into pcm (law: 1 for A-law, 0 for mu-law, as enum cs_law). */
static inline void g711_decode(int law, const uint8_t *in, int16_t *pcm, size_t n)
{
	const int16_t *t = law ? g711_alaw_dec : g711_ulaw_dec;

	for (size_t i = 0; i < n; i++)
		pcm[i] = t[in[i]];
}

/* Encode n samples into codes with the given law. */
static inline void g711_encode(int law, const int16_t *pcm, uint8_t *out, size_t n)
{
	const uint8_t *t = law ? g711_alaw_enc : g711_ulaw_enc;

	for (size_t i = 0; i < n; i++)
		out[i] = t[(uint16_t)pcm[i] >> 2];
}

/* The code of digital silence (+0) for a law. */
static inline uint8_t g711_silence(int law)
{
	return law ? 0xd5 : 0xff;
}

#endif
