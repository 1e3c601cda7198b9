/*
 * rtcp.h: RTCP for one call (RFC 3550 6): receive statistics of the caller's stream,
 * parsing the caller's SR/RR, and building voxgate's SR.
 *
 * Pure functions over caller-owned structs (one struct rtcp_rx per call, owned by the
 * call's dp lcore); times are passed in: NTP time as 32.32 fixed point, arrival time
 * in RTP timestamp units (8 kHz).
 */
#ifndef VG_RTCP_H
#define VG_RTCP_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/drop.h"

#define RTCP_SR 200
#define RTCP_RR 201
#define RTCP_SDES 202
#define RTCP_INTERVAL_MS 5000

/* Receive statistics of one source (RFC 3550 A.1, A.3, A.8). */
struct rtcp_rx {
	uint32_t ssrc;
	uint16_t max_seq;
	uint32_t cycles;         /* shifted count of sequence number wraps */
	uint32_t base_seq;
	uint32_t received;
	uint32_t expected_prior, received_prior;
	uint32_t transit;        /* relative transit time of the last packet */
	uint32_t jitter;         /* interarrival jitter, timestamp units << 4 */
	uint8_t started;
	/* from the peer's last SR, for our report block's LSR/DLSR */
	uint32_t peer_sr_ntp_mid;
	uint64_t peer_sr_arrival_ntp;
};

/* What the caller's RTCP told us about voxgate's stream. */
struct rtcp_report {
	uint8_t has_sr;          /* the compound held an SR */
	uint32_t sender_ssrc;
	uint32_t sr_ntp_mid;     /* middle 32 bits of the SR's NTP timestamp */
	uint8_t has_block;       /* a report block about our SSRC */
	uint8_t fraction_lost;   /* of our packets, /256 */
	int32_t cumulative_lost;
	uint32_t jitter;         /* timestamp units */
	uint32_t lsr, dlsr;      /* 16.16 NTP */
};

/* Count one audio packet of the caller (seq, RTP timestamp) arriving at
 * arrival_ts (in timestamp units). A new SSRC restarts the statistics. */
void rtcp_rx_packet(struct rtcp_rx *r, uint32_t ssrc, uint16_t seq, uint32_t rtp_ts,
		    uint32_t arrival_ts);

/* Packets lost so far (expected - received, RFC 3550 A.3), may be negative. */
int32_t rtcp_rx_lost(const struct rtcp_rx *r);

/* Interarrival jitter in timestamp units. */
static inline uint32_t rtcp_rx_jitter(const struct rtcp_rx *r)
{
	return r->jitter >> 4;
}

/*
 * Parse a compound RTCP packet (RFC 3550 6.1: version 2, lengths that add up, an SR
 * or RR first) and take from it what concerns our_ssrc. Returns DP_DROP_NONE, or
 * DP_DROP_RTCP_BAD.
 */
enum dp_drop rtcp_parse(const uint8_t *buf, uint32_t len, uint32_t our_ssrc,
			struct rtcp_report *out);

/* Round-trip time in ms from a report block (RFC 3550 6.4.1), now_ntp being the
 * arrival time of the report; -1 when the block holds no LSR. */
int32_t rtcp_rtt_ms(uint64_t now_ntp, uint32_t lsr, uint32_t dlsr);

/* What goes into voxgate's SR. */
struct rtcp_sr_params {
	uint32_t ssrc;
	uint64_t ntp;            /* 32.32 */
	uint32_t rtp_ts;         /* our RTP timestamp at that NTP time */
	uint32_t packets, octets;
	const struct rtcp_rx *rx; /* the caller's stream, or NULL when none yet */
	uint64_t now_ntp;        /* for DLSR */
	const char *cname;
};

/*
 * Write a compound packet SR (+ one report block when rx has packets) + SDES CNAME
 * into buf. Returns its length, or -ENOSPC when it does not fit. Updates the
 * *_prior counters of rx (the fraction lost is per interval, A.3).
 */
int rtcp_build_sr(uint8_t *buf, size_t size, const struct rtcp_sr_params *p,
		  struct rtcp_rx *rx);

#endif
