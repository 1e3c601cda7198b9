/*
 * cdr.h: call detail records, one JSON object per line, appended to a file.
 *
 * Signaling writes one record when a call that took a call slot has ended and its
 * dataplane figures are final (the slot is being returned): who called whom over
 * which trunk and to which agent, when, for how long, why it ended, its media
 * addresses and codec, and the RTP and RTCP figures the dp lcore kept. Each record is
 * one write() to a file opened with O_APPEND, so records of a file stay whole
 * lines. cdr_reopen() (on SIGHUP) opens the path again, for log rotation. Calls
 * refused before they took a slot (403, 404, 488, 503) are counted, not recorded.
 * Each record also says how the bot's side ended: the outcome, the final intent, the
 * transfer and the hand-back, and the duration in 6-second billing units.
 */
#ifndef VG_CDR_H
#define VG_CDR_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "shared/cs.h"

struct cdr {
	char path[256];
	int fd;              /* -1 when closed */
	uint64_t written;    /* records written */
	uint64_t failed;     /* records lost: the file could not be (re)opened or written */
};

/* One ended call. */
struct cdr_call {
	const char *context;    /* the call context (JSON, signaling/ctx.h) */
	const char *agent;      /* the agent's id */
	struct timespec start;  /* wall clock of the INVITE */
	double answer_s;        /* INVITE to answer, s; < 0 when not answered */
	double duration_s;      /* answer to end, s; 0 when not answered */
	double billed_from_s;   /* billing starts this long before the answer: 0, or for a
				 * call voxgate placed answer_s (billed from the attempt) */
	const char *end;        /* why it ended, a short word (cdr_call.end in the README) */
	const struct cs_media *media;
	const struct cs_dp_stats *dp;
	const char *outcome;        /* "success", "failed" or "disconnected" (RingCX's) */
	const char *final_intent;   /* the bot's final update (JSON text), or NULL */
	bool final_delivered;       /* the platform took it (2xx to its INFO) */
	const char *transfer_mode;  /* "refer", "bridge", or NULL when the bot asked none */
	const char *transfer_target; /* its Refer-To */
	unsigned transfer_status;   /* its last SIP status (REFER answer or NOTIFY), 0 */
	const char *transfer_leg;   /* a bridge's second leg (its call id), or NULL */
	const char *bridge_of;      /* this is a bridge's second leg: the first's call id */
	int handback_status;        /* HTTP status of the hand-back; 0 no answer; -1 none */
};

/* Open path for appending (created 0640 if absent). Returns 0 or -errno. */
int cdr_open(struct cdr *d, const char *path);

/* Close and open the path again (after it was moved away). Returns 0 or -errno; on
 * failure the records that follow are counted in `failed` until a reopen works. */
int cdr_reopen(struct cdr *d);

/* Append the record of c. Returns 0 or -errno (counted in `failed`). */
int cdr_write(struct cdr *d, const struct cdr_call *c);

void cdr_close(struct cdr *d);

/* Billing units (6 s each, rounded up: 0.001 s is one) of billed_s seconds; 0 for none. */
long long cdr_billing_units(double billed_s);

#define CDR_BILLING_S 6 /* billing unit: a deciminute, rounded up (seed 003) */

#endif
