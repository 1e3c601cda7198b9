/*
 * sdp_offer.c: choosing the audio stream of an offer and writing the answer.
 *
 * Parsing is sofia-sip's (sdp_parse); this file only decides. A static payload type
 * with no rtpmap line (0 = PCMU, 8 = PCMA, RFC 3551 6) counts as offered: sofia-sip
 * fills in its well-known rtpmap.
 */
#include "signaling/sdp_offer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

int sdp_offer_choose(const char *sdp, size_t len, const uint8_t *codecs,
		     unsigned n_codecs, struct sdp_choice *out, char *why, size_t whylen)
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
		if (rc == 0 || i >= SDP_MAX_STREAMS)
			continue;
		if (m->m_type != sdp_media_audio || m->m_port == 0)
			continue;
		if (m->m_proto != sdp_proto_rtp) {
			snprintf(why, whylen, "audio over %s is not accepted (RTP/AVP only)",
				 m->m_proto_name ? m->m_proto_name : "?");
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
				out->law = codecs[k] == CFG_CODEC_PCMA ? CS_LAW_PCMA : CS_LAW_PCMU;
		}
		if (pt < 0) {
			snprintf(why, whylen, "no common codec: the trunk accepts %s%s%s",
				 names[codecs[0]], n_codecs > 1 ? " or " : "",
				 n_codecs > 1 ? names[codecs[1]] : "");
			continue;
		}
		out->pt = (uint8_t)pt;
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

int sdp_answer_format(char *buf, size_t size, const struct sdp_choice *c,
		      const char *media_ip, uint16_t port, uint64_t session_id,
		      uint64_t version)
{
	static const char *const dirs[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
	size_t n = 0;
	int w;

#define SDP_OUT(...)                                                    \
	do {                                                            \
		w = snprintf(buf + n, size - n, __VA_ARGS__);           \
		if (w < 0 || (size_t)w >= size - n)                     \
			return -ENOSPC;                                 \
		n += (size_t)w;                                         \
	} while (0)

	SDP_OUT("v=0\r\no=voxgate %llu %llu IN IP4 %s\r\ns=voxgate\r\nc=IN IP4 %s\r\nt=0 0\r\n",
		(unsigned long long)session_id, (unsigned long long)version, media_ip,
		media_ip);
	for (unsigned i = 0; i < c->n_streams; i++) {
		if (i != c->stream) {
			SDP_OUT("m=%s 0 %s %s\r\n", c->streams[i].type, c->streams[i].proto,
				c->streams[i].fmt);
			continue;
		}
		SDP_OUT("m=audio %u RTP/AVP %u", port, c->pt);
		if (c->dtmf_pt != CS_NO_PT)
			SDP_OUT(" %u", c->dtmf_pt);
		SDP_OUT("\r\na=rtpmap:%u %s/8000\r\n", c->pt,
			c->law == CS_LAW_PCMA ? "PCMA" : "PCMU");
		if (c->dtmf_pt != CS_NO_PT) {
			SDP_OUT("a=rtpmap:%u telephone-event/8000\r\n", c->dtmf_pt);
			if (c->dtmf_fmtp[0])
				SDP_OUT("a=fmtp:%u %s\r\n", c->dtmf_pt, c->dtmf_fmtp);
		}
		SDP_OUT("a=ptime:20\r\na=%s\r\n", dirs[c->dir & 3]);
	}
#undef SDP_OUT
	return (int)n;
}
