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

#define SIG_POLL_MS 2           /* event rings are drained this often */
#define SIG_EVT_DRAIN_MAX 64    /* events taken from a ring per read */
#define SIG_SHUTDOWN_MS 3000    /* longest wait for BYEs and nua shutdown */
#define SIG_SDP_MAX 2048

enum sig_call_state {
	SC_FREE = 0,
	SC_STARTING,  /* published to dp and bot, waiting for CALL_STARTED */
	SC_ANSWERED,  /* 200 OK sent */
	SC_ENDING,    /* STOP sent, waiting for dp and bot to let go */
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
	int stopping;
	int su_ready;
	struct timespec stop_at;
	struct sig_stats st;
	nua_t *cur_nua; /* the nua whose event is being handled (NUTAG_WITH_THIS) */
	int filtered[2 * CFG_MAX_LISTENERS]; /* listener sockets with the allowlist filter */
	unsigned n_filtered;
};

static inline double sig_elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
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

#endif
