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

#include <stdbool.h>
#include <stdint.h>

#include "config/cfg.h"
#include "shared/cs.h"
#include "shared/ring.h"
#include "signaling/capture.h"
#include "signaling/cdr.h"
#include "signaling/webhook.h"

/*
 * Why a call is refused before it is answered, as one list: the reason's name (in the
 * stats line), the final response's status and phrase, and whether it carries
 * Retry-After (signaling.retry_after). Each refusal is counted under exactly one.
 */
#define SIG_REFUSAL_LIST(X)                                                         \
	X(NOT_LISTED, not_listed, 403, "Forbidden", 0)       /* outside allowlists */ \
	X(HEADER, header, 403, "Forbidden", 0)               /* required header */    \
	X(NO_ROUTE, no_route, 404, "Not Found", 0)           /* no agent takes it */  \
	X(NO_OFFER, no_offer, 488, "Not Acceptable Here", 0) /* INVITE without SDP */ \
	X(OFFER, offer, 488, "Not Acceptable Here", 0)       /* no usable media */    \
	X(TRUNK_FULL, trunk_full, 503, "Service Unavailable", 1) /* trunk max_calls */ \
	X(CPS, cps, 503, "Service Unavailable", 1)           /* over max_cps */       \
	X(NO_SLOT, no_slot, 503, "Service Unavailable", 1)   /* every slot busy */    \
	X(DRAINING, draining, 503, "Service Unavailable", 1) /* drained: no new calls */ \
	X(STOPPING, stopping, 503, "Service Unavailable", 0) /* voxgate stopping */   \
	X(NO_KEY, no_key, 500, "Server Internal Error", 0)   /* no SRTP key bytes */  \
	X(ANSWER, answer, 500, "Server Internal Error", 0)   /* answer too large */   \
	X(MEDIA, media, 500, "Server Internal Error", 0)     /* dp media set-up */    \
	X(BOT, bot, 480, "Temporarily Unavailable", 0)       /* bot failed or left */ \
	X(RTP_TIMEOUT, rtp_timeout, 408, "Request Timeout", 0) /* no RTP */

enum sig_refusal {
#define SIG_REFUSAL_ENUM(id, name, status, phrase, retry) SIG_REFUSE_##id,
	SIG_REFUSAL_LIST(SIG_REFUSAL_ENUM)
#undef SIG_REFUSAL_ENUM
	SIG_REFUSE_MAX
};

/* Name and status of a refusal reason. */
const char *sig_refusal_name(enum sig_refusal r);
int sig_refusal_status(enum sig_refusal r);

/* SIP methods counted by name; any other is OTHER. */
#define SIG_METHOD_LIST(X) \
	X(INVITE) X(ACK) X(BYE) X(CANCEL) X(OPTIONS) X(INFO) X(UPDATE) X(NOTIFY) X(REFER) \
	X(PRACK) X(MESSAGE) X(SUBSCRIBE) X(REGISTER) X(OTHER)

enum sig_method {
#define SIG_METHOD_ENUM(m) SIG_M_##m,
	SIG_METHOD_LIST(SIG_METHOD_ENUM)
#undef SIG_METHOD_ENUM
	SIG_METHOD_MAX
};

/* The name of a counted method ("INVITE"). */
const char *sig_method_name(enum sig_method m);

#define SIG_CODES_MAX 64 /* (method, status) pairs counted; later ones go to the last */
#define SIG_ENDS_MAX 32  /* end causes counted; later ones go to the last */

/* A counter of one (method, status) pair, or of one end cause. Entries are filled in
 * the order first seen; the count of used entries is stored after the entry (release),
 * so a reader on another thread that loads it (acquire) sees whole entries. */
struct sig_code_count {
	uint16_t method; /* enum sig_method */
	uint16_t status;
	uint64_t n;
};

struct sig_end_count {
	const char *cause; /* a string literal of signaling (the CDR's end) */
	uint64_t n;
};

/* Counters of the signaling thread. W: signaling; other threads read them (app/ops.c). */
struct sig_stats {
	uint64_t invites;
	uint64_t answered;
	uint64_t refused[SIG_REFUSE_MAX]; /* calls refused before their answer, by reason */
	uint64_t ended;
	uint64_t events_stale;  /* ring events for a call that is gone */
	uint64_t calls_active;
	/* How the bot's side of answered calls ended (RingCX's results). */
	uint64_t success, failed, disconnected;
	uint64_t infos;             /* INFOs sent with a bot's update */
	uint64_t infos_failed;      /* of them: refused, or not answered */
	uint64_t handbacks;         /* hand-back notifications POSTed */
	uint64_t handbacks_failed;  /* of them: refused or unanswered after the retries */
	uint64_t refers;            /* REFERs sent */
	uint64_t transfers;         /* transfers done (a 2xx NOTIFY) */
	uint64_t transfers_failed;  /* refused, failed, or not carried out */
	uint64_t notify_bad;        /* NOTIFYs whose body is no sipfrag: answered 4xx */
	uint64_t wait_bye_timeouts; /* the platform's BYE did not come: voxgate's went */
	uint64_t registrations;        /* 2xx to our REGISTERs (refreshes too) */
	uint64_t registrations_failed; /* REGISTERs refused, unanswered or not sent */
	uint64_t registered;           /* endpoints registered now */
	uint64_t refers_fallback;      /* try_refer's REFERs that failed: bridged instead */
	uint64_t originated;           /* calls placed (the API's originate) */
	uint64_t originated_answered;  /* of those, answered by the callee (also in answered) */
	uint64_t requests_in[SIG_METHOD_MAX];  /* requests received, by method */
	struct sig_code_count responses_in[SIG_CODES_MAX]; /* to voxgate's requests */
	uint32_t n_responses_in;
	struct sig_end_count ends[SIG_ENDS_MAX]; /* ended calls by their CDR's end */
	uint32_t n_ends;
	uint64_t options_drained;              /* OPTIONS answered 503: draining */
};

/* Calls refused with final status `status`, whatever the reason. */
uint64_t sig_refused_status(const struct sig_stats *st, int status);

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

/*
 * Drain (on) or take calls again: while draining, new INVITEs from listed sources and
 * OPTIONS get 503 with Retry-After (so that a proxy's probing moves new calls
 * elsewhere), the API places no calls, and calls in progress go on. Safe from any
 * thread and from a signal handler.
 */
void sig_drain(struct sig *s, bool on);
bool sig_draining(const struct sig *s);

/*
 * Drain, then stop as sig_request_stop() once no call is left, or after grace_s
 * seconds with whatever calls are left (0: at once). Safe from a signal handler.
 */
void sig_request_stop_after(struct sig *s, unsigned grace_s);

/* True once a stop was asked for (sig_request_stop() or _after()). */
bool sig_stopping(const struct sig *s);

/* Free everything (after sig_run() returned, or instead of it). */
void sig_destroy(struct sig *s);

/* Call fn(arg) from the signaling thread at every poll (every few milliseconds),
 * e.g. to print counters on request. */
void sig_on_poll(struct sig *s, void (*fn)(void *arg), void *arg);

/* Open signaling.cdr_file again (after log rotation moved it away); on the signaling
 * thread (e.g. from the poll callback on SIGHUP). Failures are logged. */
void sig_cdr_reopen(struct sig *s);

/* The SIP capture's counters, NULL when signaling.capture is off. */
const struct cap_stats *sig_capture_stats(const struct sig *s);

/* The HTTP requests' counters (hand-backs, status callbacks and webhooks). */
const struct wh_stats *sig_webhook_stats(const struct sig *s);

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
