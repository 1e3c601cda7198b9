/*
 * ws_twilio.c: the Twilio Media Streams dialect (bot_ws-int.h).
 *
 * To the bot, as Twilio sends them: "connected", "start" (streamSid, callSid,
 * accountSid, tracks, mediaFormat audio/x-mulaw 8000, customParameters = the call
 * context, whose from_number and to_number are there), then one "media" message per
 * 20 ms frame of the caller (base64 mu-law), "dtmf" for each key press, "mark" when
 * the audio before one of the bot's marks has been played, and "stop" when the call
 * ends. From the bot: "media" (base64 mu-law, any length), "mark" and "clear". A
 * PCMA call is converted through linear PCM: the dataplane encodes the bot's frames
 * in the call's law.
 */
#include <stdio.h>
#include <string.h>

#include "bots/bot_ws-int.h"

static void ws_twilio_start(struct bot_ws *b, json_t *params)
{
	bot_ws_send_json(b, json_pack("{s:s, s:s, s:s}", "event", "connected",
				      "protocol", "Call", "version", "1.0.0"));
	bot_ws_send_json(b, json_pack(
		"{s:s, s:s, s:{s:s, s:s, s:s, s:[s], s:O, s:{s:s, s:i, s:i}}, s:s}",
		"event", "start", "sequenceNumber", bot_ws_seq(b), "start", "accountSid",
		b->agent->account_sid, "streamSid", b->stream_sid, "callSid", b->call_sid,
		"tracks", "inbound", "customParameters", params, "mediaFormat", "encoding",
		"audio/x-mulaw", "sampleRate", 8000, "channels", 1, "streamSid", b->stream_sid));
}

/* One media message per frame, written into a fixed template: this is the hot path
 * of every call (50 a second). */
static void ws_twilio_frame(struct bot_ws *b, const int16_t *pcm)
{
	char b64[1024], msg[1280];
	int n;

	bot_ws_b64_out(b, CS_LAW_PCMU, pcm, b64);
	b->chunk++;
	n = snprintf(msg, sizeof(msg),
		     "{\"event\":\"media\",\"sequenceNumber\":\"%u\",\"media\":{\"track\":"
		     "\"inbound\",\"chunk\":\"%u\",\"timestamp\":\"%u\",\"payload\":\"%s\"},"
		     "\"streamSid\":\"%s\"}",
		     ++b->seq, b->chunk, (b->chunk - 1) * 20, b64, b->stream_sid);
	bot_ws_send(b, msg, (size_t)n, LWS_WRITE_TEXT);
}

void ws_twilio_dtmf(struct bot_ws *b, char digit, unsigned duration_ms)
{
	char msg[256];
	int n;

	(void)duration_ms;
	n = snprintf(msg, sizeof(msg),
		     "{\"event\":\"dtmf\",\"streamSid\":\"%s\",\"sequenceNumber\":\"%u\","
		     "\"dtmf\":{\"track\":\"inbound_track\",\"digit\":\"%c\"}}",
		     b->stream_sid, ++b->seq, digit);
	bot_ws_send(b, msg, (size_t)n, LWS_WRITE_TEXT);
}

void ws_twilio_mark(struct bot_ws *b, const char *name)
{
	bot_ws_send_json(b, json_pack("{s:s, s:s, s:s, s:{s:s}}", "event", "mark",
				      "sequenceNumber", bot_ws_seq(b), "streamSid",
				      b->stream_sid, "mark", "name", name));
}

void ws_twilio_stop(struct bot_ws *b)
{
	bot_ws_send_json(b, json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "event", "stop",
				      "sequenceNumber", bot_ws_seq(b), "streamSid",
				      b->stream_sid, "stop", "accountSid",
				      b->agent->account_sid, "callSid", b->call_sid));
}

enum ws_verdict ws_twilio_take(struct bot_ws *b, json_t *m, unsigned law)
{
	const char *event = ws_str(m, "event");

	if (!event)
		return WS_BAD;
	if (strcmp(event, "media") == 0 && law != BOT_WS_NO_MEDIA)
		return bot_ws_b64_in(b, law, ws_str(json_object_get(m, "media"), "payload"))
			       ? WS_TAKEN : WS_BAD;
	if (strcmp(event, "mark") == 0)
		return bot_ws_mark_in(b, ws_str(json_object_get(m, "mark"), "name")) ? WS_TAKEN
										     : WS_BAD;
	if (strcmp(event, "clear") == 0) {
		bot_ws_clear_in(b);
		return WS_TAKEN;
	}
	return WS_OTHER;
}

static enum ws_verdict ws_twilio_text(struct bot_ws *b, json_t *m)
{
	return ws_twilio_take(b, m, CS_LAW_PCMU);
}

const struct ws_dialect ws_twilio = {
	.name = "twilio",
	.rate = 8000,
	.start = ws_twilio_start,
	.frame = ws_twilio_frame,
	.dtmf = ws_twilio_dtmf,
	.mark = ws_twilio_mark,
	.stop = ws_twilio_stop,
	.text = ws_twilio_text,
};
