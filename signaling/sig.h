/*
 * sig.h: the signaling side: a sofia-sip (nua) user agent server on one thread.
 *
 * sig_create() opens the listeners from the configuration; sig_run() runs the event
 * loop on the calling thread until sig_request_stop() (async-signal-safe: it only
 * sets a flag the loop polls every few milliseconds), then ends every call with BYE
 * and shuts the stack down. Per INVITE: allowlist (before any per-call allocation),
 * route, SDP offer/answer, call slot, then the call is published to its dp lcore and
 * bot worker through the rings and answered when the dataplane has taken it.
 * Signaling never touches a packet or a dataplane structure.
 */
#ifndef VG_SIG_H
#define VG_SIG_H

#include <stdint.h>

#include "config/cfg.h"
#include "shared/cs.h"
#include "shared/ring.h"
#include "signaling/cdr.h"

/* Counters of the signaling thread. W: signaling. */
struct sig_stats {
	uint64_t invites;
	uint64_t answered;
	uint64_t rejected_403;  /* source outside every trunk's allowlist (with
				 * unlisted_source = "403"), or a required header wrong */
	uint64_t rejected_404;  /* no route to an agent */
	uint64_t rejected_488;  /* no usable media in the offer */
	uint64_t rejected_503;  /* no call slot free */
	uint64_t ended;
	uint64_t events_stale;  /* ring events for a call that is gone */
	uint64_t calls_active;
};

struct sig;

/*
 * Build the user agent over the call table and rings for n_lcores dp lcores and
 * open every listener. Returns 0 and *out, or a negative errno with the reason
 * logged (e.g. -EADDRINUSE-like failures of a listener come back as -EIO).
 */
int sig_create(struct sig **out, const struct cfg *cfg, struct cs_table *calls,
	       struct ring_set *rings, unsigned n_lcores);

/* Run the event loop until stopped and every call has ended. Returns 0. */
int sig_run(struct sig *s);

/* Ask sig_run() to end calls and return. Safe from a signal handler. */
void sig_request_stop(struct sig *s);

/* Free everything (after sig_run() returned, or instead of it). */
void sig_destroy(struct sig *s);

/* Call fn(arg) from the signaling thread at every poll (every few milliseconds),
 * e.g. to print counters on request. */
void sig_on_poll(struct sig *s, void (*fn)(void *arg), void *arg);

/* Open signaling.cdr_file again (after log rotation moved it away); on the signaling
 * thread (e.g. from the poll callback on SIGHUP). Failures are logged. */
void sig_cdr_reopen(struct sig *s);

/* The CDR file's counters (records written and lost). */
const struct cdr *sig_cdr_stats(const struct sig *s);

/* Free call slots (slots not held by signaling, a dp lcore or a bot worker). */
uint32_t sig_free_slots(const struct sig *s);

/* Counters. */
const struct sig_stats *sig_stats(const struct sig *s);

/* Packets the kernel dropped on the listener sockets with unlisted_source = "drop":
 * from outside every allowlist, or arriving to a full socket buffer. 0 with "403". */
uint64_t sig_dropped(const struct sig *s);

#endif
