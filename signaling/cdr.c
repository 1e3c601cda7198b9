/*
 * cdr.c: call detail records as JSON lines (see cdr.h), built with jansson.
 */
#include "signaling/cdr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "signaling/sdp_offer.h"

#define CDR_LINE_MAX 16384 /* a record is about 1 KiB, 2 more with a final intent */

int cdr_open(struct cdr *d, const char *path)
{
	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (strlen(path) >= sizeof(d->path))
		return -ENAMETOOLONG;
	strcpy(d->path, path);
	return cdr_reopen(d);
}

int cdr_reopen(struct cdr *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = open(d->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	return d->fd < 0 ? -errno : 0;
}

void cdr_close(struct cdr *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

/* "a.b.c.d:port" of an IPv4 address (network order) and port, or JSON null for
 * none (address 0). */
static json_t *cdr_addr(uint32_t ip, uint16_t port)
{
	char s[INET_ADDRSTRLEN + 8];
	size_t n;

	if (ip == 0)
		return json_null();
	inet_ntop(AF_INET, &ip, s, INET_ADDRSTRLEN);
	n = strlen(s);
	snprintf(s + n, sizeof(s) - n, ":%u", port);
	return json_string(s);
}

/* The UTC time t as ISO 8601 with milliseconds. */
static json_t *cdr_time(const struct timespec *t)
{
	char s[40];
	struct tm tm;
	size_t n;

	gmtime_r(&t->tv_sec, &tm);
	n = strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(s + n, sizeof(s) - n, ".%03uZ", (unsigned)(t->tv_nsec / 1000000) % 1000);
	return json_string(s);
}

/* Seconds rounded to milliseconds. */
static json_t *cdr_seconds(double s)
{
	return json_real((double)(long long)(s * 1000 + 0.5) / 1000);
}

/* Copy key from the call context into the record (null when the context lacks it). */
static void cdr_from_context(json_t *rec, json_t *ctx, const char *key)
{
	json_t *v = ctx ? json_object_get(ctx, key) : NULL;

	json_object_set(rec, key, v ? v : json_null());
}

static json_t *cdr_record(const struct cdr_call *c)
{
	const struct cs_media *md = c->media;
	const struct cs_dp_stats *dp = c->dp;
	json_t *ctx = json_loads(c->context, 0, NULL);
	json_t *rec = json_object(), *media = json_object(), *rtp = json_object();

	json_object_set_new(rec, "call_id", json_string(md->call_id));
	json_object_set_new(rec, "start", cdr_time(&c->start));
	json_object_set_new(rec, "answered", json_boolean(c->answer_s >= 0));
	json_object_set_new(rec, "answer_s", c->answer_s >= 0 ? cdr_seconds(c->answer_s)
							      : json_null());
	json_object_set_new(rec, "duration_s", cdr_seconds(c->duration_s));
	{
		/* whole units, up: 0.001 s is one; a call never answered is none */
		long long units = cdr_billing_units(c->answer_s >= 0 ? c->billed_from_s +
							c->duration_s : 0);

		json_object_set_new(rec, "billing_units", json_integer(units));
		json_object_set_new(rec, "billed_s", json_integer(units * CDR_BILLING_S));
	}
	json_object_set_new(rec, "end", json_string(c->end));
	json_object_set_new(rec, "outcome", json_string(c->outcome ? c->outcome : "failed"));
	{
		json_t *fi = c->final_intent ? json_loads(c->final_intent, 0, NULL) : NULL;

		json_object_set_new(rec, "final_intent", fi ? fi : json_null());
		json_object_set_new(rec, "final_delivered", json_boolean(c->final_delivered));
	}
	if (c->transfer_mode) {
		json_t *x = json_pack("{s:s, s:s, s:i}", "mode", c->transfer_mode, "target",
				      c->transfer_target ? c->transfer_target : "", "status",
				      (int)c->transfer_status);

		if (x && c->transfer_leg)
			json_object_set_new(x, "leg", json_string(c->transfer_leg));
		json_object_set_new(rec, "transfer", x);
	} else {
		json_object_set_new(rec, "transfer", json_null());
	}
	if (c->bridge_of)
		json_object_set_new(rec, "bridge_of", json_string(c->bridge_of));
	json_object_set_new(rec, "handback", c->handback_status < 0 ? json_null()
				: json_pack("{s:i}", "status", c->handback_status));
	if (ctx && json_object_get(ctx, "direction"))
		cdr_from_context(rec, ctx, "direction");
	else
		json_object_set_new(rec, "direction", json_string("inbound"));
	cdr_from_context(rec, ctx, "trunk");
	cdr_from_context(rec, ctx, "outbound");
	cdr_from_context(rec, ctx, "source_ip");
	cdr_from_context(rec, ctx, "from_number");
	cdr_from_context(rec, ctx, "to_number");
	cdr_from_context(rec, ctx, "called");
	json_object_set_new(rec, "agent", json_string(c->agent));

	json_object_set_new(media, "local", cdr_addr(md->local_ip, md->rtp_port));
	json_object_set_new(media, "remote", cdr_addr(md->remote_ip, md->remote_port));
	json_object_set_new(media, "latched", cdr_addr(dp->latched_ip, dp->latched_port));
	json_object_set_new(media, "codec",
			    json_string(md->law == CS_LAW_PCMA ? "PCMA" : "PCMU"));
	json_object_set_new(media, "srtp", md->srtp.suite ?
				   json_string(sdp_srtp_suite_name(md->srtp.suite)) : json_null());
	json_object_set_new(rec, "media", media);

	json_object_set_new(rtp, "in", json_integer((json_int_t)dp->rx_packets));
	json_object_set_new(rtp, "in_dropped", json_integer((json_int_t)dp->rx_dropped));
	json_object_set_new(rtp, "in_lost", json_integer(dp->rx_lost));
	json_object_set_new(rtp, "in_jitter_ms", json_integer(dp->rx_jitter_ms));
	json_object_set_new(rtp, "out", json_integer((json_int_t)dp->tx_packets));
	json_object_set_new(rtp, "out_silence", json_integer((json_int_t)dp->tx_silence));
	json_object_set_new(rtp, "peer_lost", json_integer(dp->peer_lost));
	json_object_set_new(rtp, "peer_jitter_ms", json_integer(dp->peer_jitter_ms));
	json_object_set_new(rtp, "rtt_ms", dp->rtt_ms >= 0 ? json_integer(dp->rtt_ms)
							  : json_null());
	json_object_set_new(rtp, "rtcp_in", json_integer(dp->rtcp_rx));
	json_object_set_new(rtp, "rtcp_out", json_integer(dp->rtcp_tx));
	json_object_set_new(rec, "rtp", rtp);
	json_decref(ctx);
	return rec;
}

long long cdr_billing_units(double billed_s)
{
	return billed_s > 0 ? (long long)((billed_s * 1000 + CDR_BILLING_S * 1000 - 1) /
					  (CDR_BILLING_S * 1000))
			    : 0;
}

int cdr_write(struct cdr *d, const struct cdr_call *c)
{
	char line[CDR_LINE_MAX];
	json_t *rec;
	size_t n;
	ssize_t w;

	if (d->fd < 0) {
		d->failed++;
		return -EBADF;
	}
	rec = cdr_record(c);
	n = rec ? json_dumpb(rec, line, sizeof(line) - 1,
			     JSON_COMPACT | JSON_REAL_PRECISION(10)) : 0;
	json_decref(rec);
	if (n == 0 || n > sizeof(line) - 1) {
		d->failed++;
		return -ENOSPC;
	}
	line[n++] = '\n';
	w = write(d->fd, line, n);
	if (w != (ssize_t)n) {
		d->failed++;
		return w < 0 ? -errno : -EIO;
	}
	d->written++;
	return 0;
}
