/*
 * ws_exotel.c: Exotel's Voicebot (AgentStream) dialect (bot_ws-int.h), as Exotel
 * documents it and Pipecat's ExotelFrameSerializer and runner read it.
 *
 * To the bot: {"event":"connected"}, then {"event":"start","sequence_number":"1",
 * "stream_sid","start":{"stream_sid","call_sid","account_sid","from","to",
 * "custom_parameters" (the call context),"media_format":{"encoding":"audio/x-raw",
 * "sample_rate":"8000","bit_rate":"16"}}} (Pipecat's runner takes an Exotel call by
 * event start and start.stream_sid, call_sid and account_sid), then "media" per
 * 20 ms: base64 of PCM16 little-endian at 8 kHz ("slin", no G.711), with chunk and
 * timestamp; "dtmf" (dtmf.digit, dtmf.duration); "mark" when the audio before the
 * bot's mark has played; "stop" (stop.reason "callended").
 * From the bot: "media" (base64 PCM16 little-endian 8 kHz, any length: Exotel asks
 * for multiples of 320 bytes, Pipecat sends 40 ms), "clear", "mark"; stream_sid or
 * Pipecat 1.7's streamSid beside them is not needed.
 */
#include <stdio.h>

#include "bots/bot_ws-int.h"

static void ws_exotel_start(struct bot_ws *b, json_t *params)
{
	const char *from = ws_str(params, "from_number"), *to = ws_str(params, "to_number");

	bot_ws_send_json(b, json_pack("{s:s}", "event", "connected"));
	bot_ws_send_json(b, json_pack(
		"{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:O, s:{s:s, s:s, s:s}}}",
		"event", "start", "sequence_number", bot_ws_seq(b), "stream_sid",
		b->stream_sid, "start", "stream_sid", b->stream_sid, "call_sid", b->call_sid,
		"account_sid", b->agent->account_sid, "from", from ? from : "", "to",
		to ? to : "", "custom_parameters", params, "media_format", "encoding",
		"audio/x-raw", "sample_rate", "8000", "bit_rate", "16"));
}

static void ws_exotel_frame(struct bot_ws *b, const int16_t *pcm)
{
	char b64[1024], msg[1280];
	int n;

	bot_ws_b64_out(b, BOT_WS_PCM16, pcm, b64);
	b->chunk++;
	n = snprintf(msg, sizeof(msg),
		     "{\"event\":\"media\",\"sequence_number\":\"%u\",\"stream_sid\":\"%s\","
		     "\"media\":{\"chunk\":\"%u\",\"timestamp\":\"%u\",\"payload\":\"%s\"}}",
		     ++b->seq, b->stream_sid, b->chunk, (b->chunk - 1) * 20, b64);
	bot_ws_send(b, msg, (size_t)n, LWS_WRITE_TEXT);
}

static void ws_exotel_dtmf(struct bot_ws *b, char digit, unsigned duration_ms)
{
	char d[2] = {digit, 0}, ms[12];

	snprintf(ms, sizeof(ms), "%u", duration_ms);
	bot_ws_send_json(b, json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "event", "dtmf",
				      "sequence_number", bot_ws_seq(b), "stream_sid",
				      b->stream_sid, "dtmf", "digit", d, "duration", ms));
}

static void ws_exotel_mark(struct bot_ws *b, const char *name)
{
	bot_ws_send_json(b, json_pack("{s:s, s:s, s:s, s:{s:s}}", "event", "mark",
				      "sequence_number", bot_ws_seq(b), "stream_sid",
				      b->stream_sid, "mark", "name", name));
}

static void ws_exotel_stop(struct bot_ws *b)
{
	bot_ws_send_json(b, json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s}}", "event", "stop",
				      "sequence_number", bot_ws_seq(b), "stream_sid",
				      b->stream_sid, "stop", "call_sid", b->call_sid,
				      "account_sid", b->agent->account_sid, "reason",
				      "callended"));
}

static enum ws_verdict ws_exotel_text(struct bot_ws *b, json_t *m)
{
	return ws_twilio_take(b, m, BOT_WS_PCM16);
}

const struct ws_dialect ws_exotel = {
	.name = "exotel",
	.rate = 8000,
	.start = ws_exotel_start,
	.frame = ws_exotel_frame,
	.dtmf = ws_exotel_dtmf,
	.mark = ws_exotel_mark,
	.stop = ws_exotel_stop,
	.text = ws_exotel_text,
};
