/*
 * stamp.h: the stamp the load generators (tools/vgload, bench/dp_bench) put at the
 * start of every G.711 payload they send: TSC, call number, packet number, 16 bytes
 * written as 32 bytes of 0x20 | nibble. Such bytes survive G.711 decode then encode
 * (A-law always, mu-law since 0x7f is never among them), so an echo bot brings them
 * back as they were sent.
 */
#ifndef VG_STAMP_H
#define VG_STAMP_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define STAMP_LEN 32

static inline void stamp_put(uint8_t *pl, uint64_t tsc, uint32_t call, uint32_t seq)
{
	uint8_t raw[16];

	memcpy(raw, &tsc, 8);
	memcpy(raw + 8, &call, 4);
	memcpy(raw + 12, &seq, 4);
	for (unsigned i = 0; i < 16; i++) {
		pl[2 * i] = (uint8_t)(0x20 | raw[i] >> 4);
		pl[2 * i + 1] = (uint8_t)(0x20 | (raw[i] & 15));
	}
}

/* Read a stamp back; false when these are not stamp bytes (silence, other audio). */
static inline bool stamp_get(const uint8_t *pl, uint64_t *tsc, uint32_t *call)
{
	uint8_t raw[16];

	for (unsigned i = 0; i < STAMP_LEN; i++)
		if ((pl[i] & 0xf0) != 0x20)
			return false;
	for (unsigned i = 0; i < 16; i++)
		raw[i] = (uint8_t)((pl[2 * i] & 15) << 4 | (pl[2 * i + 1] & 15));
	memcpy(tsc, raw, 8);
	memcpy(call, raw + 8, 4);
	return true;
}

#endif
