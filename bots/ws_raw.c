/*
 * ws_raw.c: voxgate's raw dialect (bot_ws-int.h), for bots that want plain PCM.
 *
 * One text message first, {"event":"start", "sequenceNumber", "callSid",
 * "streamSid", "context": the call context, "audio": {"encoding":"pcm16le",
 * "sample_rate": 8000 or 16000 (the agent's sample_rate), "channels":1,
 * "frame_ms":20}}; then binary messages of PCM16 little-endian both ways (20 ms each
 * towards the bot, any length from it; 16 kHz is resampled with speexdsp). Marks,
 * DTMF and stop are the Twilio dialect's JSON messages, and so are mark and clear
 * from the bot (a clear also drops a partial frame).
 */

#include "bots/bot_ws-int.h"

static void ws_raw_start(struct bot_ws *b, json_t *params)
{
	bot_ws_send_json(b, json_pack(
		"{s:s, s:s, s:s, s:s, s:O, s:{s:s, s:i, s:i, s:i}}", "event", "start",
		"sequenceNumber", bot_ws_seq(b), "callSid", b->call_sid, "streamSid",
		b->stream_sid, "context", params, "audio", "encoding", "pcm16le",
		"sample_rate", (int)b->agent->sample_rate, "channels", 1, "frame_ms", 20));
}

static void ws_raw_frame(struct bot_ws *b, const int16_t *pcm)
{
	uint8_t le[4 * VG_FRAME_SAMPLES];

	bot_ws_send(b, le, bot_ws_pcm_out(b, pcm, le), LWS_WRITE_BINARY);
}

static enum ws_verdict ws_raw_text(struct bot_ws *b, json_t *m)
{
	return ws_twilio_take(b, m, BOT_WS_NO_MEDIA);
}

const struct ws_dialect ws_raw = {
	.name = "raw",
	.start = ws_raw_start,
	.frame = ws_raw_frame,
	.dtmf = ws_twilio_dtmf,
	.mark = ws_twilio_mark,
	.stop = ws_twilio_stop,
	.text = ws_raw_text,
	.binary = bot_ws_pcm_in,
};
