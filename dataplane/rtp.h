/*
 * rtp.h: RTP header parsing and writing (RFC 3550 5.1).
 *
 * Pure functions over byte buffers, callable from any thread; the dataplane uses them
 * on its fast path, the unit tests alone.
 */
#ifndef VG_RTP_H
#define VG_RTP_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/drop.h"

#define RTP_HDR_LEN 12

/* What rtp_parse() found in a packet. payload points into the parsed buffer. */
struct rtp_info {
	uint8_t pt;
	bool marker;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	const uint8_t *payload;
	uint32_t payload_len;
};

/*
 * Parse the RTP packet buf[0..len). Checks the version, that the CSRC list and the
 * header extension lie inside the packet, and that a padding count is neither zero
 * nor larger than what follows the header (RFC 3550 5.1). Returns DP_DROP_NONE and
 * fills out, or the reason to drop the packet.
 */
enum dp_drop rtp_parse(const uint8_t *buf, uint32_t len, struct rtp_info *out);

/* Write a 12-byte RTP header (version 2, no padding, extension or CSRC) to buf. */
void rtp_write_hdr(uint8_t *buf, uint8_t pt, bool marker, uint16_t seq, uint32_t ts,
		   uint32_t ssrc);

#endif
