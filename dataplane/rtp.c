/*
 * rtp.c: RTP header parsing and writing (RFC 3550 5.1).
 */
#include "dataplane/rtp.h"

#include <stddef.h>

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

enum dp_drop rtp_parse(const uint8_t *buf, uint32_t len, struct rtp_info *out)
{
	uint32_t off, end = len;

	if (len < RTP_HDR_LEN)
		return DP_DROP_RTP_SHORT;
	if ((buf[0] >> 6) != 2)
		return DP_DROP_RTP_VERSION;
	off = RTP_HDR_LEN + 4u * (buf[0] & 0x0f);
	if (off > len)
		return DP_DROP_RTP_CSRC;
	if (buf[0] & 0x10) {
		/* RFC 3550 5.3.1: 16-bit profile field, 16-bit length in 32-bit words. */
		if (off + 4 > len)
			return DP_DROP_RTP_EXT;
		off += 4 + 4u * rd16(buf + off + 2);
		if (off > len)
			return DP_DROP_RTP_EXT;
	}
	if (buf[0] & 0x20) {
		uint8_t pad = buf[len - 1];

		if (pad == 0 || pad > len - off)
			return DP_DROP_RTP_PADDING;
		end -= pad;
	}
	out->marker = buf[1] >> 7;
	out->pt = buf[1] & 0x7f;
	out->seq = rd16(buf + 2);
	out->ts = rd32(buf + 4);
	out->ssrc = rd32(buf + 8);
	out->payload = buf + off;
	out->payload_len = end - off;
	return DP_DROP_NONE;
}

void rtp_write_hdr(uint8_t *buf, uint8_t pt, bool marker, uint16_t seq, uint32_t ts,
		   uint32_t ssrc)
{
	buf[0] = 0x80;
	buf[1] = (uint8_t)((marker ? 0x80 : 0) | (pt & 0x7f));
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	buf[4] = (uint8_t)(ts >> 24);
	buf[5] = (uint8_t)(ts >> 16);
	buf[6] = (uint8_t)(ts >> 8);
	buf[7] = (uint8_t)ts;
	buf[8] = (uint8_t)(ssrc >> 24);
	buf[9] = (uint8_t)(ssrc >> 16);
	buf[10] = (uint8_t)(ssrc >> 8);
	buf[11] = (uint8_t)ssrc;
}
