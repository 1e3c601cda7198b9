/*
 * webhook.h: HTTP requests signaling makes to platforms (the hand-back notification
 * of seed 001), through libcurl's multi interface.
 *
 * wh_post() queues a POST and returns at once; wh_poll(), called from the signaling
 * thread's poll every few milliseconds, moves every request on without blocking
 * (curl's resolver runs in a thread of its own) and calls the done callback once per
 * request with its final HTTP status. A request that gets no answer, a 5xx, 408 or
 * 429 is tried again after 500 ms, 1 s, 2 s ... up to cfg_http.retries times; any
 * other status is final. Header values and query strings are never logged (they
 * carry tokens). Only the signaling thread calls these functions.
 */
#ifndef VG_WEBHOOK_H
#define VG_WEBHOOK_H

#include <stdbool.h>
#include <stdint.h>

#include "config/cfg.h"

struct wh;

/* A request is over: status is the HTTP status of its last attempt, 0 when none
 * answered; attempts how many were made. The call is named by slot and gen. */
typedef void(wh_done_h)(void *arg, uint32_t slot, uint32_t gen, long status,
			unsigned attempts);

/* Counters. W: signaling. */
struct wh_stats {
	uint64_t posted;   /* requests queued */
	uint64_t ok;       /* ended with a 2xx */
	uint64_t failed;   /* ended otherwise */
	uint64_t retries;  /* attempts after a request's first */
	uint64_t dropped;  /* not queued: WH_MAX_PENDING requests pending already */
};

/* Build the client; done(arg, ...) reports each request's end. Returns 0 or -ENOMEM. */
int wh_create(struct wh **out, wh_done_h *done, void *arg);

/* Abandon what is in flight (without callbacks) and free everything. */
void wh_destroy(struct wh *w);

/* POST body (copied) to h->url with h's headers and timeout, for call slot/gen.
 * Returns 0, or -ENOSPC (too many pending) or -ENOMEM (nothing queued, no callback). */
int wh_post(struct wh *w, const struct cfg_http *h, const char *body, uint32_t slot,
	    uint32_t gen);

/* POST body (copied; JSON, or a form) to h->url with h's headers, timeout and
 * retries; its end is logged and counted, not reported. Returns 0, -ENOSPC when too
 * many requests are pending (counted in dropped), or -ENOMEM. */
int wh_post_event(struct wh *w, const struct cfg_http *h, bool json, const char *body);

/* Append the form field name=value to buf (size bytes, n used; "&" before it when
 * n > 0), the value percent-encoded by libcurl (RFC 3986 unreserved kept), as much of
 * it as fits. Returns the new length. */
size_t wh_form_add(char *buf, size_t size, size_t n, const char *name, const char *value);

/* POST a form (application/x-www-form-urlencoded) body to url (both copied), with
 * no headers of a config; its end is logged, not reported. Returns 0, -EINVAL for a
 * URL too long, or -ENOMEM. */
int wh_post_form(struct wh *w, const char *url, const char *body, uint32_t timeout_ms,
		 uint32_t retries);

/* Move the requests on; call often. Returns the requests still in flight. */
unsigned wh_poll(struct wh *w);

const struct wh_stats *wh_stats(const struct wh *w);

/* h->url without its query string and credentials, for logs (into buf). */
const char *wh_url_shown(const struct cfg_http *h, char *buf, size_t size);

#endif
