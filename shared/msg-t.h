/*
 * msg-t.h: the fixed-size messages that cross voxgate's rings (types only).
 *
 * Three kinds of ring connect the sides (see shared/README.md):
 *   control rings  signaling -> each dp lcore, signaling -> each bot worker
 *   event rings    each dp lcore -> signaling, each bot worker -> signaling
 *   frame rings    each dp lcore -> each bot worker and back (SPSC pairs)
 * Every message names its call by slot index and generation; a receiver compares
 * the generation with the call table (cs.h) and ignores a message for a slot that
 * has been reused since (counted as stale). Messages are copied into the ring, so
 * the sender keeps no reference to them.
 */
#ifndef VG_MSG_T_H
#define VG_MSG_T_H

#include <stdint.h>

/* Control and event message types. The comment says who sends it to whom. */
enum vg_msg_type {
	VG_MSG_NONE = 0,
	VG_MSG_CALL_START,   /* signaling -> dp lcore: slot media published, start RTP */
	VG_MSG_CALL_STOP,    /* signaling -> dp lcore: stop RTP, release the call */
	VG_MSG_CALL_STARTED, /* dp lcore -> signaling: media port is live */
	VG_MSG_CALL_STOPPED, /* dp lcore -> signaling: dp holds no state for the slot */
	VG_MSG_RTP_TIMEOUT,  /* dp lcore -> signaling: no RTP for the configured time */
	VG_MSG_BOT_START,    /* signaling -> bot worker: open a bot session */
	VG_MSG_BOT_STOP,     /* signaling -> bot worker: close the bot session */
	VG_MSG_BOT_STOPPED,  /* bot worker -> signaling: session closed */
	VG_MSG_BOT_HANGUP,   /* bot worker -> signaling: the bot ends the call */
	VG_MSG_CALL_UPDATE,  /* signaling -> dp lcore: apply the slot's update block */
	VG_MSG_CALL_UPDATED, /* dp lcore -> signaling: update applied */
	VG_MSG_CALL_FAILED,  /* dp lcore -> signaling: media not set up (start or update;
			      * arg: positive errno), the call must end */
	VG_MSG_BOT_READY,    /* bot worker -> signaling: the bot takes the call's audio
			      * (its socket is open): with CALL_STARTED, answer */
	VG_MSG_BOT_CMD,      /* bot worker -> signaling: a command of the bot is in the
			      * slot's mailbox (cs_cmd); arg: enum vg_bot_cmd */
	VG_MSG_BOT_CMD_DONE, /* signaling -> bot worker: the mailbox is free again */
	VG_MSG_BOT_DRAIN,    /* signaling -> bot worker: the bot's side of the call ends:
			      * let what the bot sent play out, then BOT_DRAINED */
	VG_MSG_BOT_DRAINED,  /* bot worker -> signaling: the bot's audio has played (or
			      * the wait for it ran out) */
	VG_MSG_BOT_RESULT,   /* signaling -> bot worker: how a command of the bot went;
			      * arg: enum vg_bot_result, value: VG_RESULT(status, reason) */
	VG_MSG_API_CMD,      /* bot worker (HTTP API) -> signaling: a command for the call
			      * is in API mailbox `value` (cs_api_cmd); arg: vg_bot_cmd */
	VG_MSG_API_CMD_DONE, /* signaling -> that worker: API mailbox `value` is free */
	VG_MSG_CALL_BRIDGE,  /* signaling -> dp lcore: relay the call's audio and key
			      * presses to slot `value` (on the same lcore) and drop
			      * the bot's; UINT32_MAX: stop relaying */
};

/* What a bot asks of signaling (VG_MSG_BOT_CMD, VG_MSG_API_CMD). */
enum vg_bot_cmd {
	VG_BOT_CMD_TRANSFER = 1, /* {"mode":"refer"|"bridge"|"warm"|"try_refer"|"trunk",
				  * "target":..., "caller_id":..., "headers":{}}; a warm
				  * transfer's {"mode":"complete"|"cancel"} */
	VG_BOT_CMD_UPDATE = 2,   /* {"final":bool,"payload":{...}}: data for the platform */
	VG_BOT_CMD_ORIGINATE = 3, /* API only: place a call, {"to","from","agent",
				   * "endpoint","status_callback","timeout","params",
				   * "account_sid"} (signaling/sig_out.c) */
};

/* VG_MSG_API_CMD_DONE's arg for VG_BOT_CMD_ORIGINATE; slot and gen: the call's. */
enum vg_orig {
	VG_ORIG_OK = 0,
	VG_ORIG_BAD = 1,         /* numbers, timeout or JSON not usable */
	VG_ORIG_NO_AGENT = 2,    /* no such agent */
	VG_ORIG_NO_ENDPOINT = 3, /* no such (or no) outbound endpoint */
	VG_ORIG_FULL = 4,        /* every call slot busy */
	VG_ORIG_UNAVAILABLE = 5, /* stopping, or no listener for the endpoint */
};

/* VG_MSG_BOT_HANGUP's arg: why the bot's side ends. */
enum vg_hangup {
	VG_HANGUP_BOT = 0,    /* the bot (or its REST hang-up) ends the call */
	VG_HANGUP_FAILED = 1, /* the bot could not be reached, or failed */
};

/* What VG_MSG_BOT_RESULT reports. */
enum vg_bot_result {
	VG_RES_UPDATE_FAILED = 1,    /* the platform refused the update (INFO) or did not
				      * answer it */
	VG_RES_TRANSFER_ACCEPTED = 2, /* the platform took the transfer (REFER 2xx), or
				       * the bridge's second leg answered */
	VG_RES_TRANSFER_FAILED = 3,  /* the transfer did not happen; the call goes on */
};

/* Why a command failed (VG_RESULT's reason). */
#define VG_REASON_LIST(X)                                                        \
	X(NONE, "none")                                                          \
	X(REFUSED, "refused")         /* the platform answered >= 300 */         \
	X(NOTIFY, "notify")           /* the REFER's NOTIFY reported a failure */ \
	X(TIMEOUT, "timeout")         /* no answer, or no final NOTIFY, in time */ \
	X(UNSUPPORTED, "unsupported") /* a transfer mode voxgate does not have */ \
	X(NOT_ALLOWED, "not_allowed") /* the trunk takes no transfer */          \
	X(PENDING, "pending")         /* another transfer is under way */       \
	X(ENDING, "ending")           /* the call is ending */                  \
	X(BAD, "bad")                 /* no target, or a command not understood */ \
	X(NO_ENDPOINT, "no_endpoint") /* a bridge needs signaling.outbound */   \
	X(FULL, "full")               /* no call slot free for a second leg */ \
	X(CANCELED, "canceled")       /* the bot canceled its warm transfer */

enum vg_reason {
#define VG_REASON_ENUM(id, name) VG_REASON_##id,
	VG_REASON_LIST(VG_REASON_ENUM)
#undef VG_REASON_ENUM
	VG_REASON_MAX
};

/* The name of a reason, as bots read it. */
static inline const char *vg_reason_name(unsigned r)
{
	static const char *const names[] = {
#define VG_REASON_NAME(id, name) name,
		VG_REASON_LIST(VG_REASON_NAME)
#undef VG_REASON_NAME
	};

	return r < VG_REASON_MAX ? names[r] : "?";
}

/* VG_MSG_BOT_RESULT's value: a SIP status (0: none) and an enum vg_reason. */
#define VG_RESULT(status, reason) ((uint32_t)(status) | (uint32_t)(reason) << 16)
#define VG_RESULT_STATUS(v) ((v) & 0xffffu)
#define VG_RESULT_REASON(v) ((v) >> 16)

/* One control or event message: 16 bytes, copied by value through the ring. */
struct vg_msg {
	uint16_t type;  /* enum vg_msg_type */
	uint16_t arg;   /* type-specific small argument (e.g. a cause code) */
	uint32_t slot;  /* call slot index */
	uint32_t gen;   /* generation of the slot when the message was made */
	uint32_t value; /* type-specific value */
};

/* Samples in one 20 ms frame at 8 kHz: the unit of audio between dp and bots. */
#define VG_FRAME_SAMPLES 160

/* Frame kinds on the frame rings. */
enum vg_frame_kind {
	VG_FRAME_AUDIO = 1, /* pcm[] holds VG_FRAME_SAMPLES samples */
	VG_FRAME_DTMF = 2,  /* dtmf holds one key press: of the caller (dp -> bot), or
			     * for the caller (bot -> dp, sent as RFC 4733 events) */
	VG_FRAME_MARK = 3,  /* seq holds a mark id. bot -> dp: a mark after the audio
			     * queued so far; dp -> bot: that audio has been played (or
			     * cleared) */
	VG_FRAME_CLEAR = 4, /* bot -> dp: drop the audio not played yet; its marks come
			     * back at once */
};

/*
 * One 20 ms frame of linear PCM16 (host order, 8 kHz) between a dp lcore and a bot
 * worker, in either direction. 344 bytes, copied into the ring (rte_ring elem API).
 */
struct vg_frame {
	uint32_t slot;    /* call slot index */
	uint32_t gen;     /* slot generation */
	uint16_t kind;    /* enum vg_frame_kind */
	uint16_t samples; /* valid samples in pcm[] */
	uint32_t seq;     /* frame counter of the call in this direction */
	uint64_t tsc;     /* for latency: TSC when the packet arrived (dp -> bot), when
			   * the bot sent the frame (bot -> dp); 0: not stamped */
	union {
		int16_t pcm[VG_FRAME_SAMPLES];
		struct {
			uint8_t event;        /* 0-9, 10 '*', 11 '#', 12-15 A-D, 16 flash */
			uint8_t pad;
			uint16_t duration_ms;
		} dtmf;
	};
};

/* The character of a DTMF event code ('0'-'9', '*', '#', 'A'-'D', '!' flash, '?'). */
static inline char vg_dtmf_char(uint8_t event)
{
	static const char map[] = "0123456789*#ABCD!";

	return event < sizeof(map) - 1 ? map[event] : '?';
}

_Static_assert(sizeof(struct vg_msg) == 16, "vg_msg is 16 bytes");
_Static_assert(sizeof(struct vg_frame) % 4 == 0, "rte_ring elements are 4-byte multiples");

#endif
