/*
 * sdp_offer.c: choosing the audio stream of an offer and writing the answer.
 *
 * Parsing is sofia-sip's (sdp_parse); this file only decides. A static payload type
 * with no rtpmap line (0 = PCMU, 8 = PCMA, RFC 3551 6) counts as offered: sofia-sip
 * fills in its well-known rtpmap.
 */
#include "signaling/sdp_offer.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/base64.h>
#include <sofia-sip/sdp.h>
#include <sofia-sip/su_alloc.h>

#include "config/cfg.h"
#include "shared/cs.h"

/* Payload type offered for codec name/rate in stream m, or -1. sofia-sip lists an RTP
 * stream's formats as m_rtpmaps, in offer order, with well-known entries (rm_predef)
 * for static payload types that had no rtpmap line. */
static int sdp_find_pt(const sdp_media_t *m, const char *name, unsigned long rate,
		       const char **fmtp)
{
	for (const sdp_rtpmap_t *rm = m->m_rtpmaps; rm; rm = rm->rm_next) {
		if (rm->rm_encoding && strcasecmp(rm->rm_encoding, name) == 0 &&
		    rm->rm_rate == rate) {
			if (fmtp)
				*fmtp = rm->rm_fmtp;
			return rm->rm_pt;
		}
	}
	return -1;
}

static const sdp_connection_t *sdp_conn(const sdp_media_t *m, const sdp_session_t *s)
{
	return m->m_connections ? m->m_connections : s->sdp_connection;
}

/* RFC 3264 6.1: the answer's direction mirrors the offer's. */
static uint8_t sdp_dir(unsigned mode)
{
	switch (mode) {
	case sdp_sendonly:
		return CS_DIR_RECVONLY;
	case sdp_recvonly:
		return CS_DIR_SENDONLY;
	case sdp_inactive:
		return CS_DIR_INACTIVE;
	default:
		return CS_DIR_SENDRECV;
	}
}


static const char *const sdp_suites[CS_SRTP_SUITES] = {
	[CS_SRTP_AES_CM_128_HMAC_SHA1_80] = "AES_CM_128_HMAC_SHA1_80",
	[CS_SRTP_AES_CM_128_HMAC_SHA1_32] = "AES_CM_128_HMAC_SHA1_32",
	[CS_SRTP_AES_256_CM_HMAC_SHA1_80] = "AES_256_CM_HMAC_SHA1_80",
	[CS_SRTP_AEAD_AES_128_GCM] = "AEAD_AES_128_GCM",
};

const char *sdp_srtp_suite_name(unsigned suite)
{
	return suite < CS_SRTP_SUITES && sdp_suites[suite] ? sdp_suites[suite] : "none";
}

/* Base64 text of n characters at b64 (RFC 4648 4, '=' padding optional) decoded into
 * out; returns the byte count, or -1 when a character is not base64 or the result
 * would not fit in size bytes. */
static int sdp_b64_key(const char *b64, size_t n, uint8_t *out, size_t size)
{
	char text[BASE64_SIZE(CS_SRTP_KEY_MAX) + 1];
	char bin[CS_SRTP_KEY_MAX + 3];
	size_t pad = 0;
	isize_t got;

	while (pad < 2 && n > pad && b64[n - pad - 1] == '=')
		pad++;
	if (n == pad || n > sizeof(text) - 1)
		return -1;
	for (size_t i = 0; i < n - pad; i++)
		if (!isalnum((unsigned char)b64[i]) && b64[i] != '+' && b64[i] != '/')
			return -1;
	memcpy(text, b64, n - pad);
	text[n - pad] = '\0';
	got = base64_d(bin, sizeof(bin), text);
	if (got < 0 || (size_t)got > size) {
		explicit_bzero(bin, sizeof(bin));
		explicit_bzero(text, sizeof(text));
		return -1;
	}
	memcpy(out, bin, (size_t)got);
	explicit_bzero(bin, sizeof(bin));
	explicit_bzero(text, sizeof(text));
	return (int)got;
}

int sdp_crypto_parse(const char *value, char *tag, size_t tagsize, struct cs_srtp *out,
		     char *why, size_t whylen)
{
	const char *p = value, *key, *end;
	unsigned suite = CS_SRTP_NONE;
	size_t n;
	int got;

	memset(out, 0, sizeof(*out));
	/* tag: 1*9DIGIT */
	n = strspn(p, "0123456789");
	if (n == 0 || n > 9 || n >= tagsize || p[n] != ' ') {
		snprintf(why, whylen, "a=crypto without a tag");
		return -EBADMSG;
	}
	memcpy(tag, p, n);
	tag[n] = '\0';
	p += n + strspn(p + n, " ");
	/* crypto-suite */
	n = strcspn(p, " ");
	for (unsigned i = 1; i < CS_SRTP_SUITES; i++)
		if (strlen(sdp_suites[i]) == n && strncmp(p, sdp_suites[i], n) == 0)
			suite = i;
	if (suite == CS_SRTP_NONE) {
		snprintf(why, whylen, "crypto suite %.*s is not supported", (int)(n < 40 ? n : 40),
			 p);
		return -ENOTSUP;
	}
	p += n + strspn(p + n, " ");
	/* key-params: "inline:" key||salt ["|" lifetime] ["|" MKI ":" length] */
	if (strncmp(p, "inline:", 7) != 0) {
		snprintf(why, whylen, "a=crypto %s: key method is not inline", tag);
		return -EBADMSG;
	}
	key = p + 7;
	end = key + strcspn(key, " ");
	if (memchr(key, ';', (size_t)(end - key))) {
		snprintf(why, whylen, "a=crypto %s: several master keys are not supported", tag);
		return -ENOTSUP;
	}
	n = strcspn(key, "| ");
	got = sdp_b64_key(key, n, out->rx_key, sizeof(out->rx_key));
	if (got != (int)cs_srtp_key_len(suite)) {
		explicit_bzero(out, sizeof(*out));
		snprintf(why, whylen, "a=crypto %s: key is not %u bytes of base64 for %s", tag,
			 cs_srtp_key_len(suite), sdp_suites[suite]);
		return -EBADMSG;
	}
	for (p = key + n; *p == '|';) {
		const char *f = p + 1;
		size_t fl = strcspn(f, "| ");
		const char *colon = memchr(f, ':', fl);

		if (colon) { /* MKI value ":" length, RFC 4568 6.1 */
			char *e;
			unsigned long long v = strtoull(f, &e, 10);
			unsigned long ml = strtoul(colon + 1, NULL, 10);

			if (e != colon || fl - (size_t)(colon - f) - 1 == 0 ||
			    strspn(colon + 1, "0123456789") != fl - (size_t)(colon - f) - 1 ||
			    ml < 1 || ml > 128) {
				snprintf(why, whylen, "a=crypto %s: malformed MKI", tag);
				goto bad;
			}
			if (ml > CS_SRTP_MKI_MAX || (ml < 8 && v >> (8 * ml))) {
				snprintf(why, whylen, "a=crypto %s: MKI of %lu bytes is not "
					 "supported (at most %d)", tag, ml, CS_SRTP_MKI_MAX);
				explicit_bzero(out, sizeof(*out));
				return -ENOTSUP;
			}
			out->rx_mki_len = (uint8_t)ml;
			for (unsigned i = 0; i < ml; i++)
				out->rx_mki[i] = (uint8_t)(v >> (8 * (ml - 1 - i)));
		} else { /* lifetime: decimal or "2^" decimal */
			size_t d = (fl > 2 && f[0] == '2' && f[1] == '^') ? 2 : 0;

			if (fl == d || strspn(f + d, "0123456789") != fl - d) {
				snprintf(why, whylen, "a=crypto %s: malformed key lifetime", tag);
				goto bad;
			}
		}
		p = f + fl;
	}
	if (p != end) {
		snprintf(why, whylen, "a=crypto %s: malformed key parameters", tag);
		goto bad;
	}
	/* session parameters (RFC 4568 6.3): only the window size hint is harmless */
	for (p = end; *p;) {
		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (n == 0)
			break;
		if (n < 4 || strncmp(p, "WSH=", 4) != 0) {
			snprintf(why, whylen, "a=crypto %s: session parameter %.*s is not "
				 "supported", tag, (int)(n < 24 ? n : 24), p);
			explicit_bzero(out, sizeof(*out));
			return -ENOTSUP;
		}
		p += n;
	}
	out->suite = (uint8_t)suite;
	return 0;
bad:
	explicit_bzero(out, sizeof(*out));
	return -EBADMSG;
}

/* The first a=crypto line of m that voxgate can use, into out; 0 or -ENOTSUP, with
 * why saying what was wrong with the last line tried. */
static int sdp_crypto_choose(const sdp_media_t *m, struct sdp_choice *out, char *why,
			     size_t whylen)
{
	snprintf(why, whylen, "RTP/SAVP offered without an a=crypto line (SDES)");
	for (const sdp_attribute_t *a = m->m_attributes; a; a = a->a_next) {
		if (!a->a_name || strcasecmp(a->a_name, "crypto") != 0 || !a->a_value)
			continue;
		if (sdp_crypto_parse(a->a_value, out->crypto_tag, sizeof(out->crypto_tag),
				     &out->srtp, why, whylen) == 0)
			return 0;
	}
	return -ENOTSUP;
}

int sdp_offer_choose(const char *sdp, size_t len, const uint8_t *codecs,
		     unsigned n_codecs, unsigned srtp, struct sdp_choice *out, char *why,
		     size_t whylen)
{
	static const char *const names[] = {[CFG_CODEC_PCMA] = "PCMA", [CFG_CODEC_PCMU] = "PCMU"};
	su_home_t home[1] = {SU_HOME_INIT(home)};
	sdp_parser_t *parser;
	sdp_session_t *sess;
	const sdp_media_t *m;
	int rc = -ENOTSUP;
	unsigned i;

	memset(out, 0, sizeof(*out));
	out->dtmf_pt = CS_NO_PT;
	snprintf(why, whylen, "no audio stream");
	parser = sdp_parse(home, sdp, (issize_t)len, 0);
	sess = sdp_session(parser);
	if (!sess) {
		snprintf(why, whylen, "SDP does not parse: %s", sdp_parsing_error(parser));
		sdp_parser_free(parser);
		su_home_deinit(home);
		return -EBADMSG;
	}
	for (m = sess->sdp_media, i = 0; m; m = m->m_next, i++) {
		const sdp_connection_t *c = sdp_conn(m, sess);
		struct in_addr addr;
		const char *fmtp = NULL;
		uint8_t law = CS_LAW_PCMU;
		int pt = -1;

		if (i < SDP_MAX_STREAMS) {
			snprintf(out->streams[i].type, sizeof(out->streams[i].type), "%s",
				 m->m_type_name ? m->m_type_name : "audio");
			snprintf(out->streams[i].proto, sizeof(out->streams[i].proto), "%s",
				 m->m_proto_name ? m->m_proto_name : "RTP/AVP");
			if (m->m_rtpmaps)
				snprintf(out->streams[i].fmt, sizeof(out->streams[i].fmt), "%u",
					 m->m_rtpmaps->rm_pt);
			else
				snprintf(out->streams[i].fmt, sizeof(out->streams[i].fmt), "%s",
					 m->m_format ? m->m_format->l_text : "0");
		}
		/* Under the optional policy a later RTP/SAVP stream may still beat the
		 * RTP/AVP one chosen so far. */
		if ((rc == 0 && (srtp != CFG_SRTP_OPTIONAL || out->srtp.suite)) ||
		    i >= SDP_MAX_STREAMS)
			continue;
		if (m->m_type != sdp_media_audio || m->m_port == 0)
			continue;
		if (m->m_proto != sdp_proto_rtp && m->m_proto != sdp_proto_srtp) {
			snprintf(why, whylen, "audio over %s is not accepted (RTP/AVP or RTP/SAVP)",
				 m->m_proto_name ? m->m_proto_name : "?");
			continue;
		}
		if (m->m_proto == sdp_proto_rtp && (srtp == CFG_SRTP_REQUIRED || rc == 0)) {
			if (rc != 0)
				snprintf(why, whylen, "the trunk requires SRTP (RTP/SAVP) and "
					 "RTP/AVP was offered");
			continue;
		}
		if (m->m_proto == sdp_proto_srtp && srtp == CFG_SRTP_REFUSED) {
			snprintf(why, whylen, "the trunk refuses SRTP and RTP/SAVP was offered");
			continue;
		}
		if (!c || c->c_addrtype != sdp_addr_ip4 || !c->c_address ||
		    inet_pton(AF_INET, c->c_address, &addr) != 1) {
			snprintf(why, whylen, "audio connection address is not IPv4");
			continue;
		}
		for (unsigned k = 0; k < n_codecs && pt < 0; k++) {
			pt = sdp_find_pt(m, names[codecs[k]], 8000, NULL);
			if (pt >= 0)
				law = codecs[k] == CFG_CODEC_PCMA ? CS_LAW_PCMA : CS_LAW_PCMU;
		}
		if (pt < 0) {
			snprintf(why, whylen, "no common codec: the trunk accepts %s%s%s",
				 names[codecs[0]], n_codecs > 1 ? " or " : "",
				 n_codecs > 1 ? names[codecs[1]] : "");
			continue;
		}
		if (m->m_proto == sdp_proto_srtp && sdp_crypto_choose(m, out, why, whylen) != 0)
			continue;
		if (m->m_proto == sdp_proto_rtp) {
			explicit_bzero(&out->srtp, sizeof(out->srtp));
			out->crypto_tag[0] = '\0';
		}
		out->law = law;
		out->pt = (uint8_t)pt;
		out->dtmf_pt = CS_NO_PT;
		out->dtmf_fmtp[0] = '\0';
		pt = sdp_find_pt(m, "telephone-event", 8000, &fmtp);
		if (pt >= 0) {
			out->dtmf_pt = (uint8_t)pt;
			snprintf(out->dtmf_fmtp, sizeof(out->dtmf_fmtp), "%s", fmtp ? fmtp : "");
		}
		out->remote_ip = addr.s_addr;
		out->remote_port = (uint16_t)m->m_port;
		out->dir = sdp_dir(m->m_mode);
		out->stream = i;
		rc = 0;
	}
	out->n_streams = i < SDP_MAX_STREAMS ? i : SDP_MAX_STREAMS;
	if (rc == 0)
		why[0] = '\0';
	sdp_parser_free(parser);
	su_home_deinit(home);
	return rc;
}

/* Append to buf (size bytes, n used, w scratch) or return -ENOSPC. */
#define SDP_OUT(...)                                                    \
	do {                                                            \
		w = snprintf(buf + n, size - n, __VA_ARGS__);           \
		if (w < 0 || (size_t)w >= size - n)                     \
			return -ENOSPC;                                 \
		n += (size_t)w;                                         \
	} while (0)

int sdp_answer_format(char *buf, size_t size, const struct sdp_choice *c,
		      const char *media_ip, uint16_t port, uint64_t session_id,
		      uint64_t version)
{
	static const char *const dirs[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
	size_t n = 0;
	int w;

	SDP_OUT("v=0\r\no=voxgate %llu %llu IN IP4 %s\r\ns=voxgate\r\nc=IN IP4 %s\r\nt=0 0\r\n",
		(unsigned long long)session_id, (unsigned long long)version, media_ip,
		media_ip);
	for (unsigned i = 0; i < c->n_streams; i++) {
		if (i != c->stream) {
			SDP_OUT("m=%s 0 %s %s\r\n", c->streams[i].type, c->streams[i].proto,
				c->streams[i].fmt);
			continue;
		}
		SDP_OUT("m=audio %u %s %u", port, c->srtp.suite ? "RTP/SAVP" : "RTP/AVP", c->pt);
		if (c->dtmf_pt != CS_NO_PT)
			SDP_OUT(" %u", c->dtmf_pt);
		SDP_OUT("\r\na=rtpmap:%u %s/8000\r\n", c->pt,
			c->law == CS_LAW_PCMA ? "PCMA" : "PCMU");
		if (c->dtmf_pt != CS_NO_PT) {
			SDP_OUT("a=rtpmap:%u telephone-event/8000\r\n", c->dtmf_pt);
			if (c->dtmf_fmtp[0])
				SDP_OUT("a=fmtp:%u %s\r\n", c->dtmf_pt, c->dtmf_fmtp);
		}
		if (c->srtp.suite) {
			char key[BASE64_SIZE(CS_SRTP_KEY_MAX) + 1];
			unsigned klen = cs_srtp_key_len(c->srtp.suite);

			base64_e(key, sizeof(key), (void *)c->srtp.tx_key, klen);
			w = snprintf(buf + n, size - n, "a=crypto:%s %s inline:%s\r\n",
				     c->crypto_tag, sdp_srtp_suite_name(c->srtp.suite), key);
			explicit_bzero(key, sizeof(key));
			if (w < 0 || (size_t)w >= size - n)
				return -ENOSPC;
			n += (size_t)w;
		}
		SDP_OUT("a=ptime:20\r\na=%s\r\n", dirs[c->dir & 3]);
	}
	return (int)n;
}

int sdp_offer_format(char *buf, size_t size, const char *media_ip, uint16_t port,
		     const uint8_t *codecs, unsigned n_codecs, uint64_t session_id,
		     uint64_t version, const struct cs_srtp *srtp)
{
	bool sec = srtp && srtp->suite;
	size_t n = 0;
	int w;

	SDP_OUT("v=0\r\no=voxgate %llu %llu IN IP4 %s\r\ns=voxgate\r\nc=IN IP4 %s\r\nt=0 0\r\n"
		"m=audio %u %s", (unsigned long long)session_id,
		(unsigned long long)version, media_ip, media_ip, port,
		sec ? "RTP/SAVP" : "RTP/AVP");
	for (unsigned i = 0; i < n_codecs; i++)
		SDP_OUT(" %u", codecs[i] == CFG_CODEC_PCMA ? 8 : 0);
	SDP_OUT(" %u\r\n", SDP_OFFER_DTMF_PT);
	for (unsigned i = 0; i < n_codecs; i++)
		SDP_OUT("a=rtpmap:%u %s/8000\r\n", codecs[i] == CFG_CODEC_PCMA ? 8 : 0,
			codecs[i] == CFG_CODEC_PCMA ? "PCMA" : "PCMU");
	SDP_OUT("a=rtpmap:%u telephone-event/8000\r\na=fmtp:%u 0-16\r\n", SDP_OFFER_DTMF_PT,
		SDP_OFFER_DTMF_PT);
	if (sec) {
		char key[BASE64_SIZE(CS_SRTP_KEY_MAX) + 1];

		base64_e(key, sizeof(key), (void *)srtp->tx_key, cs_srtp_key_len(srtp->suite));
		w = snprintf(buf + n, size - n, "a=crypto:1 %s inline:%s\r\n",
			     sdp_srtp_suite_name(srtp->suite), key);
		explicit_bzero(key, sizeof(key));
		if (w < 0 || (size_t)w >= size - n)
			return -ENOSPC;
		n += (size_t)w;
	}
	SDP_OUT("a=ptime:20\r\na=sendrecv\r\n");
	return (int)n;
}
#undef SDP_OUT
