/*
 * sig.c: the SIP user agent server (see sig.h; the call's state machine is in
 * sig_call.c, what both share in sig-int.h).
 *
 * One nua instance serves each distinct listening address and port, so listeners may
 * differ in address, port and transport. With unlisted_source = "drop" the allowlists
 * are a socket filter on every listener socket. The event rings of the dp lcores and
 * bot workers are drained every SIG_POLL_MS on this thread, which is also where nua
 * calls back, so nothing here takes a lock.
 */
#include "signaling/sig-int.h"

/*
 * Our Contact for a call that came over TLS to a sip: (not sips:) Request-URI:
 * <sip:addr:port;transport=tls>. nua would write a sips: URI there, which RFC 3261
 * 12.1.1 asks for only when the request was sips:, and which peers that route their
 * ACK and BYE to our Contact without sips: support (baresip, several SBCs) cannot
 * use. Left empty otherwise: nua's own Contact is right.
 */
void sig_contact(const struct sig *s, const nua_t *nua, const sip_t *sip,
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

bool sig_ua_tls(const struct sig *s, const nua_t *nua)
{
	for (unsigned i = 0; i < s->n_ua; i++)
		if (s->ua[i].nua == nua)
			return s->ua[i].tls;
	return false;
}

void sig_referred_by(const struct sig *s, const nua_t *nua, const sip_t *sip,
		     struct sig_call *c)
{
	const char *user = sip->sip_request ? sip->sip_request->rq_url->url_user : NULL;
	const char *at = "";

	for (unsigned i = 0; i < s->n_ua; i++)
		if (s->ua[i].nua == nua) /* "sip:addr:port..." or "sips:addr:port" */
			at = strchr(s->ua[i].url, ':') + 1;
	snprintf(c->referred_by, sizeof(c->referred_by), "<sip:%s%s%.*s>", user ? user : "",
		 user ? "@" : "", (int)strcspn(at, ";"), at);
}

/*
 * Send everything of this call to where its INVITE came from, over the same
 * transport: on TCP/TLS the caller's own connection is reused (RingCX accepts
 * nothing sent towards its Contact, seed 000), on UDP the NAT-visible source rather
 * than a private Contact (seed 004). The Request-URI stays the caller's Contact;
 * the source is only the next hop, as an outbound proxy would be.
 */
void sig_pin_to_source(struct sig *s, nua_t *nua, nua_handle_t *nh,
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

static void sig_shutdown_step(struct sig *s);

/* sig_request_stop_after(): stop once the last call has ended, or at the grace's end. */
static void sig_stop_when_drained(struct sig *s)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (s->stop_by.tv_sec == 0) {
		s->stop_by = now;
		s->stop_by.tv_sec += __atomic_load_n(&s->stop_after, __ATOMIC_RELAXED) - 1;
		log_info("sig", "draining to stop: %llu call(s) in progress, stopping when "
			 "they have ended or in %d s", (unsigned long long)s->st.calls_active,
			 __atomic_load_n(&s->stop_after, __ATOMIC_RELAXED) - 1);
	}
	if (s->st.calls_active == 0) {
		log_info("sig", "drained: no call left, stopping");
		s->stop_requested = 1;
	} else if (sig_elapsed(&s->stop_by, &now) >= 0) {
		log_warn("sig", "drain's grace over with %llu call(s) left: ending them",
			 (unsigned long long)s->st.calls_active);
		s->stop_requested = 1;
	}
}

static const char *const sig_method_names[SIG_METHOD_MAX] = {
#define SIG_METHOD_NAME(m) #m,
	SIG_METHOD_LIST(SIG_METHOD_NAME)
#undef SIG_METHOD_NAME
};

const char *sig_method_name(enum sig_method m)
{
	return m < SIG_METHOD_MAX ? sig_method_names[m] : "OTHER";
}

static enum sig_method sig_method_of(sip_method_t m, const char *name)
{
	static const struct {
		sip_method_t sip;
		enum sig_method ours;
	} known[] = {
		{sip_method_invite, SIG_M_INVITE},   {sip_method_ack, SIG_M_ACK},
		{sip_method_bye, SIG_M_BYE},         {sip_method_cancel, SIG_M_CANCEL},
		{sip_method_options, SIG_M_OPTIONS}, {sip_method_info, SIG_M_INFO},
		{sip_method_update, SIG_M_UPDATE},   {sip_method_notify, SIG_M_NOTIFY},
		{sip_method_refer, SIG_M_REFER},     {sip_method_prack, SIG_M_PRACK},
		{sip_method_message, SIG_M_MESSAGE}, {sip_method_subscribe, SIG_M_SUBSCRIBE},
		{sip_method_register, SIG_M_REGISTER}};

	(void)name;
	for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].sip == m)
			return known[i].ours;
	return SIG_M_OTHER;
}

/* Count a request received, or a response to one of ours, by method (and status). */
static void sig_count_sip(struct sig *s, nua_event_t event, const sip_t *sip)
{
	struct sig_stats *st = &s->st;
	enum sig_method m;
	uint32_t n;

	if (!sip)
		return;
	if (sip->sip_request) {
		switch (event) {
		case nua_i_invite: case nua_i_ack: case nua_i_bye: case nua_i_cancel:
		case nua_i_options: case nua_i_info: case nua_i_update: case nua_i_notify:
		case nua_i_refer: case nua_i_prack: case nua_i_message: case nua_i_subscribe:
		case nua_i_register: case nua_i_method:
			st->requests_in[sig_method_of(sip->sip_request->rq_method,
						      sip->sip_request->rq_method_name)]++;
			break;
		default:
			break;
		}
		return;
	}
	if (!sip->sip_status || !sip->sip_cseq || event < nua_r_set_params)
		return;
	m = sig_method_of(sip->sip_cseq->cs_method, sip->sip_cseq->cs_method_name);
	n = st->n_responses_in;
	for (uint32_t i = 0; i < n; i++)
		if (st->responses_in[i].method == m &&
		    st->responses_in[i].status == sip->sip_status->st_status) {
			st->responses_in[i].n++;
			return;
		}
	if (n == SIG_CODES_MAX) {
		st->responses_in[n - 1].n++; /* the table is full: counted, mislabelled */
		return;
	}
	st->responses_in[n].method = (uint16_t)m;
	st->responses_in[n].status = (uint16_t)sip->sip_status->st_status;
	st->responses_in[n].n = 1;
	__atomic_store_n(&st->n_responses_in, n + 1, __ATOMIC_RELEASE);
}

/* OPTIONS (a proxy's probe): 200 with what nua adds (Allow, Accept), or 503 with
 * Retry-After while draining, so that the proxy sends new calls elsewhere. */
static void sig_options(struct sig *s, nua_t *nua, nua_handle_t *nh)
{
	char retry[16];

	if (__atomic_load_n(&s->draining, __ATOMIC_RELAXED)) {
		s->st.options_drained++;
		snprintf(retry, sizeof(retry), "%u", s->cfg->sig.retry_after_s);
		nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, NUTAG_WITH_THIS(nua),
			    SIPTAG_RETRY_AFTER_STR(retry),
			    SIPTAG_WARNING_STR("399 voxgate \"draining\""), TAG_END());
	} else {
		nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(nua), TAG_END());
	}
	nua_handle_destroy(nh);
}

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
	wh_poll(s->wh);
	if (s->on_poll)
		s->on_poll(s->on_poll_arg);
	if (!s->stop_requested && __atomic_load_n(&s->stop_after, __ATOMIC_ACQUIRE))
		sig_stop_when_drained(s);
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
	sig_count_sip(s, event, sip);
	if (hmagic && sig_reg_owns(s, hmagic)) {
		sig_reg_event(s, event, status, phrase, (struct sig_reg *)hmagic, sip);
		return;
	}
	switch (event) {
	case nua_i_invite:
		if (c) {
			sig_reinvite(s, c, nh, sip);
		} else if (s->stopping) {
			sig_reject(s, nh, SIG_REFUSE_STOPPING, "shutting down");
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
		if (state == nua_callstate_terminated && c && c->state == SC_DIALING)
			sig_out_gone(s, c);
		else if (state == nua_callstate_terminated && c)
			sig_call_end(s, c);
		break;
	case nua_r_invite:
		if (c && c->outbound)
			sig_out_answer(s, c, status, phrase, sip);
		break;
	case nua_i_bye:
		if (c) {
			log_info("sig", "call %s: BYE from the peer", sig_call_id(s, c));
			sig_end_why(c, c->outbound ? "callee_bye" : "caller_bye");
			sig_caller_left(c);
		}
		break;
	case nua_i_cancel:
		if (c) {
			log_info("sig", "call %s: CANCEL from the peer", sig_call_id(s, c));
			sig_end_why(c, "caller_cancel");
			sig_caller_left(c);
		}
		break;
	case nua_r_info:
		if (c && status >= 200)
			sig_info_answered(s, c, status);
		break;
	case nua_r_refer:
		if (c)
			sig_refer_answered(s, c, status);
		break;
	case nua_i_notify:
		/* NOTIFY is answered here (NUTAG_APPL_METHOD): the REFER's, or 481 */
		if (c) {
			sig_refer_notify(s, c, nh, sip, tags);
		} else {
			nua_respond(nh, SIP_481_NO_TRANSACTION, NUTAG_WITH_THIS(nua), TAG_END());
			nua_handle_destroy(nh);
		}
		break;
	case nua_i_options:
		if (!c && nh)
			sig_options(s, nua, nh);
		else if (nh)
			nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(nua), TAG_END());
		break;
	case nua_i_info:
		/* the platform's INFO, answered 200 by nua: nothing for the bot yet */
		if (c)
			log_info("sig", "call %s: INFO from the peer (%s)", sig_call_id(s, c),
				 sip && sip->sip_content_type ? sip->sip_content_type->c_type
							      : "no body");
		else if (nh)
			nua_handle_destroy(nh);
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
			else if ((s->call[i].state == SC_STARTING ||
				  s->call[i].state == SC_DIALING) && s->call[i].nh)
				sig_hangup(s, &s->call[i], SIG_REFUSE_STOPPING);
		}
		sig_reg_stop(s);
	}
	for (uint32_t i = 0; i < s->calls->n_slots; i++)
		live += s->call[i].state != SC_FREE;
	if ((live || !sig_reg_stopped(s)) &&
	    sig_elapsed(&s->stop_at, &now) * 1000 < SIG_SHUTDOWN_MS)
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
			       /* INFO: the platform's, answered by nua; NOTIFY: of our
				* REFER (without it in Allow nua answers 405) */
			       SIPTAG_ALLOW_STR("INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO, "
						"NOTIFY"),
			       /* UPDATE and NOTIFY are answered here (sig_reinvite,
				* sig_refer_notify), not by nua */
			       NUTAG_APPL_METHOD("UPDATE"), NUTAG_APPL_METHOD("NOTIFY"),
			       /* OPTIONS too (sig_options): 503 while draining */
			       NUTAG_APPL_METHOD("OPTIONS"),
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
	struct cfg_cidr cidrs[(CFG_MAX_TRUNKS + 1) * CFG_MAX_CIDRS];
	unsigned n = 0;
	int len;

	/* the trunks' allowlists and the proxies in front (signaling.proxies) */
	for (unsigned t = 0; t <= cfg->sig.n_trunks; t++)
		for (unsigned i = 0; i < (t < cfg->sig.n_trunks ? cfg->sig.trunks[t].n_allow
							       : cfg->sig.n_proxy_allow); i++) {
			const struct cfg_cidr *c = t < cfg->sig.n_trunks
							   ? &cfg->sig.trunks[t].allow[i]
							   : &cfg->sig.proxy_allow[i];
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
	rc = wh_create(&s->wh, sig_handback_done, s);
	if (rc)
		goto fail;
	rc = cap_start(&s->cap, cfg);
	if (rc)
		goto fail;
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
	sig_reg_start(s);
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

void sig_drain(struct sig *s, bool on)
{
	__atomic_store_n(&s->draining, on, __ATOMIC_RELAXED);
}

bool sig_stopping(const struct sig *s)
{
	return s->stop_requested || __atomic_load_n(&s->stop_after, __ATOMIC_RELAXED);
}

bool sig_draining(const struct sig *s)
{
	return __atomic_load_n(&s->draining, __ATOMIC_RELAXED);
}

void sig_request_stop_after(struct sig *s, unsigned grace_s)
{
	__atomic_store_n(&s->draining, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&s->stop_after, (int)grace_s + 1, __ATOMIC_RELEASE);
}

void sig_destroy(struct sig *s)
{
	if (!s)
		return;
	cap_stop(s->cap);
	if (s->poll)
		su_timer_destroy(s->poll);
	for (unsigned i = 0; i < s->n_ua; i++)
		nua_destroy(s->ua[i].nua);
	sig_reg_free(s);
	if (s->root)
		su_root_destroy(s->root);
	cs_pool_fini(&s->pool);
	cdr_close(&s->cdr);
	wh_destroy(s->wh);
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

const struct cap_stats *sig_capture_stats(const struct sig *s)
{
	return cap_stats(s->cap);
}

const struct wh_stats *sig_webhook_stats(const struct sig *s)
{
	return wh_stats(s->wh);
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

