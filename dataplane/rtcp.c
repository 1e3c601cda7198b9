/*
 * rtcp.c: RTCP receive statistics, parsing and SR building (RFC 3550 6, A.1-A.8).
 */
#include "dataplane/rtcp.h"

#include <errno.h>
#include <string.h>

#define RTP_SEQ_MOD (1u << 16)
#define MAX_DROPOUT 3000
#define MAX_MISORDER 100

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint8_t *wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

static void rtcp_rx_start(struct rtcp_rx *r, uint32_t ssrc, uint16_t seq)
{
	memset(r, 0, sizeof(*r));
	r->started = 1;
	r->ssrc = ssrc;
	r->base_seq = seq;
	r->max_seq = seq;
}

void rtcp_rx_packet(struct rtcp_rx *r, uint32_t ssrc, uint16_t seq, uint32_t rtp_ts,
		    uint32_t arrival_ts)
{
	uint16_t udelta;
	int32_t d;
	uint32_t transit;

	if (!r->started || ssrc != r->ssrc)
		rtcp_rx_start(r, ssrc, seq);
	udelta = (uint16_t)(seq - r->max_seq);
	/* A.1: in order with a permissible gap, or a wrap; a big jump restarts. */
	if (udelta < MAX_DROPOUT) {
		if (seq < r->max_seq)
			r->cycles += RTP_SEQ_MOD;
		r->max_seq = seq;
	} else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
		rtcp_rx_start(r, ssrc, seq);
	}
	r->received++;
	/* A.8: J += (|D| - J) / 16, in timestamp units scaled by 16. */
	transit = arrival_ts - rtp_ts;
	if (r->received > 1) {
		d = (int32_t)(transit - r->transit);
		if (d < 0)
			d = -d;
		r->jitter += (uint32_t)d - ((r->jitter + 8) >> 4);
	}
	r->transit = transit;
}

static uint32_t rtcp_rx_expected(const struct rtcp_rx *r)
{
	return r->cycles + r->max_seq - r->base_seq + 1;
}

int32_t rtcp_rx_lost(const struct rtcp_rx *r)
{
	return r->started ? (int32_t)(rtcp_rx_expected(r) - r->received) : 0;
}

enum dp_drop rtcp_parse(const uint8_t *buf, uint32_t len, uint32_t our_ssrc,
			struct rtcp_report *out)
{
	uint32_t off = 0;
	int first = 1;

	memset(out, 0, sizeof(*out));
	while (off < len) {
		const uint8_t *p = buf + off;
		uint32_t plen, count, blocks;

		if (len - off < 4 || (p[0] >> 6) != 2)
			return DP_DROP_RTCP_BAD;
		plen = 4u * (rd16(p + 2) + 1u);
		if (plen > len - off)
			return DP_DROP_RTCP_BAD;
		count = p[0] & 0x1f;
		if (first && p[1] != RTCP_SR && p[1] != RTCP_RR)
			return DP_DROP_RTCP_BAD; /* 6.1: a compound starts with SR or RR */
		first = 0;
		if (p[1] == RTCP_SR || p[1] == RTCP_RR) {
			uint32_t hdr = p[1] == RTCP_SR ? 28 : 8;

			if (plen < hdr + 24u * count)
				return DP_DROP_RTCP_BAD;
			out->sender_ssrc = rd32(p + 4);
			if (p[1] == RTCP_SR) {
				out->has_sr = 1;
				/* middle 32 bits of the 64-bit NTP timestamp */
				out->sr_ntp_mid = rd32(p + 8) << 16 | rd32(p + 12) >> 16;
			}
			for (blocks = 0; blocks < count; blocks++) {
				const uint8_t *b = p + hdr + 24 * blocks;

				if (rd32(b) != our_ssrc)
					continue;
				out->has_block = 1;
				out->fraction_lost = b[4];
				/* 24-bit signed */
				out->cumulative_lost = (int32_t)(rd32(b + 4) << 8) >> 8;
				out->jitter = rd32(b + 12);
				out->lsr = rd32(b + 16);
				out->dlsr = rd32(b + 20);
			}
		}
		off += plen;
	}
	return first ? DP_DROP_RTCP_BAD : DP_DROP_NONE;
}

int32_t rtcp_rtt_ms(uint64_t now_ntp, uint32_t lsr, uint32_t dlsr)
{
	uint32_t now_mid = (uint32_t)(now_ntp >> 16);
	uint32_t rtt;

	if (lsr == 0)
		return -1;
	rtt = now_mid - lsr - dlsr; /* 16.16 seconds */
	if ((int32_t)rtt < 0)
		return 0;
	return (int32_t)(((uint64_t)rtt * 1000) >> 16);
}

int rtcp_build_sr(uint8_t *buf, size_t size, const struct rtcp_sr_params *p,
		  struct rtcp_rx *rx)
{
	size_t cname_len = strlen(p->cname), sdes_words, need;
	int blocks = rx && rx->started ? 1 : 0;
	uint8_t *w = buf;

	if (cname_len > 255)
		cname_len = 255;
	/* SDES: header, SSRC, CNAME item (2 + len), end item, padded to 4 bytes */
	sdes_words = (4 + 4 + 2 + cname_len + 1 + 3) / 4;
	need = 28 + 24u * (unsigned)blocks + 4 * sdes_words;
	if (need > size)
		return -ENOSPC;

	*w++ = (uint8_t)(0x80 | blocks);
	*w++ = RTCP_SR;
	*w++ = (uint8_t)((6 + 6 * blocks) >> 8);
	*w++ = (uint8_t)(6 + 6 * blocks);
	w = wr32(w, p->ssrc);
	w = wr32(w, (uint32_t)(p->ntp >> 32));
	w = wr32(w, (uint32_t)p->ntp);
	w = wr32(w, p->rtp_ts);
	w = wr32(w, p->packets);
	w = wr32(w, p->octets);
	if (blocks) {
		uint32_t expected = rtcp_rx_expected(rx);
		uint32_t exp_int = expected - rx->expected_prior;
		uint32_t rec_int = rx->received - rx->received_prior;
		int32_t lost_int = (int32_t)(exp_int - rec_int), lost = rtcp_rx_lost(rx);
		uint8_t fraction = exp_int == 0 || lost_int <= 0
					   ? 0 : (uint8_t)(((uint32_t)lost_int << 8) / exp_int);
		uint32_t dlsr = 0;

		rx->expected_prior = expected;
		rx->received_prior = rx->received;
		if (rx->peer_sr_arrival_ntp)
			dlsr = (uint32_t)((p->now_ntp - rx->peer_sr_arrival_ntp) >> 16);
		if (lost > 0x7fffff)
			lost = 0x7fffff;
		if (lost < -0x800000)
			lost = -0x800000;
		w = wr32(w, rx->ssrc);
		w = wr32(w, (uint32_t)fraction << 24 | ((uint32_t)lost & 0xffffff));
		w = wr32(w, rx->cycles + rx->max_seq);
		w = wr32(w, rtcp_rx_jitter(rx));
		w = wr32(w, rx->peer_sr_arrival_ntp ? rx->peer_sr_ntp_mid : 0);
		w = wr32(w, rx->peer_sr_arrival_ntp ? dlsr : 0);
	}
	/* SDES with one chunk: our SSRC and CNAME (6.5), zero-padded. */
	*w++ = 0x81;
	*w++ = RTCP_SDES;
	*w++ = (uint8_t)((sdes_words - 1) >> 8);
	*w++ = (uint8_t)(sdes_words - 1);
	w = wr32(w, p->ssrc);
	*w++ = 1; /* CNAME */
	*w++ = (uint8_t)cname_len;
	memcpy(w, p->cname, cname_len);
	w += cname_len;
	while ((size_t)(w - buf) < need)
		*w++ = 0;
	return (int)need;
}
