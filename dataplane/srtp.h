/*
 * srtp.h: a call's SRTP and SRTCP (RFC 3711) over libsrtp2.
 *
 * A struct srtp_call holds two libsrtp2 sessions: one for what the caller sends
 * (any SSRC, keyed from its a=crypto line) and one for what voxgate sends (our SSRC,
 * keyed from our a=crypto line). Both use the suite the SDP agreed on for SRTP; SRTCP
 * is always HMAC-SHA1-80 or GCM (RFC 4568 6.2, RFC 7714 12). Replay protection is
 * libsrtp2's window of 128 packets (RFC 3711 3.3.2, which asks for at least 64).
 *
 * Only the dp lcore that owns the call calls these functions. Opening a direction
 * allocates (libsrtp2 mallocs its contexts, once per call, never per packet) and
 * closing frees; libsrtp2 wipes the keys it derived when a context is freed, and the
 * wrapper wipes every copy it made. Nothing here logs.
 *
 * Cost per 172-byte packet, AES_CM_128_HMAC_SHA1_80 (bench/srtp_ops.c; bench/README.md,
 * "SRTP"): about 1,200 cycles to protect or unprotect with the libsrtp2 voxgate links
 * by default, Debian's source built against OpenSSL (tools/srtp_openssl.sh); about
 * 60,000 with Debian's binary package, built on NSS (VOXGATE_SRTP=debian).
 */
#ifndef VG_SRTP_H
#define VG_SRTP_H

#include <stdbool.h>
#include <stdint.h>

#include <srtp2/srtp.h>

#include "dataplane/drop.h"
#include "shared/cs.h"

/* Bytes srtp_call_protect() may add to a packet: the tag and, for SRTCP, the index. */
#define SRTP_CALL_TRAILER (SRTP_MAX_TRAILER_LEN + 4)

/* SRTP state of one call; zeroed means plain RTP both ways. */
struct srtp_call {
	srtp_t rx;        /* the caller's packets; NULL: not SRTP */
	srtp_t tx;        /* ours; NULL: not SRTP */
	uint8_t rx_mki;   /* the caller's packets carry an MKI */
};

/*
 * Initialise libsrtp2 once per process, before any other call here. Returns 0 or
 * -EIO.
 */
int srtp_call_lib_init(void);

/* Undo srtp_call_lib_init() once every call is closed. */
void srtp_call_lib_fini(void);

/*
 * Key the caller's direction of s from k (suite, rx_key, MKI), closing the old one
 * if open. Returns 0, -EINVAL for a suite this libsrtp2 lacks or a bad key, -ENOMEM.
 */
int srtp_call_open_rx(struct srtp_call *s, const struct cs_srtp *k);

/*
 * Key our direction of s from k (suite, tx_key) for the stream with SSRC ssrc
 * (host order), closing the old one if open. Returns 0, -EINVAL or -ENOMEM.
 */
int srtp_call_open_tx(struct srtp_call *s, const struct cs_srtp *k, uint32_t ssrc);

/* Free both directions (their keys are wiped); s is plain RTP afterwards. */
void srtp_call_close(struct srtp_call *s);

/*
 * Check and decrypt the SRTP (rtcp false) or SRTCP (rtcp true) packet pkt[0..*len)
 * in place; *len becomes the plain packet's length. Returns DP_DROP_NONE,
 * DP_DROP_SRTP_AUTH (the tag does not match: tampered, or not keyed with this key),
 * DP_DROP_SRTP_REPLAY (seen before, or older than the window) or DP_DROP_SRTP_BAD
 * (too short, unknown MKI, anything else libsrtp2 refuses). A refused packet does
 * not change the replay window.
 */
enum dp_drop srtp_call_unprotect(struct srtp_call *s, uint8_t *pkt, uint32_t *len,
				 bool rtcp);

/*
 * Encrypt and authenticate the RTP (rtcp false) or RTCP (rtcp true) packet
 * pkt[0..*len) in place; the buffer must have SRTP_CALL_TRAILER more bytes after
 * it. *len becomes the protected length. Returns 0, or -EIO when libsrtp2 refuses
 * (e.g. the key's packet limit is reached).
 */
int srtp_call_protect(struct srtp_call *s, uint8_t *pkt, uint32_t *len, bool rtcp);

#endif
