/*
 * srtp.c: a call's SRTP and SRTCP over libsrtp2 (see srtp.h).
 *
 * Each direction is its own libsrtp2 session: libsrtp2 allows one wildcard SSRC
 * template per session, and the caller's side needs "any inbound SSRC" (the peer
 * picks its SSRC and may change it) while ours is one known SSRC, created with the
 * session so that no stream is cloned on the packet path. libsrtp2 clones a stream
 * for a new inbound SSRC only after the packet authenticates, so forged packets with
 * random SSRCs cost no memory.
 */
#include "dataplane/srtp.h"

#include <errno.h>
#include <string.h>

/* The SRTP and SRTCP policies of a suite (RFC 4568 6.2: SRTCP keeps the 80-bit tag
 * when SRTP uses 32 bits). Returns false for a suite voxgate does not know. */
static bool srtp_call_policy(unsigned suite, srtp_policy_t *p)
{
	switch (suite) {
	case CS_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		return true;
	case CS_SRTP_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		return true;
	case CS_SRTP_AES_256_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
		return true;
	case CS_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
		return true;
	default:
		return false;
	}
}

static int srtp_call_errno(srtp_err_status_t e)
{
	return e == srtp_err_status_alloc_fail ? -ENOMEM : -EINVAL;
}

int srtp_call_lib_init(void)
{
	return srtp_init() == srtp_err_status_ok ? 0 : -EIO;
}

void srtp_call_lib_fini(void)
{
	srtp_shutdown();
}

/* Create one direction's session. key is master key || salt of the suite's length;
 * mki/mki_len the MKI its packets carry (0: none). */
static int srtp_call_open(srtp_t *out, unsigned suite, const uint8_t *key,
			  const uint8_t *mki, unsigned mki_len, srtp_ssrc_t ssrc)
{
	uint8_t k[CS_SRTP_KEY_MAX], id[CS_SRTP_MKI_MAX];
	srtp_master_key_t mk = {.key = k, .mki_id = id, .mki_size = mki_len};
	srtp_master_key_t *keys[1] = {&mk};
	srtp_policy_t p;
	srtp_err_status_t e;

	memset(&p, 0, sizeof(p));
	if (!srtp_call_policy(suite, &p) || mki_len > CS_SRTP_MKI_MAX ||
	    (unsigned)p.rtp.cipher_key_len != cs_srtp_key_len(suite))
		return -EINVAL;
	/* libsrtp2 takes non-const keys; it only reads them */
	memcpy(k, key, cs_srtp_key_len(suite));
	memcpy(id, mki, mki_len);
	p.ssrc = ssrc;
	if (mki_len) {
		p.keys = keys;
		p.num_master_keys = 1;
	} else {
		p.key = k;
	}
	p.window_size = 128;
	p.next = NULL;
	e = srtp_create(out, &p);
	explicit_bzero(k, sizeof(k));
	if (e != srtp_err_status_ok) {
		*out = NULL;
		return srtp_call_errno(e);
	}
	return 0;
}

int srtp_call_open_rx(struct srtp_call *s, const struct cs_srtp *k)
{
	srtp_ssrc_t any = {.type = ssrc_any_inbound};

	if (s->rx) {
		srtp_dealloc(s->rx);
		s->rx = NULL;
	}
	s->rx_mki = k->rx_mki_len != 0;
	return srtp_call_open(&s->rx, k->suite, k->rx_key, k->rx_mki, k->rx_mki_len, any);
}

int srtp_call_open_tx(struct srtp_call *s, const struct cs_srtp *k, uint32_t ssrc)
{
	srtp_ssrc_t ours = {.type = ssrc_specific, .value = ssrc};

	if (s->tx) {
		srtp_dealloc(s->tx);
		s->tx = NULL;
	}
	return srtp_call_open(&s->tx, k->suite, k->tx_key, NULL, 0, ours);
}

void srtp_call_close(struct srtp_call *s)
{
	if (s->rx)
		srtp_dealloc(s->rx);
	if (s->tx)
		srtp_dealloc(s->tx);
	memset(s, 0, sizeof(*s));
}

enum dp_drop srtp_call_unprotect(struct srtp_call *s, uint8_t *pkt, uint32_t *len,
				 bool rtcp)
{
	int n = (int)*len;
	srtp_err_status_t e;

	if (*len > 0xffff)
		return DP_DROP_SRTP_BAD;
	e = rtcp ? srtp_unprotect_rtcp_mki(s->rx, pkt, &n, s->rx_mki)
		 : srtp_unprotect_mki(s->rx, pkt, &n, s->rx_mki);
	switch (e) {
	case srtp_err_status_ok:
		*len = (uint32_t)n;
		return DP_DROP_NONE;
	case srtp_err_status_auth_fail:
		return DP_DROP_SRTP_AUTH;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		return DP_DROP_SRTP_REPLAY;
	default:
		return DP_DROP_SRTP_BAD;
	}
}

int srtp_call_protect(struct srtp_call *s, uint8_t *pkt, uint32_t *len, bool rtcp)
{
	int n = (int)*len;
	srtp_err_status_t e = rtcp ? srtp_protect_rtcp(s->tx, pkt, &n)
				   : srtp_protect(s->tx, pkt, &n);

	if (e != srtp_err_status_ok)
		return -EIO;
	*len = (uint32_t)n;
	return 0;
}
