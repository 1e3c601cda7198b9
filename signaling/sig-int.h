/*
 * sig-int.h: the signaling side's own types and the functions its files share
 * (private to signaling/; the rest of voxgate sees sig.h).
 *
 * Ownership: struct sig and its per-slot array of struct sig_call belong to the
 * signaling thread; every function here runs on it. A sig_call lives from the INVITE
 * that took its slot until both the dp lcore (VG_MSG_CALL_STOPPED) and the bot worker
 * (VG_MSG_BOT_STOPPED) have let go of the slot; only then is the slot returned to the
 * pool, so a slot (and its RTP port) is never reused while another side still holds
 * state for it.
 *
 * The files:
 *   sig.c       the user agent: listeners (one nua per address and port), the
 *               allowlist socket filter, nua's events dispatched, the event rings
 *               polled, shutdown
 *   sig_call.c  the call's state machine: INVITE checks and refusals, offer/answer,
 *               answer once dp and bot are ready, re-INVITE/UPDATE, session timers,
 *               the events of the dp lcores and bot workers, the end and its CDR
 *   sig_reg.c   registrations of the outbound endpoints: REGISTER, digest, refresh,
 *               back-off, taken back at shutdown
 *   sig_out.c   calls voxgate places (the API's, a bridge's second leg)
 *   sig_bridge.c  bridged transfers: the second leg, the dataplane's relay, the end
 */
#ifndef VG_SIG_INT_H
#define VG_SIG_INT_H

#include "signaling/sig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/su_wait.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/tport_tag.h>

#include "base/log.h"
#include "signaling/cdr.h"
#include "signaling/ctx.h"
#include "signaling/sdp_offer.h"
#include "signaling/srcfilter.h"
#include "signaling/webhook.h"

#include <jansson.h>

#define SIG_POLL_MS 2           /* event rings are drained this often */
#define SIG_EVT_DRAIN_MAX 64    /* events taken from a ring per read */
#define SIG_SHUTDOWN_MS 3000    /* longest wait for BYEs and nua shutdown */
#define SIG_SDP_MAX 2048

/* How the call went, as RingCX names its IVA results (seed 000), for the CDR. */
enum sig_outcome {
	SO_NONE = 0,     /* not known yet: "failed" if it stays so */
	SO_SUCCESS,      /* the bot finished: final intent, hand-back or transfer taken */
	SO_FAILED,       /* the bot failed, or its end (hand-back, transfer) did */
	SO_DISCONNECTED, /* the caller hung up before the bot finished */
};

/* The bot's side of an answered call ending (sig_end.c): what comes once its audio
 * has played out (SE_DRAINING), then where the end stands. */
enum sig_after { SA_NONE = 0, SA_BYE, SA_INFO_FINAL, SA_NOTIFY };
enum sig_end_phase {
	SE_LIVE = 0,   /* the bot talks */
	SE_DRAINING,   /* VG_MSG_BOT_DRAIN sent: `after` comes with BOT_DRAINED */
	SE_INFO,       /* the final INFO is out */
	SE_NOTIFYING,  /* the hand-back POST is out */
	SE_WAIT_BYE,   /* the platform is to send BYE within the trunk's wait_bye_ms */
	SE_BYE,        /* our BYE is out */
};

/* A transfer by REFER (sig_refer.c). */
enum sig_xfer {
	XF_NONE = 0,
	XF_DRAINING,   /* the bot's audio plays out, then REFER */
	XF_SENT,       /* REFER out, no final answer yet */
	XF_ACCEPTED,   /* 2xx to the REFER: NOTIFYs follow */
	XF_DONE,       /* a 2xx NOTIFY: the platform's BYE is awaited (bye_ms) */
	XF_BRIDGING,   /* a bridge: the second leg rings, the bot talks on */
	XF_BRIDGED,    /* the second leg answered: the dataplane relays, the bot left */
	XF_WARM,       /* a warm transfer's second leg answered: its own bot session
			* briefs the target until the bot completes or cancels */
};

#define SIG_NO_LEG UINT32_MAX

#define SIG_REFER_TO_MAX 512

enum sig_call_state {
	SC_FREE = 0,
	SC_STARTING,  /* published to dp and bot, waiting for CALL_STARTED */
	SC_ANSWERED,  /* 200 OK sent */
	SC_ENDING,    /* STOP sent, waiting for dp and bot to let go */
	SC_DIALING,   /* a call voxgate places: INVITE out, nothing published yet */
};

struct sig_call {
	enum sig_call_state state;
	nua_handle_t *nh;
	uint32_t slot, gen;
	unsigned trunk;
	uint8_t dp_stopped, bot_stopped;
	uint8_t dp_ready, bot_ready; /* CALL_STARTED, BOT_READY: answer when both came */
	uint8_t update_pending;  /* a VG_MSG_CALL_UPDATE awaits its VG_MSG_CALL_UPDATED */
	uint32_t sdp_version;    /* o= version of our last answer */
	su_timer_t *ring;      /* answer_delay_ms timer while ringing */
	su_timer_t *expiry;    /* RFC 4028: the caller's refresh is due by then */
	uint32_t session_expires; /* of the INVITE, s; 0: no session timer */
	uint8_t we_refresh;      /* the caller asked for refresher=uas: nua refreshes */
	struct sdp_choice sdp;
	char contact[CFG_NAME_MAX + 48]; /* our Contact when nua's would be wrong, or "" */
	char answer[SIG_SDP_MAX];
	struct timespec t_invite, t_answer;
	const char *end;       /* why it ended, for its CDR: the first cause seen */
	uint8_t tls;           /* the INVITE came over TLS */
	/* The end of the bot's side and its outcome (sig_end.c, sig_refer.c). */
	uint8_t outcome;       /* enum sig_outcome */
	uint8_t end_phase;     /* enum sig_end_phase */
	uint8_t after;         /* enum sig_after */
	uint8_t xfer;          /* enum sig_xfer */
	uint8_t bot_gone;      /* the bot ended its side (hung up, closed, failed) */
	uint8_t bot_failed;    /* ... because it failed */
	uint8_t infos;         /* INFOs out without their final answer (nua sends them in
				* order, one at a time) */
	uint32_t info_final;   /* of them, which carry the final intent: bit 0 oldest */
	su_timer_t *end_timer; /* wait_bye_ms, or the transfer's NOTIFY or BYE wait */
	json_t *bot_props;     /* the payloads of the bot's updates, merged */
	char *final_intent;    /* the final update's JSON body, NULL if none */
	uint8_t final_done;    /* the platform took it (2xx to the INFO) */
	int16_t handback;      /* HTTP status of the hand-back; 0: no answer; -1: none */
	uint16_t xfer_status;  /* the transfer's last SIP status (REFER answer, NOTIFY) */
	char xfer_mode[16];    /* "" when no transfer was asked */
	char refer_to[SIG_REFER_TO_MAX];
	char refer_hdrs[SIG_REFER_TO_MAX]; /* the bot's X- headers, CRLF between */
	char referred_by[160]; /* <sip:called@our address>, our identity in REFER */
	/* A call voxgate placed (sig_out.c). */
	uint8_t outbound;      /* no answer of ours: the callee answers */
	uint8_t ob;            /* its endpoint, index in cfg.sig.outbound */
	uint8_t auth_tries;    /* digest challenges answered */
	uint8_t rang;          /* 180/183 seen (the ringing callback went) */
	uint8_t no_answer;     /* our CANCEL after the ring timeout */
	uint16_t challenge;    /* the last challenge answered: 401 or 407 */
	uint16_t final_status; /* the callee's final answer */
	char *status_cb;       /* the status callback URL (owned), NULL: none */
	char account_sid[40];
	/* A bridge (sig_bridge.c): the other leg, on both legs. */
	uint32_t bridge, bridge_gen; /* its slot (SIG_NO_LEG: none) and generation */
	uint8_t bridge_leg;    /* this is the second leg, placed for the transfer */
	uint8_t warm;          /* ... of a warm transfer: it has a bot session of its own */
	uint8_t bot_left;      /* the bot's session was stopped while the call goes on */
	char leg_id[64];       /* the other leg's call id, for the CDR */
	char *fallback;        /* try_refer: the bot's command (owned), bridged should
				* the REFER fail */
	uint8_t status_seq;    /* status webhook events sent */
};

/* A call to place (sig_out_place()). */
struct sig_out_req {
	const char *to;        /* the callee's user part (a number); NULL with ruri */
	const char *ruri;      /* a SIP URI to call instead, via the endpoint's proxy */
	const char *from;      /* the caller id's user part */
	int agent;             /* index in bots.agents */
	int ep;                /* index in signaling.outbound; -1: none */
	int lcore;             /* the dp lcore of the slot; -1: any */
	unsigned timeout;      /* ring timeout, s (1..600) */
	const char *status_cb, *account; /* Twilio's, or NULL */
	const char *direction; /* the context's direction */
	json_t *params;        /* custom parameters for the context, or NULL */
	const char *headers;   /* headers to add (CRLF between), or NULL */
};

/* A registration of an outbound endpoint (sig_reg.c). */
enum sig_reg_state {
	SR_IDLE = 0,
	SR_REGISTERING,   /* REGISTER out (or its challenge answered) */
	SR_REGISTERED,    /* 2xx: nua refreshes it before it expires */
	SR_RETRY,         /* failed: the retry timer runs */
	SR_UNREGISTERING, /* Expires 0 out, at shutdown */
	SR_DONE,
};

struct sig_reg {
	struct sig *s;
	unsigned ob;             /* index in cfg.sig.outbound */
	nua_handle_t *nh;
	su_timer_t *retry;
	uint8_t state;           /* enum sig_reg_state */
	uint8_t auth_tries;      /* challenges answered for the request out */
	uint16_t challenge;      /* the last challenge answered: 401 or 407 */
	unsigned failures;       /* in a row: the back-off */
};

struct sig_ua {
	nua_t *nua;
	char url[160];
	int shut; /* nua_r_shutdown received */
	int tls;  /* a TLS listener */
	const struct cfg_listener *listener; /* its address and port (the first such) */
};

struct sig {
	const struct cfg *cfg;
	su_home_t home[1];
	su_root_t *root;
	su_timer_t *poll;
	struct sig_ua ua[CFG_MAX_LISTENERS];
	unsigned n_ua;
	struct cs_table *calls;
	struct cs_pool pool;
	struct ring_set *rings;
	unsigned n_lcores;
	struct sig_call *call; /* indexed by slot */
	uint32_t trunk_calls[CFG_MAX_TRUNKS]; /* calls in progress per trunk */
	double cps_tokens;                    /* max_cps token bucket */
	struct timespec cps_at;               /* when the bucket was last filled */
	char media_ip[CS_MAX_ADDRS][INET_ADDRSTRLEN]; /* the call table's addresses */
	struct cdr cdr;                       /* signaling.cdr_file; fd -1: none */
	void (*on_poll)(void *arg);
	void *on_poll_arg;
	volatile int stop_requested;
	int draining;            /* sig_drain(): atomic, any thread */
	int stop_after;          /* sig_request_stop_after(): grace in s + 1; 0: none */
	struct timespec stop_by; /* ... the grace's end, once the poll saw it */
	int stopping;
	int su_ready;
	struct timespec stop_at;
	struct sig_stats st;
	nua_t *cur_nua; /* the nua whose event is being handled (NUTAG_WITH_THIS) */
	int filtered[2 * CFG_MAX_LISTENERS]; /* listener sockets with the allowlist filter */
	unsigned n_filtered;
	struct wh *wh;                        /* hand-back notifications */
	struct cap *cap;                      /* signaling.capture, NULL: off */
	struct sig_reg reg[CFG_MAX_OUTBOUND]; /* the endpoints that register */
	unsigned n_reg;
};

static inline double sig_elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* The call's sid (CA, slot, generation, signaling.node_id), as the API names it
 * (bots/bot_api.c, app/ops.c) and the status callbacks do. */
static inline void sig_call_sid(const struct sig *s, const struct sig_call *c, char *buf,
				size_t size)
{
	snprintf(buf, size, "CA%08x%08x%016x", c->slot, c->gen, s->cfg->sig.node_id);
}

static inline const char *sig_call_id(const struct sig *s, const struct sig_call *c)
{
	return cs_slot(s->calls, c->slot)->media.call_id;
}

/* sig.c */

/* Route everything of the call on nh to where its INVITE came from (ai), over the
 * same transport and connection. */
void sig_pin_to_source(struct sig *s, nua_t *nua, nua_handle_t *nh, const su_addrinfo_t *ai);

/* Our Contact for the call, when nua's would be wrong (see sig.c), into c->contact. */
void sig_contact(const struct sig *s, const nua_t *nua, const sip_t *sip, struct sig_call *c);

/* Whether nua is a TLS listener's. */
bool sig_ua_tls(const struct sig *s, const nua_t *nua);

/* Our identity in a REFER's Referred-By, into c->referred_by: the called user at the
 * address and port the INVITE came to. */
void sig_referred_by(const struct sig *s, const nua_t *nua, const sip_t *sip,
		     struct sig_call *c);

/* sig_call.c */

/* A new INVITE (no call yet on nh): checks, refusal or a call slot published. */
void sig_invite(struct sig *s, nua_t *nua, nua_handle_t *nh, const sip_t *sip);

/* A re-INVITE or UPDATE inside call c. */
void sig_reinvite(struct sig *s, struct sig_call *c, nua_handle_t *nh, const sip_t *sip);

/* Refuse a new call (no slot taken) for reason r, and let go of its handle. */
void sig_reject(struct sig *s, nua_handle_t *nh, enum sig_refusal r, const char *warning);

/* Note why the call ends (its CDR's "end"); the first cause stands. */
void sig_end_why(struct sig_call *c, const char *why);

/* The dialog is over (or never came to be): tell dp and bot to let go. */
void sig_call_end(struct sig *s, struct sig_call *c);

/* End call c from our side: BYE once answered; before, a final answer for reason r. */
void sig_hangup(struct sig *s, struct sig_call *c, enum sig_refusal r);

/* One event from a dp lcore or a bot worker. */
void sig_event_msg(struct sig *s, const struct vg_msg *m);

/* Return the slot once dp and bot have both let go of it (sig_call.c). */
void sig_call_release(struct sig *s, struct sig_call *c);

/* What operators see of a call just taken (cs_info): its start, trunk (CS_NO_TRUNK:
 * none), direction and numbers. Before its first sig_call_state(). */
void sig_call_info(struct sig *s, struct sig_call *c, unsigned trunk, bool outbound,
		   const char *from, const char *to);

/* Move c to state st, and say so in its cs_info (and to the status webhook:
 * initiated, answered). */
void sig_call_state(struct sig *s, struct sig_call *c, enum sig_call_state st);

/* Its bot's state into its cs_info, after bot_ready, bot_gone or bot_left changed. */
void sig_call_bot(struct sig *s, struct sig_call *c);

/* sig_status.c: the call's status webhook (its agent's `status`, else its trunk's),
 * if it has one and takes event (enum cfg_status_event). */
void sig_status_event(struct sig *s, struct sig_call *c, unsigned event);

/* The slot's media from the SDP voxgate took (an INVITE's offer or a callee's answer
 * into the slot's media block, a re-INVITE's or UPDATE's into its update block): the one place an SDP
 * choice becomes what the dataplane reads. */
void sig_media_set(struct cs_media *md, const struct sdp_choice *ch);

/* A fresh master key and salt for our direction (k->suite's length, into k->tx_key)
 * from the kernel's CSPRNG. Returns 0 or -EIO. */
int sig_srtp_key(struct cs_srtp *k);

/* A SIP or SIPS URI (by its scheme), and one with nothing that would break out of a
 * header's <...> or a request line. */
static inline bool sig_is_sip_uri(const char *u)
{
	return strncasecmp(u, "sip:", 4) == 0 || strncasecmp(u, "sips:", 5) == 0;
}

static inline bool sig_uri_plain(const char *u)
{
	return !strpbrk(u, "<>\r\n \"");
}

/* sig_out.c: calls voxgate places. */

/* Place the call the API asked for (VG_BOT_CMD_ORIGINATE's JSON). Returns
 * VG_ORIG_OK with the call's slot and generation, or why not (enum vg_orig). */
int sig_originate(struct sig *s, const char *json, uint32_t *slot, uint32_t *gen);

/* Place call r: a slot, the INVITE. The same returns as sig_originate(). */
int sig_out_place(struct sig *s, const struct sig_out_req *r, uint32_t *slot,
		  uint32_t *gen);

/* The index of the outbound endpoint called name (NULL: the first), or -1. */
int sig_out_endpoint(const struct sig *s, const char *name);

/* An answer to the call's INVITE (nua_r_invite). */
void sig_out_answer(struct sig *s, struct sig_call *c, int status, const char *phrase,
		    const sip_t *sip);

/* The dialog ended while the call was still dialing. */
void sig_out_gone(struct sig *s, struct sig_call *c);

/* The dataplane and the bot have the answered call: it is in progress. */
void sig_out_connected(struct sig *s, struct sig_call *c);

/* The call is over (its slot about to go back): the completed callback. */
void sig_out_ended(struct sig *s, struct sig_call *c);

/* sig_bridge.c: a bridged transfer (the bot's mode "bridge", PolyAI's invite). */

/* Place the second leg to target (a number or SIP URI) with caller id from and the
 * X- headers hdrs (CRLF between, or ""); the bot is told if it cannot be. */
void sig_bridge_start(struct sig *s, struct sig_call *a, const char *target,
		      const char *from, const char *hdrs, bool warm);

/* A warm transfer's end, asked by the bot on either leg: complete (bridge the legs,
 * both bot sessions stop) or cancel (the second leg hung up, the caller back with the
 * bot). False when c is in no warm transfer. */
bool sig_bridge_warm_cmd(struct sig *s, struct sig_call *c, bool complete);

/* The second leg b is answered and started: bridge the legs, the bot leaves (a warm
 * transfer: b's own bot session briefs the target first). */
void sig_bridge_answered(struct sig *s, struct sig_call *b);

/* The second leg b was not answered (status: the callee's, 0 none): the bot is told,
 * the caller stays with it. */
void sig_bridge_failed(struct sig *s, struct sig_call *b, unsigned status);

/* Call c ends: so does the other leg (BYE, or CANCEL while it rings). */
void sig_bridge_ended(struct sig *s, struct sig_call *c);

/* sig_refer.c */

/* The transfer did not happen: the bot is told (status, enum vg_reason), the call
 * stays with it unless the bot has left meanwhile. */
void sig_xfer_failed(struct sig *s, struct sig_call *c, unsigned status, unsigned reason);

/* sig_reg.c: registrations of the outbound endpoints. */

/* The nua of the listener that speaks transport tp, or NULL. */
nua_t *sig_reg_nua(const struct sig *s, uint8_t tp);


/* Send every endpoint's first REGISTER. */
void sig_reg_start(struct sig *s);

/* Whether a handle's magic is a registration's (else a call's, or none). */
bool sig_reg_owns(const struct sig *s, const void *hmagic);

/* A nua event on registration r. */
void sig_reg_event(struct sig *s, nua_event_t event, int status, const char *phrase,
		   struct sig_reg *r, const sip_t *sip);

/* Answer the digest challenge (401, 407) in sip on nh with ob's credentials; tries
 * counts the challenges answered for the request (a stale nonce aside, two are
 * taken), challenge gets the status. False when it cannot be answered: no realm, or
 * the credentials were refused already. */
bool sig_digest(nua_handle_t *nh, const sip_t *sip, const struct cfg_outbound *ob,
		uint8_t *tries, uint16_t *challenge);

/* Shutdown: take every registration back; sig_reg_stopped() once all are. */
void sig_reg_stop(struct sig *s);
bool sig_reg_stopped(const struct sig *s);

/* Free the timers (after nua is gone). */
void sig_reg_free(struct sig *s);

/* sig_end.c: the bot's side of an answered call ending, the platform's way. */

/* A command of the bot (enum vg_bot_cmd) as JSON: an update (INFO, or kept for the
 * hand-back), or a transfer (sig_transfer()). */
void sig_bot_cmd(struct sig *s, struct sig_call *c, uint16_t type, const char *json);

/* The bot ended its side (failed: it could not be reached, or failed). */
void sig_bot_hangup(struct sig *s, struct sig_call *c, bool failed);

/* VG_MSG_BOT_DRAINED: the bot's last audio has played; carry out what waited. */
void sig_bot_drained(struct sig *s, struct sig_call *c);

/* Final answer (status) to the oldest INFO out. */
void sig_info_answered(struct sig *s, struct sig_call *c, int status);

/* The caller hung up (BYE or CANCEL): the outcome, if not settled. */
void sig_caller_left(struct sig_call *c);

/* Start the end with `after` once the bot's audio has played (SE_DRAINING). */
void sig_end_start(struct sig *s, struct sig_call *c, enum sig_after after);

/* Our BYE: the bot's side is over. */
void sig_end_bye(struct sig *s, struct sig_call *c);

/* Tell the bot how a command went (VG_MSG_BOT_RESULT). */
void sig_bot_result(struct sig *s, const struct sig_call *c, unsigned result,
		    unsigned status, unsigned reason);

/* (Re)arm the call's end timer for ms, calling fn. */
void sig_end_timer(struct sig *s, struct sig_call *c, uint32_t ms,
		   void (*fn)(su_root_magic_t *, su_timer_t *, su_timer_arg_t *));

/* A hand-back POST ended (webhook.h's wh_done_h). */
void sig_handback_done(void *arg, uint32_t slot, uint32_t gen, long status,
		       unsigned attempts);

/* What the end holds (timers, memory): freed when the call ends. */
void sig_end_free(struct sig_call *c);

/* sig_refer.c: a transfer by REFER (seeds 002, 003). */

/* The bot asks for a transfer ({"mode", "target", "headers"}). */
void sig_transfer(struct sig *s, struct sig_call *c, const char *json);

/* The bot's audio has played: send the REFER. */
void sig_refer_send(struct sig *s, struct sig_call *c);

/* Final answer to the REFER. */
void sig_refer_answered(struct sig *s, struct sig_call *c, int status);

/* A NOTIFY of the REFER's implicit subscription, answered here (nh, the event's). */
void sig_refer_notify(struct sig *s, struct sig_call *c, nua_handle_t *nh, const sip_t *sip,
		      tagi_t tags[]);

#endif
