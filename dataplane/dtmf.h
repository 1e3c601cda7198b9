/*
 * dtmf.h: RFC 4733 telephone-event reception for one call.
 *
 * dtmf_rx_put() takes each telephone-event packet (RTP timestamp and payload) and
 * reports a key press once, when it ends: on the first packet with the E bit (the
 * two redundant end packets that follow are ignored, RFC 4733 2.5.1.4), or, when the
 * end packets were all lost, when the next event starts or when no update came for
 * DTMF_LOST_END_MS (dtmf_rx_tick()). An event is identified by its RTP timestamp
 * (2.5.1.1), so a retransmission of an event already reported is ignored.
 *
 * Pure logic over one struct dtmf_rx per call, owned by the call's dp lcore.
 */
#ifndef VG_DTMF_H
#define VG_DTMF_H

#include <stdbool.h>
#include <stdint.h>

#define DTMF_LOST_END_MS 800

struct dtmf_event {
	uint8_t event;        /* 0-9, 10 '*', 11 '#', 12-15 'A'-'D', 16 flash */
	uint16_t duration_ms;
};

struct dtmf_rx {
	bool active;          /* an event is in progress */
	bool have_last;
	uint8_t event;
	uint32_t ts;          /* RTP timestamp of the event in progress */
	uint32_t duration;    /* in timestamp units (8 kHz) */
	uint32_t last_ts;     /* timestamp of the last event reported */
	uint64_t updated_ms;  /* last packet of the event in progress */
	uint64_t reported;
	uint64_t ended_by_timeout; /* reported without an end packet */
};

/* Reset for a new call. */
void dtmf_rx_init(struct dtmf_rx *d);

/*
 * One telephone-event payload (len bytes) with its RTP timestamp, at now_ms. Returns
 * the number of completed key presses written to out[0..1] (0, 1 or 2: a new event
 * can complete the previous one whose end was lost), or -EBADMSG when the payload is
 * shorter than the 4 bytes of RFC 4733 2.3.
 */
int dtmf_rx_put(struct dtmf_rx *d, uint32_t ts, const uint8_t *payload, uint32_t len,
		uint64_t now_ms, struct dtmf_event out[2]);

/* Report the event in progress if it has had no update for DTMF_LOST_END_MS.
 * Returns 1 with *out filled, or 0. */
int dtmf_rx_tick(struct dtmf_rx *d, uint64_t now_ms, struct dtmf_event *out);

/*
 * Sending key presses to the caller (RFC 4733 2.5.1): each 20 ms packet time of an
 * event carries one telephone-event packet instead of audio: the first with the
 * marker bit, then updates with a growing duration, all with the timestamp of the
 * event's start; then the end packet three times (2.5.1.4). Digits asked for while
 * one plays wait in a small queue; beyond it they are refused.
 */
#define DTMF_TX_QUEUE 16
#define DTMF_TX_ENDS 3

struct dtmf_tx {
	uint8_t active;
	uint8_t event;
	uint8_t ends_left;      /* end packets still to send */
	uint8_t started;        /* the first packet went out */
	uint32_t ts;            /* timestamp of the event's start */
	uint32_t duration;      /* sent so far, in timestamp units */
	uint32_t want;          /* requested duration, in timestamp units */
	uint8_t q_event[DTMF_TX_QUEUE];
	uint16_t q_ms[DTMF_TX_QUEUE];
	uint8_t q_head, q_count;
	uint64_t sent_events;
};

/* Queue a key press of duration_ms (40..5000, clamped) towards the caller. Returns 0
 * or -ENOBUFS when DTMF_TX_QUEUE presses already wait. */
int dtmf_tx_push(struct dtmf_tx *t, uint8_t event, uint16_t duration_ms);

/*
 * The packet to send at this 20 ms packet time, whose RTP timestamp would be ts:
 * returns 1 with the 4-byte payload, the timestamp to put in the packet and whether
 * to set the marker bit; 0 when no event is playing (send audio).
 */
int dtmf_tx_next(struct dtmf_tx *t, uint32_t ts, uint8_t payload[4], uint32_t *pkt_ts,
		 bool *marker);

#endif
