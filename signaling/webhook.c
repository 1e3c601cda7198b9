/*
 * webhook.c: HTTP requests to platforms over libcurl's multi interface (see
 * webhook.h). Each request owns one easy handle, reused for its retries; the list of
 * requests is short (one per call ending at the same moment), so it is walked.
 */
#include "signaling/webhook.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "base/log.h"

#define WH_RETRY_FIRST_MS 500
#define WH_MAX_PENDING 4096 /* requests in flight or waiting to retry, at most */

struct wh_req {
	struct wh_req *next;
	CURL *easy;
	struct curl_slist *hdrs;
	char *body;
	const struct cfg_http *h;
	struct cfg_http *own;  /* wh_post_form's: h, owned */
	bool report;           /* the done callback hears of its end */
	uint32_t slot, gen;
	unsigned attempts;
	uint64_t retry_at;  /* ms (wh_now()) of the next attempt; 0 while one runs */
};

struct wh {
	CURLM *multi;
	struct wh_req *reqs;
	unsigned n_reqs;
	wh_done_h *done;
	void *arg;
	struct wh_stats st;
};

static uint64_t wh_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* The platform's answer body is not used. */
static size_t wh_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

int wh_create(struct wh **out, wh_done_h *done, void *arg)
{
	struct wh *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(w->multi = curl_multi_init())) {
		free(w);
		return -ENOMEM;
	}
	w->done = done;
	w->arg = arg;
	*out = w;
	return 0;
}

static void wh_req_free(struct wh *w, struct wh_req *r)
{
	if (r->easy) {
		curl_multi_remove_handle(w->multi, r->easy);
		curl_easy_cleanup(r->easy);
	}
	curl_slist_free_all(r->hdrs);
	free(r->body);
	free(r->own);
	free(r);
}

void wh_destroy(struct wh *w)
{
	if (!w)
		return;
	while (w->reqs) {
		struct wh_req *r = w->reqs;

		w->reqs = r->next;
		wh_req_free(w, r);
	}
	w->n_reqs = 0;
	curl_multi_cleanup(w->multi);
	curl_global_cleanup();
	free(w);
}

const char *wh_url_shown(const struct cfg_http *h, char *buf, size_t size)
{
	const char *at = strstr(h->url, "://"), *host = at ? at + 3 : h->url;
	const char *cred = strchr(host, '@'), *path = strchr(host, '/');

	if (cred && (!path || cred < path))
		host = cred + 1; /* user:password@ left out */
	snprintf(buf, size, "%.*s%.*s", at ? (int)(at + 3 - h->url) : 0, h->url,
		 (int)strcspn(host, "?#"), host);
	return buf;
}

/* Start (or start again) the attempt of r. */
static int wh_attempt(struct wh *w, struct wh_req *r)
{
	r->attempts++;
	r->retry_at = 0;
	if (r->attempts > 1)
		w->st.retries++;
	return curl_multi_add_handle(w->multi, r->easy) == CURLM_OK ? 0 : -EIO;
}

/* Queue a POST of body with content type ctype; own: h is r's to free; report: the
 * done callback hears of its end. */
static int wh_queue(struct wh *w, const struct cfg_http *h, struct cfg_http *own, bool report,
		    const char *ctype, const char *body, uint32_t slot, uint32_t gen)
{
	struct wh_req *r = w->n_reqs < WH_MAX_PENDING ? calloc(1, sizeof(*r)) : NULL;
	bool ok;

	if (!r) {
		free(own);
		if (w->n_reqs >= WH_MAX_PENDING) {
			w->st.dropped++;
			return -ENOSPC;
		}
		return -ENOMEM;
	}
	r->h = h;
	r->own = own;
	r->report = report;
	r->slot = slot;
	r->gen = gen;
	r->body = strdup(body);
	r->easy = curl_easy_init();
	ok = r->body && r->easy;
	for (unsigned i = 0; ok && i < h->n_headers; i++)
		ok = (r->hdrs = curl_slist_append(r->hdrs, h->headers[i])) != NULL;
	ok = ok && (r->hdrs = curl_slist_append(r->hdrs, ctype));
	if (ok)
		ok = curl_easy_setopt(r->easy, CURLOPT_URL, h->url) == CURLE_OK &&
		     curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->hdrs) == CURLE_OK &&
		     curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body) == CURLE_OK &&
		     curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, (long)h->timeout_ms) ==
			     CURLE_OK &&
		     curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
		     curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, wh_discard) == CURLE_OK &&
		     curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r) == CURLE_OK &&
		     curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
	if (!ok || wh_attempt(w, r) != 0) {
		wh_req_free(w, r);
		return -ENOMEM;
	}
	r->next = w->reqs;
	w->reqs = r;
	w->n_reqs++;
	w->st.posted++;
	return 0;
}

int wh_post(struct wh *w, const struct cfg_http *h, const char *body, uint32_t slot,
	    uint32_t gen)
{
	return wh_queue(w, h, NULL, true, "Content-Type: application/json", body, slot, gen);
}

int wh_post_event(struct wh *w, const struct cfg_http *h, bool json, const char *body)
{
	return wh_queue(w, h, NULL, false,
			json ? "Content-Type: application/json"
			     : "Content-Type: application/x-www-form-urlencoded",
			body, UINT32_MAX, 0);
}

size_t wh_form_add(char *buf, size_t size, size_t n, const char *name, const char *value)
{
	char *esc = curl_easy_escape(NULL, value, 0); /* RFC 3986 unreserved kept */
	int w = snprintf(buf + n, n < size ? size - n : 0, "%s%s=", n ? "&" : "", name);

	n += w > 0 ? (size_t)w : 0;
	for (const char *p = esc; p && *p && n + 4 < size; p += *p == '%' ? 3 : 1) {
		memcpy(buf + n, p, *p == '%' ? 3 : 1); /* a %XX whole, or nothing of it */
		n += *p == '%' ? 3 : 1;
	}
	if (n < size)
		buf[n] = '\0';
	curl_free(esc);
	return n;
}

int wh_post_form(struct wh *w, const char *url, const char *body, uint32_t timeout_ms,
		 uint32_t retries)
{
	struct cfg_http *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	if (strlen(url) >= sizeof(h->url)) {
		free(h);
		return -EINVAL;
	}
	strcpy(h->url, url);
	h->timeout_ms = timeout_ms;
	h->retries = retries;
	return wh_queue(w, h, h, false, "Content-Type: application/x-www-form-urlencoded", body,
			UINT32_MAX, 0);
}

/* Whether an attempt that ended with status (0: no answer) is worth another. */
static bool wh_retry(long status)
{
	return status == 0 || status == 408 || status == 429 || status >= 500;
}

/* An attempt of r ended: try again later, or report and free it. */
static void wh_ended(struct wh *w, struct wh_req *r, CURLcode rc)
{
	long status = 0;
	char url[512], what[96];

	if (rc == CURLE_OK)
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	wh_url_shown(r->h, url, sizeof(url));
	if (status)
		snprintf(what, sizeof(what), "answered %ld", status);
	else
		snprintf(what, sizeof(what), "%s", curl_easy_strerror(rc));
	if (status >= 200 && status < 300) {
		w->st.ok++;
		log_info("sig", "POST %s: %s (attempt %u)", url, what, r->attempts);
	} else if (wh_retry(status) && r->attempts <= r->h->retries) {
		uint64_t wait = (uint64_t)WH_RETRY_FIRST_MS << (r->attempts - 1);

		r->retry_at = wh_now() + wait;
		log_warn("sig", "POST %s: %s: attempt %u of %u in %llu ms", url, what,
			 r->attempts + 1, r->h->retries + 1, (unsigned long long)wait);
		return;
	} else {
		w->st.failed++;
		log_err("sig", "POST %s: %s, after %u attempt(s)", url, what, r->attempts);
	}
	for (struct wh_req **p = &w->reqs; *p; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			w->n_reqs--;
			break;
		}
	if (r->report)
		w->done(w->arg, r->slot, r->gen, status, r->attempts);
	wh_req_free(w, r);
}

unsigned wh_poll(struct wh *w)
{
	struct wh_req *r, *next;
	unsigned left = 0;
	CURLMsg *m;
	int running, queued;
	uint64_t now;

	if (!w->reqs)
		return 0;
	curl_multi_perform(w->multi, &running);
	while ((m = curl_multi_info_read(w->multi, &queued))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		curl_multi_remove_handle(w->multi, m->easy_handle);
		wh_ended(w, r, m->data.result);
	}
	now = wh_now();
	for (r = w->reqs; r; r = next) {
		next = r->next;
		if (r->retry_at && now >= r->retry_at && wh_attempt(w, r) != 0)
			wh_ended(w, r, CURLE_FAILED_INIT); /* r may be gone */
		else
			left++;
	}
	return left;
}

const struct wh_stats *wh_stats(const struct wh *w)
{
	return &w->st;
}
