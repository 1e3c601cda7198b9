/*
 * jb.h: the receive side of one call's RTP audio: a small reorder window.
 *
 * jb_put() takes each audio packet of the call and hands frames to the emit callback
 * in sequence order, one per RTP sequence number, so the bot receives an unbroken
 * 50 frames/s: an in-order packet goes out at once (no added latency); a packet after
 * a gap waits, up to `window` packets or hold_ms, for the missing one; what never
 * comes is emitted as a gap frame (payload NULL: the caller conceals it). Duplicates
 * and packets too late to be used are dropped and counted; a new SSRC starts a new
 * stream (counted); a jump of more than JB_MAX_GAP packets resynchronises instead of
 * filling. RFC 3550 5.1 and A.1 for the sequence arithmetic.
 *
 * Pure logic over one struct jb per call, owned by the call's dp lcore: no clock of
 * its own (the caller passes the time in ms), no allocation.
 */
#ifndef VG_JB_H
#define VG_JB_H

#include <stdbool.h>
#include <stdint.h>

#define JB_MAX_WINDOW 8
#define JB_MAX_GAP 50        /* 1 s of frames; a larger jump resynchronises */
#define JB_PAYLOAD 160

/* Emit one frame in order. payload is JB_PAYLOAD bytes of G.711, or NULL for a gap
 * the caller must conceal. */
typedef void(jb_emit_h)(void *arg, uint16_t seq, const uint8_t *payload);

enum jb_verdict {
	JB_OK = 0,      /* emitted or held */
	JB_DUPLICATE,   /* already emitted or held: dropped */
	JB_LATE,        /* its place was already filled: dropped */
};

struct jb_stats {
	uint64_t emitted;       /* frames emitted from packets */
	uint64_t filled;        /* gap frames emitted */
	uint64_t reordered;     /* packets that arrived after a later one and were used */
	uint64_t duplicates;
	uint64_t late;
	uint64_t ssrc_changes;
	uint64_t resyncs;
};

struct jb {
	bool started;
	uint8_t window;         /* packets that may wait for a missing one, 0..JB_MAX_WINDOW */
	uint8_t n_held;
	uint16_t next_seq;      /* sequence number of the next frame to emit */
	uint32_t ssrc;
	uint32_t hold_ms;       /* longest wait for a missing packet */
	uint64_t held_since_ms; /* when the oldest held packet arrived */
	uint64_t done;          /* bit i: next_seq - 1 - i was emitted from a packet */
	struct jb_stats st;     /* before held[]: every packet counts, few are held */
	struct {
		uint16_t seq;
		uint8_t payload[JB_PAYLOAD];
	} held[JB_MAX_WINDOW];
};

/* Reset j for a new call: window packets of reordering, waiting at most hold_ms. */
void jb_init(struct jb *j, unsigned window, uint32_t hold_ms);

/*
 * One audio packet (payload of JB_PAYLOAD bytes) with its RTP sequence number and
 * SSRC, arriving at now_ms. Emits zero or more frames through emit. Returns JB_OK or
 * why the packet was dropped.
 */
enum jb_verdict jb_put(struct jb *j, uint32_t ssrc, uint16_t seq, const uint8_t *payload,
		       uint64_t now_ms, jb_emit_h *emit, void *arg);

/* Give up waiting once hold_ms has passed: emit gap frames and the held packets.
 * Call it regularly (the call's 20 ms tick). */
void jb_tick(struct jb *j, uint64_t now_ms, jb_emit_h *emit, void *arg);

#endif
