/*
 * ops.c: metrics, calls and counters for operators (ops.h).
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/ops.h"
#include "base/lat.h"
#include "bots/bot.h"
#include "dataplane/dp.h"
#include "dataplane/dp_stats-t.h"
#include "signaling/sig.h"

/* ---- one call, read from its slot ---- */

struct ops_call {
	uint32_t slot, gen;
	struct cs_info info;
	char call_id[sizeof(((struct cs_media *)0)->call_id)];
	uint32_t remote_ip, local_ip;
	uint16_t remote_port, rtp_port, lcore, worker, agent;
	uint8_t law, suite;
	struct cs_dp_stats dp;
};

/* Copy what operators see of slot i; false when it holds no call, or another call
 * took it while it was read. */
static bool ops_read(struct cs_table *t, uint32_t i, struct ops_call *c)
{
	const struct cs_slot *sl = cs_slot(t, i);
	uint32_t gen = __atomic_load_n(&sl->gen, __ATOMIC_ACQUIRE);

	if (__atomic_load_n(&sl->info.state, __ATOMIC_ACQUIRE) == CS_STATE_FREE)
		return false;
	c->slot = i;
	c->gen = gen;
	memcpy(&c->info, &sl->info, sizeof(c->info));
	memcpy(c->call_id, sl->media.call_id, sizeof(c->call_id));
	c->call_id[sizeof(c->call_id) - 1] = '\0';
	c->info.from[sizeof(c->info.from) - 1] = '\0';
	c->info.to[sizeof(c->info.to) - 1] = '\0';
	c->remote_ip = sl->media.remote_ip;
	c->local_ip = sl->media.local_ip;
	c->remote_port = sl->media.remote_port;
	c->rtp_port = sl->media.rtp_port;
	c->lcore = sl->media.lcore;
	c->worker = sl->media.worker;
	c->agent = sl->media.agent;
	c->law = sl->media.law;
	c->suite = sl->media.srtp.suite;
	memcpy(&c->dp, &sl->dp, sizeof(c->dp));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&sl->gen, __ATOMIC_RELAXED) == gen &&
	       c->info.state != CS_STATE_FREE;
}

static int64_t ops_now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static json_t *ops_addr(uint32_t ip, uint16_t port)
{
	char a[INET_ADDRSTRLEN + 8];
	struct in_addr in = {.s_addr = ip};

	if (!ip)
		return json_null();
	inet_ntop(AF_INET, &in, a, INET_ADDRSTRLEN);
	snprintf(a + strlen(a), 8, ":%u", port);
	return json_string(a);
}

static json_t *ops_call_json(const struct ops_src *o, const struct ops_call *c)
{
	static const char *const states[] = {
		[CS_STATE_FREE] = "free", [CS_STATE_SETUP] = "setup",
		[CS_STATE_ANSWERED] = "answered", [CS_STATE_ENDING] = "ending",
		[CS_STATE_DIALING] = "dialing"};
	static const char *const bots[] = {
		[CS_BOT_STARTING] = "starting", [CS_BOT_READY] = "ready",
		[CS_BOT_GONE] = "gone", [CS_BOT_LEFT] = "left"};
	static const char *const suites[CS_SRTP_SUITES] = {
		[CS_SRTP_AES_CM_128_HMAC_SHA1_80] = "AES_CM_128_HMAC_SHA1_80",
		[CS_SRTP_AES_CM_128_HMAC_SHA1_32] = "AES_CM_128_HMAC_SHA1_32",
		[CS_SRTP_AES_256_CM_HMAC_SHA1_80] = "AES_256_CM_HMAC_SHA1_80",
		[CS_SRTP_AEAD_AES_128_GCM] = "AEAD_AES_128_GCM"};
	const struct cfg *cfg = o->cfg;
	int64_t now = ops_now_ms();
	char sid[40], start[40];
	time_t secs = (time_t)(c->info.start_ms / 1000);
	struct tm tm;

	snprintf(sid, sizeof(sid), "CA%08x%08x%016x", c->slot, c->gen, cfg->sig.node_id);
	gmtime_r(&secs, &tm);
	strftime(start, sizeof(start), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(start + strlen(start), 8, ".%03dZ", (int)(c->info.start_ms % 1000));
	return json_pack(
		"{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:s, s:s, s:f, s:o?, s:s, s:s?, s:i, "
		"s:i, s:s, s:{s:o, s:o, s:o}, s:{s:I, s:I, s:I, s:i, s:i, s:I, s:I, s:i, "
		"s:i, s:i}}",
		"sid", sid, "call_id", c->call_id,
		"state", c->info.state < sizeof(states) / sizeof(states[0])
				 ? states[c->info.state] : "?",
		"direction", c->info.outbound ? "outbound" : "inbound",
		"trunk", c->info.trunk < cfg->sig.n_trunks ? cfg->sig.trunks[c->info.trunk].name
							    : NULL,
		"agent", c->agent < cfg->bots.n_agents ? cfg->bots.agents[c->agent].id : NULL,
		"from", c->info.from, "to", c->info.to, "start", start,
		"duration_s", (double)(now - c->info.start_ms) / 1000.0,
		"answered_s", c->info.answer_ms ? json_real((double)(now - c->info.answer_ms) /
							    1000.0) : NULL,
		"codec", c->law == CS_LAW_PCMA ? "PCMA" : "PCMU",
		"srtp", c->suite < CS_SRTP_SUITES ? suites[c->suite] : "?",
		"lcore", (int)c->lcore, "worker", (int)c->worker,
		"bot", c->info.bot < sizeof(bots) / sizeof(bots[0]) ? bots[c->info.bot] : "?",
		"media", "local", ops_addr(c->local_ip, c->rtp_port),
		"remote", ops_addr(c->remote_ip, c->remote_port),
		"latched", ops_addr(c->dp.latched_ip, c->dp.latched_port),
		"rtp", "rx_packets", (json_int_t)c->dp.rx_packets,
		"rx_dropped", (json_int_t)c->dp.rx_dropped,
		"tx_packets", (json_int_t)c->dp.tx_packets, "rx_lost", (int)c->dp.rx_lost,
		"rx_jitter_ms", (int)c->dp.rx_jitter_ms,
		"tx_silence", (json_int_t)c->dp.tx_silence,
		"playout_full", (json_int_t)c->dp.playout_full,
		"peer_lost", (int)c->dp.peer_lost, "peer_jitter_ms", (int)c->dp.peer_jitter_ms,
		"rtt_ms", (int)c->dp.rtt_ms);
}

json_t *ops_call(const struct ops_src *o, uint32_t slot, uint32_t gen)
{
	struct ops_call c;

	if (slot >= o->calls->n_slots || !ops_read(o->calls, slot, &c) || c.gen != gen)
		return NULL;
	return ops_call_json(o, &c);
}

json_t *ops_calls(const struct ops_src *o)
{
	json_t *list = json_array();
	struct ops_call c;

	for (uint32_t i = 0; list && i < o->calls->n_slots; i++)
		if (ops_read(o->calls, i, &c))
			json_array_append_new(list, ops_call_json(o, &c));
	return json_pack("{s:o, s:b}", "calls", list ? list : json_array(), "draining",
			 sig_draining(o->sig));
}

/* ---- counters by name ---- */

static uint64_t ops_load(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

/* The signaling counters that are plain totals: name in JSON and metric, field. */
#define OPS_SIG_LIST(X)                                                           \
	X(invites, "sip_invites", "INVITEs of new calls received")               \
	X(answered, "calls_answered", "calls answered (inbound) or answered by the callee") \
	X(events_stale, "events_stale", "ring events for a call that was gone")  \
	X(infos, "sip_infos_sent", "INFOs sent with a bot's update")              \
	X(infos_failed, "sip_infos_failed", "INFOs refused or not answered")     \
	X(handbacks, "handbacks", "hand-back notifications POSTed")               \
	X(handbacks_failed, "handbacks_failed", "hand-backs refused or unanswered after the retries") \
	X(refers, "sip_refers_sent", "REFERs sent")                               \
	X(transfers, "transfers", "transfers done")                               \
	X(transfers_failed, "transfers_failed", "transfers refused, failed or not carried out") \
	X(notify_bad, "sip_notify_bad", "NOTIFYs without a sipfrag body")        \
	X(wait_bye_timeouts, "wait_bye_timeouts", "platform BYEs that did not come in time") \
	X(registrations, "sip_registrations", "2xx answers to voxgate's REGISTERs") \
	X(registrations_failed, "sip_registrations_failed", "REGISTERs refused, unanswered or not sent") \
	X(refers_fallback, "refers_fallback", "try_refer transfers bridged after their REFER failed") \
	X(originated, "calls_originated", "calls placed through the API")         \
	X(originated_answered, "calls_originated_answered", "of them, answered by the callee") \
	X(options_drained, "sip_options_drained", "OPTIONS answered 503 while draining")

json_t *ops_stats(const struct ops_src *o)
{
	const struct sig_stats *ss = sig_stats(o->sig);
	const struct cdr *cdr = sig_cdr_stats(o->sig);
	const struct dp_port_stats *p = dp_port_stats(o->dp);
	const struct wh_stats *wh = sig_webhook_stats(o->sig);
	json_t *sip = json_object(), *ends = json_object(), *port = json_object();
	json_t *lcores = json_array(), *workers = json_array(), *refused = json_object();
	uint32_t n;

#define OPS_SIG_JSON(field, name, help) \
	json_object_set_new(sip, #field, json_integer((json_int_t)ops_load(&ss->field)));
	OPS_SIG_LIST(OPS_SIG_JSON)
#undef OPS_SIG_JSON
	json_object_set_new(sip, "ended", json_integer((json_int_t)ops_load(&ss->ended)));
	json_object_set_new(sip, "calls_active",
			    json_integer((json_int_t)ops_load(&ss->calls_active)));
	json_object_set_new(sip, "registered", json_integer((json_int_t)ops_load(&ss->registered)));
	json_object_set_new(sip, "dropped", json_integer((json_int_t)sig_dropped(o->sig)));
	json_object_set_new(sip, "slots_free", json_integer(sig_free_slots(o->sig)));
	json_object_set_new(sip, "slots", json_integer(o->calls->n_slots));
	for (unsigned r = 0; r < SIG_REFUSE_MAX; r++)
		json_object_set_new(refused, sig_refusal_name(r),
				    json_integer((json_int_t)ops_load(&ss->refused[r])));
	json_object_set_new(sip, "refused", refused);
	json_object_set_new(sip, "success", json_integer((json_int_t)ops_load(&ss->success)));
	json_object_set_new(sip, "failed", json_integer((json_int_t)ops_load(&ss->failed)));
	json_object_set_new(sip, "disconnected",
			    json_integer((json_int_t)ops_load(&ss->disconnected)));
	n = __atomic_load_n(&ss->n_ends, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < n; i++)
		json_object_set_new(ends, ss->ends[i].cause,
				    json_integer((json_int_t)ops_load(&ss->ends[i].n)));
#define OPS_PORT_JSON(name) json_object_set_new(port, #name, json_integer((json_int_t)p->name));
	DP_PORT_COUNTER_LIST(OPS_PORT_JSON)
#undef OPS_PORT_JSON
	for (unsigned l = 0; l < o->n_lcores; l++) {
		const struct dp_lcore_stats *d = dp_stats(o->dp, l);
		json_t *one = json_object(), *drops = json_object();

		for (unsigned c = 0; c < DP_COUNTER_COUNT; c++)
			json_object_set_new(one, dp_counter_name(c),
					    json_integer((json_int_t)dp_counter(d, c)));
		for (unsigned r = 1; r < DP_DROP_MAX; r++)
			if (d->drops[r])
				json_object_set_new(drops, dp_drop_name(r),
						    json_integer((json_int_t)d->drops[r]));
		json_object_set_new(one, "drops", drops);
		json_array_append_new(lcores, one);
	}
	for (unsigned w = 0; w < o->n_workers; w++) {
		const struct bot_stats *b = bot_pool_stats(o->bots, w);
		json_t *one = json_object();

		for (unsigned c = 0; c < BOT_COUNTER_COUNT; c++)
			json_object_set_new(one, bot_counter_name(c),
					    json_integer((json_int_t)bot_counter(b, c)));
		json_array_append_new(workers, one);
	}
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:{s:I, s:I}, s:{s:I, s:I, s:I, s:I, s:I}, "
			 "s:b}", "sip", sip, "ends", ends, "port", port, "lcores", lcores,
			 "workers", workers, "cdrs", "written", (json_int_t)cdr->written,
			 "failed", (json_int_t)cdr->failed, "webhooks",
			 "posted", (json_int_t)ops_load(&wh->posted),
			 "ok", (json_int_t)ops_load(&wh->ok),
			 "failed", (json_int_t)ops_load(&wh->failed),
			 "dropped", (json_int_t)ops_load(&wh->dropped),
			 "retries", (json_int_t)ops_load(&wh->retries),
			 "draining", sig_draining(o->sig));
}

/* ---- Prometheus ---- */

/* A label value: backslash, double quote and newline escaped. */
static void ops_label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void ops_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP voxgate_%s %s\n# TYPE voxgate_%s %s\n", name, help, name, type);
}

static void ops_one(FILE *f, const char *name, const char *type, const char *help,
		    uint64_t v)
{
	ops_family(f, name, type, help);
	fprintf(f, "voxgate_%s %llu\n", name, (unsigned long long)v);
}

/* Bucket bounds of the latency histograms, µs. */
static const uint64_t ops_le_us[] = {50,    100,   250,    500,    1000,   2500,   5000,
				     10000, 20000, 40000,  80000,  160000, 320000, 640000,
				     1280000, 5000000};

/*
 * One histogram of family name with labels (`lcore="0",hop="x"`): a lat bucket counts
 * under a bound when all of it lies at or below the bound (lat.h: buckets are at most
 * 3% wide), so a count may be a bucket's worth low, never high.
 */
static void ops_hist(FILE *f, const char *name, const char *labels, const struct lat_hist *h)
{
	uint64_t total = 0, below = 0;
	unsigned b = 0;

	for (unsigned i = 0; i < LAT_BUCKETS; i++)
		total += h->n[i];
	for (unsigned k = 0; k < sizeof(ops_le_us) / sizeof(ops_le_us[0]); k++) {
		/* bucket b holds [low(b), low(b + 1) - 1] */
		while (b + 1 < LAT_BUCKETS && lat_bucket_low(b + 1) - 1 <= ops_le_us[k])
			below += h->n[b++];
		fprintf(f, "voxgate_%s_bucket{%s,le=\"%g\"} %llu\n", name, labels,
			(double)ops_le_us[k] / 1e6, (unsigned long long)below);
	}
	fprintf(f, "voxgate_%s_bucket{%s,le=\"+Inf\"} %llu\n", name, labels,
		(unsigned long long)total);
	fprintf(f, "voxgate_%s_sum{%s} %.6f\n", name, labels, (double)h->sum_us / 1e6);
	fprintf(f, "voxgate_%s_count{%s} %llu\n", name, labels, (unsigned long long)total);
}

static void ops_metrics_sig(FILE *f, const struct ops_src *o)
{
	const struct sig_stats *ss = sig_stats(o->sig);
	const struct cdr *cdr = sig_cdr_stats(o->sig);
	const struct wh_stats *wh = sig_webhook_stats(o->sig);
	const struct cap_stats *cap = sig_capture_stats(o->sig);
	uint32_t n;

#define OPS_SIG_METRIC(field, name, help) \
	ops_one(f, name "_total", "counter", help, ops_load(&ss->field));
	OPS_SIG_LIST(OPS_SIG_METRIC)
#undef OPS_SIG_METRIC
	ops_family(f, "calls_refused_total", "counter",
		   "new calls refused before their answer, by reason and status");
	for (unsigned r = 0; r < SIG_REFUSE_MAX; r++)
		fprintf(f, "voxgate_calls_refused_total{reason=\"%s\",code=\"%d\"} %llu\n",
			sig_refusal_name(r), sig_refusal_status(r),
			(unsigned long long)ops_load(&ss->refused[r]));
	ops_family(f, "calls_outcome_total", "counter",
		   "ended calls by the outcome of the bot's side");
	fprintf(f, "voxgate_calls_outcome_total{outcome=\"success\"} %llu\n"
		"voxgate_calls_outcome_total{outcome=\"failed\"} %llu\n"
		"voxgate_calls_outcome_total{outcome=\"disconnected\"} %llu\n",
		(unsigned long long)ops_load(&ss->success),
		(unsigned long long)ops_load(&ss->failed),
		(unsigned long long)ops_load(&ss->disconnected));
	ops_family(f, "calls_ended_total", "counter", "ended calls by end cause (the CDR's end)");
	n = __atomic_load_n(&ss->n_ends, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < n; i++) {
		fputs("voxgate_calls_ended_total{cause=\"", f);
		ops_label(f, ss->ends[i].cause);
		fprintf(f, "\"} %llu\n", (unsigned long long)ops_load(&ss->ends[i].n));
	}
	ops_family(f, "sip_requests_received_total", "counter", "SIP requests received, by method");
	for (unsigned m = 0; m < SIG_METHOD_MAX; m++)
		fprintf(f, "voxgate_sip_requests_received_total{method=\"%s\"} %llu\n",
			sig_method_name(m), (unsigned long long)ops_load(&ss->requests_in[m]));
	ops_family(f, "sip_responses_received_total", "counter",
		   "SIP responses to voxgate's requests, by method and status");
	n = __atomic_load_n(&ss->n_responses_in, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, "voxgate_sip_responses_received_total{method=\"%s\",code=\"%u\"} %llu\n",
			sig_method_name(ss->responses_in[i].method), ss->responses_in[i].status,
			(unsigned long long)ops_load(&ss->responses_in[i].n));
	ops_one(f, "sip_dropped_packets_total", "counter",
		"SIP packets the kernel dropped on the listeners (unlisted sources, full buffers)",
		sig_dropped(o->sig));
	ops_one(f, "calls_active", "gauge", "calls in progress", ops_load(&ss->calls_active));
	ops_one(f, "call_slots", "gauge", "call slots (dataplane.max_calls)", o->calls->n_slots);
	ops_one(f, "call_slots_free", "gauge", "call slots free", sig_free_slots(o->sig));
	ops_one(f, "sip_registered_endpoints", "gauge", "outbound endpoints registered now",
		ops_load(&ss->registered));
	ops_one(f, "draining", "gauge", "1 while new calls are refused (drain)",
		sig_draining(o->sig));
	ops_family(f, "webhooks_total", "counter",
		   "HTTP requests to platforms (hand-backs, status callbacks and webhooks) by "
		   "how they ended: ok (2xx), failed (after the retries), dropped (too many "
		   "pending)");
	fprintf(f, "voxgate_webhooks_total{result=\"ok\"} %llu\n"
		"voxgate_webhooks_total{result=\"failed\"} %llu\n"
		"voxgate_webhooks_total{result=\"dropped\"} %llu\n",
		(unsigned long long)ops_load(&wh->ok), (unsigned long long)ops_load(&wh->failed),
		(unsigned long long)ops_load(&wh->dropped));
	ops_one(f, "webhook_retries_total", "counter", "HTTP request attempts after the first",
		ops_load(&wh->retries));
	ops_one(f, "capture_packets_total", "counter", "SIP packets captured (signaling.capture)",
		cap ? ops_load(&cap->packets) : 0);
	ops_one(f, "capture_bytes_total", "counter", "bytes written to SIP capture files",
		cap ? ops_load(&cap->bytes) : 0);
	ops_one(f, "capture_files_total", "counter", "SIP capture files begun",
		cap ? ops_load(&cap->files) : 0);
	ops_family(f, "capture_hep_packets_total", "counter", "HEP3 packets, sent or not");
	fprintf(f, "voxgate_capture_hep_packets_total{result=\"sent\"} %llu\n"
		"voxgate_capture_hep_packets_total{result=\"failed\"} %llu\n",
		(unsigned long long)(cap ? ops_load(&cap->hep_sent) : 0),
		(unsigned long long)(cap ? ops_load(&cap->hep_failed) : 0));
	ops_one(f, "capture_dropped_packets_total", "counter",
		"SIP packets the kernel dropped before the capture read them",
		cap ? ops_load(&cap->dropped) : 0);
	ops_one(f, "cdrs_written_total", "counter", "CDR records written", cdr->written);
	ops_one(f, "cdrs_failed_total", "counter", "CDR records lost", cdr->failed);
}

/* Calls in progress by trunk and by agent, counted from the call table. */
static void ops_metrics_active(FILE *f, const struct ops_src *o)
{
	uint32_t by_trunk[CFG_MAX_TRUNKS] = {0}, by_agent[CFG_MAX_AGENTS] = {0};

	for (uint32_t i = 0; i < o->calls->n_slots; i++) {
		const struct cs_slot *sl = cs_slot(o->calls, i);

		if (__atomic_load_n(&sl->info.state, __ATOMIC_ACQUIRE) == CS_STATE_FREE)
			continue;
		if (sl->info.trunk < CFG_MAX_TRUNKS)
			by_trunk[sl->info.trunk]++;
		if (sl->media.agent < CFG_MAX_AGENTS)
			by_agent[sl->media.agent]++;
	}
	ops_family(f, "trunk_calls_active", "gauge", "calls in progress by trunk");
	for (unsigned t = 0; t < o->cfg->sig.n_trunks; t++) {
		fputs("voxgate_trunk_calls_active{trunk=\"", f);
		ops_label(f, o->cfg->sig.trunks[t].name);
		fprintf(f, "\"} %u\n", by_trunk[t]);
	}
	ops_family(f, "agent_calls_active", "gauge", "calls in progress by agent");
	for (unsigned a = 0; a < o->cfg->bots.n_agents; a++) {
		fputs("voxgate_agent_calls_active{agent=\"", f);
		ops_label(f, o->cfg->bots.agents[a].id);
		fprintf(f, "\"} %u\n", by_agent[a]);
	}
}

static void ops_metrics_dp(FILE *f, const struct ops_src *o)
{
	const struct dp_port_stats *p = dp_port_stats(o->dp);
	static const char *const hops[] = {"in_to_ring", "bot_to_dp", "bot_to_out", "due_to_out"};
	double hz = o->tsc_hz ? (double)o->tsc_hz : 1.0;
	char labels[64];

	ops_one(f, "port_received_packets_total", "counter", "packets the port received", p->ipackets);
	ops_one(f, "port_sent_packets_total", "counter", "packets the port sent", p->opackets);
	ops_one(f, "port_received_bytes_total", "counter", "bytes the port received", p->ibytes);
	ops_one(f, "port_sent_bytes_total", "counter", "bytes the port sent", p->obytes);
	ops_one(f, "port_missed_packets_total", "counter",
		"packets dropped by the port: its receive queues were full", p->imissed);
	ops_one(f, "port_receive_errors_total", "counter", "receive errors of the port", p->ierrors);
	ops_one(f, "port_send_errors_total", "counter", "send errors of the port", p->oerrors);
	ops_one(f, "port_no_mbuf_packets_total", "counter",
		"packets dropped by the port for want of an mbuf", p->rx_nombuf);
	for (unsigned c = 0; c < DP_COUNTER_COUNT; c++) {
		const char *name = dp_counter_name(c);
		bool gauge = strcmp(name, "calls_active") == 0;
		bool tsc = strcmp(name, "busy_tsc") == 0 || strcmp(name, "idle_tsc") == 0;
		char metric[64], help[128];

		if (tsc)
			snprintf(metric, sizeof(metric), "dp_%.4s_seconds_total", name);
		else
			snprintf(metric, sizeof(metric), gauge ? "dp_%s" : "dp_%s_total", name);
		snprintf(help, sizeof(help), tsc ? "time the dp lcore spent %.4s"
						 : "the dp lcore's %s (dataplane/dp_stats-t.h)",
			 name);
		ops_family(f, metric, gauge ? "gauge" : "counter", help);
		for (unsigned l = 0; l < o->n_lcores; l++) {
			uint64_t v = dp_counter(dp_stats(o->dp, l), c);

			if (tsc)
				fprintf(f, "voxgate_%s{lcore=\"%u\"} %.6f\n", metric, l, (double)v / hz);
			else
				fprintf(f, "voxgate_%s{lcore=\"%u\"} %llu\n", metric, l,
					(unsigned long long)v);
		}
	}
	ops_family(f, "dp_drops_total", "counter",
		   "packets and frames the dataplane dropped, by reason");
	for (unsigned l = 0; l < o->n_lcores; l++)
		for (unsigned r = 1; r < DP_DROP_MAX; r++)
			fprintf(f, "voxgate_dp_drops_total{lcore=\"%u\",reason=\"%s\"} %llu\n", l,
				dp_drop_name(r), (unsigned long long)dp_stats(o->dp, l)->drops[r]);
	ops_family(f, "dp_latency_seconds", "histogram",
		   "dataplane hops: packet in to the bot's ring, bot frame to the lcore, bot "
		   "frame to its packet out, 20-ms send slot due to served");
	for (unsigned l = 0; l < o->n_lcores; l++) {
		const struct dp_lcore_stats *d = dp_stats(o->dp, l);
		const struct lat_hist *h[] = {&d->in_to_ring, &d->bot_to_dp, &d->bot_to_out,
					      &d->due_to_out};

		for (unsigned k = 0; k < 4; k++) {
			snprintf(labels, sizeof(labels), "lcore=\"%u\",hop=\"%s\"", l, hops[k]);
			ops_hist(f, "dp_latency_seconds", labels, h[k]);
		}
	}
}

static void ops_metrics_bots(FILE *f, const struct ops_src *o)
{
	char labels[64];

	for (unsigned c = 0; c < BOT_COUNTER_COUNT; c++) {
		const char *name = bot_counter_name(c);
		bool gauge = strcmp(name, "sessions_active") == 0 ||
			     strcmp(name, "backlog_bytes") == 0;
		char metric[64], help[128];

		snprintf(metric, sizeof(metric), gauge ? "bot_%s" : "bot_%s_total", name);
		snprintf(help, sizeof(help), "the bot worker's %s (bots/bot_stats-t.h)", name);
		ops_family(f, metric, gauge ? "gauge" : "counter", help);
		for (unsigned w = 0; w < o->n_workers; w++)
			fprintf(f, "voxgate_%s{worker=\"%u\"} %llu\n", metric, w,
				(unsigned long long)bot_counter(bot_pool_stats(o->bots, w), c));
	}
	ops_family(f, "bot_latency_seconds", "histogram",
		   "the caller's frames: packet in at the dp lcore to frame at the bot worker");
	for (unsigned w = 0; w < o->n_workers; w++) {
		snprintf(labels, sizeof(labels), "worker=\"%u\",hop=\"in_to_bot\"", w);
		ops_hist(f, "bot_latency_seconds", labels, &bot_pool_stats(o->bots, w)->in_to_bot);
	}
}

char *ops_metrics(const struct ops_src *o, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		return NULL;
	ops_metrics_sig(f, o);
	ops_metrics_active(f, o);
	ops_metrics_dp(f, o);
	ops_metrics_bots(f, o);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
