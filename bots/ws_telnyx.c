/*
 * ws_telnyx.c: Telnyx's media streaming dialect (bot_ws-int.h), as Telnyx documents
 * it and Pipecat's TelnyxFrameSerializer and runner read it.
 *
 * To the bot: {"event":"connected","version":"1.0.0"}, then "start" with the
 * top-level stream_id and sequence_number, and start.{user_id, call_control_id,
 * call_session_id, from, to, tags, client_state, custom_parameters (the call
 * context), media_format {"encoding":"PCMU","sample_rate":8000,"channels":1}}.
 * Pipecat's runner takes a Telnyx call by stream_id and start.call_control_id and
 * decodes with media_format.encoding, which must be "PCMU" or "PCMA": always PCMU
 * here (its bots answer in PCMU whatever is announced). Then "media" per 20 ms
 * (base64 mu-law in media.payload, with track, chunk, timestamp), "dtmf"
 * (dtmf.digit), "mark" when the audio before the bot's mark has played, "stop".
 * From the bot: "media" (base64 mu-law, any length), "clear", "mark".
 */
#include <stdio.h>

#include "bots/bot_ws-int.h"

static void ws_telnyx_start(struct bot_ws *b, json_t *params)
{
	char session[40];
	const char *from = ws_str(params, "from_number"), *to = ws_str(params, "to_number");

	bot_ws_uuid(b, 1, b->stream_sid, sizeof(b->stream_sid));
	bot_ws_uuid(b, 2, session, sizeof(session));
	snprintf(b->call_sid, sizeof(b->call_sid), "v3:%s", session);
	bot_ws_send_json(b, json_pack("{s:s, s:s}", "event", "connected", "version", "1.0.0"));
	bot_ws_send_json(b, json_pack(
		"{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:[], s:s, s:O, "
		"s:{s:s, s:i, s:i}}}",
		"event", "start", "sequence_number", bot_ws_seq(b), "stream_id", b->stream_sid,
		"start", "user_id", b->agent->account_sid, "call_control_id", b->call_sid,
		"call_session_id", session, "from", from ? from : "", "to", to ? to : "",
		"tags", "client_state", "", "custom_parameters", params, "media_format",
		"encoding", "PCMU", "sample_rate", 8000, "channels", 1));
}

static void ws_telnyx_frame(struct bot_ws *b, const int16_t *pcm)
{
	char b64[1024], msg[1280];
	int n;

	bot_ws_b64_out(b, CS_LAW_PCMU, pcm, b64);
	b->chunk++;
	n = snprintf(msg, sizeof(msg),
		     "{\"event\":\"media\",\"sequence_number\":\"%u\",\"media\":{\"track\":"
		     "\"inbound\",\"chunk\":\"%u\",\"timestamp\":\"%u\",\"payload\":\"%s\"},"
		     "\"stream_id\":\"%s\"}",
		     ++b->seq, b->chunk, (b->chunk - 1) * 20, b64, b->stream_sid);
	bot_ws_send(b, msg, (size_t)n, LWS_WRITE_TEXT);
}

static void ws_telnyx_dtmf(struct bot_ws *b, char digit, unsigned duration_ms)
{
	char d[2] = {digit, 0};

	(void)duration_ms;
	bot_ws_send_json(b, json_pack("{s:s, s:s, s:s, s:{s:s}}", "event", "dtmf",
				      "sequence_number", bot_ws_seq(b), "stream_id",
				      b->stream_sid, "dtmf", "digit", d));
}

static void ws_telnyx_mark(struct bot_ws *b, const char *name)
{
	bot_ws_send_json(b, json_pack("{s:s, s:s, s:s, s:{s:s}}", "event", "mark",
				      "sequence_number", bot_ws_seq(b), "stream_id",
				      b->stream_sid, "mark", "name", name));
}

static void ws_telnyx_stop(struct bot_ws *b)
{
	bot_ws_send_json(b, json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "event", "stop",
				      "sequence_number", bot_ws_seq(b), "stream_id",
				      b->stream_sid, "stop", "user_id", b->agent->account_sid,
				      "call_control_id", b->call_sid));
}

static enum ws_verdict ws_telnyx_text(struct bot_ws *b, json_t *m)
{
	return ws_twilio_take(b, m, CS_LAW_PCMU);
}

const struct ws_dialect ws_telnyx = {
	.name = "telnyx",
	.rate = 8000,
	.start = ws_telnyx_start,
	.frame = ws_telnyx_frame,
	.dtmf = ws_telnyx_dtmf,
	.mark = ws_telnyx_mark,
	.stop = ws_telnyx_stop,
	.text = ws_telnyx_text,
};
