/*
 * ws_plivo.c: Plivo's audio streaming dialect (bot_ws-int.h), bidirectional, as
 * Plivo documents it and Pipecat's PlivoFrameSerializer and runner read it.
 *
 * To the bot: no "connected": "start" first, {"event":"start","sequenceNumber":1,
 * "start":{"callId","streamId","accountId","tracks":["inbound"],"mediaFormat":
 * {"encoding":"audio/x-mulaw","sampleRate":8000}},"extra_headers":"k=v;..."} (the
 * call context's string values; Pipecat's runner takes a Plivo call by
 * start.streamId and start.callId), then "media" per 20 ms (base64 mu-law, with
 * track, timestamp in ms since the epoch, chunk), "dtmf" (dtmf.digit). Plivo has no
 * "stop": the socket closes. Sequence numbers are numbers, not strings.
 * From the bot: "playAudio" (media.contentType "audio/x-mulaw" or "audio/x-l16",
 * media.sampleRate 8000, base64 payload), "clearAudio" (answered "clearedAudio"),
 * "checkpoint" (a mark: answered "playedStream" with its name once the audio before
 * it has played).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bots/bot_ws-int.h"

/* The call context as Plivo's extra_headers: key=value pairs joined by ';'. */
static void ws_plivo_headers(json_t *params, char *out, size_t size)
{
	const char *key;
	json_t *v;
	size_t n = 0;

	out[0] = 0;
	json_object_foreach(params, key, v) {
		int w = snprintf(out + n, size - n, "%s%s=%s", n ? ";" : "", key,
				 json_string_value(v) ? json_string_value(v) : "");

		if (w < 0 || (size_t)w >= size - n) {
			out[n] = 0; /* whole pairs only */
			break;
		}
		n += (size_t)w;
	}
}

static void ws_plivo_start(struct bot_ws *b, json_t *params)
{
	char headers[2048];

	bot_ws_uuid(b, 1, b->stream_sid, sizeof(b->stream_sid));
	bot_ws_uuid(b, 2, b->call_sid, sizeof(b->call_sid));
	ws_plivo_headers(params, headers, sizeof(headers));
	bot_ws_send_json(b, json_pack(
		"{s:s, s:i, s:{s:s, s:s, s:s, s:[s], s:{s:s, s:i}}, s:s}", "event", "start",
		"sequenceNumber", (int)++b->seq, "start", "callId", b->call_sid, "streamId",
		b->stream_sid, "accountId", b->agent->account_sid, "tracks", "inbound",
		"mediaFormat", "encoding", "audio/x-mulaw", "sampleRate", 8000,
		"extra_headers", headers));
}

static void ws_plivo_frame(struct bot_ws *b, const int16_t *pcm)
{
	char b64[1024], msg[1280];
	struct timespec now;
	int n;

	clock_gettime(CLOCK_REALTIME, &now);
	bot_ws_b64_out(b, CS_LAW_PCMU, pcm, b64);
	n = snprintf(msg, sizeof(msg),
		     "{\"event\":\"media\",\"sequenceNumber\":%u,\"streamId\":\"%s\",\"media\":"
		     "{\"track\":\"inbound\",\"timestamp\":\"%lld\",\"chunk\":%u,\"payload\":"
		     "\"%s\"}}",
		     ++b->seq, b->stream_sid,
		     (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000, ++b->chunk, b64);
	bot_ws_send(b, msg, (size_t)n, LWS_WRITE_TEXT);
}

static void ws_plivo_dtmf(struct bot_ws *b, char digit, unsigned duration_ms)
{
	char d[2] = {digit, 0};

	(void)duration_ms;
	bot_ws_send_json(b, json_pack("{s:s, s:i, s:s, s:{s:s, s:s}}", "event", "dtmf",
				      "sequenceNumber", (int)++b->seq, "streamId", b->stream_sid,
				      "dtmf", "track", "inbound", "digit", d));
}

static void ws_plivo_mark(struct bot_ws *b, const char *name)
{
	bot_ws_send_json(b, json_pack("{s:s, s:i, s:s, s:s}", "event", "playedStream",
				      "sequenceNumber", (int)++b->seq, "streamId", b->stream_sid,
				      "name", name));
}

/* Plivo has no stop message: the socket closes. */
static void ws_plivo_stop(struct bot_ws *b)
{
	(void)b;
}

static enum ws_verdict ws_plivo_text(struct bot_ws *b, json_t *m)
{
	const char *event = ws_str(m, "event");

	if (!event)
		return WS_BAD;
	if (strcmp(event, "playAudio") == 0) {
		json_t *media = json_object_get(m, "media");
		const char *type = ws_str(media, "contentType");
		json_t *rate = json_object_get(media, "sampleRate");

		if (rate && json_integer_value(rate) != 8000)
			return WS_BAD;
		if (!type || strncmp(type, "audio/x-mulaw", 13) == 0)
			return bot_ws_b64_in(b, CS_LAW_PCMU, ws_str(media, "payload")) ? WS_TAKEN
											: WS_BAD;
		if (strncmp(type, "audio/x-l16", 11) == 0)
			return bot_ws_b64_in(b, BOT_WS_PCM16, ws_str(media, "payload")) ? WS_TAKEN
											 : WS_BAD;
		return WS_BAD;
	}
	if (strcmp(event, "checkpoint") == 0)
		return bot_ws_mark_in(b, ws_str(m, "name")) ? WS_TAKEN : WS_BAD;
	if (strcmp(event, "clearAudio") == 0) {
		bot_ws_clear_in(b);
		bot_ws_send_json(b, json_pack("{s:s, s:i, s:s}", "event", "clearedAudio",
					      "sequenceNumber", (int)++b->seq, "streamId",
					      b->stream_sid));
		return WS_TAKEN;
	}
	return WS_OTHER;
}

const struct ws_dialect ws_plivo = {
	.name = "plivo",
	.rate = 8000,
	.start = ws_plivo_start,
	.frame = ws_plivo_frame,
	.dtmf = ws_plivo_dtmf,
	.mark = ws_plivo_mark,
	.stop = ws_plivo_stop,
	.text = ws_plivo_text,
};
