/*
 * sig_reg.c: voxgate as a registering SIP client (signaling.outbound with register).
 *
 * Each endpoint that registers has a nua handle on the listener of its proxy's
 * transport: REGISTER with the address-of-record sip:user@domain and a Contact of
 * sip:user@<the listener's address and port>, digest challenges (401, 407) answered
 * with the endpoint's credentials, refreshed by nua before it expires. A failed
 * REGISTER (refused, unanswered, a transport error, credentials refused) is tried
 * again on a new handle after retry_s, doubling up to SIG_REG_BACKOFF_MAX_S. At
 * shutdown every registration is taken back (Expires 0) before nua shuts down.
 * INVITEs the registrar sends to the Contact are calls like any other: the endpoint's
 * trunk takes them (config/cfg.c puts an IP literal proxy in its allowlist) and the
 * routes choose the bot. The password is never logged.
 */
#include "signaling/sig-int.h"

#include <sofia-sip/msg_header.h>

#define SIG_REG_BACKOFF_MAX_S 300
#define SIG_REG_AUTH_MAX 2 /* challenges answered for one request (stale nonces aside) */

nua_t *sig_reg_nua(const struct sig *s, uint8_t tp)
{
	for (unsigned l = 0; l < s->cfg->sig.n_listeners; l++) {
		const struct cfg_listener *li = &s->cfg->sig.listeners[l];

		if (li->transport != tp)
			continue;
		for (unsigned u = 0; u < s->n_ua; u++)
			if (strcmp(s->ua[u].listener->address, li->address) == 0 &&
			    s->ua[u].listener->port == li->port)
				return s->ua[u].nua;
	}
	return NULL;
}

static void sig_reg_send(struct sig *s, struct sig_reg *r);

static void sig_reg_retry_due(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	struct sig_reg *r = (struct sig_reg *)arg;

	(void)magic;
	(void)t;
	if (r->s->stopping || r->state != SR_RETRY)
		return;
	sig_reg_send(r->s, r);
}

/* The registration failed (why): a new handle after the back-off. */
static void sig_reg_failed(struct sig *s, struct sig_reg *r, int status, const char *why)
{
	const struct cfg_outbound *ob = &s->cfg->sig.outbound[r->ob];
	uint32_t wait = ob->retry_s;

	for (unsigned i = 0; i < r->failures && wait < SIG_REG_BACKOFF_MAX_S; i++)
		wait *= 2;
	if (wait > SIG_REG_BACKOFF_MAX_S)
		wait = SIG_REG_BACKOFF_MAX_S;
	r->failures++;
	s->st.registrations_failed++;
	if (r->state == SR_REGISTERED)
		s->st.registered--;
	if (r->nh) {
		nua_handle_destroy(r->nh);
		r->nh = NULL;
	}
	if (s->stopping) {
		r->state = SR_DONE;
		return;
	}
	r->state = SR_RETRY;
	log_warn("sig", "outbound %s: REGISTER to %s failed: %d %s; again in %u s "
		 "(failure %u in a row)", ob->name, ob->proxy, status, why, wait, r->failures);
	if (!r->retry)
		r->retry = su_timer_create(su_root_task(s->root), 0);
	if (!r->retry || su_timer_set_interval(r->retry, sig_reg_retry_due,
					       (su_timer_arg_t *)r, wait * 1000) < 0)
		log_err("sig", "outbound %s: no timer to register again: it stays "
			"unregistered", ob->name);
}

/* Send REGISTER (again) on a new handle. */
static void sig_reg_send(struct sig *s, struct sig_reg *r)
{
	const struct cfg_outbound *ob = &s->cfg->sig.outbound[r->ob];
	char aor[sizeof(ob->user) + sizeof(ob->host) + 8], expires[16];
	nua_t *nua = sig_reg_nua(s, ob->transport);

	snprintf(aor, sizeof(aor), "<sip:%s@%s>", ob->user, ob->domain[0] ? ob->domain
		 : ob->host);
	snprintf(expires, sizeof(expires), "%u", ob->expires);
	r->auth_tries = 0;
	r->nh = nua ? nua_handle(nua, (nua_hmagic_t *)r, SIPTAG_TO_STR(aor),
				 SIPTAG_FROM_STR(aor), TAG_END())
		    : NULL;
	if (!r->nh) {
		r->state = SR_REGISTERING; /* so that the failure counts as one */
		sig_reg_failed(s, r, 500, nua ? "no memory for a handle"
					      : "no listener of the proxy's transport");
		return;
	}
	r->state = SR_REGISTERING;
	nua_register(r->nh, NUTAG_REGISTRAR(URL_STRING_MAKE(ob->proxy)),
		     NUTAG_M_USERNAME(ob->user), SIPTAG_EXPIRES_STR(expires),
		     /* a plain registration: no RFC 5626 flow checks, no OPTIONS to
		      * ourselves, the Contact as the listener is bound */
		     NUTAG_OUTBOUND("no-options-keepalive no-validate no-natify no-outbound"),
		     TAG_END());
}

bool sig_digest(nua_handle_t *nh, const sip_t *sip, const struct cfg_outbound *ob,
		uint8_t *tries, uint16_t *challenge)
{
	const msg_auth_t *au = sip ? (sip->sip_www_authenticate ? sip->sip_www_authenticate
							       : sip->sip_proxy_authenticate)
				   : NULL;
	const char *realm = au ? msg_params_find(au->au_params, "realm=") : NULL;
	const char *stale = au ? msg_params_find(au->au_params, "stale=") : NULL;
	char cred[sizeof(ob->auth_user) + sizeof(ob->password) + 160];

	if (!realm || !au->au_scheme)
		return false;
	/* a stale nonce is no refusal of the credentials (RFC 2617 3.2.1) */
	if (*tries >= SIG_REG_AUTH_MAX && !(stale && strcasecmp(stale, "true") == 0))
		return false;
	if (*tries >= 2 * SIG_REG_AUTH_MAX)
		return false;
	(*tries)++;
	*challenge = sip->sip_status ? (uint16_t)sip->sip_status->st_status : 401;
	/* scheme:"realm":user:password, the realm quoted as the challenge had it */
	snprintf(cred, sizeof(cred), "%s:%s:%s:%s", au->au_scheme, realm, ob->auth_user,
		 ob->password);
	nua_authenticate(nh, NUTAG_AUTH(cred), TAG_END());
	explicit_bzero(cred, sizeof(cred));
	return true;
}

/* The registrar's expiry for our Contact: its expires parameter, or Expires. */
static unsigned sig_reg_granted(const struct sig_reg *r, const sip_t *sip,
				uint32_t asked)
{
	(void)r;
	if (sip && sip->sip_contact && sip->sip_contact->m_expires)
		return (unsigned)strtoul(sip->sip_contact->m_expires, NULL, 10);
	if (sip && sip->sip_expires)
		return (unsigned)sip->sip_expires->ex_delta;
	return asked;
}

bool sig_reg_owns(const struct sig *s, const void *hmagic)
{
	const struct sig_reg *r = hmagic;

	return r >= s->reg && r < s->reg + s->n_reg;
}

void sig_reg_event(struct sig *s, nua_event_t event, int status, const char *phrase,
		   struct sig_reg *r, const sip_t *sip)
{
	const struct cfg_outbound *ob = &s->cfg->sig.outbound[r->ob];

	if (event != nua_r_register && event != nua_r_unregister)
		return;
	if (status < 200)
		return;
	if ((status == 401 || status == 407) &&
	    sig_digest(r->nh, sip, ob, &r->auth_tries, &r->challenge))
		return; /* the request goes again, with credentials */
	if (event == nua_r_unregister) {
		if (r->state == SR_REGISTERED)
			s->st.registered--;
		r->state = SR_DONE;
		log_info("sig", "outbound %s: registration at %s taken back (%d %s)", ob->name,
			 ob->proxy, status, phrase ? phrase : "");
		return;
	}
	if (status >= 300) {
		/* 904: sofia-sip's own "no matching challenge", the registrar's same
		 * challenge again after our credentials: told as that challenge */
		if (status == 904 && r->challenge)
			status = r->challenge;
		sig_reg_failed(s, r, status,
			       status == 401 || status == 407 || status == 904
				       ? "credentials refused"
				       : phrase ? phrase : "");
		return;
	}
	if (r->state != SR_REGISTERED) {
		s->st.registered++;
		log_info("sig", "outbound %s: registered as sip:%s@%s at %s for %u s%s", ob->name,
			 ob->user, ob->domain[0] ? ob->domain : ob->host, ob->proxy,
			 sig_reg_granted(r, sip, ob->expires),
			 r->failures ? " (again, after failures)" : "");
	}
	s->st.registrations++;
	r->state = SR_REGISTERED;
	r->failures = 0;
	r->auth_tries = 0;
	if (s->stopping) { /* it was in flight when the stop came */
		r->state = SR_UNREGISTERING;
		s->st.registered--;
		nua_unregister(r->nh, TAG_END());
	}
}

void sig_reg_start(struct sig *s)
{
	for (unsigned i = 0; i < s->cfg->sig.n_outbound; i++) {
		struct sig_reg *r;

		if (!s->cfg->sig.outbound[i].reg)
			continue;
		r = &s->reg[s->n_reg++];
		r->s = s;
		r->ob = i;
		sig_reg_send(s, r);
	}
}

void sig_reg_stop(struct sig *s)
{
	for (unsigned i = 0; i < s->n_reg; i++) {
		struct sig_reg *r = &s->reg[i];

		if (r->retry)
			su_timer_reset(r->retry);
		if (r->state == SR_REGISTERED && r->nh) {
			r->state = SR_UNREGISTERING;
			r->auth_tries = 0;
			nua_unregister(r->nh, TAG_END());
		} else if (r->state != SR_UNREGISTERING) {
			r->state = SR_DONE;
		}
	}
}

bool sig_reg_stopped(const struct sig *s)
{
	for (unsigned i = 0; i < s->n_reg; i++)
		if (s->reg[i].state == SR_UNREGISTERING || s->reg[i].state == SR_REGISTERING)
			return false;
	return true;
}

void sig_reg_free(struct sig *s)
{
	for (unsigned i = 0; i < s->n_reg; i++) {
		if (s->reg[i].retry)
			su_timer_destroy(s->reg[i].retry);
		s->reg[i].retry = NULL;
	}
}
