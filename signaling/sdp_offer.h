/*
 * sdp_offer.h: SDP offer/answer for voxgate's audio (RFC 3264, RFC 4566).
 *
 * sdp_offer_choose() parses an offer with sofia-sip's SDP parser and picks the
 * first audio stream with a G.711 codec the trunk accepts (in the trunk's order of
 * preference), plus telephone-event (RFC 4733) when offered; sdp_answer_format()
 * writes the answer for that choice, rejecting every other stream with port 0 so the
 * answer has as many m= lines as the offer (RFC 3264 6). Pure functions: any thread,
 * no state; the caller owns the buffers.
 */
#ifndef VG_SDP_OFFER_H
#define VG_SDP_OFFER_H

#include <stddef.h>
#include <stdint.h>

#define SDP_MAX_STREAMS 8

/* What the offer asked for and what voxgate will answer. */
struct sdp_choice {
	uint32_t remote_ip;     /* IPv4 of the chosen stream, network order */
	uint16_t remote_port;   /* its RTP port */
	uint8_t law;            /* enum cs_law */
	uint8_t pt;             /* offered payload type of the chosen codec */
	uint8_t dtmf_pt;        /* offered telephone-event/8000 PT, or 0xff */
	uint8_t dir;            /* enum cs_dir, from voxgate's side */
	char dtmf_fmtp[64];     /* fmtp of telephone-event as offered ("" if none) */
	unsigned stream;        /* index of the chosen m= line */
	unsigned n_streams;     /* m= lines in the offer */
	/* Every m= line of the offer, for the rejected lines of the answer. */
	struct {
		char type[16];
		char proto[24];
		char fmt[8];
	} streams[SDP_MAX_STREAMS];
};

/*
 * Choose the audio stream and codec of the offer sdp[0..len). codecs lists the
 * trunk's accepted codecs (enum cfg_codec), most preferred first. Returns 0 and fills
 * out; -EBADMSG when the SDP does not parse (why says where), -ENOTSUP when no stream
 * is RTP/AVP audio over IPv4 with an accepted codec at 8000 Hz (why says what was
 * offered). why has whylen bytes.
 */
int sdp_offer_choose(const char *sdp, size_t len, const uint8_t *codecs,
		     unsigned n_codecs, struct sdp_choice *out, char *why, size_t whylen);

/*
 * Write the answer for choice c into buf (size bytes): origin and connection
 * media_ip (dotted quad), our RTP port, the chosen codec, telephone-event if it was
 * offered, ptime 20 and the direction. Returns the length written, or -ENOSPC.
 */
int sdp_answer_format(char *buf, size_t size, const struct sdp_choice *c,
		      const char *media_ip, uint16_t port, uint64_t session_id,
		      uint64_t version);

#endif
