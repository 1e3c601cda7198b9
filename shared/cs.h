/*
 * cs.h: the shared call table.
 *
 * The call table is an array of fixed call slots in one rte_memzone (or plain memory
 * in unit tests). Signaling owns slot allocation: it takes a free slot, bumps its
 * generation, writes the media parameters and then publishes the slot on the control
 * ring of the dp lcore that owns its RTP port. After publishing, the media block is
 * read-only until the dp lcore has answered VG_MSG_CALL_STOPPED and the bot worker
 * VG_MSG_BOT_STOPPED; only then does signaling return the slot to the free list.
 *
 * The media addresses share one range of per_addr RTP ports: slot i owns, on address
 * i / per_addr, the RTP port rtp_port_base + 2 * (i % per_addr) (and RTCP on the next
 * odd port), so the slot allocator is also the address and port allocator. One
 * address holds at most 32,255 calls (RTP and RTCP on ports 1024-65535); more calls
 * take more addresses. Free slots are reused in FIFO order, which keeps a port unused
 * for as long as possible before it is handed out again.
 *
 * Each field says its single writer. Fields of different writers sit on different
 * cache lines. The free list (struct cs_pool) is signaling's private memory.
 *
 * After the slots, the table holds each call's context: one NUL-terminated JSON
 * document of at most CS_CTX_MAX bytes (the INVITE's headers and what was read from
 * them, see signaling/ctx.h). W: signaling before publish; RO after (bot workers).
 *
 * After the contexts, each call's bot command mailbox: one command of the bot for
 * signaling (struct cs_cmd). W: the call's bot worker, before VG_MSG_BOT_CMD; RO for
 * signaling until it answers VG_MSG_BOT_CMD_DONE, after which the worker may write
 * the next one. Then the HTTP API's mailboxes (cs_api_cmd()).
 */
#ifndef VG_CS_H
#define VG_CS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CS_CACHE_LINE 64
#define CS_MEMZONE_NAME "vg_calls"
#define CS_NO_PT 0xff
#define CS_CTX_MAX 8192
#define CS_CMD_MAX 2048
#define CS_MAX_ADDRS 16 /* media addresses */

/* G.711 law of a call. */
enum cs_law { CS_LAW_PCMU = 0, CS_LAW_PCMA = 1 };

/* What the call sends and receives (the answer's direction attribute). */
enum cs_dir {
	CS_DIR_SENDRECV = 0,
	CS_DIR_SENDONLY = 1, /* voxgate sends, does not expect media */
	CS_DIR_RECVONLY = 2, /* voxgate receives, sends nothing */
	CS_DIR_INACTIVE = 3,
};

/* SRTP crypto suite of a call (RFC 4568 6.2, RFC 6188, RFC 7714 12). */
enum cs_srtp_suite {
	CS_SRTP_NONE = 0, /* plain RTP */
	CS_SRTP_AES_CM_128_HMAC_SHA1_80,
	CS_SRTP_AES_CM_128_HMAC_SHA1_32,
	CS_SRTP_AES_256_CM_HMAC_SHA1_80,
	CS_SRTP_AEAD_AES_128_GCM,
	CS_SRTP_SUITES
};

#define CS_SRTP_KEY_MAX 46 /* master key || master salt, AES-256: 32 + 14 */
#define CS_SRTP_MKI_MAX 4  /* MKI bytes voxgate takes in the caller's packets */

/* SRTP keys of a call (SDES, RFC 4568). Key material: never logged; signaling wipes
 * it when the slot is freed, the dp lcore keeps it only inside libsrtp2's contexts,
 * which wipe it when the call ends. */
struct cs_srtp {
	uint8_t suite;                    /* enum cs_srtp_suite */
	uint8_t rekey;                    /* in `update`: CS_REKEY_* bits to apply */
	uint8_t rx_mki_len;               /* MKI bytes in the caller's packets, 0: none */
	uint8_t rx_mki[CS_SRTP_MKI_MAX];  /* its value, big-endian */
	uint8_t rx_key[CS_SRTP_KEY_MAX];  /* caller's master key || salt (its a=crypto) */
	uint8_t tx_key[CS_SRTP_KEY_MAX];  /* ours (our a=crypto) */
};

/* Bytes of master key || master salt of a suite, 0 for none. */
static inline unsigned cs_srtp_key_len(unsigned suite)
{
	static const unsigned char len[CS_SRTP_SUITES] = {
		[CS_SRTP_AES_CM_128_HMAC_SHA1_80] = 30, [CS_SRTP_AES_CM_128_HMAC_SHA1_32] = 30,
		[CS_SRTP_AES_256_CM_HMAC_SHA1_80] = 46, [CS_SRTP_AEAD_AES_128_GCM] = 28};

	return suite < CS_SRTP_SUITES ? len[suite] : 0;
}

#define CS_REKEY_RX 1 /* the caller offered a new key or suite */
#define CS_REKEY_TX 2 /* voxgate answered with a new key or suite */

/* Media parameters of a call. W: signaling, before publish; RO after publish. */
struct cs_media {
	uint32_t remote_ip;   /* IPv4 from the SDP offer, network order */
	uint32_t local_ip;    /* our media address of the slot, network order */
	uint16_t remote_port; /* RTP port from the SDP offer, host order */
	uint16_t rtp_port;    /* local RTP port, host order (even) */
	uint8_t law;          /* enum cs_law */
	uint8_t pt;           /* RTP payload type of the audio codec */
	uint8_t dtmf_pt;      /* telephone-event payload type, CS_NO_PT if none */
	uint8_t dir;          /* enum cs_dir */
	uint16_t lcore;       /* dp lcore index that owns the call */
	uint16_t worker;      /* bot worker index that owns the bot session */
	uint16_t agent;       /* agent (bot) index in the configuration */
	uint16_t ptime_ms;    /* packet time, 20 */
	char call_id[96];     /* SIP Call-ID, for logs and CDRs (truncated) */
	struct cs_srtp srtp;  /* suite CS_SRTP_NONE: plain RTP */
};

/* Counters of a call kept by its dp lcore. W: dp lcore; read by anyone. */
struct cs_dp_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t rx_dropped;   /* packets of this call dropped for any reason */
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t tx_silence;   /* packets sent with silence (no bot audio queued) */
	uint64_t playout_full; /* bot frames dropped: playout queue full */
	/* The bot's audio frames that have left the playout queue (played, cleared or
	 * dropped) since the lcore took the call: generation << 32 | count, one store,
	 * so that the call's bot worker knows how much it holds (bots/bot.c). */
	uint64_t bot_done;
	uint32_t latched_ip;   /* peer address learned from its RTP, network order */
	uint16_t latched_port;
	uint16_t pad;
	/* RTCP figures (RFC 3550 6.4), updated with every RTCP sent or received */
	int32_t rx_lost;       /* caller's packets lost, as voxgate counts them */
	uint32_t rx_jitter_ms; /* interarrival jitter of the caller's stream */
	int32_t peer_lost;     /* voxgate's packets lost, as the caller reports */
	uint32_t peer_jitter_ms;
	int32_t rtt_ms;        /* -1 until a report block with LSR came back */
	uint32_t rtcp_rx;      /* RTCP packets received */
	uint32_t rtcp_tx;      /* SRs sent */
};

/* Where a call stands, as operators see it (struct cs_info). */
enum cs_state {
	CS_STATE_FREE = 0,
	CS_STATE_SETUP,    /* taken, not yet answered (inbound: media and bot starting) */
	CS_STATE_ANSWERED,
	CS_STATE_ENDING,   /* dp lcore and bot worker letting go */
	CS_STATE_DIALING,  /* a call voxgate places, waiting for the callee */
};

/* Where the call's bot stands. */
enum cs_bot_state {
	CS_BOT_STARTING = 0, /* its session is opening */
	CS_BOT_READY,        /* it takes the call's audio */
	CS_BOT_GONE,         /* it ended its side, or failed */
	CS_BOT_LEFT,         /* its session was stopped: the call is bridged */
};

#define CS_INFO_NUMBER_MAX 40
#define CS_NO_TRUNK 0xffff

/* What operators see of a call (the HTTP API's call list, app/ops.c). W: signaling
 * while the slot is in use; state is written last when the call is taken and first
 * (CS_STATE_FREE) when it is freed. A reader copies it, then checks that the slot's
 * generation did not change meanwhile. */
struct cs_info {
	int64_t start_ms;   /* CLOCK_REALTIME of the INVITE, ms */
	int64_t answer_ms;  /* CLOCK_REALTIME of the answer, ms; 0: not answered */
	uint16_t trunk;     /* index in the trunks; CS_NO_TRUNK: none */
	uint8_t state;      /* enum cs_state */
	uint8_t outbound;   /* voxgate placed the call */
	uint8_t bot;        /* enum cs_bot_state */
	uint8_t pad[3];
	char from[CS_INFO_NUMBER_MAX]; /* caller's number (From user), truncated */
	char to[CS_INFO_NUMBER_MAX];   /* called number (Request-URI user), truncated */
};

struct cs_slot {
	/* Cache line 0..3: W: signaling. gen is bumped when the slot is taken. */
	uint32_t gen;          /* W: signaling */
	uint32_t in_use;       /* W: signaling; 1 between alloc and free */
	struct cs_media media; /* W: signaling before publish, RO after */
	/* New media from a re-INVITE. W: signaling before VG_MSG_CALL_UPDATE, RO until
	 * the dp lcore answers VG_MSG_CALL_UPDATED (one update in flight at a time). */
	struct cs_media update;
	struct cs_info info;   /* W: signaling */
	/* W: dp lcore */
	struct cs_dp_stats dp __attribute__((aligned(CS_CACHE_LINE)));
} __attribute__((aligned(CS_CACHE_LINE)));

/* The table header, followed by n_slots slots. W: whoever creates it, RO after. */
struct cs_table {
	uint32_t magic;
	uint32_t n_slots;
	uint16_t rtp_port_base; /* port of slot 0 (even) */
	uint16_t n_addrs;       /* media addresses, 1 .. CS_MAX_ADDRS */
	uint32_t per_addr;      /* slots (port pairs) of one address */
	uint32_t addr[CS_MAX_ADDRS]; /* media addresses, network order */
	struct cs_slot slots[] __attribute__((aligned(CS_CACHE_LINE)));
};

/*
 * Bytes needed for a table of n slots (header included).
 */
size_t cs_table_size(uint32_t n);

/*
 * Initialise a table of n slots in mem (cs_table_size(n) bytes, 64-byte aligned) on
 * the n_addrs media addresses addr (network order, distinct), each with per_addr
 * port pairs from rtp_port_base. rtp_port_base must be even, the ports of one
 * address must fit below 65535 and the addresses must hold n slots. Returns 0, or
 * -EINVAL when the parameters do not fit.
 */
int cs_table_init(struct cs_table *t, uint32_t n, uint16_t rtp_port_base, uint32_t per_addr,
		  const uint32_t *addr, unsigned n_addrs);

/* Index in t->addr, media address (network order) and RTP port of slot idx;
 * idx < t->n_slots. */
static inline unsigned cs_slot_addr(const struct cs_table *t, uint32_t idx)
{
	return idx / t->per_addr;
}

static inline uint32_t cs_slot_ip(const struct cs_table *t, uint32_t idx)
{
	return t->addr[cs_slot_addr(t, idx)];
}

static inline uint16_t cs_slot_port(const struct cs_table *t, uint32_t idx)
{
	return (uint16_t)(t->rtp_port_base + 2 * (idx % t->per_addr));
}

/* The call context (JSON text) of slot idx; idx < t->n_slots. */
static inline char *cs_ctx(struct cs_table *t, uint32_t idx)
{
	return (char *)&t->slots[t->n_slots] + (size_t)idx * CS_CTX_MAX;
}

/* A command of the bot for signaling (enum vg_bot_cmd in shared/msg-t.h), as JSON. */
struct cs_cmd {
	uint32_t len;                   /* bytes of json, without its NUL */
	char json[CS_CMD_MAX - 4];      /* NUL-terminated */
};

/* The bot command mailbox of slot idx; idx < t->n_slots. */
static inline struct cs_cmd *cs_cmd(struct cs_table *t, uint32_t idx)
{
	return (struct cs_cmd *)((char *)&t->slots[t->n_slots] +
				 (size_t)t->n_slots * CS_CTX_MAX + (size_t)idx * CS_CMD_MAX);
}

/*
 * The HTTP API's mailboxes: CS_API_CMDS commands for any call (a TwiML transfer, say),
 * after the bot command mailboxes. Mailbox i: W: the bot worker that serves the API
 * (worker 0), before VG_MSG_API_CMD with value i; RO for signaling until it answers
 * VG_MSG_API_CMD_DONE with value i.
 */
#define CS_API_CMDS 16

static inline struct cs_cmd *cs_api_cmd(struct cs_table *t, unsigned i)
{
	return (struct cs_cmd *)((char *)&t->slots[t->n_slots] +
				 (size_t)t->n_slots * (CS_CTX_MAX + CS_CMD_MAX) +
				 (size_t)i * CS_CMD_MAX);
}

/* Slot for an index; the caller has checked idx < t->n_slots. */
static inline struct cs_slot *cs_slot(struct cs_table *t, uint32_t idx)
{
	return &t->slots[idx];
}

/*
 * True when (idx, gen) still names the call the slot holds: idx in range and the
 * slot's current generation equals gen. Any thread may call it; a stale message (the
 * slot was freed and taken again since the message was made) gives false.
 */
static inline bool cs_gen_ok(const struct cs_table *t, uint32_t idx, uint32_t gen)
{
	return idx < t->n_slots &&
	       __atomic_load_n(&t->slots[idx].gen, __ATOMIC_ACQUIRE) == gen;
}

/* Index of a media address (network order) in the table, or -1 when it is not one
 * of ours. */
static inline int cs_addr_index(const struct cs_table *t, uint32_t ip)
{
	for (unsigned a = 0; a < t->n_addrs; a++)
		if (t->addr[a] == ip)
			return (int)a;
	return -1;
}

/* Slot index that owns local UDP port `port` on media address `a` (cs_addr_index()),
 * or -1 when the port is not an RTP/RTCP port of a slot there. */
static inline int64_t cs_port_slot(const struct cs_table *t, unsigned a, uint16_t port)
{
	uint32_t off = (uint32_t)port - t->rtp_port_base, idx;

	if (port < t->rtp_port_base || off / 2 >= t->per_addr)
		return -1;
	idx = a * t->per_addr + off / 2;
	return idx < t->n_slots ? (int64_t)idx : -1;
}

/* The dp lcore that owns a call slot: signaling publishes the call to it and only
 * that lcore writes the slot's dataplane state. */
static inline unsigned cs_slot_lcore(uint32_t slot, unsigned n_lcores)
{
	return slot % n_lcores;
}

/*
 * How a port's flow rules can put every packet of a call on its lcore's queue: slot
 * i has RTP port base + 2 (i % per_addr) (RTCP + 1) and is on lcore i % n, so when n
 * is a power of two, base a multiple of 2n and (with more than one address)
 * per_addr a multiple of n, a call's lcore is bits 1 .. log2(n) of its ports on
 * every address. Sets the UDP destination port value and mask (host order) of lcore
 * `lcore`'s rule: (port & mask) == value for exactly the ports of its slots. Returns
 * 0, or -EINVAL when the ports do not line up.
 */
static inline int cs_steer_rule(const struct cs_table *t, unsigned n_lcores, unsigned lcore,
				uint16_t *value, uint16_t *mask)
{
	if (n_lcores == 0 || n_lcores > 32768 || (n_lcores & (n_lcores - 1)) ||
	    t->rtp_port_base % (2 * n_lcores) || lcore >= n_lcores ||
	    (t->n_addrs > 1 && t->per_addr % n_lcores))
		return -EINVAL;
	*value = (uint16_t)(lcore << 1);
	*mask = (uint16_t)((n_lcores - 1) << 1);
	return 0;
}

/*
 * Free list of slots: signaling's private allocator over a table. FIFO order.
 */
struct cs_pool {
	struct cs_table *table;
	uint32_t *fifo; /* free slot indices, a ring of n_slots entries */
	uint32_t head;  /* next to take */
	uint32_t count; /* free slots */
};

/*
 * Set up a pool with every slot of t free. Returns 0 or -ENOMEM.
 */
int cs_pool_init(struct cs_pool *p, struct cs_table *t);

/* Release the pool's memory (not the table's). */
void cs_pool_fini(struct cs_pool *p);

/*
 * Take the least recently freed slot, bump its generation, clear its media and
 * counters. Returns the slot index (>= 0) and its new generation in *gen, or
 * -ENOSPC when every slot is in use.
 */
int64_t cs_alloc(struct cs_pool *p, uint32_t *gen);

/*
 * cs_alloc() of the least recently freed slot that dp lcore `lcore` (of n_lcores)
 * owns, so that a second leg's media stays on its first leg's lcore. -ENOSPC when
 * that lcore has no free slot.
 */
int64_t cs_alloc_on(struct cs_pool *p, unsigned lcore, unsigned n_lcores, uint32_t *gen);

/*
 * Return slot idx to the free list. The generation is bumped again so that any
 * message still in flight for the old call is recognised as stale. Returns 0, or
 * -EINVAL when idx is out of range or not in use.
 */
int cs_free(struct cs_pool *p, uint32_t idx);

#endif
