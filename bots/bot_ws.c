/*
 * bot_ws.c: bots over WebSocket, in the Twilio Media Streams dialect or raw PCM.
 *
 * Each worker has one libwebsockets client context, serviced without blocking from
 * the worker's loop (bot.c), so one thread carries the rings and every socket of its
 * sessions. A session opens its socket when the call is published; once it is up
 * the bot gets, as Twilio sends them: "connected", "start" (streamSid, callSid,
 * accountSid, tracks, mediaFormat audio/x-mulaw 8000, customParameters = the call
 * context, whose from_number and to_number are there), then one "media" message per
 * 20 ms frame of the caller (base64 mu-law), "dtmf" for each key press, "mark" when
 * the audio before one of the bot's marks has been played, and "stop" when the call
 * ends. From the bot it takes "media" (base64 mu-law, any length: cut into 20 ms
 * frames for the playout queue), "mark" and "clear", and messages of voxgate's own
 * that Twilio does not have: {"event":"hangup"} ends the call;
 * {"event":"dtmf","dtmf":{"digits":"12#","duration":100}} plays key presses to the
 * caller as RFC 4733 events; {"event":"transfer","transfer":{"mode":"refer"|"bridge",
 * "target":"sip:...","headers":{...}}} and {"event":"update","update":{"final":true,
 * "payload":{...}}} go to signaling as typed commands (bot_send_cmd). PCMA calls are converted through linear PCM: the
 * dataplane encodes the bot's frames in the call's law.
 *
 * The raw dialect: one text message first, {"event":"start", "callSid", "streamSid",
 * "context": the call context, "audio": {"encoding":"pcm16le", "sample_rate": 8000 or
 * 16000, "channels":1, "frame_ms":20}}; then binary messages of PCM16 little-endian
 * both ways (20 ms each towards the bot, any length from it; 16 kHz is resampled with
 * speexdsp), and the same JSON text messages as the Twilio dialect for mark, clear,
 * dtmf, hangup and stop.
 *
 * Failures: no socket within the agent's connect_timeout_ms, a refused connection or
 * handshake end the call through bot_fail(); the bot closing mid-call (with on_close
 * = "hangup") is its end, through bot_hangup(). All are logged with the call id and
 * counted. A bot that closes mid-call may have just said goodbye (Pipecat ends a call
 * that way when it has no REST API to call): signaling has the worker let what it
 * sent play out first (VG_MSG_BOT_DRAIN), as for any end of the bot's side.
 * Anything the bot sends that is not a Twilio message (bad JSON, bad base64, binary
 * frames, over BOT_WS_MSG_MAX bytes) is counted in bot_msgs_bad and dropped.
 *
 * How the bot's commands went comes back as messages of voxgate's own, in both
 * dialects: {"event":"update_failed","update":{"status":415,"reason":"refused"}},
 * {"event":"transfer_accepted","transfer":{"status":202}} and
 * {"event":"transfer_failed","transfer":{"status":405,"reason":"refused"}} (reasons:
 * refused, notify, timeout, unsupported, not_allowed, pending, ending, bad).
 * A bot may send its audio as fast as it likes: what is beyond the next few frames
 * waits in the worker (bot.h, bot_send_pcm); beyond bots.backlog_s it is dropped and
 * the bot told once: {"event":"playout_full","playout_full":{"max_ms":120000}}.
 *
 * Memory: a struct bot_ws per session (about 5 KB) and lws' own per connection,
 * taken at open; messages to the bot wait in an lws buflist until the socket is
 * writable. The struct lives until both the session and the socket let go of it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libwebsockets.h>
#include <speex/speex_resampler.h>

#include "base/log.h"
#include "bots/bot.h"
#include "base/g711.h"

#define BOT_WS_MSG_MAX (256 * 1024) /* one message from the bot, at most */
#define BOT_WS_MARKS 64             /* mark names kept until their audio plays */
#define BOT_WS_NAME_MAX 64

struct bot_ws {
	struct lws *wsi;            /* NULL once the socket is gone */
	struct bot_session *s;      /* NULL once the call is gone */
	struct bot_worker *w;
	const struct cfg_agent *agent;
	lws_sorted_usec_list_t connect_timer;
	uint8_t established;
	uint8_t closing;            /* the call ended: send what is queued, then close */
	uint8_t failed;             /* the call was told to end */
	struct lws_buflist *out;    /* messages to the bot, each LWS_PRE + text */
	char stream_sid[40], call_sid[40];
	char call_id[96];
	char seq_text[12];
	uint32_t seq;               /* sequenceNumber of our last message */
	uint32_t chunk;             /* media chunks sent */
	char *in;                   /* message from the bot being assembled */
	size_t in_len, in_cap;
	uint8_t ulaw[VG_FRAME_SAMPLES]; /* the bot's audio short of a whole frame */
	unsigned ulaw_n;
	uint32_t mark_next;         /* id of the bot's next mark */
	char marks[BOT_WS_MARKS][BOT_WS_NAME_MAX];
	/* raw dialect at 16 kHz: 8 kHz -> 16 kHz towards the bot, and back */
	SpeexResamplerState *up, *down;
	int16_t pcm[VG_FRAME_SAMPLES]; /* the bot's audio at 8 kHz short of a frame */
	unsigned pcm_n;
};

static void bot_ws_free_if_done(struct bot_ws *b)
{
	if (b->wsi || b->s)
		return;
	if (b->up)
		speex_resampler_destroy(b->up);
	if (b->down)
		speex_resampler_destroy(b->down);
	lws_buflist_destroy_all_segments(&b->out);
	free(b->in);
	free(b);
}

/* Queue one message to the bot. A segment of the out list is the write type (one
 * byte), LWS_PRE bytes for lws' framing, then the message. */
static void bot_ws_queue(struct bot_ws *b, const void *data, size_t len, uint8_t type)
{
	uint8_t buf[1 + LWS_PRE + 1024], *p = buf;

	if (!b->wsi || !b->established)
		return;
	if (1 + LWS_PRE + len > sizeof(buf)) {
		p = malloc(1 + LWS_PRE + len);
		if (!p)
			return;
	}
	p[0] = type;
	memcpy(p + 1 + LWS_PRE, data, len);
	if (lws_buflist_append_segment(&b->out, p, 1 + LWS_PRE + len) < 0)
		log_err("bot", "call %s: out of memory for a message to the bot", b->call_id);
	if (p != buf)
		free(p);
	lws_callback_on_writable(b->wsi);
}

static void bot_ws_send(struct bot_ws *b, const char *text, size_t len)
{
	bot_ws_queue(b, text, len, LWS_WRITE_TEXT);
}

static void bot_ws_send_json(struct bot_ws *b, json_t *msg)
{
	char *text = json_dumps(msg, JSON_COMPACT);

	if (text) {
		bot_ws_send(b, text, strlen(text));
		free(text);
	}
	json_decref(msg);
}

/* The next sequenceNumber, as Twilio writes it: a decimal string. */
static const char *bot_ws_seq(struct bot_ws *b)
{
	snprintf(b->seq_text, sizeof(b->seq_text), "%u", ++b->seq);
	return b->seq_text;
}

/* The agent's fallback (on_failure = "transfer"): a transfer to signaling first;
 * the hang-up that follows it is what happens when no transfer is carried out. */
static void bot_ws_fallback(struct bot_ws *b, const char *why)
{
	json_t *t;
	char *text;

	if (!b->agent->on_failure_transfer)
		return;
	t = json_pack("{s:s, s:s, s:s}", "mode", "refer", "target", b->agent->fallback,
		      "reason", why);
	text = json_dumps(t, JSON_COMPACT);
	if (text)
		bot_send_cmd(b->w, b->s, VG_BOT_CMD_TRANSFER, text);
	free(text);
	json_decref(t);
}

/* The bot failed (unreachable, refused): the call ends, once per session. */
static void bot_ws_fail(struct bot_ws *b, const char *why)
{
	if (b->failed || !b->s)
		return;
	b->failed = 1;
	log_err("bot", "call %s: bot %s (%s): %s: the call ends", b->call_id, b->agent->id,
		b->agent->url, why);
	bot_ws_fallback(b, why);
	bot_fail(b->w, b->s);
}

static void bot_ws_connect_timeout(lws_sorted_usec_list_t *sul)
{
	struct bot_ws *b = lws_container_of(sul, struct bot_ws, connect_timer);

	if (b->established)
		return;
	bot_worker_stats(b->w)->ws_failed++;
	bot_ws_fail(b, "no WebSocket within connect_timeout_ms");
	if (b->wsi)
		lws_set_timeout(b->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* "connected" and "start", as Twilio opens a stream. customParameters carries the
 * call context: strings as they are, anything else as its JSON text. */
static void bot_ws_start(struct bot_ws *b)
{
	json_error_t err;
	json_t *ctx = json_loads(b->s->context, 0, &err), *params = json_object();
	const char *key;
	json_t *v;

	if (b->agent->dialect == CFG_DIALECT_TWILIO)
		bot_ws_send_json(b, json_pack("{s:s, s:s, s:s}", "event", "connected",
					      "protocol", "Call", "version", "1.0.0"));
	json_object_foreach(ctx, key, v) {
		if (json_is_string(v)) {
			json_object_set(params, key, v);
		} else {
			char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

			if (t)
				json_object_set_new(params, key, json_string(t));
			free(t);
		}
	}
	json_decref(ctx);
	b->seq = 1;
	if (b->agent->dialect == CFG_DIALECT_RAW) {
		bot_ws_send_json(b, json_pack(
			"{s:s, s:s, s:s, s:s, s:o, s:{s:s, s:i, s:i, s:i}}", "event", "start",
			"sequenceNumber", "1", "callSid", b->call_sid, "streamSid", b->stream_sid,
			"context", params, "audio", "encoding", "pcm16le", "sample_rate",
			(int)b->agent->sample_rate, "channels", 1, "frame_ms", 20));
		return;
	}
	bot_ws_send_json(b, json_pack(
		"{s:s, s:s, s:{s:s, s:s, s:s, s:[s], s:o, s:{s:s, s:i, s:i}}, s:s}",
		"event", "start", "sequenceNumber", "1", "start", "accountSid",
		b->agent->account_sid, "streamSid", b->stream_sid, "callSid", b->call_sid,
		"tracks", "inbound", "customParameters", params, "mediaFormat", "encoding",
		"audio/x-mulaw", "sampleRate", 8000, "channels", 1, "streamSid", b->stream_sid));
}

/* Cut the bot's mu-law into frames for the caller. */
static void bot_ws_audio(struct bot_ws *b, const uint8_t *ulaw, size_t n)
{
	int16_t pcm[VG_FRAME_SAMPLES];

	while (n) {
		size_t take = VG_FRAME_SAMPLES - b->ulaw_n < n ? VG_FRAME_SAMPLES - b->ulaw_n : n;

		memcpy(b->ulaw + b->ulaw_n, ulaw, take);
		b->ulaw_n += (unsigned)take;
		ulaw += take;
		n -= take;
		if (b->ulaw_n == VG_FRAME_SAMPLES) {
			g711_decode(CS_LAW_PCMU, b->ulaw, pcm, VG_FRAME_SAMPLES);
			bot_send_pcm(b->w, b->s, pcm);
			b->ulaw_n = 0;
		}
	}
}

/* 8 kHz samples of the bot into frames for the caller. */
static void bot_ws_pcm8(struct bot_ws *b, const int16_t *pcm, size_t n)
{
	while (n) {
		size_t take = VG_FRAME_SAMPLES - b->pcm_n < n ? VG_FRAME_SAMPLES - b->pcm_n : n;

		memcpy(b->pcm + b->pcm_n, pcm, take * sizeof(*pcm));
		b->pcm_n += (unsigned)take;
		pcm += take;
		n -= take;
		if (b->pcm_n == VG_FRAME_SAMPLES) {
			bot_send_pcm(b->w, b->s, b->pcm);
			b->pcm_n = 0;
		}
	}
}

/* The bot's side ends (VG_MSG_BOT_DRAIN): complete a partial frame with silence, so
 * that the last of what the bot said plays too. */
static void bot_ws_flush(struct bot_worker *w, struct bot_session *s)
{
	static const uint8_t ulaw_silence[VG_FRAME_SAMPLES] = {
		[0 ... VG_FRAME_SAMPLES - 1] = 0xff};
	static const int16_t pcm_silence[VG_FRAME_SAMPLES];
	struct bot_ws *b = s->state;

	(void)w;
	if (!b)
		return;
	if (b->ulaw_n)
		bot_ws_audio(b, ulaw_silence, VG_FRAME_SAMPLES - b->ulaw_n);
	if (b->pcm_n)
		bot_ws_pcm8(b, pcm_silence, VG_FRAME_SAMPLES - b->pcm_n);
}

/* A binary message of the raw dialect: PCM16 little-endian at the agent's rate.
 * Returns false for an odd byte count. */
static bool bot_ws_raw_audio(struct bot_ws *b, const uint8_t *data, size_t len)
{
	int16_t in[640], out[640];

	if (len % 2)
		return false;
	while (len) {
		spx_uint32_t n = len / 2 < 640 ? (spx_uint32_t)(len / 2) : 640, got = 640;

		for (spx_uint32_t i = 0; i < n; i++)
			in[i] = (int16_t)(data[2 * i] | data[2 * i + 1] << 8);
		if (b->down) {
			spx_uint32_t used = n;

			speex_resampler_process_int(b->down, 0, in, &used, out, &got);
			n = used;
			bot_ws_pcm8(b, out, got);
		} else {
			bot_ws_pcm8(b, in, n);
		}
		data += 2 * n;
		len -= 2 * n;
	}
	return true;
}

/* One whole message from the bot. Returns false when it is not one we take. */
static bool bot_ws_message(struct bot_ws *b, const char *text, size_t len)
{
	json_error_t err;
	json_t *m = json_loadb(text, len, 0, &err);
	const char *event = json_string_value(json_object_get(m, "event"));
	bool ok = true;

	if (!event) {
		ok = false;
	} else if (strcmp(event, "media") == 0) {
		const char *payload = json_string_value(
			json_object_get(json_object_get(m, "media"), "payload"));
		size_t plen = payload ? strlen(payload) : 0;
		uint8_t *ulaw = plen ? malloc(plen) : NULL;
		int n = ulaw ? lws_b64_decode_string_len(payload, (int)plen, (char *)ulaw,
							  (int)plen) : -1;

		if (n < 0 || plen % 4)
			ok = false;
		else
			bot_ws_audio(b, ulaw, (size_t)n);
		free(ulaw);
	} else if (strcmp(event, "mark") == 0) {
		const char *name = json_string_value(
			json_object_get(json_object_get(m, "mark"), "name"));
		uint32_t id = b->mark_next++ & 0x7fffffffu; /* the top bit is the worker's */

		if (!name)
			ok = false;
		else
			snprintf(b->marks[id % BOT_WS_MARKS], BOT_WS_NAME_MAX, "%s", name);
		if (name && bot_send_mark(b->w, b->s, id) != 0)
			log_warn("bot", "call %s: mark '%s' lost: ring to the dataplane full",
				 b->call_id, name);
	} else if (strcmp(event, "clear") == 0) {
		/* what is short of a frame goes too, in either dialect */
		b->ulaw_n = 0;
		b->pcm_n = 0;
		if (b->down)
			speex_resampler_reset_mem(b->down);
		bot_send_clear(b->w, b->s);
	} else if (strcmp(event, "transfer") == 0 || strcmp(event, "update") == 0) {
		/* voxgate's own: for signaling, as JSON ("transfer": mode refer or
		 * bridge, target, headers; "update": final, payload) */
		bool transfer = event[0] == 't';
		json_t *o = json_object_get(m, event);
		char *text = json_is_object(o) ? json_dumps(o, JSON_COMPACT) : NULL;

		ok = text && (!transfer || json_is_string(json_object_get(o, "target")));
		if (ok && bot_send_cmd(b->w, b->s, transfer ? VG_BOT_CMD_TRANSFER
							     : VG_BOT_CMD_UPDATE, text) != 0)
			log_warn("bot", "call %s: %s dropped: %u commands already wait for "
				 "signaling", b->call_id, event, BOT_CMDS_MAX);
		free(text);
	} else if (strcmp(event, "hangup") == 0) { /* voxgate's own: end the call */
		log_info("bot", "call %s: the bot hangs up", b->call_id);
		bot_hangup(b->w, b->s);
	} else if (strcmp(event, "dtmf") == 0) { /* voxgate's own: key presses out */
		json_t *d = json_object_get(m, "dtmf");
		const char *digits = json_string_value(json_object_get(d, "digits"));
		json_int_t ms = json_integer_value(json_object_get(d, "duration"));

		ok = digits && *digits;
		for (const char *c = digits; ok && *c; c++) {
			const char *map = "0123456789*#ABCD", *at = strchr(map, *c);

			if (!at || !*c)
				ok = false;
			else
				bot_send_dtmf(b->w, b->s, (uint8_t)(at - map),
					      ms >= 40 && ms <= 2000 ? (unsigned)ms : 100);
		}
	} else {
		ok = false;
	}
	json_decref(m);
	return ok;
}

static int bot_ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		     void *in, size_t len)
{
	struct bot_ws *b = user;

	if (!b) /* lws' own callbacks (protocol init, thread id, ...) */
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		bot_worker_stats(b->w)->ws_failed++;
		bot_ws_fail(b, in ? (const char *)in : "connection refused");
		/* the socket is gone: nothing of lws points at b any more */
		b->wsi = NULL;
		lws_sul_cancel(&b->connect_timer);
		lws_set_wsi_user(wsi, NULL);
		bot_ws_free_if_done(b);
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		b->established = 1;
		lws_sul_cancel(&b->connect_timer);
		if (b->s) {
			bot_ws_start(b);
			bot_ready(b->w, b->s);
		}
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (!b->s)
			break;
		if ((lws_frame_is_binary(wsi) && b->agent->dialect != CFG_DIALECT_RAW) ||
		    b->in_len + len > BOT_WS_MSG_MAX) {
			b->in_len = BOT_WS_MSG_MAX + 1; /* drop (and count) at its end */
		} else {
			if (b->in_len + len > b->in_cap) {
				size_t cap = b->in_cap ? b->in_cap * 2 : 4096;
				char *n;

				while (cap < b->in_len + len)
					cap *= 2;
				n = realloc(b->in, cap);
				if (!n)
					return -1;
				b->in = n;
				b->in_cap = cap;
			}
			memcpy(b->in + b->in_len, in, len);
			b->in_len += len;
		}
		if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
			bool ok = b->in_len <= BOT_WS_MSG_MAX;

			bot_worker_stats(b->w)->bot_msgs_in++;
			if (ok && lws_frame_is_binary(wsi))
				ok = bot_ws_raw_audio(b, (const uint8_t *)b->in, b->in_len);
			else if (ok)
				ok = bot_ws_message(b, b->in, b->in_len);
			if (!ok)
				bot_worker_stats(b->w)->bot_msgs_bad++;
			b->in_len = 0;
		}
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE: {
		uint8_t *p;
		size_t n = lws_buflist_next_segment_len(&b->out, &p);

		if (n > 1 + LWS_PRE) {
			if (lws_write(wsi, p + 1 + LWS_PRE, n - 1 - LWS_PRE,
				      (enum lws_write_protocol)p[0]) < (int)(n - 1 - LWS_PRE))
				return -1;
			lws_buflist_use_segment(&b->out, n);
		}
		if (lws_buflist_next_segment_len(&b->out, NULL))
			lws_callback_on_writable(wsi);
		else if (b->closing) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
			return -1;
		}
		break;
	}
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (b && b->s && !b->closing) {
			bot_worker_stats(b->w)->ws_closed++;
			if (b->agent->on_close == CFG_ON_CLOSE_HANGUP) {
				log_info("bot", "call %s: bot %s (%s) closed the WebSocket; the "
					 "call ends once its last audio has played", b->call_id,
					 b->agent->id, b->agent->url);
				bot_ws_fallback(b, "the bot closed the WebSocket");
				bot_hangup(b->w, b->s);
			} else
				log_info("bot", "call %s: the bot closed the WebSocket; the call "
					 "goes on (on_close = \"continue\")", b->call_id);
		}
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		b->wsi = NULL;
		lws_sul_cancel(&b->connect_timer);
		lws_set_wsi_user(wsi, NULL);
		bot_ws_free_if_done(b);
		break;
	default:
		break;
	}
	return 0;
}

/* The HTTP API first: lws serves plain HTTP with a vhost's first protocol. */
static const struct lws_protocols bot_ws_protocols[] = {
	{.name = "http", .callback = bot_api_cb, .per_session_data_size = BOT_API_REQ_SIZE},
	{.name = "voxgate-bot", .callback = bot_ws_cb},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

struct lws_context *bot_ws_context(const struct cfg *cfg, struct bot_worker *w, bool api)
{
	struct lws_context_creation_info info;

	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = api ? (int)cfg->bots.api_port : CONTEXT_PORT_NO_LISTEN;
	info.iface = api ? cfg->bots.api_address : NULL;
	info.protocols = bot_ws_protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.client_ssl_ca_filepath = cfg->bots.tls_ca[0] ? cfg->bots.tls_ca : NULL;
	info.user = w;
	return lws_create_context(&info);
}

void bot_ws_context_destroy(struct lws_context *ctx)
{
	lws_context_destroy(ctx);
}

static int bot_ws_open(struct bot_session *s, const struct cfg_agent *a)
{
	struct lws_context *ctx = bot_worker_lws(s->worker);
	struct lws_client_connect_info ci;
	char url[sizeof(a->url)], path[sizeof(a->url) + 1];
	const char *proto, *host, *p;
	struct bot_ws *b;
	int port;

	if (!ctx)
		return -ENOTCONN;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->s = s;
	b->w = s->worker;
	b->agent = a;
	snprintf(b->call_id, sizeof(b->call_id), "%s", s->call_id);
	if (a->dialect == CFG_DIALECT_RAW && a->sample_rate != 8000) {
		int err;

		b->up = speex_resampler_init(1, 8000, a->sample_rate, 5, &err);
		b->down = speex_resampler_init(1, a->sample_rate, 8000, 5, &err);
		if (!b->up || !b->down) {
			if (b->up)
				speex_resampler_destroy(b->up);
			if (b->down)
				speex_resampler_destroy(b->down);
			free(b);
			return -ENOMEM;
		}
	}
	/* Twilio-shaped ids: CA/MZ and 32 hex digits; the slot and generation make
	 * them unique on this host. */
	snprintf(b->call_sid, sizeof(b->call_sid), "CA%08x%08x%016llx", s->slot, s->gen,
		 (unsigned long long)lws_now_usecs());
	snprintf(b->stream_sid, sizeof(b->stream_sid), "MZ%08x%08x%016llx", s->slot,
		 s->gen, (unsigned long long)lws_now_usecs());
	snprintf(url, sizeof(url), "%s", a->url);
	if (lws_parse_uri(url, &proto, &host, &port, &p)) {
		s->state = NULL;
		b->s = NULL;
		bot_ws_free_if_done(b);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/%s", p);
	memset(&ci, 0, sizeof(ci));
	ci.context = ctx;
	ci.address = host;
	ci.host = host;
	ci.origin = host;
	ci.port = port;
	ci.path = path;
	ci.ssl_connection = strcmp(proto, "wss") == 0 ? LCCSCF_USE_SSL : 0;
	ci.protocol = NULL;
	ci.local_protocol_name = "voxgate-bot";
	ci.userdata = b;
	ci.pwsi = &b->wsi;
	s->state = b;
	lws_sul_schedule(ctx, 0, &b->connect_timer, bot_ws_connect_timeout,
			 (lws_usec_t)a->connect_timeout_ms * LWS_US_PER_MS);
	if (!lws_client_connect_via_info(&ci) && !b->failed) {
		/* refused before any callback: the session ends now */
		lws_sul_cancel(&b->connect_timer);
		s->state = NULL;
		b->s = NULL;
		b->wsi = NULL;
		bot_ws_free_if_done(b);
		bot_worker_stats(s->worker)->ws_failed++;
		return -ECONNREFUSED;
	}
	return 0;
}

static void bot_ws_frame(struct bot_worker *w, struct bot_session *s, const struct vg_frame *f)
{
	struct bot_ws *b = s->state;
	uint8_t ulaw[VG_FRAME_SAMPLES];
	char b64[256], msg[512];
	int n;

	(void)w;
	if (!b || !b->established || f->samples != VG_FRAME_SAMPLES)
		return;
	if (b->agent->dialect == CFG_DIALECT_RAW) {
		int16_t up[2 * VG_FRAME_SAMPLES];
		uint8_t le[4 * VG_FRAME_SAMPLES];
		spx_uint32_t in_n = VG_FRAME_SAMPLES, out_n = 2 * VG_FRAME_SAMPLES;
		const int16_t *pcm = f->pcm;

		if (b->up) {
			speex_resampler_process_int(b->up, 0, f->pcm, &in_n, up, &out_n);
			pcm = up;
		} else {
			out_n = VG_FRAME_SAMPLES;
		}
		for (spx_uint32_t i = 0; i < out_n; i++) {
			le[2 * i] = (uint8_t)pcm[i];
			le[2 * i + 1] = (uint8_t)((uint16_t)pcm[i] >> 8);
		}
		bot_ws_queue(b, le, 2 * out_n, LWS_WRITE_BINARY);
		return;
	}
	g711_encode(CS_LAW_PCMU, f->pcm, ulaw, VG_FRAME_SAMPLES);
	if (lws_b64_encode_string((const char *)ulaw, VG_FRAME_SAMPLES, b64, sizeof(b64)) < 0)
		return;
	b->chunk++;
	n = snprintf(msg, sizeof(msg),
		     "{\"event\":\"media\",\"sequenceNumber\":\"%u\",\"media\":{\"track\":"
		     "\"inbound\",\"chunk\":\"%u\",\"timestamp\":\"%u\",\"payload\":\"%s\"},"
		     "\"streamSid\":\"%s\"}",
		     ++b->seq, b->chunk, (b->chunk - 1) * 20, b64, b->stream_sid);
	bot_ws_send(b, msg, (size_t)n);
}

static void bot_ws_dtmf(struct bot_worker *w, struct bot_session *s, uint8_t event,
			unsigned duration_ms)
{
	struct bot_ws *b = s->state;
	char msg[256];
	int n;

	(void)w;
	(void)duration_ms;
	if (!b || !b->established)
		return;
	n = snprintf(msg, sizeof(msg),
		     "{\"event\":\"dtmf\",\"streamSid\":\"%s\",\"sequenceNumber\":\"%u\","
		     "\"dtmf\":{\"track\":\"inbound_track\",\"digit\":\"%c\"}}",
		     b->stream_sid, ++b->seq, vg_dtmf_char(event));
	bot_ws_send(b, msg, (size_t)n);
}

static void bot_ws_mark(struct bot_worker *w, struct bot_session *s, uint32_t id)
{
	struct bot_ws *b = s->state;

	(void)w;
	if (!b || !b->established)
		return;
	bot_ws_send_json(b, json_pack("{s:s, s:s, s:s, s:{s:s}}", "event", "mark",
				      "sequenceNumber", bot_ws_seq(b), "streamSid",
				      b->stream_sid, "mark", "name", b->marks[id % BOT_WS_MARKS]));
}

/* The call ended: "stop", then the socket closes once that is written. */
static void bot_ws_close(struct bot_session *s)
{
	struct bot_ws *b = s->state;

	if (!b)
		return;
	bot_ws_send_json(b, json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "event", "stop",
				      "sequenceNumber", bot_ws_seq(b), "streamSid", b->stream_sid, "stop",
				      "accountSid", b->agent->account_sid, "callSid",
				      b->call_sid));
	b->closing = 1;
	b->s = NULL;
	s->state = NULL;
	if (b->wsi && !b->established)
		lws_set_timeout(b->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	else if (b->wsi)
		lws_callback_on_writable(b->wsi);
	bot_ws_free_if_done(b);
}

/* The bot sends more than bots.backlog_s ahead of the caller: what is beyond is
 * dropped. Told once for each run of drops. */
static void bot_ws_full(struct bot_worker *w, struct bot_session *s)
{
	struct bot_ws *b = s->state;

	if (!b || !b->established)
		return;
	bot_ws_send_json(b, json_pack("{s:s, s:s, s:s, s:{s:i}}", "event", "playout_full",
				      "sequenceNumber", bot_ws_seq(b), "streamSid", b->stream_sid,
				      "playout_full", "max_ms",
				      (int)(bot_worker_cfg(w)->bots.backlog_s * 1000)));
}

/* How a command went: update_failed, transfer_accepted or transfer_failed. */
static void bot_ws_result(struct bot_worker *w, struct bot_session *s, unsigned result,
			  unsigned status, unsigned reason)
{
	struct bot_ws *b = s->state;
	const char *event = result == VG_RES_UPDATE_FAILED ? "update_failed"
			    : result == VG_RES_TRANSFER_ACCEPTED ? "transfer_accepted"
								 : "transfer_failed";
	json_t *what = json_pack("{s:i}", "status", (int)status);

	(void)w;
	if (!b || !b->established) {
		json_decref(what);
		return;
	}
	if (result != VG_RES_TRANSFER_ACCEPTED)
		json_object_set_new(what, "reason", json_string(vg_reason_name(reason)));
	bot_ws_send_json(b, json_pack("{s:s, s:s, s:s, s:o}", "event", event, "sequenceNumber",
				      bot_ws_seq(b), "streamSid", b->stream_sid,
				      result == VG_RES_UPDATE_FAILED ? "update" : "transfer",
				      what));
}

const struct bot_ops bot_ws_ops = {
	.name = "websocket",
	.open = bot_ws_open,
	.ready_later = true,
	.frame = bot_ws_frame,
	.dtmf = bot_ws_dtmf,
	.mark = bot_ws_mark,
	.flush = bot_ws_flush,
	.result = bot_ws_result,
	.full = bot_ws_full,
	.close = bot_ws_close,
};
