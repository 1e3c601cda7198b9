/*
 * bot_ws-int.h: what bot_ws.c (the socket: connect, messages in and out, the
 * session's life) shares with the dialects (ws_*.c: what the messages say).
 *
 * A dialect is a table of functions that bot_ws.c calls on the worker's thread:
 * start once the socket is up, frame for each 20 ms of the caller, dtmf, mark when
 * the audio before one of the bot's marks has played, stop when the call ends, and
 * text/binary for each whole message from the bot. Everything a dialect sends goes
 * through bot_ws_send (queued until the socket is writable); the bot's audio goes
 * through bot_ws_law_in / bot_ws_pcm_in, which cut it into frames for the caller.
 * The messages of voxgate's own (hangup, dtmf, transfer, update from the bot; the
 * results and playout_full to it) are the same in every dialect that speaks JSON
 * with an "event" field (bot_ws.c).
 */
#ifndef VG_BOTS_BOT_WS_INT_H
#define VG_BOTS_BOT_WS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libwebsockets.h>
#include <speex/speex_resampler.h>

#include "bots/bot.h"

#define BOT_WS_MARKS 64     /* mark names kept until their audio plays */
#define BOT_WS_NAME_MAX 64

struct bot_ws {
	struct lws *wsi;            /* NULL once the socket is gone */
	struct bot_session *s;      /* NULL once the call is gone */
	struct bot_worker *w;
	const struct cfg_agent *agent;
	const struct ws_dialect *d;
	lws_sorted_usec_list_t connect_timer;
	uint8_t established;
	uint8_t closing;            /* the call ended: send what is queued, then close */
	uint8_t failed;             /* the call was told to end */
	uint8_t peer_closed;        /* the bot closed: nothing more goes to it */
	struct lws_buflist *out;    /* messages to the bot, each LWS_PRE + text */
	/* ids in the provider's shape (ws_dialect.ids): the call's and the stream's */
	char stream_sid[48], call_sid[48];
	char call_id[96];
	uint64_t opened;            /* lws_now_usecs() at open: in the ids */
	char seq_text[12];
	uint32_t seq;               /* sequenceNumber of our last message */
	uint32_t chunk;             /* media chunks sent */
	char *in;                   /* message from the bot being assembled */
	size_t in_len, in_cap;
	uint8_t law[VG_FRAME_SAMPLES]; /* the bot's G.711 short of a whole frame */
	unsigned law_n;
	unsigned law_kind;          /* its law: CS_LAW_PCMU or CS_LAW_PCMA */
	uint32_t mark_next;         /* id of the bot's next mark */
	char marks[BOT_WS_MARKS][BOT_WS_NAME_MAX];
	/* PCM at 16 kHz (ws_dialect.rate or the agent's sample_rate): 8 kHz -> 16 kHz
	 * towards the bot, and back */
	SpeexResamplerState *up, *down;
	int16_t pcm[VG_FRAME_SAMPLES]; /* the bot's audio at 8 kHz short of a frame */
	unsigned pcm_n;
};

/* How a dialect took a message from the bot. */
enum ws_verdict {
	WS_TAKEN = 0, /* one of the dialect's, done */
	WS_BAD,       /* one of the dialect's, malformed: counted in bot_msgs_bad */
	WS_OTHER,     /* not the dialect's: voxgate's own messages are tried next */
};

struct ws_dialect {
	const char *name;           /* as in the agent's dialect key */
	unsigned rate;              /* PCM or G.711 to and from the bot at this rate;
				     * 0: the agent's sample_rate */
	/* The socket is up: what the provider sends first. params: the call context,
	 * every value a string (customParameters); the dialect may keep it. */
	void (*start)(struct bot_ws *b, json_t *params);
	/* 20 ms of the caller, at 8 kHz. */
	void (*frame)(struct bot_ws *b, const int16_t *pcm);
	void (*dtmf)(struct bot_ws *b, char digit, unsigned duration_ms);
	/* The audio before the bot's mark name has played. NULL: the dialect has none. */
	void (*mark)(struct bot_ws *b, const char *name);
	/* The call ended: the provider's last message. */
	void (*stop)(struct bot_ws *b);
	/* A whole message from the bot: text is m parsed (NULL when it is not JSON). */
	enum ws_verdict (*text)(struct bot_ws *b, json_t *m);
	/* A binary message; NULL: the dialect takes none. */
	bool (*binary)(struct bot_ws *b, const uint8_t *data, size_t len);
};

/* Twilio's dtmf, mark and stop messages, which the raw dialect speaks too. */
void ws_twilio_dtmf(struct bot_ws *b, char digit, unsigned duration_ms);
void ws_twilio_mark(struct bot_ws *b, const char *name);
void ws_twilio_stop(struct bot_ws *b);
/* The messages from the bot shaped as Twilio's (Telnyx, Exotel and raw too): "media"
 * with media.payload in law (not taken with BOT_WS_NO_MEDIA), "mark" with
 * mark.name, "clear". Anything else with an "event" is WS_OTHER. */
#define BOT_WS_NO_MEDIA 0xfeu
enum ws_verdict ws_twilio_take(struct bot_ws *b, json_t *m, unsigned law);

extern const struct ws_dialect ws_twilio, ws_raw, ws_telnyx, ws_plivo, ws_exotel,
	ws_vonage;

/* Queue one message to the bot (LWS_WRITE_TEXT or LWS_WRITE_BINARY); dropped when
 * the socket is not up. */
void bot_ws_send(struct bot_ws *b, const void *data, size_t len, uint8_t type);
/* Queue msg as compact JSON text and release it. */
void bot_ws_send_json(struct bot_ws *b, json_t *msg);
/* The next sequence number as a decimal string (Twilio's sequenceNumber). */
const char *bot_ws_seq(struct bot_ws *b);

/* The bot's audio towards the caller: n bytes of G.711 in law (CS_LAW_PCMU or
 * CS_LAW_PCMA), any length; kept short of a frame until the rest comes. */
void bot_ws_law_in(struct bot_ws *b, unsigned law, const uint8_t *g711, size_t n);
/* The same for PCM16 little-endian at the dialect's rate. Returns false for an odd
 * byte count. */
bool bot_ws_pcm_in(struct bot_ws *b, const uint8_t *le, size_t len);
/* 20 ms of the caller (8 kHz) as PCM16 little-endian at the dialect's rate into le
 * (room for 640 bytes). Returns the bytes written. */
size_t bot_ws_pcm_out(struct bot_ws *b, const int16_t *pcm, uint8_t *le);
/* 20 ms of the caller as base64 text of G.711 in law, or PCM16 little-endian at
 * the dialect's rate when law is BOT_WS_PCM16, into out (room for 1,024 bytes).
 * Returns its length. */
size_t bot_ws_b64_out(struct bot_ws *b, unsigned law, const int16_t *pcm, char *out);
/* The same from base64 text (NULL: none): G.711 in law, or PCM16 little-endian
 * when law is BOT_WS_PCM16. Returns false when b64 is missing or not base64 (or
 * odd PCM). */
#define BOT_WS_PCM16 0xffu
bool bot_ws_b64_in(struct bot_ws *b, unsigned law, const char *b64);
/* A mark from the bot: its name comes back through ws_dialect.mark once the audio
 * before it has played. Returns false for no name. */
bool bot_ws_mark_in(struct bot_ws *b, const char *name);
/* The bot's clear: its queued audio and what is short of a frame are dropped. */
void bot_ws_clear_in(struct bot_ws *b);
/* A UUID-shaped id of the session (Telnyx, Plivo), different for each salt. */
void bot_ws_uuid(const struct bot_ws *b, unsigned salt, char *out, size_t size);
/* The string at key of object o, or NULL. */
const char *ws_str(json_t *o, const char *key);

#endif
