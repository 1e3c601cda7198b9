/*
 * sdp_offer.h: SDP offer/answer for voxgate's audio (RFC 3264, RFC 4566).
 *
 * sdp_offer_choose() parses an offer with sofia-sip's SDP parser and picks the
 * first audio stream with a G.711 codec the trunk accepts (in the trunk's order of
 * preference), plus telephone-event (RFC 4733) when offered; sdp_answer_format()
 * writes the answer for that choice, rejecting every other stream with port 0 so the
 * answer has as many m= lines as the offer (RFC 3264 6). Pure functions: any thread,
 * no state; the caller owns the buffers.
 *
 * SRTP with SDES keys (RFC 4568): an RTP/SAVP stream counts only with an a=crypto line
 * voxgate can use (sdp_crypto_parse); the trunk's policy (enum cfg_srtp) says whether
 * RTP/AVP, RTP/SAVP or both are taken. The chosen line's key is the caller's; the
 * caller of sdp_answer_format() puts a fresh random key of its own in srtp.tx_key.
 */
#ifndef VG_SDP_OFFER_H
#define VG_SDP_OFFER_H

#include <stddef.h>
#include <stdint.h>

#include "shared/cs.h"

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
	char crypto_tag[12];    /* tag of the chosen a=crypto line, "" for RTP/AVP */
	struct cs_srtp srtp;    /* suite, the caller's key and MKI; tx_key: the caller's */
	unsigned stream;        /* index of the chosen m= line */
	unsigned n_streams;     /* m= lines in the offer */
	/* Every m= line of the offer, for the rejected lines of the answer. */
	struct {
		char type[16];
		char proto[24];
		char fmt[8];
	} streams[SDP_MAX_STREAMS];
};

/* Name of a suite as written in a=crypto ("AES_CM_128_HMAC_SHA1_80"). */
const char *sdp_srtp_suite_name(unsigned suite);

/*
 * Parse the value of one a=crypto attribute (RFC 4568 9.1: "tag suite inline:key||salt
 * [|lifetime][|MKI:length] [session params]") into tag (tagsize bytes) and out (suite,
 * rx_key, rx_mki_len, rx_mki). Lifetimes and a window size hint (WSH) are accepted
 * and not used; an MKI of up to CS_SRTP_MKI_MAX bytes is taken. Returns 0; -ENOTSUP
 * for a suite, several keys or a session parameter voxgate does not do, -EBADMSG
 * when the line is malformed or the key has the wrong length for the suite; why
 * (whylen bytes) says which. Never writes key material into why.
 */
int sdp_crypto_parse(const char *value, char *tag, size_t tagsize, struct cs_srtp *out,
		     char *why, size_t whylen);

/*
 * Choose the audio stream and codec of the offer sdp[0..len). codecs lists the
 * trunk's accepted codecs (enum cfg_codec), most preferred first; srtp is the
 * trunk's enum cfg_srtp. Under CFG_SRTP_OPTIONAL an RTP/SAVP stream with a usable
 * a=crypto line is preferred to an RTP/AVP one; of several usable crypto lines the
 * first (the offerer's preference) wins. Returns 0 and fills out; -EBADMSG when the
 * SDP does not parse (why says where), -ENOTSUP when no stream is RTP/AVP or RTP/SAVP
 * (as the policy allows) audio over IPv4 with an accepted codec at 8000 Hz and, for
 * RTP/SAVP, a usable crypto line (why says what was offered). why has whylen bytes.
 */
int sdp_offer_choose(const char *sdp, size_t len, const uint8_t *codecs,
		     unsigned n_codecs, unsigned srtp, struct sdp_choice *out, char *why,
		     size_t whylen);

/*
 * Write the answer for choice c into buf (size bytes): origin and connection
 * media_ip (dotted quad), our RTP port, the chosen codec, telephone-event if it was
 * offered, ptime 20 and the direction; for SRTP, RTP/SAVP and one a=crypto line with
 * the offer's tag, the suite and c->srtp.tx_key. Returns the length written, or
 * -ENOSPC.
 */
int sdp_answer_format(char *buf, size_t size, const struct sdp_choice *c,
		      const char *media_ip, uint16_t port, uint64_t session_id,
		      uint64_t version);

/* The telephone-event payload type of voxgate's own offers. */
#define SDP_OFFER_DTMF_PT 101

/*
 * Write voxgate's own offer (a call it places) into buf (size bytes): one RTP/AVP
 * audio stream on media_ip:port with codecs (enum cfg_codec, in order of
 * preference), telephone-event 0-16, ptime 20, sendrecv; with srtp (suite non-zero),
 * RTP/SAVP and a=crypto:1 with its suite and tx_key (RFC 4568). The answer is read
 * with sdp_offer_choose(). Returns the length written, or -ENOSPC.
 */
int sdp_offer_format(char *buf, size_t size, const char *media_ip, uint16_t port,
		     const uint8_t *codecs, unsigned n_codecs, uint64_t session_id,
		     uint64_t version, const struct cs_srtp *srtp);

#endif
