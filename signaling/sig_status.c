/*
 * sig_status.c: call status webhooks: a trunk's or an agent's `status` group (the
 * agent's first) gets the call's events as they happen, POSTed through the webhook
 * client (libcurl's multi interface, polled by signaling: never waited for), each
 * with the group's timeout and bounded retries; what fails is logged and counted.
 *
 * As Twilio's StatusCallback form (format "form", what dialers built for Twilio
 * read): CallSid, AccountSid, From, To, Direction (inbound, outbound-api,
 * outbound-dial), CallStatus (initiated, ringing, in-progress, then completed, busy,
 * no-answer, canceled or failed), Timestamp (RFC 2822), CallbackSource
 * (call-progress-events), SequenceNumber, ApiVersion, SipCallId and, at the end,
 * CallDuration, SipResponseCode, with voxgate's Trunk, Agent, EndCause, Outcome and
 * BillingUnits. As JSON (format "json"): {"event", "sequence", "timestamp" (UTC ISO
 * 8601), "call_sid", "call_id", "direction", "trunk", "agent", "from", "to",
 * "status"} and, at the end, "answer_s", "duration_s", "end", "outcome",
 * "billing_units", "billed_s", "sip_status".
 */
#include "signaling/sig-int.h"

#define SIG_STATUS_BODY_MAX 2048

static const struct cfg_status *sig_status_of(const struct sig *s, const struct sig_call *c)
{
	const struct cfg *cfg = s->cfg;
	unsigned agent = cs_slot(s->calls, c->slot)->media.agent;

	if (agent < cfg->bots.n_agents && cfg->bots.agents[agent].status.http.url[0])
		return &cfg->bots.agents[agent].status;
	if (c->trunk < cfg->sig.n_trunks && cfg->sig.trunks[c->trunk].status.http.url[0])
		return &cfg->sig.trunks[c->trunk].status;
	return NULL;
}

/* Twilio's CallStatus of the event (completed: how the call ended). */
static const char *sig_status_name(const struct sig_call *c, unsigned event)
{
	const char *end = c->end ? c->end : "";

	switch (event) {
	case CFG_EV_INITIATED:
		return "initiated";
	case CFG_EV_RINGING:
		return "ringing";
	case CFG_EV_ANSWERED:
		return "in-progress";
	default:
		if (c->t_answer.tv_sec || c->t_answer.tv_nsec)
			return "completed";
		if (strcmp(end, "busy") == 0)
			return "busy";
		if (strcmp(end, "no_answer") == 0)
			return "no-answer";
		if (strcmp(end, "canceled") == 0 || strcmp(end, "caller_cancel") == 0)
			return "canceled";
		return "failed";
	}
}

static const char *const sig_status_events[] = {
	[CFG_EV_INITIATED] = "initiated", [CFG_EV_RINGING] = "ringing",
	[CFG_EV_ANSWERED] = "answered", [CFG_EV_COMPLETED] = "completed"};

void sig_status_event(struct sig *s, struct sig_call *c, unsigned event)
{
	const struct cfg_status *st = sig_status_of(s, c);
	const struct cs_slot *sl = cs_slot(s->calls, c->slot);
	const struct cfg_agent *ag = &s->cfg->bots.agents[sl->media.agent];
	const char *dir = !c->outbound ? "inbound" : c->bridge_leg ? "outbound-dial"
								   : "outbound-api";
	bool done = event == CFG_EV_COMPLETED;
	double answer_s = -1, duration_s = 0;
	long long units = 0;
	char sid[40], when[64], num[24], *text = NULL;
	const char *outcome = c->outcome == SO_SUCCESS ? "success"
			      : c->outcome == SO_DISCONNECTED ? "disconnected" : "failed";
	struct timespec now, wall;
	struct tm tm;
	int rc;

	if (!st || !(st->events & event))
		return;
	c->status_seq++;
	sig_call_sid(s, c, sid, sizeof(sid));
	clock_gettime(CLOCK_MONOTONIC, &now);
	clock_gettime(CLOCK_REALTIME, &wall);
	gmtime_r(&wall.tv_sec, &tm);
	if (done && (c->t_answer.tv_sec || c->t_answer.tv_nsec)) {
		answer_s = sig_elapsed(&c->t_invite, &c->t_answer);
		duration_s = sig_elapsed(&c->t_answer, &now);
		units = cdr_billing_units((c->outbound ? answer_s : 0) + duration_s);
	}
	if (st->format == CFG_STATUS_JSON) {
		json_t *j;

		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%03ldZ",
			 wall.tv_nsec / 1000000);
		j = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			      "event", sig_status_events[event], "sequence", c->status_seq - 1,
			      "timestamp", when, "call_sid", sid, "call_id", sl->media.call_id,
			      "direction", dir, "trunk", s->cfg->sig.trunks[c->trunk].name,
			      "agent", ag->id, "from", sl->info.from, "to", sl->info.to,
			      "status", sig_status_name(c, event));
		if (j && done) {
			json_object_set_new(j, "answer_s", answer_s >= 0 ? json_real(answer_s)
								      : json_null());
			json_object_set_new(j, "duration_s", json_real(duration_s));
			json_object_set_new(j, "end", json_string(c->end ? c->end : "other"));
			json_object_set_new(j, "outcome", json_string(outcome));
			json_object_set_new(j, "billing_units", json_integer(units));
			json_object_set_new(j, "billed_s", json_integer(units * CDR_BILLING_S));
			json_object_set_new(j, "sip_status", c->final_status
					    ? json_integer(c->final_status) : json_null());
		}
		text = j ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
	} else {
		size_t n = 0;

		text = malloc(SIG_STATUS_BODY_MAX);
		if (text) {
			strftime(when, sizeof(when), "%a, %d %b %Y %H:%M:%S +0000", &tm);
			n = wh_form_add(text, SIG_STATUS_BODY_MAX, n, "CallSid", sid);
			n = wh_form_add(text, SIG_STATUS_BODY_MAX, n, "AccountSid", ag->account_sid);
			n = wh_form_add(text, SIG_STATUS_BODY_MAX, n, "From", sl->info.from);
			n = wh_form_add(text, SIG_STATUS_BODY_MAX, n, "To", sl->info.to);
			n = wh_form_add(text, SIG_STATUS_BODY_MAX, n, "Direction", dir);
			n = wh_form_add(text, SIG_STATUS_BODY_MAX, n, "CallStatus",
					sig_status_name(c, event));
			n = wh_form_add(text, SIG_STATUS_BODY_MAX, n, "Timestamp", when);
			n = wh_form_add(text, SIG_STATUS_BODY_MAX, n, "CallbackSource",
					"call-progress-events");
			snprintf(num, sizeof(num), "%u", c->status_seq - 1u);
			n = wh_form_add(text, SIG_STATUS_BODY_MAX, n, "SequenceNumber", num);
			n = wh_form_add(text, SIG_STATUS_BODY_MAX, n, "ApiVersion", "2010-04-01");
			n = wh_form_add(text, SIG_STATUS_BODY_MAX, n, "SipCallId", sl->media.call_id);
			n = wh_form_add(text, SIG_STATUS_BODY_MAX, n, "Trunk",
					s->cfg->sig.trunks[c->trunk].name);
			n = wh_form_add(text, SIG_STATUS_BODY_MAX, n, "Agent", ag->id);
			if (done) {
				snprintf(num, sizeof(num), "%.0f", duration_s);
				n = wh_form_add(text, SIG_STATUS_BODY_MAX, n, "CallDuration", num);
				n = wh_form_add(text, SIG_STATUS_BODY_MAX, n, "EndCause",
						c->end ? c->end : "other");
				n = wh_form_add(text, SIG_STATUS_BODY_MAX, n, "Outcome", outcome);
				snprintf(num, sizeof(num), "%lld", units);
				n = wh_form_add(text, SIG_STATUS_BODY_MAX, n, "BillingUnits", num);
				if (c->final_status) {
					snprintf(num, sizeof(num), "%u", c->final_status);
					wh_form_add(text, SIG_STATUS_BODY_MAX, n, "SipResponseCode", num);
				}
			}
		}
	}
	rc = text ? wh_post_event(s->wh, &st->http, st->format == CFG_STATUS_JSON, text) : -ENOMEM;
	if (rc)
		log_err("sig", "call %s: status webhook (%s) not sent: %s", sig_call_id(s, c),
			sig_status_events[event], rc == -ENOSPC ? "too many pending" : "no memory");
	free(text);
}
