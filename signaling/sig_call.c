/*
 * sig_call.c: a call's state machine on the signaling thread (see sig-int.h).
 *
 * sofia-sip does the SIP: transactions, dialogs, retransmissions, ACK, CANCEL and
 * BYE. Media handling in nua is off: voxgate does its own offer/answer (sdp_offer.c)
 * and answers with 200 only once the dataplane confirms that the call's RTP port is
 * live and the bot worker that its bot is there. Every refusal of a new call is one
 * entry of SIG_REFUSAL_LIST (sig.h): its status, phrase and counter.
 */
#include "signaling/sig-int.h"

/* ---- call end ---- */

/* Note why the call ends (its CDR's "end"); the first cause stands. */
void sig_end_why(struct sig_call *c, const char *why)
{
	if (!c->end)
		c->end = why;
}

/* Append the call's CDR (signaling.cdr_file); its figures are final. Its media are
 * the last agreed (a re-INVITE may have moved them), without keys. */
static void sig_cdr(struct sig *s, const struct sig_call *c, const struct timespec *now)
{
	const struct cs_slot *slot = cs_slot(s->calls, c->slot);
	struct cs_media media;
	struct timespec wall;
	struct cdr_call r = {
		.context = cs_ctx(s->calls, c->slot),
		.agent = s->cfg->bots.agents[slot->media.agent].id,
		.answer_s = -1,
		.end = c->end ? c->end : "other",
		.media = &media,
		.dp = &slot->dp,
		.outcome = c->outcome == SO_SUCCESS ? "success"
			   : c->outcome == SO_DISCONNECTED ? "disconnected" : "failed",
		.final_intent = c->final_intent,
		.final_delivered = c->final_done,
		.transfer_mode = c->xfer_mode[0] ? c->xfer_mode : NULL,
		.transfer_target = c->refer_to,
		.transfer_status = c->xfer_status,
		.transfer_leg = !c->bridge_leg && c->leg_id[0] ? c->leg_id : NULL,
		.bridge_of = c->bridge_leg && c->leg_id[0] ? c->leg_id : NULL,
		.handback_status = c->handback,
	};
	double ago;
	int rc;

	if (!s->cdr.path[0]) /* no signaling.cdr_file */
		return;
	media = slot->media;
	explicit_bzero(&media.srtp, sizeof(media.srtp));
	media.srtp.suite = c->sdp.srtp.suite;
	media.remote_ip = c->sdp.remote_ip;
	media.remote_port = c->sdp.remote_port;
	media.law = c->sdp.law;
	clock_gettime(CLOCK_REALTIME, &wall);
	ago = sig_elapsed(&c->t_invite, now);
	r.start.tv_sec = wall.tv_sec - (time_t)ago;
	r.start.tv_nsec = wall.tv_nsec - (long)((ago - (double)(time_t)ago) * 1e9);
	if (r.start.tv_nsec < 0) {
		r.start.tv_sec--;
		r.start.tv_nsec += 1000000000L;
	}
	if (c->t_answer.tv_sec || c->t_answer.tv_nsec) {
		r.answer_s = sig_elapsed(&c->t_invite, &c->t_answer);
		r.duration_s = sig_elapsed(&c->t_answer, now);
		if (c->outbound) /* billed from the start of the attempt (seed 003) */
			r.billed_from_s = r.answer_s;
	}
	rc = cdr_write(&s->cdr, &r);
	if (rc)
		log_err("sig", "call %s: CDR not written to %s: %s (%llu lost so far)",
			slot->media.call_id, s->cdr.path, strerror(-rc),
			(unsigned long long)s->cdr.failed);
}

/* One more call ended for cause (a string literal). */
static void sig_count_end(struct sig_stats *st, const char *cause)
{
	uint32_t n = st->n_ends;

	for (uint32_t i = 0; i < n; i++)
		if (st->ends[i].cause == cause || strcmp(st->ends[i].cause, cause) == 0) {
			st->ends[i].n++;
			return;
		}
	if (n == SIG_ENDS_MAX) {
		st->ends[n - 1].n++; /* the table is full: counted, mislabelled */
		return;
	}
	st->ends[n].cause = cause;
	st->ends[n].n = 1;
	__atomic_store_n(&st->n_ends, n + 1, __ATOMIC_RELEASE);
}

void sig_call_release(struct sig *s, struct sig_call *c)
{
	const struct cs_dp_stats *d = &cs_slot(s->calls, c->slot)->dp;
	struct timespec now;

	if (c->state != SC_ENDING || !c->dp_stopped || !c->bot_stopped)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	log_info("sig", "call %s ended after %.1f s: rtp in %llu (dropped %llu, lost %d, "
		 "jitter %u ms), out %llu (silence %llu, peer reports lost %d, jitter %u "
		 "ms), rtt %d ms, rtcp in %u out %u", sig_call_id(s, c),
		 sig_elapsed(&c->t_invite, &now), (unsigned long long)d->rx_packets,
		 (unsigned long long)d->rx_dropped, d->rx_lost, d->rx_jitter_ms,
		 (unsigned long long)d->tx_packets, (unsigned long long)d->tx_silence,
		 d->peer_lost, d->peer_jitter_ms, d->rtt_ms, d->rtcp_rx, d->rtcp_tx);
	if (c->outcome == SO_NONE)
		c->outcome = SO_FAILED; /* an error, a timeout, shutdown */
	sig_count_end(&s->st, c->end ? c->end : "other");
	s->st.success += c->outcome == SO_SUCCESS;
	s->st.failed += c->outcome == SO_FAILED;
	s->st.disconnected += c->outcome == SO_DISCONNECTED;
	sig_cdr(s, c, &now);
	sig_status_event(s, c, CFG_EV_COMPLETED);
	sig_out_ended(s, c);
	free(c->status_cb);
	sig_end_free(c);
	__atomic_store_n(&cs_slot(s->calls, c->slot)->info.state, CS_STATE_FREE,
			 __ATOMIC_RELEASE);
	cs_free(&s->pool, c->slot);
	s->trunk_calls[c->trunk]--;
	explicit_bzero(c, sizeof(*c)); /* its SDP and answer hold the SRTP keys */
	s->st.ended++;
	s->st.calls_active--;
}

void sig_call_info(struct sig *s, struct sig_call *c, unsigned trunk, bool outbound,
		   const char *from, const char *to)
{
	struct cs_info *in = &cs_slot(s->calls, c->slot)->info;
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	in->start_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	in->answer_ms = 0;
	in->trunk = (uint16_t)trunk;
	in->outbound = outbound;
	in->bot = CS_BOT_STARTING;
	snprintf(in->from, sizeof(in->from), "%s", from ? from : "");
	snprintf(in->to, sizeof(in->to), "%s", to ? to : "");
}

void sig_call_state(struct sig *s, struct sig_call *c, enum sig_call_state st)
{
	static const uint8_t shown[] = {
		[SC_FREE] = CS_STATE_FREE, [SC_STARTING] = CS_STATE_SETUP,
		[SC_ANSWERED] = CS_STATE_ANSWERED, [SC_ENDING] = CS_STATE_ENDING,
		[SC_DIALING] = CS_STATE_DIALING};
	struct cs_info *in = &cs_slot(s->calls, c->slot)->info;

	c->state = st;
	if (st == SC_ANSWERED) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		in->answer_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	}
	__atomic_store_n(&in->state, shown[st], __ATOMIC_RELEASE);
	if (st == SC_ANSWERED)
		sig_status_event(s, c, CFG_EV_ANSWERED);
	else if (st == SC_DIALING || (st == SC_STARTING && !c->outbound))
		sig_status_event(s, c, CFG_EV_INITIATED);
}

void sig_call_bot(struct sig *s, struct sig_call *c)
{
	cs_slot(s->calls, c->slot)->info.bot = c->bot_left ? CS_BOT_LEFT
					       : c->bot_gone ? CS_BOT_GONE
					       : c->bot_ready ? CS_BOT_READY
							      : CS_BOT_STARTING;
}

/* The dialog is over (or never came to be): tell dp and bot to let go. */
void sig_call_end(struct sig *s, struct sig_call *c)
{
	struct cs_media *md = &cs_slot(s->calls, c->slot)->media;
	struct vg_msg stop = {.slot = c->slot, .gen = c->gen};

	if (c->ring) {
		su_timer_destroy(c->ring);
		c->ring = NULL;
	}
	if (c->expiry) {
		su_timer_destroy(c->expiry);
		c->expiry = NULL;
	}
	if (c->end_timer) {
		su_timer_destroy(c->end_timer);
		c->end_timer = NULL;
	}
	if (c->nh) {
		nua_handle_bind(c->nh, NULL);
		nua_handle_destroy(c->nh);
		c->nh = NULL;
	}
	if (c->bridge != SIG_NO_LEG)
		sig_bridge_ended(s, c);
	if (c->state == SC_ENDING)
		return;
	sig_call_state(s, c, SC_ENDING);
	/* Control rings hold several messages per slot: these cannot fail. */
	stop.type = VG_MSG_CALL_STOP;
	if (ring_msg_send(s->rings->ctl_dp[md->lcore], &stop))
		log_err("sig", "call %s: dp control ring full", md->call_id);
	if (c->bot_left || (c->bridge_leg && !c->warm))
		return; /* its bot was told already, or it never had one */
	stop.type = VG_MSG_BOT_STOP;
	if (ring_msg_send(s->rings->ctl_bot[md->worker], &stop))
		log_err("sig", "call %s: bot control ring full", md->call_id);
}

/* ---- INVITE ---- */

/* The session timer a request asks for (RFC 4028): its Session-Expires (0: none,
 * which turns the timer off), and who refreshes, when it says (the default is
 * the caller, as voxgate asks nua for). */
static void sig_session_read(struct sig_call *c, const sip_t *sip)
{
	const sip_session_expires_t *x = sip->sip_session_expires;

	c->session_expires = x ? (uint32_t)x->x_delta : 0;
	if (x && x->x_refresher)
		c->we_refresh = strcasecmp(x->x_refresher, "uas") == 0;
}


int sig_srtp_key(struct cs_srtp *k)
{
	size_t len = cs_srtp_key_len(k->suite);

	return getrandom(k->tx_key, len, 0) == (ssize_t)len ? 0 : -EIO;
}

static int sig_trunk_for(const struct sig *s, const su_sockaddr_t *su)
{
	const struct cfg *cfg = s->cfg;
	const void *addr;
	int family = su->su_family;

	if (family == AF_INET)
		addr = &su->su_sin.sin_addr;
	else if (family == AF_INET6)
		addr = &su->su_sin6.sin6_addr;
	else
		return -1;
	for (unsigned t = 0; t < cfg->sig.n_trunks; t++)
		for (unsigned i = 0; i < cfg->sig.trunks[t].n_allow; i++)
			if (cfg_cidr_match(&cfg->sig.trunks[t].allow[i], family, addr))
				return (int)t;
	return -1;
}

/* True when su is one of the SIP proxies in front (signaling.proxies). */
static bool sig_from_proxy(const struct sig *s, const su_sockaddr_t *su)
{
	const struct cfg *cfg = s->cfg;
	const void *addr = su->su_family == AF_INET6 ? (const void *)&su->su_sin6.sin6_addr
						     : (const void *)&su->su_sin.sin_addr;

	if (su->su_family != AF_INET && su->su_family != AF_INET6)
		return false;
	for (unsigned i = 0; i < cfg->sig.n_proxy_allow; i++)
		if (cfg_cidr_match(&cfg->sig.proxy_allow[i], su->su_family, addr))
			return true;
	return false;
}

/* A proxy's INVITE: the trunk of the caller's address it put in the source header
 * (src receives that address), or -1 when the header is missing, is no address, or
 * names an address in no allowlist. */
static int sig_trunk_by_header(const struct sig *s, const sip_t *sip, char *src, size_t size)
{
	char v[INET6_ADDRSTRLEN + 8];
	su_sockaddr_t su;

	memset(&su, 0, sizeof(su));
	if (ctx_header_value(sip, s->cfg->sig.proxy_header, v, sizeof(v)) != 0)
		return -1;
	if (inet_pton(AF_INET, v, &su.su_sin.sin_addr) == 1)
		su.su_family = AF_INET;
	else if (inet_pton(AF_INET6, v, &su.su_sin6.sin6_addr) == 1)
		su.su_family = AF_INET6;
	else
		return -1;
	if (strlen(v) >= size)
		return -1;
	memcpy(src, v, strlen(v) + 1);
	return sig_trunk_for(s, &su);
}

/* The agent of the first route that matches: on the Request-URI user part, or on
 * a named header's value (any of its copies). */
static int sig_route(const struct sig *s, const sip_t *sip)
{
	const struct cfg *cfg = s->cfg;
	const char *user = sip->sip_request->rq_url->url_user;

	for (unsigned i = 0; i < cfg->sig.n_routes; i++) {
		const struct cfg_route *r = &cfg->sig.routes[i];

		if (r->header[0] ? ctx_header_match(sip, r->header, &r->re)
				 : regexec(&r->re, user ? user : "", 0, NULL, 0) == 0)
			return (int)r->agent;
	}
	return cfg->sig.default_agent;
}

/* The first required header of trunk t that sip lacks or carries with another value,
 * or NULL when all are there. */
static const char *sig_missing_header(const struct cfg_trunk *t, const sip_t *sip)
{
	for (unsigned i = 0; i < t->n_require; i++)
		if (!ctx_header_is(sip, t->require[i].header, t->require[i].value))
			return t->require[i].header;
	return NULL;
}



/* Answer a request with an error, saying why in a Warning (and when to try again in
 * Retry-After, if given). The handle stays: inside a dialog the call goes on. */
static void sig_refuse(nua_t *nua, nua_handle_t *nh, int status, const char *phrase,
		       const char *warning, const char *retry_after)
{
	char warn[300];

	snprintf(warn, sizeof(warn), "399 voxgate \"%s\"", warning);
	nua_respond(nh, status, phrase, TAG_IF(nua, NUTAG_WITH_THIS(nua)),
		    SIPTAG_WARNING_STR(warn),
		    TAG_IF(retry_after, SIPTAG_RETRY_AFTER_STR(retry_after)), TAG_END());
}

/* One token of the calls-per-second bucket, if there is one (max_cps 0: always). */
static int sig_cps_take(struct sig *s)
{
	struct timespec now;
	double cap = s->cfg->sig.max_cps;

	if (cap == 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (s->cps_at.tv_sec == 0)
		s->cps_tokens = cap;
	else
		s->cps_tokens += sig_elapsed(&s->cps_at, &now) * cap;
	if (s->cps_tokens > cap)
		s->cps_tokens = cap;
	s->cps_at = now;
	if (s->cps_tokens < 1)
		return 0;
	s->cps_tokens -= 1;
	return 1;
}

static const struct {
	const char *name, *phrase;
	int status;
	bool retry;
} sig_refusals[SIG_REFUSE_MAX] = {
#define SIG_REFUSAL_ROW(id, nm, st, ph, rt) \
	[SIG_REFUSE_##id] = {.name = #nm, .phrase = ph, .status = st, .retry = rt},
	SIG_REFUSAL_LIST(SIG_REFUSAL_ROW)
#undef SIG_REFUSAL_ROW
};

const char *sig_refusal_name(enum sig_refusal r)
{
	return r < SIG_REFUSE_MAX ? sig_refusals[r].name : "?";
}

int sig_refusal_status(enum sig_refusal r)
{
	return r < SIG_REFUSE_MAX ? sig_refusals[r].status : 500;
}

uint64_t sig_refused_status(const struct sig_stats *st, int status)
{
	uint64_t n = 0;

	for (unsigned r = 0; r < SIG_REFUSE_MAX; r++)
		if (sig_refusals[r].status == status)
			n += st->refused[r];
	return n;
}

/* The final answer of a refusal on nh, counted under r: its status and phrase, the
 * warning (the phrase if NULL) and, for the reasons that say when to try again,
 * Retry-After. The handle stays. */
static void sig_refuse_as(struct sig *s, nua_handle_t *nh, enum sig_refusal r,
			  const char *warning)
{
	char retry[16];

	s->st.refused[r]++;
	snprintf(retry, sizeof(retry), "%u", s->cfg->sig.retry_after_s);
	sig_refuse(NULL, nh, sig_refusals[r].status, sig_refusals[r].phrase,
		   warning ? warning : sig_refusals[r].phrase,
		   sig_refusals[r].retry ? retry : NULL);
}

void sig_reject(struct sig *s, nua_handle_t *nh, enum sig_refusal r, const char *warning)
{
	sig_refuse_as(s, nh, r, warning);
	nua_handle_destroy(nh);
}

/* Log why a new call is refused, then refuse it (sig_reject). */
static void sig_turn_away(struct sig *s, nua_handle_t *nh, enum sig_refusal r,
			  const char *call_id, const char *src, const char *why,
			  const char *warning)
{
	log_warn("sig", "call %s from %s: %s: %d", call_id, src, why, sig_refusals[r].status);
	sig_reject(s, nh, r, warning);
}

void sig_media_set(struct cs_media *md, const struct sdp_choice *ch)
{
	md->remote_ip = ch->remote_ip;
	md->remote_port = ch->remote_port;
	md->law = ch->law;
	md->pt = ch->pt;
	md->dtmf_pt = ch->dtmf_pt;
	md->dir = ch->dir;
	md->srtp = ch->srtp;
}

void sig_invite(struct sig *s, nua_t *nua, nua_handle_t *nh, const sip_t *sip)
{
	const struct cfg *cfg = s->cfg;
	msg_t *req = nua_current_request(nua);
	su_addrinfo_t *ai = req ? msg_addrinfo(req) : NULL;
	char src[INET6_ADDRSTRLEN] = "?", why[200];
	const char *user = sip->sip_request->rq_url->url_user;
	const char *call_id = sip->sip_call_id ? sip->sip_call_id->i_id : "?";
	const char *missing;
	struct sdp_choice choice;
	struct sig_call *c;
	struct cs_media *md;
	struct vg_msg msg;
	uint32_t gen;
	int64_t slot;
	const struct cfg_trunk *t;
	int trunk, agent, rc;
	bool tls;

	s->st.invites++;
	if (ai && ai->ai_addr)
		su_inet_ntop(ai->ai_family, SU_ADDR((su_sockaddr_t *)ai->ai_addr), src,
			     sizeof(src));
	/* 1. Allowlist before anything is allocated for the call: the source's, or for
	 * a proxy in front the caller's address it says (trusted from it alone). */
	if (ai && ai->ai_addr && sig_from_proxy(s, (su_sockaddr_t *)ai->ai_addr)) {
		char proxy[INET6_ADDRSTRLEN];

		snprintf(proxy, sizeof(proxy), "%s", src);
		trunk = sig_trunk_by_header(s, sip, src, sizeof(src));
		if (trunk < 0) {
			snprintf(why, sizeof(why), "from proxy %s: %s missing, not an address, or "
				 "%s in no trunk's allowlist", proxy, cfg->sig.proxy_header, src);
			sig_turn_away(s, nh, SIG_REFUSE_NOT_LISTED, call_id, src, why, NULL);
			return;
		}
	} else {
		trunk = ai && ai->ai_addr ? sig_trunk_for(s, (su_sockaddr_t *)ai->ai_addr) : -1;
	}
	if (trunk < 0) {
		sig_turn_away(s, nh, SIG_REFUSE_NOT_LISTED, call_id, src,
			      "source not in any trunk's allowlist", NULL);
		return;
	}
	t = &cfg->sig.trunks[trunk];
	if (sig_draining(s)) {
		sig_turn_away(s, nh, SIG_REFUSE_DRAINING, call_id, src,
			      "draining: no new calls", "draining");
		return;
	}
	/* The trunk's own conditions: its required headers, its call limit. */
	missing = sig_missing_header(t, sip);
	if (missing) {
		snprintf(why, sizeof(why), "%s missing or not the one of trunk %s", missing,
			 t->name);
		sig_turn_away(s, nh, SIG_REFUSE_HEADER, call_id, src, why, why);
		return;
	}
	if (t->max_calls && s->trunk_calls[trunk] >= t->max_calls) {
		snprintf(why, sizeof(why), "trunk '%s' has its %u calls", t->name, t->max_calls);
		sig_turn_away(s, nh, SIG_REFUSE_TRUNK_FULL, call_id, src, why,
			      "trunk at capacity");
		return;
	}
	if (!sig_cps_take(s)) {
		snprintf(why, sizeof(why), "over %u new calls per second", cfg->sig.max_cps);
		sig_turn_away(s, nh, SIG_REFUSE_CPS, call_id, src, why,
			      "over the calls-per-second limit");
		return;
	}
	/* 2. Route on the Request-URI user part. */
	agent = sig_route(s, sip);
	if (agent < 0) {
		snprintf(why, sizeof(why), "no agent for user '%s'", user ? user : "");
		sig_turn_away(s, nh, SIG_REFUSE_NO_ROUTE, call_id, src, why,
			      "no agent for this number");
		return;
	}
	/* 3. Offer/answer. */
	if (!sip->sip_payload || !sip->sip_payload->pl_data) {
		sig_turn_away(s, nh, SIG_REFUSE_NO_OFFER, call_id, src, "INVITE without SDP offer",
			      "an SDP offer in the INVITE is required");
		return;
	}
	/* the SRTP policy of the transport (RingCX offers RTP/SAVP only over TLS) */
	tls = sig_ua_tls(s, nua);
	if (sdp_offer_choose(sip->sip_payload->pl_data, sip->sip_payload->pl_len, t->codecs,
			     t->n_codecs, tls ? t->srtp_tls : t->srtp, &choice, why,
			     sizeof(why)) != 0) {
		sig_turn_away(s, nh, SIG_REFUSE_OFFER, call_id, src, why, why);
		return;
	}
	/* Our own SRTP key (RFC 4568 6.1: a fresh one, not the offer's). */
	if (choice.srtp.suite && sig_srtp_key(&choice.srtp) != 0) {
		explicit_bzero(&choice, sizeof(choice));
		sig_turn_away(s, nh, SIG_REFUSE_NO_KEY, call_id, src,
			      "no random bytes for an SRTP key", "no SRTP key");
		return;
	}
	/* 4. A call slot, which is also the RTP port. */
	slot = cs_alloc(&s->pool, &gen);
	if (slot < 0) {
		explicit_bzero(&choice, sizeof(choice));
		snprintf(why, sizeof(why), "all %u call slots busy", s->calls->n_slots);
		sig_turn_away(s, nh, SIG_REFUSE_NO_SLOT, call_id, src, why, "at capacity");
		return;
	}
	md = &cs_slot(s->calls, (uint32_t)slot)->media;
	sig_media_set(md, &choice);
	md->lcore = (uint16_t)cs_slot_lcore((uint32_t)slot, s->n_lcores);
	md->worker = (uint16_t)(slot % s->rings->n_workers);
	md->agent = (uint16_t)agent;
	md->ptime_ms = 20;
	snprintf(md->call_id, sizeof(md->call_id), "%s", call_id);
	rc = ctx_build(cs_ctx(s->calls, (uint32_t)slot), CS_CTX_MAX, sip, src,
		       &cfg->sig.trunks[trunk]);
	if (rc < 0) {
		log_warn("sig", "call %s: call context over %d bytes even without its "
			 "headers list: the bot gets only the call id", call_id, CS_CTX_MAX);
		snprintf(cs_ctx(s->calls, (uint32_t)slot), CS_CTX_MAX,
			 "{\"call_id\":\"\",\"errors\":[\"context too large\"]}");
	}

	c = &s->call[slot];
	memset(c, 0, sizeof(*c));
	c->nh = nh;
	c->slot = (uint32_t)slot;
	c->gen = gen;
	c->trunk = (unsigned)trunk;
	c->tls = tls;
	c->handback = -1;
	c->bridge = SIG_NO_LEG;
	sig_call_info(s, c, (unsigned)trunk, false,
		      sip->sip_from ? sip->sip_from->a_url->url_user : NULL, user);
	sig_call_state(s, c, SC_STARTING);
	sig_referred_by(s, nua, sip, c);
	sig_session_read(c, sip);
	c->sdp = choice;
	explicit_bzero(&choice.srtp, sizeof(choice.srtp));
	clock_gettime(CLOCK_MONOTONIC, &c->t_invite);
	nua_handle_bind(nh, c);
	sig_pin_to_source(s, nua, nh, ai);
	sig_contact(s, nua, sip, c);
	s->st.calls_active++;
	s->trunk_calls[trunk]++;

	/* 5. Publish: bot first, so its session exists before the first frame. The
	 * ring enqueue orders the media writes above before the message. */
	msg = (struct vg_msg){.type = VG_MSG_BOT_START, .slot = (uint32_t)slot, .gen = gen};
	ring_msg_send(s->rings->ctl_bot[md->worker], &msg);
	msg.type = VG_MSG_CALL_START;
	ring_msg_send(s->rings->ctl_dp[md->lcore], &msg);
	log_info("sig", "call %s from %s trunk '%s' to '%s' agent '%s': %s/%u%s%s%s, slot "
		 "%lld port %u", call_id, src, cfg->sig.trunks[trunk].name, user ? user : "",
		 cfg->bots.agents[agent].id, c->sdp.law == CS_LAW_PCMA ? "PCMA" : "PCMU",
		 c->sdp.pt, c->sdp.dtmf_pt != CS_NO_PT ? " +telephone-event" : "",
		 c->sdp.srtp.suite ? ", SRTP " : "",
		 c->sdp.srtp.suite ? sdp_srtp_suite_name(c->sdp.srtp.suite) : "",
		 (long long)slot, md->rtp_port);
}



static void sig_session_expired(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	struct sig *s = (struct sig *)magic;
	struct sig_call *c = (struct sig_call *)arg;

	(void)t;
	log_warn("sig", "call %s: session timer expired: the caller did not refresh within "
		 "%u s: BYE", sig_call_id(s, c), c->session_expires);
	sig_end_why(c, "session_expired");
	if (c->state == SC_ANSWERED && c->nh) /* the timer runs only once answered */
		nua_bye(c->nh, TAG_END());
}

/*
 * RFC 4028 session timers. voxgate asks nua for refresher=uac and watches: each 2xx
 * to an INVITE, re-INVITE or UPDATE that carried Session-Expires starts the wait
 * again, one without it turns the timer off, and if no refresh comes the call ends
 * with BYE at Session-Expires minus min(32 s, a third of it) (RFC 4028 10). A caller
 * that asks for refresher=uas gets it (RFC 4028 9), and then nua refreshes, with an
 * UPDATE without an offer (NUTAG_UPDATE_REFRESH): nothing to watch here.
 */
static void sig_session_timer(struct sig *s, struct sig_call *c)
{
	uint32_t session_expires = c->session_expires;
	uint32_t before = session_expires / 3 < 32 ? session_expires / 3 : 32;

	if (!session_expires || c->we_refresh) {
		if (c->expiry)
			su_timer_reset(c->expiry);
		return;
	}
	if (!c->expiry)
		c->expiry = su_timer_create(su_root_task(s->root), 0);
	else
		su_timer_reset(c->expiry); /* a set timer is not moved by setting it */
	if (!c->expiry ||
	    su_timer_set_interval(c->expiry, sig_session_expired, (su_timer_arg_t *)c,
				  (su_duration_t)(session_expires - before) * 1000) < 0)
		log_err("sig", "call %s: no timer for the session timer: it is not watched",
			sig_call_id(s, c));
}

/* The dataplane has the call: answer with our SDP. */
static void sig_answer(struct sig *s, struct sig_call *c)
{
	struct cs_media *md = &cs_slot(s->calls, c->slot)->media;
	int n;

	c->sdp_version = 1;
	n = sdp_answer_format(c->answer, sizeof(c->answer), &c->sdp,
			      s->media_ip[cs_slot_addr(s->calls, c->slot)], md->rtp_port,
			      (uint64_t)c->t_invite.tv_sec, c->sdp_version);
	if (n < 0) {
		log_err("sig", "call %s: answer SDP does not fit: 500", md->call_id);
		sig_end_why(c, "error");
		sig_hangup(s, c, SIG_REFUSE_ANSWER);
		return;
	}
	nua_respond(c->nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		    SIPTAG_PAYLOAD_STR(c->answer),
		    TAG_IF(c->contact[0], SIPTAG_CONTACT_STR(c->contact)), TAG_END());
	sig_call_state(s, c, SC_ANSWERED);
	clock_gettime(CLOCK_MONOTONIC, &c->t_answer);
	s->st.answered++;
	sig_session_timer(s, c);
}

static void sig_ring_done(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	struct sig *s = (struct sig *)magic;
	struct sig_call *c = (struct sig_call *)arg;

	su_timer_destroy(t);
	c->ring = NULL;
	if (c->state == SC_STARTING && c->nh)
		sig_answer(s, c);
}

/* The media port is live: answer now, or ring first when the agent says so. */
static void sig_media_ready(struct sig *s, struct sig_call *c)
{
	const struct cs_media *md = &cs_slot(s->calls, c->slot)->media;
	uint32_t delay = s->cfg->bots.agents[md->agent].answer_delay_ms;

	if (delay == 0) {
		sig_answer(s, c);
		return;
	}
	nua_respond(c->nh, SIP_180_RINGING,
		    TAG_IF(c->contact[0], SIPTAG_CONTACT_STR(c->contact)), TAG_END());
	sig_status_event(s, c, CFG_EV_RINGING);
	c->ring = su_timer_create(su_root_task(s->root), delay);
	if (!c->ring || su_timer_set(c->ring, sig_ring_done, (su_timer_arg_t *)c) < 0) {
		log_err("sig", "call %s: no timer for the ring time: answering now",
			md->call_id);
		if (c->ring)
			su_timer_destroy(c->ring);
		c->ring = NULL;
		sig_answer(s, c);
	}
}

/*
 * 200 to a re-INVITE or UPDATE: with our SDP, except to an UPDATE that made no offer
 * (a session refresh, RFC 3311 5.2: its 2xx carries no answer). As a refresh it
 * restarts the session timer (RFC 4028 10).
 */
static void sig_reinvite_ok(struct sig *s, struct sig_call *c, nua_handle_t *nh,
			    const sip_t *sip)
{
	int offer = sip->sip_request->rq_method != sip_method_update ||
		    (sip->sip_payload && sip->sip_payload->pl_len);

	nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(s->cur_nua),
		    TAG_IF(offer, SIPTAG_CONTENT_TYPE_STR("application/sdp")),
		    TAG_IF(offer, SIPTAG_PAYLOAD_STR(c->answer)), TAG_END());
	if (c->state != SC_ANSWERED)
		return;
	sig_session_read(c, sip);
	sig_session_timer(s, c);
}

/*
 * A re-INVITE (RFC 3261 14.2): an offer that changes the media (hold, a new address,
 * another codec) goes to the dataplane and is answered with the same port and a new
 * SDP version (RFC 3264 8); one that changes nothing gets the same answer again; an
 * offer voxgate cannot take gets 488 and the call goes on as it was; one while an
 * update is still in flight gets 500 with Retry-After, as nua itself answers a second
 * INVITE that comes before the first one's answer (RFC 3261 14.2).
 */
void sig_reinvite(struct sig *s, struct sig_call *c, nua_handle_t *nh,
			 const sip_t *sip)
{
	const struct cfg_trunk *t = &s->cfg->sig.trunks[c->trunk];
	struct cs_slot *slot = cs_slot(s->calls, c->slot);
	struct sdp_choice ch;
	struct vg_msg msg = {.type = VG_MSG_CALL_UPDATE, .slot = c->slot, .gen = c->gen};
	char why[200], answer[SIG_SDP_MAX];
	int n;

	if (c->state != SC_ANSWERED && sip->sip_payload && sip->sip_payload->pl_len) {
		/* RFC 3311 5.2: the INVITE's offer is still unanswered */
		sig_refuse(s->cur_nua, nh, SIP_500_INTERNAL_SERVER_ERROR,
			   "the INVITE's offer is not answered yet", "1");
		return;
	}
	if (c->state != SC_ANSWERED || !sip->sip_payload || !sip->sip_payload->pl_data) {
		sig_reinvite_ok(s, c, nh, sip);
		return;
	}
	if (c->update_pending) {
		/* the previous change is still on its way to the dataplane: as for a
		 * second INVITE before the first's answer (RFC 3261 14.2) */
		sig_refuse(s->cur_nua, nh, SIP_500_INTERNAL_SERVER_ERROR,
			   "the previous media change is still being made", "1");
		return;
	}
	if (sdp_offer_choose(sip->sip_payload->pl_data, sip->sip_payload->pl_len, t->codecs,
			     t->n_codecs, t->srtp, &ch, why, sizeof(why)) != 0) {
		log_warn("sig", "call %s: re-INVITE: %s: 488, the call goes on as it was",
			 slot->media.call_id, why);
		sig_refuse(s->cur_nua, nh, SIP_488_NOT_ACCEPTABLE, why, NULL);
		return;
	}
	/* RFC 4568 7.1.4: our key stays while the suite does; a new offered key or
	 * suite rekeys the caller's direction. */
	if (ch.srtp.suite && ch.srtp.suite == c->sdp.srtp.suite) {
		memcpy(ch.srtp.tx_key, c->sdp.srtp.tx_key, sizeof(ch.srtp.tx_key));
	} else if (ch.srtp.suite && sig_srtp_key(&ch.srtp) != 0) {
		explicit_bzero(&ch, sizeof(ch));
		sig_refuse(s->cur_nua, nh, SIP_500_INTERNAL_SERVER_ERROR, "no SRTP key", NULL);
		return;
	}
	if (ch.srtp.suite != c->sdp.srtp.suite)
		ch.srtp.rekey = CS_REKEY_RX | CS_REKEY_TX;
	else if (ch.srtp.suite && (memcmp(ch.srtp.rx_key, c->sdp.srtp.rx_key,
					  sizeof(ch.srtp.rx_key)) != 0 ||
				   ch.srtp.rx_mki_len != c->sdp.srtp.rx_mki_len ||
				   memcmp(ch.srtp.rx_mki, c->sdp.srtp.rx_mki,
					  sizeof(ch.srtp.rx_mki)) != 0))
		ch.srtp.rekey = CS_REKEY_RX;
	if (ch.remote_ip == c->sdp.remote_ip && ch.remote_port == c->sdp.remote_port &&
	    ch.law == c->sdp.law && ch.pt == c->sdp.pt && ch.dtmf_pt == c->sdp.dtmf_pt &&
	    ch.dir == c->sdp.dir && !ch.srtp.rekey &&
	    strcmp(ch.crypto_tag, c->sdp.crypto_tag) == 0) {
		explicit_bzero(&ch, sizeof(ch));
		sig_reinvite_ok(s, c, nh, sip);
		return;
	}
	n = sdp_answer_format(answer, sizeof(answer), &ch,
			      s->media_ip[cs_slot_addr(s->calls, c->slot)], slot->media.rtp_port,
			      (uint64_t)c->t_invite.tv_sec, c->sdp_version + 1);
	if (n < 0) {
		explicit_bzero(&ch, sizeof(ch));
		sig_refuse(s->cur_nua, nh, SIP_500_INTERNAL_SERVER_ERROR, "answer too large", NULL);
		return;
	}
	slot->update = slot->media;
	sig_media_set(&slot->update, &ch);
	if (ring_msg_send(s->rings->ctl_dp[slot->media.lcore], &msg) != 0) {
		explicit_bzero(&ch, sizeof(ch));
		explicit_bzero(answer, sizeof(answer));
		sig_refuse(s->cur_nua, nh, SIP_500_INTERNAL_SERVER_ERROR, "dataplane busy", NULL);
		return;
	}
	c->update_pending = 1;
	c->sdp = ch;
	explicit_bzero(&ch, sizeof(ch));
	c->sdp_version++;
	memcpy(c->answer, answer, sizeof(answer));
	explicit_bzero(answer, sizeof(answer));
	log_info("sig", "call %s: re-INVITE: %s/%u, %s, peer %s:%u%s", slot->media.call_id,
		 c->sdp.law == CS_LAW_PCMA ? "PCMA" : "PCMU", c->sdp.pt,
		 (const char *[]){"sendrecv", "sendonly", "recvonly", "inactive"}[c->sdp.dir & 3],
		 inet_ntoa((struct in_addr){.s_addr = c->sdp.remote_ip}), c->sdp.remote_port,
		 c->sdp.srtp.rekey ? ", new SRTP keys" : "");
	sig_reinvite_ok(s, c, nh, sip);
}

/* ---- events from dp lcores and bot workers ---- */

static struct sig_call *sig_call_of(struct sig *s, const struct vg_msg *m)
{
	struct sig_call *c;

	if (m->slot >= s->calls->n_slots)
		return NULL;
	c = &s->call[m->slot];
	if (c->state == SC_FREE || c->gen != m->gen) {
		s->st.events_stale++;
		return NULL;
	}
	return c;
}

void sig_hangup(struct sig *s, struct sig_call *c, enum sig_refusal r)
{
	if (c->outbound && c->nh) { /* ours: CANCEL before the answer, else BYE */
		if (c->state == SC_DIALING)
			nua_cancel(c->nh, TAG_END());
		else if (c->state == SC_STARTING || c->state == SC_ANSWERED)
			nua_bye(c->nh, TAG_END());
		return;
	}
	if (c->state == SC_STARTING && c->nh) {
		sig_refuse_as(s, c->nh, r, NULL);
		sig_call_end(s, c);
	} else if (c->state == SC_ANSWERED && c->nh) {
		nua_bye(c->nh, TAG_END()); /* ends in nua_callstate_terminated */
	}
}

/* VG_MSG_API_CMD: a command of the HTTP API (worker 0) for the call of m; its
 * mailbox goes back whether the call is still there or not. */
static void sig_api_cmd(struct sig *s, const struct vg_msg *m)
{
	struct vg_msg done = {.type = VG_MSG_API_CMD_DONE, .value = m->value};
	struct sig_call *c;
	const struct cs_cmd *cmd;

	if (m->value >= CS_API_CMDS)
		return;
	cmd = cs_api_cmd(s->calls, m->value);
	if (m->arg == VG_BOT_CMD_ORIGINATE) {
		done.arg = VG_ORIG_BAD;
		if (cmd->len < sizeof(cmd->json) && cmd->json[cmd->len] == '\0')
			done.arg = (uint16_t)sig_originate(s, cmd->json, &done.slot, &done.gen);
		if (ring_msg_send(s->rings->ctl_bot[0], &done))
			log_err("sig", "bot control ring full: API mailbox %u lost", m->value);
		return;
	}
	c = sig_call_of(s, m);
	if (c && cmd->len < sizeof(cmd->json) && cmd->json[cmd->len] == '\0') {
		log_info("sig", "call %s: a command of the HTTP API", sig_call_id(s, c));
		sig_bot_cmd(s, c, m->arg, cmd->json);
	}
	if (ring_msg_send(s->rings->ctl_bot[0], &done))
		log_err("sig", "bot control ring full: API mailbox %u lost", m->value);
}

void sig_event_msg(struct sig *s, const struct vg_msg *m)
{
	struct sig_call *c;

	if (m->type == VG_MSG_API_CMD) {
		sig_api_cmd(s, m);
		return;
	}
	c = sig_call_of(s, m);
	if (!c)
		return;
	if (c->bot_left && (m->type == VG_MSG_BOT_HANGUP || m->type == VG_MSG_BOT_DRAINED))
		return; /* a bridged call's bot, on its way out */
	switch (m->type) {
	case VG_MSG_CALL_STARTED:
	case VG_MSG_BOT_READY:
		/* Answer once the media port is live and the bot is there: a bot that
		 * cannot be reached gets the caller a 480, not an answered silence. */
		c->dp_ready |= m->type == VG_MSG_CALL_STARTED;
		c->bot_ready |= m->type == VG_MSG_BOT_READY;
		sig_call_bot(s, c);
		if (c->state == SC_STARTING && c->nh && c->dp_ready && c->bot_ready) {
			if (c->outbound)
				sig_out_connected(s, c);
			else
				sig_media_ready(s, c);
		}
		break;
	case VG_MSG_CALL_UPDATED:
		c->update_pending = 0;
		break;
	case VG_MSG_CALL_FAILED:
		c->update_pending = 0;
		log_err("sig", "call %s: the dataplane could not set up its SRTP (%s): the "
			"call ends", sig_call_id(s, c), strerror(m->arg));
		sig_end_why(c, "error");
		sig_hangup(s, c, SIG_REFUSE_MEDIA);
		break;
	case VG_MSG_CALL_STOPPED:
		c->dp_stopped = 1;
		sig_call_release(s, c);
		break;
	case VG_MSG_BOT_STOPPED:
		c->bot_stopped = 1;
		sig_call_release(s, c);
		break;
	case VG_MSG_BOT_CMD: {
		const struct cs_cmd *cmd = cs_cmd(s->calls, c->slot);
		const struct cs_media *md = &cs_slot(s->calls, c->slot)->media;
		struct vg_msg done = {.type = VG_MSG_BOT_CMD_DONE, .slot = c->slot,
				      .gen = c->gen};

		/* carried out before the mailbox is given back: nothing keeps a
		 * pointer into it */
		if (!c->bot_left && cmd->len < sizeof(cmd->json) &&
		    cmd->json[cmd->len] == '\0')
			sig_bot_cmd(s, c, m->arg, cmd->json);
		if (ring_msg_send(s->rings->ctl_bot[md->worker], &done))
			log_err("sig", "call %s: bot control ring full", md->call_id);
		break;
	}
	case VG_MSG_BOT_HANGUP:
		log_info("sig", "call %s: the bot %s", sig_call_id(s, c),
			 m->arg == VG_HANGUP_FAILED ? "failed" : "hangs up");
		if (c->state == SC_STARTING) {
			c->outcome = SO_FAILED;
			sig_end_why(c, "bot_hangup");
			sig_hangup(s, c, SIG_REFUSE_BOT);
		} else {
			sig_bot_hangup(s, c, m->arg == VG_HANGUP_FAILED);
		}
		break;
	case VG_MSG_BOT_DRAINED:
		sig_bot_drained(s, c);
		break;
	case VG_MSG_RTP_TIMEOUT:
		log_info("sig", "call %s: no RTP from the peer: BYE", sig_call_id(s, c));
		sig_end_why(c, "rtp_timeout");
		sig_hangup(s, c, SIG_REFUSE_RTP_TIMEOUT);
		break;
	default:
		s->st.events_stale++;
		break;
	}
}

