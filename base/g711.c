/*
 * g711.c: G.711 tables built from the segment arithmetic of ITU-T G.711.
 *
 * A-law works on 13-bit magnitudes (sample >> 3) in 8 segments; mu-law on 14-bit
 * magnitudes (sample >> 2) biased by 33 (0x84 at 16-bit scale) in 8 segments. Codes
 * are sent with even bits inverted (A-law, XOR 0x55) or all bits inverted (mu-law).
 */
#include "base/g711.h"

int16_t g711_alaw_dec[256];
int16_t g711_ulaw_dec[256];
uint8_t g711_alaw_enc[16384];
uint8_t g711_ulaw_enc[16384];

#define ULAW_BIAS 0x84
#define ULAW_CLIP 8159 /* largest 14-bit magnitude before the bias */

/* Segment of a magnitude: the number of times it can be halved above 'first'. */
static int g711_segment(int mag, int first)
{
	int seg = 0;

	while (seg < 8 && mag > (first << seg) - 1 + (first << seg))
		seg++;
	return seg;
}

uint8_t g711_alaw_encode_ref(int16_t pcm)
{
	int v = pcm >> 3, mask, seg;
	uint8_t code;

	if (v >= 0) {
		mask = 0xd5; /* sign bit set, even bits inverted */
	} else {
		mask = 0x55;
		v = -v - 1;
	}
	/* Segment ends in 13-bit units: 31, 63, 127, ..., 4095. */
	seg = g711_segment(v, 16);
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	code = (uint8_t)(seg << 4);
	code |= (uint8_t)((seg < 2 ? v >> 1 : v >> seg) & 0x0f);
	return (uint8_t)(code ^ mask);
}

int16_t g711_alaw_decode_ref(uint8_t code)
{
	int a = code ^ 0x55, seg = (a & 0x70) >> 4, t = (a & 0x0f) << 4;

	if (seg == 0)
		t += 8;
	else
		t = (t + 0x108) << (seg - 1);
	return (int16_t)((a & 0x80) ? t : -t);
}

uint8_t g711_ulaw_encode_ref(int16_t pcm)
{
	int v = pcm >> 2, mask, seg;

	if (v < 0) {
		v = -v;
		mask = 0x7f;
	} else {
		mask = 0xff;
	}
	if (v > ULAW_CLIP)
		v = ULAW_CLIP;
	v += ULAW_BIAS >> 2;
	/* Segment ends in 14-bit biased units: 63, 127, ..., 8191. */
	seg = g711_segment(v, 32);
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	return (uint8_t)(((seg << 4) | ((v >> (seg + 1)) & 0x0f)) ^ mask);
}

int16_t g711_ulaw_decode_ref(uint8_t code)
{
	int u = ~code & 0xff, t;

	t = ((u & 0x0f) << 3) + ULAW_BIAS;
	t <<= (u & 0x70) >> 4;
	return (int16_t)((u & 0x80) ? ULAW_BIAS - t : t - ULAW_BIAS);
}

void g711_init(void)
{
	for (int c = 0; c < 256; c++) {
		g711_alaw_dec[c] = g711_alaw_decode_ref((uint8_t)c);
		g711_ulaw_dec[c] = g711_ulaw_decode_ref((uint8_t)c);
	}
	for (int i = 0; i < 16384; i++) {
		int16_t pcm = (int16_t)(uint16_t)(i << 2);

		g711_alaw_enc[i] = g711_alaw_encode_ref(pcm);
		g711_ulaw_enc[i] = g711_ulaw_encode_ref(pcm);
	}
}
