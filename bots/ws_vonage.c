/*
 * ws_vonage.c: the Vonage Voice API WebSocket dialect (bot_ws-int.h), as Vonage
 * documents it and Pipecat's VonageFrameSerializer reads it.
 *
 * To the bot: one text message, {"event":"websocket:connected","content-type":
 * "audio/l16;rate=16000"} with the call context's fields beside them (Vonage puts
 * the NCCO's headers there); then binary messages of PCM16 little-endian, 20 ms
 * each, at the agent's sample_rate (16000 unless set to 8000);
 * {"event":"websocket:dtmf","digit":"5","duration":100} for each key press; no stop
 * message: the socket closes.
 * From the bot: binary PCM16 little-endian at that rate, any length;
 * {"action":"clear"} (answered {"event":"websocket:cleared"}); {"action":"notify",
 * "payload":{...}} (a mark: answered {"event":"websocket:notify","payload":{...}}
 * once the audio before it has played; its payload at most 63 bytes of JSON).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bots/bot_ws-int.h"

static void ws_vonage_start(struct bot_ws *b, json_t *params)
{
	char type[32];
	json_t *m = json_deep_copy(params);

	snprintf(type, sizeof(type), "audio/l16;rate=%u", b->agent->sample_rate);
	json_object_set_new(m, "event", json_string("websocket:connected"));
	json_object_set_new(m, "content-type", json_string(type));
	bot_ws_send_json(b, m);
}

static void ws_vonage_frame(struct bot_ws *b, const int16_t *pcm)
{
	uint8_t le[4 * VG_FRAME_SAMPLES];

	bot_ws_send(b, le, bot_ws_pcm_out(b, pcm, le), LWS_WRITE_BINARY);
}

static void ws_vonage_dtmf(struct bot_ws *b, char digit, unsigned duration_ms)
{
	char d[2] = {digit, 0};

	bot_ws_send_json(b, json_pack("{s:s, s:s, s:i}", "event", "websocket:dtmf", "digit",
				      d, "duration", (int)duration_ms));
}

/* The mark's name is the notify's payload, as JSON. */
static void ws_vonage_mark(struct bot_ws *b, const char *name)
{
	json_error_t err;
	json_t *payload = json_loads(name, 0, &err);

	if (payload)
		bot_ws_send_json(b, json_pack("{s:s, s:o}", "event", "websocket:notify",
					      "payload", payload));
}

static void ws_vonage_stop(struct bot_ws *b)
{
	(void)b;
}

static enum ws_verdict ws_vonage_text(struct bot_ws *b, json_t *m)
{
	const char *action = ws_str(m, "action");

	if (!action)
		return WS_OTHER;
	if (strcmp(action, "clear") == 0) {
		bot_ws_clear_in(b);
		bot_ws_send_json(b, json_pack("{s:s}", "event", "websocket:cleared"));
		return WS_TAKEN;
	}
	if (strcmp(action, "notify") == 0) {
		char *payload = json_dumps(json_object_get(m, "payload"),
					   JSON_COMPACT | JSON_ENCODE_ANY);
		bool ok = payload && strlen(payload) < BOT_WS_NAME_MAX &&
			  bot_ws_mark_in(b, payload);

		free(payload);
		return ok ? WS_TAKEN : WS_BAD;
	}
	return WS_BAD;
}

const struct ws_dialect ws_vonage = {
	.name = "vonage",
	.start = ws_vonage_start,
	.frame = ws_vonage_frame,
	.dtmf = ws_vonage_dtmf,
	.mark = ws_vonage_mark,
	.stop = ws_vonage_stop,
	.text = ws_vonage_text,
	.binary = bot_ws_pcm_in,
};
