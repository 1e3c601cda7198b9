/*
 * bot_ws.c: bots over WebSocket; the socket and the session's life. What the
 * messages say is the agent's dialect (bot_ws-int.h): Twilio Media Streams
 * (ws_twilio.c), Telnyx (ws_telnyx.c), Plivo (ws_plivo.c), Exotel (ws_exotel.c),
 * Vonage (ws_vonage.c) or voxgate's raw PCM (ws_raw.c).
 *
 * Each worker has one libwebsockets client context on a libev loop (epoll) of its
 * own, run without blocking from the worker's loop (bot.c), so one thread carries
 * the rings and every socket of its sessions, and a pass costs the sockets that are
 * ready. Messages go straight onto the socket (bot_ws_send). A session opens its socket when the call is published; once it is up
 * the dialect's start goes out and the call is answered (bot_ready).
 *
 * Besides each dialect's own messages, a bot may send voxgate's, as JSON with an
 * "event" field in any dialect: {"event":"hangup"} ends the call;
 * {"event":"dtmf","dtmf":{"digits":"12#","duration":100}} plays key presses to the
 * caller as RFC 4733 events; {"event":"transfer","transfer":{"mode":"refer"|"bridge"|
 * "try_refer"|"warm","target":"sip:...","caller_id":"+1...","headers":{...}}} (and a
 * warm transfer's {"mode":"complete"|"cancel"}) and {"event":"update","update":{"final":true,
 * "payload":{...}}} go to signaling as typed commands (bot_send_cmd). How a command
 * went comes back the same way: {"event":"update_failed","update":{"status":415,
 * "reason":"refused"}}, {"event":"transfer_accepted","transfer":{"status":202}} and
 * {"event":"transfer_failed","transfer":{"status":405,"reason":"refused"}} (reasons:
 * refused, notify, timeout, unsupported, not_allowed, pending, ending, bad,
 * no_endpoint, full, canceled), each
 * with "sequenceNumber" and "streamSid". A bot may send its audio as fast as it
 * likes: what is beyond bots.ring_ms ahead of the caller waits in the worker (bot.h,
 * bot_send_pcm); beyond bots.backlog_s it is dropped and the bot told once:
 * {"event":"playout_full","playout_full":{"max_ms":120000}}.
 *
 * Failures: no socket within the agent's connect_timeout_ms, a refused connection or
 * handshake end the call through bot_fail(); the bot closing mid-call (with on_close
 * = "hangup") is its end, through bot_hangup(). All are logged with the call id and
 * counted. A bot that closes mid-call may have just said goodbye (Pipecat ends a call
 * that way when it has no REST API to call): signaling has the worker let what it
 * sent play out first (VG_MSG_BOT_DRAIN), as for any end of the bot's side.
 * Anything the bot sends that neither its dialect nor voxgate takes (bad JSON, bad
 * base64, binary frames where the dialect has none, over BOT_WS_MSG_MAX bytes) is
 * counted in bot_msgs_bad and dropped.
 *
 * Memory: a struct bot_ws per session (about 5 KB) and lws' own per connection,
 * taken at open; messages to the bot wait in an lws buflist only while the socket
 * does not take them. The struct lives until both the session and the socket let go of it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <ev.h>
#include <libwebsockets.h>
#include <speex/speex_resampler.h>

#include "base/g711.h"
#include "base/log.h"
#include "bots/bot_ws-int.h"

#define BOT_WS_MSG_MAX (256 * 1024) /* one message from the bot, at most */

/* The worker's WebSocket loop: its lws context on a libev loop of its own (epoll),
 * so that a pass costs the sockets that are ready, not a poll() over all of them.
 * Without Debian's libwebsockets-evlib-ev plugin lws' own poll() loop serves. */
struct bot_ws_loop {
	struct lws_context *ctx;
	struct ev_loop *ev; /* NULL: lws' own poll() loop */
	void *loops[1];     /* info.foreign_loops */
	unsigned events;    /* callbacks that had work, since the last pass */
	bool kick;          /* a timer was set outside lws' callbacks */
	lws_usec_t next_kick;
};

/* lws (Debian's 4.1.6, and 4.4 alike) services its timers (lws_sul_schedule, lws_set_timeout) on a
 * libev loop from an idle watcher it starts on each socket event, and re-arms its
 * libev timer while it is active, which libev ignores: a timer may wait for the next
 * socket event, seconds away on a quiet worker. The worker wakes lws itself
 * (lws_cancel_service: a byte through lws' pipe) when it scheduled something, and
 * every BOT_WS_KICK_US. */
#define BOT_WS_KICK_US 10000

static void bot_ws_kick(struct bot_worker *w)
{
	bot_worker_ws(w)->kick = true;
}

/* The dialects, in the order of enum cfg_dialect. */
static const struct ws_dialect *const bot_ws_dialects[] = {
	&ws_twilio, &ws_raw, &ws_telnyx, &ws_plivo, &ws_exotel, &ws_vonage,
};
#define BOT_WS_DIALECTS (sizeof(bot_ws_dialects) / sizeof(*bot_ws_dialects))

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

/*
 * A message goes straight onto the socket when none of ours waits before it: lws
 * (4.1) keeps what the kernel does not take and sends it before anything written
 * later. Asking for a writeable callback instead costs two epoll_ctl and a wake-up per
 * message, which on a worker with thousands of sessions is more than the send itself
 * (bench/README.md). Messages wait in the out list (a segment: the write type, one
 * byte, LWS_PRE bytes for lws' framing, then the message) only while earlier ones do.
 */
void bot_ws_send(struct bot_ws *b, const void *data, size_t len, uint8_t type)
{
	uint8_t buf[1 + LWS_PRE + 1024], *p = buf;

	if (!b->wsi || !b->established || b->peer_closed)
		return;
	if (1 + LWS_PRE + len > sizeof(buf)) {
		p = malloc(1 + LWS_PRE + len);
		if (!p)
			return;
	}
	p[0] = type;
	memcpy(p + 1 + LWS_PRE, data, len);
	if (!lws_buflist_next_segment_len(&b->out, NULL)) {
		if (lws_write(b->wsi, p + 1 + LWS_PRE, len, (enum lws_write_protocol)type) <
		    (int)len) {
			/* the socket failed: lws closes it (LWS_CALLBACK_CLIENT_CLOSED) */
			lws_set_timeout(b->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
			bot_ws_kick(b->w);
		}
	} else {
		if (lws_buflist_append_segment(&b->out, p, 1 + LWS_PRE + len) < 0)
			log_err("bot", "call %s: out of memory for a message to the bot",
				b->call_id);
		lws_callback_on_writable(b->wsi);
	}
	if (p != buf)
		free(p);
}

void bot_ws_send_json(struct bot_ws *b, json_t *msg)
{
	char *text = json_dumps(msg, JSON_COMPACT);

	if (text) {
		bot_ws_send(b, text, strlen(text), LWS_WRITE_TEXT);
		free(text);
	}
	json_decref(msg);
}

const char *bot_ws_seq(struct bot_ws *b)
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

/* The socket is up: the dialect's start, with the call context as strings:
 * strings as they are, anything else as its JSON text. */
static void bot_ws_start(struct bot_ws *b)
{
	json_error_t err;
	json_t *ctx = json_loads(b->s->context, 0, &err), *params = json_object();
	const char *key;
	json_t *v;

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
	b->seq = 0;
	b->d->start(b, params);
	json_decref(params);
}

void bot_ws_law_in(struct bot_ws *b, unsigned law, const uint8_t *g711, size_t n)
{
	int16_t pcm[VG_FRAME_SAMPLES];

	b->law_kind = law;
	while (n) {
		size_t take = VG_FRAME_SAMPLES - b->law_n < n ? VG_FRAME_SAMPLES - b->law_n : n;

		memcpy(b->law + b->law_n, g711, take);
		b->law_n += (unsigned)take;
		g711 += take;
		n -= take;
		if (b->law_n == VG_FRAME_SAMPLES) {
			g711_decode((enum cs_law)law, b->law, pcm, VG_FRAME_SAMPLES);
			bot_send_pcm(b->w, b->s, pcm);
			b->law_n = 0;
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
	static const int16_t pcm_silence[VG_FRAME_SAMPLES];
	struct bot_ws *b = s->state;

	(void)w;
	if (!b)
		return;
	if (b->law_n) {
		uint8_t silence[VG_FRAME_SAMPLES];

		g711_encode((enum cs_law)b->law_kind, pcm_silence, silence,
			    VG_FRAME_SAMPLES - b->law_n);
		bot_ws_law_in(b, b->law_kind, silence, VG_FRAME_SAMPLES - b->law_n);
	}
	if (b->pcm_n)
		bot_ws_pcm8(b, pcm_silence, VG_FRAME_SAMPLES - b->pcm_n);
}

bool bot_ws_pcm_in(struct bot_ws *b, const uint8_t *data, size_t len)
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

size_t bot_ws_pcm_out(struct bot_ws *b, const int16_t *pcm, uint8_t *le)
{
	int16_t up[2 * VG_FRAME_SAMPLES];
	spx_uint32_t in_n = VG_FRAME_SAMPLES, out_n = VG_FRAME_SAMPLES;

	if (b->up) {
		out_n = 2 * VG_FRAME_SAMPLES;
		speex_resampler_process_int(b->up, 0, pcm, &in_n, up, &out_n);
		pcm = up;
	}
	for (spx_uint32_t i = 0; i < out_n; i++) {
		le[2 * i] = (uint8_t)pcm[i];
		le[2 * i + 1] = (uint8_t)((uint16_t)pcm[i] >> 8);
	}
	return 2 * out_n;
}

size_t bot_ws_b64_out(struct bot_ws *b, unsigned law, const int16_t *pcm, char *out)
{
	uint8_t raw[4 * VG_FRAME_SAMPLES];
	size_t n = VG_FRAME_SAMPLES;
	int len;

	if (law == BOT_WS_PCM16)
		n = bot_ws_pcm_out(b, pcm, raw);
	else
		g711_encode((enum cs_law)law, pcm, raw, VG_FRAME_SAMPLES);
	len = lws_b64_encode_string((const char *)raw, (int)n, out, 1024);
	return len < 0 ? 0 : (size_t)len;
}

void bot_ws_uuid(const struct bot_ws *b, unsigned salt, char *out, size_t size)
{
	uint32_t slot = b->s ? b->s->slot : 0, gen = b->s ? b->s->gen : 0;

	snprintf(out, size, "%08x-%04x-4%03x-a%03x-%012llx", slot, gen & 0xffffu,
		 salt & 0xfffu, (gen >> 16) & 0xfffu,
		 (unsigned long long)(b->opened & 0xffffffffffffull));
}

bool bot_ws_b64_in(struct bot_ws *b, unsigned law, const char *b64)
{
	uint8_t small[4096], *out = small;
	size_t len = b64 ? strlen(b64) : 0;
	int n;
	bool ok;

	if (!b64 || len % 4)
		return false;
	if (len > sizeof(small) && !(out = malloc(len)))
		return false;
	n = len ? lws_b64_decode_string_len(b64, (int)len, (char *)out, (int)len) : 0;
	ok = n >= 0;
	if (ok && law == BOT_WS_PCM16)
		ok = bot_ws_pcm_in(b, out, (size_t)n);
	else if (ok)
		bot_ws_law_in(b, law, out, (size_t)n);
	if (out != small)
		free(out);
	return ok;
}

bool bot_ws_mark_in(struct bot_ws *b, const char *name)
{
	uint32_t id = b->mark_next++ & 0x7fffffffu; /* the top bit is the worker's */

	if (!name)
		return false;
	snprintf(b->marks[id % BOT_WS_MARKS], BOT_WS_NAME_MAX, "%s", name);
	if (bot_send_mark(b->w, b->s, id) != 0)
		log_warn("bot", "call %s: mark '%s' lost: ring to the dataplane full",
			 b->call_id, name);
	return true;
}

void bot_ws_clear_in(struct bot_ws *b)
{
	/* what is short of a frame goes too */
	b->law_n = 0;
	b->pcm_n = 0;
	if (b->down)
		speex_resampler_reset_mem(b->down);
	bot_send_clear(b->w, b->s);
}

const char *ws_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* voxgate's own messages from the bot, in any dialect. Returns false when m is not
 * one of them. */
static bool bot_ws_own(struct bot_ws *b, json_t *m)
{
	const char *event = ws_str(m, "event");

	if (!event)
		return false;
	if (strcmp(event, "transfer") == 0 || strcmp(event, "update") == 0) {
		/* for signaling, as JSON ("transfer": mode, target, caller_id, headers;
		 * a warm transfer's complete or cancel with no target; "update": final,
		 * payload) */
		bool transfer = event[0] == 't';
		json_t *o = json_object_get(m, event);
		const char *mode = ws_str(o, "mode");
		char *text = json_is_object(o) ? json_dumps(o, JSON_COMPACT) : NULL;
		bool ok = text && (!transfer || json_is_string(json_object_get(o, "target")) ||
				   (mode && (strcmp(mode, "complete") == 0 ||
					     strcmp(mode, "cancel") == 0)));

		if (ok && bot_send_cmd(b->w, b->s, transfer ? VG_BOT_CMD_TRANSFER
							     : VG_BOT_CMD_UPDATE, text) != 0)
			log_warn("bot", "call %s: %s dropped: %u commands already wait for "
				 "signaling", b->call_id, event, BOT_CMDS_MAX);
		free(text);
		return ok;
	}
	if (strcmp(event, "hangup") == 0) {
		log_info("bot", "call %s: the bot hangs up", b->call_id);
		bot_hangup(b->w, b->s);
		return true;
	}
	if (strcmp(event, "dtmf") == 0) { /* key presses out */
		json_t *d = json_object_get(m, "dtmf");
		const char *digits = ws_str(d, "digits");
		json_int_t ms = json_integer_value(json_object_get(d, "duration"));
		bool ok = digits && *digits;

		for (const char *c = digits; ok && *c; c++) {
			const char *map = "0123456789*#ABCD", *at = strchr(map, *c);

			if (!at)
				ok = false;
			else
				bot_send_dtmf(b->w, b->s, (uint8_t)(at - map),
					      ms >= 40 && ms <= 2000 ? (unsigned)ms : 100);
		}
		return ok;
	}
	return false;
}

/* One whole text message from the bot: its dialect's, else voxgate's own. Returns
 * false when it is neither. */
static bool bot_ws_message(struct bot_ws *b, const char *text, size_t len)
{
	json_error_t err;
	json_t *m = json_loadb(text, len, 0, &err);
	enum ws_verdict v = m ? b->d->text(b, m) : WS_BAD;
	bool ok = v == WS_TAKEN || (v == WS_OTHER && bot_ws_own(b, m));

	json_decref(m);
	return ok;
}

static int bot_ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		     void *in, size_t len)
{
	struct bot_ws *b = user;

	if (!b) /* lws' own callbacks (protocol init, thread id, ...) */
		return 0;
	bot_worker_ws(b->w)->events++;
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
		bot_worker_stats(b->w)->ws_connected++;
		lws_sul_cancel(&b->connect_timer);
		if (b->s) {
			bot_ws_start(b);
			bot_ready(b->w, b->s);
		}
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (!b->s)
			break;
		if ((lws_frame_is_binary(wsi) && !b->d->binary) ||
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
				ok = b->d->binary(b, (const uint8_t *)b->in, b->in_len);
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
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		b->peer_closed = 1;
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		b->peer_closed = 1;
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

static struct lws_context *bot_ws_context(const struct cfg *cfg, struct bot_ws_loop *l,
					  struct bot_worker *w, bool api)
{
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof(info));
	info.port = api ? (int)cfg->bots.api_port : CONTEXT_PORT_NO_LISTEN;
	info.iface = api ? cfg->bots.api_address : NULL;
	info.protocols = bot_ws_protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	/* bots.api's address is IPv4: without this lws listens on [::], every address.
	 * Worker 0's WebSocket bots then connect over IPv4 only. */
	if (api)
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	if (l->ev) {
		info.options |= LWS_SERVER_OPTION_LIBEV;
		l->loops[0] = l->ev;
		info.foreign_loops = l->loops;
	}
	info.client_ssl_ca_filepath = cfg->bots.tls_ca[0] ? cfg->bots.tls_ca : NULL;
	info.user = w;
	return lws_create_context(&info);
}

struct bot_ws_loop *bot_ws_loop_create(const struct cfg *cfg, struct bot_worker *w, bool api)
{
	struct bot_ws_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	lws_set_log_level(LLL_ERR, NULL);
	l->ev = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV);
	if (l->ev)
		l->ctx = bot_ws_context(cfg, l, w, api);
	if (!l->ctx && l->ev) {
		log_warn("bot", "no libev event loop for libwebsockets (is Debian's "
			 "libwebsockets-evlib-ev installed?): lws' poll() loop serves, "
			 "at a cost that grows with the sessions");
		ev_loop_destroy(l->ev);
		l->ev = NULL;
		l->ctx = bot_ws_context(cfg, l, w, api);
	}
	if (!l->ctx) {
		free(l);
		return NULL;
	}
	return l;
}

unsigned bot_ws_loop_run(struct bot_ws_loop *l)
{
	unsigned n;

	if (l->ev) {
		lws_usec_t now = lws_now_usecs();

		if (l->kick || now >= l->next_kick) {
			l->kick = false;
			l->next_kick = now + BOT_WS_KICK_US;
			lws_cancel_service(l->ctx);
		}
		ev_run(l->ev, EVRUN_NOWAIT);
	} else
		lws_service(l->ctx, -1); /* a negative timeout: no wait */
	n = l->events;
	l->events = 0;
	return n;
}

struct lws_context *bot_ws_loop_lws(struct bot_ws_loop *l)
{
	return l ? l->ctx : NULL;
}

void bot_ws_loop_destroy(struct bot_ws_loop *l)
{
	if (!l)
		return;
	lws_context_destroy(l->ctx);
	if (l->ev) {
		/* what lws let go of on its way out */
		for (unsigned i = 0; i < 8 && ev_run(l->ev, EVRUN_NOWAIT); i++)
			;
		ev_loop_destroy(l->ev);
	}
	free(l);
}

static int bot_ws_open(struct bot_session *s, const struct cfg_agent *a)
{
	struct lws_context *ctx = bot_ws_loop_lws(bot_worker_ws(s->worker));
	struct lws_client_connect_info ci;
	char url[sizeof(a->url)], path[sizeof(a->url) + 1];
	const char *proto, *host, *p;
	struct bot_ws *b;
	unsigned rate;
	int port;

	if (!ctx)
		return -ENOTCONN;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->s = s;
	b->w = s->worker;
	b->agent = a;
	b->d = bot_ws_dialects[a->dialect < BOT_WS_DIALECTS ? a->dialect : 0];
	snprintf(b->call_id, sizeof(b->call_id), "%s", s->call_id);
	rate = b->d->rate ? b->d->rate : a->sample_rate;
	b->opened = (uint64_t)lws_now_usecs();
	if (rate != 8000) {
		int err;

		b->up = speex_resampler_init(1, 8000, rate, 5, &err);
		b->down = speex_resampler_init(1, rate, 8000, 5, &err);
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
		 (unsigned long long)b->opened);
	snprintf(b->stream_sid, sizeof(b->stream_sid), "MZ%08x%08x%016llx", s->slot,
		 s->gen, (unsigned long long)b->opened);
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
	bot_ws_kick(b->w);
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

	(void)w;
	if (b && b->established && f->samples == VG_FRAME_SAMPLES)
		b->d->frame(b, f->pcm);
}

static void bot_ws_dtmf(struct bot_worker *w, struct bot_session *s, uint8_t event,
			unsigned duration_ms)
{
	struct bot_ws *b = s->state;

	(void)w;
	if (b && b->established)
		b->d->dtmf(b, vg_dtmf_char(event), duration_ms);
}

static void bot_ws_mark(struct bot_worker *w, struct bot_session *s, uint32_t id)
{
	struct bot_ws *b = s->state;

	(void)w;
	if (b && b->established && b->d->mark)
		b->d->mark(b, b->marks[id % BOT_WS_MARKS]);
}

/* The call ended: the dialect's stop, then the socket closes once that is written. */
static void bot_ws_close(struct bot_session *s)
{
	struct bot_ws *b = s->state;

	if (!b)
		return;
	if (b->established)
		b->d->stop(b);
	b->closing = 1;
	b->s = NULL;
	s->state = NULL;
	if (b->wsi && !b->established) {
		lws_set_timeout(b->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		bot_ws_kick(b->w);
	} else if (b->wsi && !b->peer_closed)
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
