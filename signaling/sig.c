/*
 * sig.c: the SIP user agent server (see sig.h).
 *
 * Ownership: struct sig and its per-slot array of struct sig_call belong to the
 * signaling thread. A sig_call lives from the INVITE that took its slot until both
 * the dp lcore (VG_MSG_CALL_STOPPED) and the bot worker (VG_MSG_BOT_STOPPED) have let
 * go of the slot; only then is the slot returned to the pool, so a slot (and its RTP
 * port) is never reused while another side still holds state for it.
 *
 * sofia-sip does the SIP: transactions, dialogs, retransmissions, ACK, CANCEL and
 * BYE. Media handling in nua is off (NUTAG_MEDIA_ENABLE(0)): voxgate does its own
 * offer/answer (sdp_offer.c) and answers with 200 only once the dataplane confirms
 * that the call's RTP port is live. One nua instance serves each distinct listening
 * address and port, so listeners may differ in address, port and transport.
 */
#include "signaling/sig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/su_wait.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/tport_tag.h>

#include "base/log.h"
#include "signaling/cdr.h"
#include "signaling/ctx.h"
#include "signaling/sdp_offer.h"
#include "signaling/srcfilter.h"

#define SIG_POLL_MS 2           /* event rings are drained this often */
#define SIG_EVT_DRAIN_MAX 64    /* events taken from a ring per read */
#define SIG_SHUTDOWN_MS 3000    /* longest wait for BYEs and nua shutdown */
#define SIG_SDP_MAX 2048

enum sig_call_state {
	SC_FREE = 0,
	SC_STARTING,  /* published to dp and bot, waiting for CALL_STARTED */
	SC_ANSWERED,  /* 200 OK sent */
	SC_ENDING,    /* STOP sent, waiting for dp and bot to let go */
};

struct sig_call {
	enum sig_call_state state;
	nua_handle_t *nh;
	uint32_t slot, gen;
	unsigned trunk;
	uint8_t dp_stopped, bot_stopped;
	uint8_t dp_ready, bot_ready; /* CALL_STARTED, BOT_READY: answer when both came */
	uint8_t update_pending;  /* a VG_MSG_CALL_UPDATE awaits its VG_MSG_CALL_UPDATED */
	uint32_t sdp_version;    /* o= version of our last answer */
	su_timer_t *ring;      /* answer_delay_ms timer while ringing */
	su_timer_t *expiry;    /* RFC 4028: the caller's refresh is due by then */
	uint32_t session_expires; /* of the INVITE, s; 0: no session timer */
	uint8_t we_refresh;      /* the caller asked for refresher=uas: nua refreshes */
	struct sdp_choice sdp;
	char contact[CFG_NAME_MAX + 48]; /* our Contact when nua's would be wrong, or "" */
	char answer[SIG_SDP_MAX];
	struct timespec t_invite, t_answer;
	const char *end;       /* why it ended, for its CDR: the first cause seen */
};

struct sig_ua {
	nua_t *nua;
	char url[160];
	int shut; /* nua_r_shutdown received */
	int tls;  /* a TLS listener */
	const struct cfg_listener *listener; /* its address and port (the first such) */
};

struct sig {
	const struct cfg *cfg;
	su_home_t home[1];
	su_root_t *root;
	su_timer_t *poll;
	struct sig_ua ua[CFG_MAX_LISTENERS];
	unsigned n_ua;
	struct cs_table *calls;
	struct cs_pool pool;
	struct ring_set *rings;
	unsigned n_lcores;
	struct sig_call *call; /* indexed by slot */
	uint32_t trunk_calls[CFG_MAX_TRUNKS]; /* calls in progress per trunk */
	double cps_tokens;                    /* max_cps token bucket */
	struct timespec cps_at;               /* when the bucket was last filled */
	char media_ip[CS_MAX_ADDRS][INET_ADDRSTRLEN]; /* the call table's addresses */
	struct cdr cdr;                       /* signaling.cdr_file; fd -1: none */
	void (*on_poll)(void *arg);
	void *on_poll_arg;
	volatile int stop_requested;
	int stopping;
	int su_ready;
	struct timespec stop_at;
	struct sig_stats st;
	nua_t *cur_nua; /* the nua whose event is being handled (NUTAG_WITH_THIS) */
	int filtered[2 * CFG_MAX_LISTENERS]; /* listener sockets with the allowlist filter */
	unsigned n_filtered;
};

static double sig_elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static const char *sig_call_id(const struct sig *s, const struct sig_call *c)
{
	return cs_slot(s->calls, c->slot)->media.call_id;
}

/* ---- call end ---- */

/* Note why the call ends (its CDR's "end"); the first cause stands. */
static void sig_end_why(struct sig_call *c, const char *why)
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
	}
	rc = cdr_write(&s->cdr, &r);
	if (rc)
		log_err("sig", "call %s: CDR not written to %s: %s (%llu lost so far)",
			slot->media.call_id, s->cdr.path, strerror(-rc),
			(unsigned long long)s->cdr.failed);
}

/* Return the slot once dp and bot have both let go of it. */
static void sig_call_release(struct sig *s, struct sig_call *c)
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
	sig_cdr(s, c, &now);
	cs_free(&s->pool, c->slot);
	s->trunk_calls[c->trunk]--;
	explicit_bzero(c, sizeof(*c)); /* its SDP and answer hold the SRTP keys */
	s->st.ended++;
	s->st.calls_active--;
}

/* The dialog is over (or never came to be): tell dp and bot to let go. */
static void sig_call_end(struct sig *s, struct sig_call *c)
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
	if (c->nh) {
		nua_handle_bind(c->nh, NULL);
		nua_handle_destroy(c->nh);
		c->nh = NULL;
	}
	if (c->state == SC_ENDING)
		return;
	c->state = SC_ENDING;
	/* Control rings hold several messages per slot: these cannot fail. */
	stop.type = VG_MSG_CALL_STOP;
	if (ring_msg_send(s->rings->ctl_dp[md->lcore], &stop))
		log_err("sig", "call %s: dp control ring full", md->call_id);
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

/*
 * Our Contact for a call that came over TLS to a sip: (not sips:) Request-URI:
 * <sip:addr:port;transport=tls>. nua would write a sips: URI there, which RFC 3261
 * 12.1.1 asks for only when the request was sips:, and which peers that route their
 * ACK and BYE to our Contact without sips: support (baresip, several SBCs) cannot
 * use. Left empty otherwise: nua's own Contact is right.
 */
static void sig_contact(const struct sig *s, const nua_t *nua, const sip_t *sip,
			struct sig_call *c)
{
	c->contact[0] = '\0';
	if (!sip->sip_request || sip->sip_request->rq_url->url_type != url_sip)
		return;
	for (unsigned i = 0; i < s->n_ua; i++)
		if (s->ua[i].nua == nua && s->ua[i].tls &&
		    strncmp(s->ua[i].url, "sips:", 5) == 0)
			snprintf(c->contact, sizeof(c->contact), "<sip:%s;transport=tls>",
				 s->ua[i].url + 5);
}

/* A fresh master key and salt for our direction from the kernel's CSPRNG. */
static int sig_srtp_key(struct cs_srtp *k)
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

/*
 * Send everything of this call to where its INVITE came from, over the same
 * transport: on TCP/TLS the caller's own connection is reused (RingCX accepts
 * nothing sent towards its Contact, seed 000), on UDP the NAT-visible source rather
 * than a private Contact (seed 004). The Request-URI stays the caller's Contact;
 * the source is only the next hop, as an outbound proxy would be.
 */
static void sig_pin_to_source(struct sig *s, nua_t *nua, nua_handle_t *nh,
			      const su_addrinfo_t *ai)
{
	char ip[INET6_ADDRSTRLEN], url[128];
	const su_sockaddr_t *su;
	int tls = 0;

	if (!ai || !ai->ai_addr)
		return;
	su = (const su_sockaddr_t *)ai->ai_addr;
	for (unsigned i = 0; i < s->n_ua; i++)
		if (s->ua[i].nua == nua)
			tls = s->ua[i].tls;
	su_inet_ntop(su->su_family, SU_ADDR(su), ip, sizeof(ip));
	snprintf(url, sizeof(url), su->su_family == AF_INET6 ? "%s:[%s]:%u;transport=%s"
							   : "%s:%s:%u;transport=%s",
		 tls ? "sips" : "sip", ip, ntohs(su->su_port),
		 tls ? "tls" : ai->ai_protocol == IPPROTO_TCP ? "tcp" : "udp");
	nua_set_hparams(nh, NUTAG_PROXY(url), TAG_END());
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

/* Refuse a new call and let go of its handle. */
static void sig_reject(nua_handle_t *nh, int status, const char *phrase,
		       const char *warning, const char *retry_after)
{
	sig_refuse(NULL, nh, status, phrase, warning ? warning : phrase, retry_after);
	nua_handle_destroy(nh);
}

static void sig_invite(struct sig *s, nua_t *nua, nua_handle_t *nh, const sip_t *sip)
{
	const struct cfg *cfg = s->cfg;
	msg_t *req = nua_current_request(nua);
	su_addrinfo_t *ai = req ? msg_addrinfo(req) : NULL;
	char src[INET6_ADDRSTRLEN] = "?", why[200], retry[16];
	const char *user = sip->sip_request->rq_url->url_user;
	const char *call_id = sip->sip_call_id ? sip->sip_call_id->i_id : "?";
	const char *missing;
	struct sdp_choice choice;
	struct sig_call *c;
	struct cs_media *md;
	struct vg_msg msg;
	uint32_t gen;
	int64_t slot;
	int trunk, agent, rc;

	s->st.invites++;
	if (ai && ai->ai_addr)
		su_inet_ntop(ai->ai_family, SU_ADDR((su_sockaddr_t *)ai->ai_addr), src,
			     sizeof(src));
	/* 1. Allowlist before anything is allocated for the call. */
	trunk = ai && ai->ai_addr ? sig_trunk_for(s, (su_sockaddr_t *)ai->ai_addr) : -1;
	if (trunk < 0) {
		s->st.rejected_403++;
		log_warn("sig", "call %s from %s: source not in any trunk's allowlist: 403",
			 call_id, src);
		sig_reject(nh, SIP_403_FORBIDDEN, NULL, NULL);
		return;
	}
	/* The trunk's own conditions: its required headers, its call limit. */
	missing = sig_missing_header(&cfg->sig.trunks[trunk], sip);
	if (missing) {
		snprintf(why, sizeof(why), "%s missing or not the one of trunk %s", missing,
			 cfg->sig.trunks[trunk].name);
		s->st.rejected_403++;
		log_warn("sig", "call %s from %s: %s: 403", call_id, src, why);
		sig_reject(nh, SIP_403_FORBIDDEN, why, NULL);
		return;
	}
	if (cfg->sig.trunks[trunk].max_calls &&
	    s->trunk_calls[trunk] >= cfg->sig.trunks[trunk].max_calls) {
		s->st.rejected_503++;
		snprintf(retry, sizeof(retry), "%u", cfg->sig.retry_after_s);
		log_warn("sig", "call %s from %s: trunk '%s' has its %u calls: 503", call_id, src,
			 cfg->sig.trunks[trunk].name, cfg->sig.trunks[trunk].max_calls);
		sig_reject(nh, SIP_503_SERVICE_UNAVAILABLE, "trunk at capacity", retry);
		return;
	}
	if (!sig_cps_take(s)) {
		s->st.rejected_503++;
		snprintf(retry, sizeof(retry), "%u", cfg->sig.retry_after_s);
		log_warn("sig", "call %s from %s: over %u new calls per second: 503", call_id,
			 src, cfg->sig.max_cps);
		sig_reject(nh, SIP_503_SERVICE_UNAVAILABLE, "over the calls-per-second limit",
			   retry);
		return;
	}
	/* 2. Route on the Request-URI user part. */
	agent = sig_route(s, sip);
	if (agent < 0) {
		s->st.rejected_404++;
		log_warn("sig", "call %s from %s: no agent for user '%s': 404", call_id, src,
			 user ? user : "");
		sig_reject(nh, SIP_404_NOT_FOUND, "no agent for this number", NULL);
		return;
	}
	/* 3. Offer/answer. */
	if (!sip->sip_payload || !sip->sip_payload->pl_data) {
		s->st.rejected_488++;
		log_warn("sig", "call %s from %s: INVITE without SDP offer: 488", call_id, src);
		sig_reject(nh, SIP_488_NOT_ACCEPTABLE, "an SDP offer in the INVITE is required",
			   NULL);
		return;
	}
	rc = sdp_offer_choose(sip->sip_payload->pl_data, sip->sip_payload->pl_len,
			      cfg->sig.trunks[trunk].codecs, cfg->sig.trunks[trunk].n_codecs,
			      cfg->sig.trunks[trunk].srtp, &choice, why, sizeof(why));
	if (rc) {
		s->st.rejected_488++;
		log_warn("sig", "call %s from %s: %s: 488", call_id, src, why);
		sig_reject(nh, SIP_488_NOT_ACCEPTABLE, why, NULL);
		return;
	}
	/* Our own SRTP key (RFC 4568 6.1: a fresh one, not the offer's). */
	if (choice.srtp.suite && sig_srtp_key(&choice.srtp) != 0) {
		explicit_bzero(&choice, sizeof(choice));
		log_err("sig", "call %s from %s: no random bytes for an SRTP key: 500", call_id,
			src);
		sig_reject(nh, SIP_500_INTERNAL_SERVER_ERROR, "no SRTP key", NULL);
		return;
	}
	/* 4. A call slot, which is also the RTP port. */
	slot = cs_alloc(&s->pool, &gen);
	if (slot < 0) {
		s->st.rejected_503++;
		snprintf(retry, sizeof(retry), "%u", cfg->sig.retry_after_s);
		log_warn("sig", "call %s from %s: all %u call slots busy: 503", call_id, src,
			 s->calls->n_slots);
		sig_reject(nh, SIP_503_SERVICE_UNAVAILABLE, "at capacity", retry);
		explicit_bzero(&choice, sizeof(choice));
		return;
	}
	md = &cs_slot(s->calls, (uint32_t)slot)->media;
	md->remote_ip = choice.remote_ip;
	md->remote_port = choice.remote_port;
	md->law = choice.law;
	md->pt = choice.pt;
	md->dtmf_pt = choice.dtmf_pt;
	md->dir = choice.dir;
	md->lcore = (uint16_t)cs_slot_lcore((uint32_t)slot, s->n_lcores);
	md->worker = (uint16_t)(slot % s->rings->n_workers);
	md->agent = (uint16_t)agent;
	md->ptime_ms = 20;
	md->srtp = choice.srtp;
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
	c->state = SC_STARTING;
	c->nh = nh;
	c->slot = (uint32_t)slot;
	c->gen = gen;
	c->trunk = (unsigned)trunk;
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

static void sig_hangup(struct sig *s, struct sig_call *c, int status, const char *phrase);

static void sig_session_expired(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	struct sig *s = (struct sig *)magic;
	struct sig_call *c = (struct sig_call *)arg;

	(void)t;
	log_warn("sig", "call %s: session timer expired: the caller did not refresh within "
		 "%u s: BYE", sig_call_id(s, c), c->session_expires);
	sig_end_why(c, "session_expired");
	sig_hangup(s, c, 0, NULL);
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
		nua_respond(c->nh, SIP_500_INTERNAL_SERVER_ERROR, TAG_END());
		sig_call_end(s, c);
		return;
	}
	nua_respond(c->nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		    SIPTAG_PAYLOAD_STR(c->answer),
		    TAG_IF(c->contact[0], SIPTAG_CONTACT_STR(c->contact)), TAG_END());
	c->state = SC_ANSWERED;
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
static void sig_reinvite(struct sig *s, struct sig_call *c, nua_handle_t *nh,
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
	slot->update.remote_ip = ch.remote_ip;
	slot->update.remote_port = ch.remote_port;
	slot->update.law = ch.law;
	slot->update.pt = ch.pt;
	slot->update.dtmf_pt = ch.dtmf_pt;
	slot->update.dir = ch.dir;
	slot->update.srtp = ch.srtp;
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

static void sig_hangup(struct sig *s, struct sig_call *c, int status, const char *phrase)
{
	if (c->state == SC_STARTING && c->nh) {
		nua_respond(c->nh, status, phrase, TAG_END());
		sig_call_end(s, c);
	} else if (c->state == SC_ANSWERED && c->nh) {
		nua_bye(c->nh, TAG_END()); /* ends in nua_callstate_terminated */
	}
}

static void sig_event_msg(struct sig *s, const struct vg_msg *m)
{
	struct sig_call *c = sig_call_of(s, m);

	if (!c)
		return;
	switch (m->type) {
	case VG_MSG_CALL_STARTED:
	case VG_MSG_BOT_READY:
		/* Answer once the media port is live and the bot is there: a bot that
		 * cannot be reached gets the caller a 480, not an answered silence. */
		c->dp_ready |= m->type == VG_MSG_CALL_STARTED;
		c->bot_ready |= m->type == VG_MSG_BOT_READY;
		if (c->state == SC_STARTING && c->nh && c->dp_ready && c->bot_ready)
			sig_media_ready(s, c);
		break;
	case VG_MSG_CALL_UPDATED:
		c->update_pending = 0;
		break;
	case VG_MSG_CALL_FAILED:
		c->update_pending = 0;
		log_err("sig", "call %s: the dataplane could not set up its SRTP (%s): the "
			"call ends", sig_call_id(s, c), strerror(m->arg));
		sig_end_why(c, "error");
		sig_hangup(s, c, SIP_500_INTERNAL_SERVER_ERROR);
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
		int len = cmd->len < sizeof(cmd->json) ? (int)cmd->len : 0;

		/* Carrying these out is the trunk profile's work (REFER, bridged
		 * legs, SIP INFO, HTTP notifications); until a profile does, they
		 * are logged as they came. */
		if (m->arg == VG_BOT_CMD_TRANSFER)
			log_warn("sig", "call %s: the bot asks for a transfer %.*s: not "
				 "carried out (no transfer profile for trunk '%s')",
				 sig_call_id(s, c), len, cmd->json,
				 s->cfg->sig.trunks[c->trunk].name);
		else if (m->arg == VG_BOT_CMD_UPDATE)
			log_info("sig", "call %s: bot update %.*s", sig_call_id(s, c), len,
				 cmd->json);
		else
			s->st.events_stale++;
		if (ring_msg_send(s->rings->ctl_bot[md->worker], &done))
			log_err("sig", "call %s: bot control ring full", md->call_id);
		break;
	}
	case VG_MSG_BOT_HANGUP:
		log_info("sig", "call %s: the bot hangs up", sig_call_id(s, c));
		sig_end_why(c, "bot_hangup");
		sig_hangup(s, c, SIP_480_TEMPORARILY_UNAVAILABLE);
		break;
	case VG_MSG_RTP_TIMEOUT:
		log_info("sig", "call %s: no RTP from the peer: BYE", sig_call_id(s, c));
		sig_end_why(c, "rtp_timeout");
		sig_hangup(s, c, SIP_408_REQUEST_TIMEOUT);
		break;
	default:
		s->st.events_stale++;
		break;
	}
}

static void sig_shutdown_step(struct sig *s);

static void sig_poll(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	struct sig *s = (struct sig *)arg;
	struct vg_msg msgs[SIG_EVT_DRAIN_MAX];

	(void)magic;
	(void)t;
	for (unsigned l = 0; l < s->rings->n_lcores; l++) {
		unsigned n;

		while ((n = ring_msg_recv(s->rings->evt_dp[l], msgs, SIG_EVT_DRAIN_MAX)) > 0)
			for (unsigned i = 0; i < n; i++)
				sig_event_msg(s, &msgs[i]);
	}
	for (unsigned w = 0; w < s->rings->n_workers; w++) {
		unsigned n;

		while ((n = ring_msg_recv(s->rings->evt_bot[w], msgs, SIG_EVT_DRAIN_MAX)) > 0)
			for (unsigned i = 0; i < n; i++)
				sig_event_msg(s, &msgs[i]);
	}
	if (s->on_poll)
		s->on_poll(s->on_poll_arg);
	if (s->stop_requested)
		sig_shutdown_step(s);
}

/* ---- nua events ---- */

static void sig_nua_event(nua_event_t event, int status, char const *phrase, nua_t *nua,
			  nua_magic_t *magic, nua_handle_t *nh, nua_hmagic_t *hmagic,
			  sip_t const *sip, tagi_t tags[])
{
	struct sig *s = (struct sig *)magic;
	struct sig_call *c = (struct sig_call *)hmagic;
	int state = nua_callstate_init;

	s->cur_nua = nua;
	switch (event) {
	case nua_i_invite:
		if (c) {
			sig_reinvite(s, c, nh, sip);
		} else if (s->stopping) {
			sig_reject(nh, SIP_503_SERVICE_UNAVAILABLE, "shutting down", NULL);
		} else {
			sig_invite(s, nua, nh, sip);
		}
		break;
	case nua_i_update:
		/* RFC 3311: an offer in an UPDATE is taken as in a re-INVITE; one with
		 * no SDP (a session refresh) gets a 200 without */
		if (c)
			sig_reinvite(s, c, nh, sip);
		break;
	case nua_i_state:
		tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
		if (state == nua_callstate_terminated && c)
			sig_call_end(s, c);
		break;
	case nua_i_bye:
		if (c) {
			log_info("sig", "call %s: BYE from the peer", sig_call_id(s, c));
			sig_end_why(c, "caller_bye");
		}
		break;
	case nua_i_cancel:
		if (c) {
			log_info("sig", "call %s: CANCEL from the peer", sig_call_id(s, c));
			sig_end_why(c, "caller_cancel");
		}
		break;
	case nua_r_shutdown:
		if (status >= 200) {
			for (unsigned i = 0; i < s->n_ua; i++)
				if (s->ua[i].nua == nua)
					s->ua[i].shut = 1;
		}
		break;
	case nua_i_terminated:
	case nua_r_bye:
	case nua_i_ack:
	case nua_i_active:
		break;
	default:
		/* Requests nua answered by itself (OPTIONS, ...) leave a handle that no
		 * call owns. */
		if (!c && nh && event < nua_r_set_params)
			nua_handle_destroy(nh);
		break;
	}
	(void)phrase;
}

/* ---- start and stop ---- */

static void sig_shutdown_step(struct sig *s)
{
	struct timespec now;
	unsigned live = 0, shut = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!s->stopping) {
		s->stopping = 1;
		s->stop_at = now;
		log_info("sig", "stopping: ending %llu call(s)",
			 (unsigned long long)s->st.calls_active);
		for (uint32_t i = 0; i < s->calls->n_slots; i++) {
			if (s->call[i].state != SC_FREE)
				sig_end_why(&s->call[i], "shutdown");
			if (s->call[i].state == SC_ANSWERED && s->call[i].nh)
				nua_bye(s->call[i].nh, TAG_END());
			else if (s->call[i].state == SC_STARTING && s->call[i].nh)
				sig_hangup(s, &s->call[i], SIP_503_SERVICE_UNAVAILABLE);
		}
	}
	for (uint32_t i = 0; i < s->calls->n_slots; i++)
		live += s->call[i].state != SC_FREE;
	if (live && sig_elapsed(&s->stop_at, &now) * 1000 < SIG_SHUTDOWN_MS)
		return;
	for (unsigned i = 0; i < s->n_ua; i++) {
		if (s->ua[i].shut) {
			shut++;
		} else if (s->ua[i].shut == 0) {
			s->ua[i].shut = -1;
			nua_shutdown(s->ua[i].nua);
		}
	}
	if (shut == s->n_ua || sig_elapsed(&s->stop_at, &now) * 1000 >= 2 * SIG_SHUTDOWN_MS)
		su_root_break(s->root);
}

static int sig_listen(struct sig *s, const struct cfg *cfg)
{
	/* One nua per distinct address:port, listening on the transports asked for. */
	for (unsigned i = 0; i < cfg->sig.n_listeners; i++) {
		const struct cfg_listener *l = &cfg->sig.listeners[i];
		int udp = 0, tcp = 0, tls = l->transport == CFG_TP_TLS, seen = 0;
		char host[CFG_NAME_MAX + 2];
		struct sig_ua *ua;

		for (unsigned j = 0; j < i; j++)
			seen |= strcmp(cfg->sig.listeners[j].address, l->address) == 0 &&
				cfg->sig.listeners[j].port == l->port;
		if (seen)
			continue;
		for (unsigned j = i; j < cfg->sig.n_listeners; j++) {
			const struct cfg_listener *o = &cfg->sig.listeners[j];

			if (strcmp(o->address, l->address) == 0 && o->port == l->port) {
				udp |= o->transport == CFG_TP_UDP;
				tcp |= o->transport == CFG_TP_TCP;
			}
		}
		snprintf(host, sizeof(host), strchr(l->address, ':') ? "[%s]" : "%s",
			 l->address);
		ua = &s->ua[s->n_ua];
		/* Without a transport parameter nta binds both UDP and TCP; a sips: URL
		 * binds TLS, with the certificates of the listener's folder. */
		if (tls)
			snprintf(ua->url, sizeof(ua->url), "sips:%s:%u", host, l->port);
		else
			snprintf(ua->url, sizeof(ua->url), "sip:%s:%u%s", host, l->port,
				 udp && tcp ? "" : udp ? ";transport=udp" : ";transport=tcp");
		ua->nua = nua_create(s->root, sig_nua_event, (nua_magic_t *)s,
				     NUTAG_URL(ua->url),
				     /* RFC 5626 4.4.1: a CRLFCRLF ping gets a CRLF pong */
				     TPTAG_PONG2PING(1),
				     /* a connection that carried a message and then nothing
				      * (keepalives count) for idle_ms is closed */
				     TAG_IF(cfg->sig.idle_ms, TPTAG_IDLE(cfg->sig.idle_ms)),
				     NTATAG_MAXSIZE(cfg->sig.max_message),
				     /* keep each header line as sent, for the call
				      * context (ctx.c) */
				     NTATAG_SIPFLAGS(MSG_DO_CANONIC | MSG_DO_EXTRACT_COPY),
				     TAG_IF(tls, TPTAG_CERTIFICATE(l->tls_dir)),
				     TAG_IF(tls, TPTAG_TLS_VERIFY_POLICY(l->tls_verify_client
									 ? TPTLS_VERIFY_IN
									 : TPTLS_VERIFY_NONE)),
				     TAG_END());
		if (!ua->nua) {
			/* nta logs the bind error itself and leaves errno alone. */
			log_err("sig", "cannot listen on %s (see the line above: address in "
				"use, or not an address of this host?)", ua->url);
			return -EIO;
		}
		nua_set_params(ua->nua, NUTAG_MEDIA_ENABLE(0), NUTAG_AUTOALERT(0),
			       NUTAG_AUTOANSWER(0), NUTAG_ENABLEMESSAGE(0),
			       SIPTAG_ALLOW_STR("INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE"),
			       /* UPDATE is answered here (sig_reinvite), not by nua */
			       NUTAG_APPL_METHOD("UPDATE"),
			       SIPTAG_SUPPORTED_STR("timer"),
			       /* RFC 4028 5: shorter Session-Expires get 422 */
			       NUTAG_MIN_SE(cfg->sig.min_se),
			       /* the caller refreshes; voxgate watches (sig_session_timer) */
			       NUTAG_SESSION_REFRESHER(nua_remote_refresher),
			       /* when the caller makes us the refresher: UPDATE, no offer */
			       NUTAG_UPDATE_REFRESH(1),
			       SIPTAG_USER_AGENT_STR(cfg->sig.user_agent),
			       SIPTAG_SERVER_STR(cfg->sig.user_agent), TAG_END());
		ua->tls = tls;
		ua->listener = l;
		s->n_ua++;
		log_info("sig", "listening on %s", ua->url);
	}
	return 0;
}

/*
 * unlisted_source = "drop": put the allowlists of every trunk into the kernel, as a
 * socket filter on each listener socket, so that a request from elsewhere gets no
 * answer at all (nta would send 100 Trying before voxgate saw an INVITE) and costs
 * no user-space work. Every listener must have its sockets filtered, or voxgate
 * does not start.
 */
static int sig_filter(struct sig *s, const struct cfg *cfg)
{
	struct sock_filter prog[SRCFILTER_MAX_INSNS];
	struct cfg_cidr cidrs[CFG_MAX_TRUNKS * CFG_MAX_CIDRS];
	unsigned n = 0;
	int len;

	for (unsigned t = 0; t < cfg->sig.n_trunks; t++)
		for (unsigned i = 0; i < cfg->sig.trunks[t].n_allow; i++) {
			const struct cfg_cidr *c = &cfg->sig.trunks[t].allow[i];
			unsigned j = 0;

			while (j < n && memcmp(&cidrs[j], c, sizeof(*c)) != 0)
				j++;
			if (j == n)
				cidrs[n++] = *c;
		}
	len = srcfilter_build(cidrs, n, prog, SRCFILTER_MAX_INSNS);
	if (len < 0) {
		log_err("sig", "the allowlists (%u CIDRs) need more than the kernel's %d socket "
			"filter instructions: merge CIDRs, or set signaling.unlisted_source = "
			"\"403\"", n, SRCFILTER_MAX_INSNS);
		return len;
	}
	/* one nua per address and port: its UDP and TCP (or TLS) sockets */
	for (unsigned i = 0; i < s->n_ua; i++) {
		const struct cfg_listener *l = s->ua[i].listener;
		unsigned room = sizeof(s->filtered) / sizeof(s->filtered[0]) - s->n_filtered;
		int found = srcfilter_sockets(l->address, l->port, s->filtered + s->n_filtered,
					      room), rc;

		if (found <= 0 || (unsigned)found > room) {
			log_err("sig", "cannot find the sockets of listener %s port %u to filter "
				"(%s)", l->address, l->port, found < 0 ? strerror(-found)
				: found ? "more than expected" : "none bound");
			return -EIO;
		}
		for (int f = 0; f < found; f++) {
			rc = srcfilter_attach(s->filtered[s->n_filtered], prog, (unsigned)len);
			if (rc) {
				log_err("sig", "cannot attach the allowlist filter to the socket of "
					"%s port %u: %s", l->address, l->port, strerror(-rc));
				return rc;
			}
			s->n_filtered++;
		}
	}
	log_info("sig", "requests from outside the allowlists are dropped unanswered: %u "
		 "CIDR%s in a socket filter of %d instructions on %u listener sockets", n,
		 n == 1 ? "" : "s", len, s->n_filtered);
	return 0;
}

int sig_create(struct sig **out, const struct cfg *cfg, struct cs_table *calls,
	       struct ring_set *rings, unsigned n_lcores)
{
	struct sig *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	s->cdr.fd = -1;
	s->cfg = cfg;
	s->calls = calls;
	s->rings = rings;
	s->n_lcores = n_lcores;
	for (unsigned a = 0; a < calls->n_addrs; a++)
		inet_ntop(AF_INET, &calls->addr[a], s->media_ip[a], sizeof(s->media_ip[a]));
	if (su_init() != 0) {
		free(s);
		return -ENOMEM;
	}
	s->su_ready = 1;
	su_home_init(s->home);
	s->call = calloc(calls->n_slots, sizeof(*s->call));
	rc = s->call ? cs_pool_init(&s->pool, calls) : -ENOMEM;
	if (rc)
		goto fail;
	s->root = su_root_create(s);
	if (!s->root) {
		rc = -ENOMEM;
		goto fail;
	}
	if (cfg->sig.cdr_file[0]) {
		rc = cdr_open(&s->cdr, cfg->sig.cdr_file);
		if (rc) {
			log_err("sig", "signaling.cdr_file %s: %s", cfg->sig.cdr_file,
				strerror(-rc));
			goto fail;
		}
		log_info("sig", "CDRs to %s (one JSON line per call; SIGHUP opens it again)",
			 cfg->sig.cdr_file);
	}
	rc = sig_listen(s, cfg);
	if (!rc && cfg->sig.unlisted_source == CFG_UNLISTED_DROP)
		rc = sig_filter(s, cfg);
	if (rc)
		goto fail;
	s->poll = su_timer_create(su_root_task(s->root), SIG_POLL_MS);
	if (!s->poll || su_timer_set_for_ever(s->poll, sig_poll, (su_timer_arg_t *)s) < 0) {
		rc = -ENOMEM;
		goto fail;
	}
	*out = s;
	return 0;
fail:
	sig_destroy(s);
	return rc;
}

int sig_run(struct sig *s)
{
	su_root_run(s->root);
	return 0;
}

void sig_request_stop(struct sig *s)
{
	s->stop_requested = 1;
}

void sig_destroy(struct sig *s)
{
	if (!s)
		return;
	if (s->poll)
		su_timer_destroy(s->poll);
	for (unsigned i = 0; i < s->n_ua; i++)
		nua_destroy(s->ua[i].nua);
	if (s->root)
		su_root_destroy(s->root);
	cs_pool_fini(&s->pool);
	cdr_close(&s->cdr);
	free(s->call);
	su_home_deinit(s->home);
	if (s->su_ready)
		su_deinit();
	free(s);
}

void sig_cdr_reopen(struct sig *s)
{
	int rc;

	if (!s->cdr.path[0])
		return;
	rc = cdr_reopen(&s->cdr);
	if (rc)
		log_err("sig", "signaling.cdr_file %s: %s: CDRs are lost until it opens",
			s->cdr.path, strerror(-rc));
	else
		log_info("sig", "CDR file %s opened again", s->cdr.path);
}

const struct cdr *sig_cdr_stats(const struct sig *s)
{
	return &s->cdr;
}

void sig_on_poll(struct sig *s, void (*fn)(void *arg), void *arg)
{
	s->on_poll = fn;
	s->on_poll_arg = arg;
}

uint32_t sig_free_slots(const struct sig *s)
{
	return s->pool.count;
}

const struct sig_stats *sig_stats(const struct sig *s)
{
	return &s->st;
}

uint64_t sig_dropped(const struct sig *s)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < s->n_filtered; i++)
		n += srcfilter_drops(s->filtered[i]);
	return n;
}
