/*
 * cfg.h: voxgate's configuration, loaded from a libconfig file.
 *
 * cfg_load() reads the file, rejects unknown keys, wrong types and bad values with
 * "file:line: what is wrong", and fills a struct cfg that the rest of the program
 * reads (and never writes) from then on. Every key is documented in config/README.md
 * and in the default config/voxgate.conf. Called once, by the main thread, at boot;
 * the struct owns its memory until cfg_free().
 */
#ifndef VG_CFG_H
#define VG_CFG_H

#include <netinet/in.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_NAME_MAX 64
#define CFG_MAX_LISTENERS 8
#define CFG_MAX_TRUNKS 32
#define CFG_MAX_CIDRS 32
#define CFG_MAX_AGENTS 64
#define CFG_MAX_ROUTES 64
#define CFG_MAX_OUTBOUND 16
#define CFG_MAX_EAL_ARGS 64
#define CFG_MAX_MEDIA_ADDRS 16 /* dataplane.address and extra_addresses (CS_MAX_ADDRS) */

/* An IPv4 or IPv6 prefix. */
struct cfg_cidr {
	int family;        /* AF_INET or AF_INET6 */
	uint8_t addr[16];  /* network order; IPv4 in the first 4 bytes */
	uint8_t prefix;    /* prefix length in bits */
};

enum cfg_transport { CFG_TP_UDP = 0, CFG_TP_TCP = 1, CFG_TP_TLS = 2 };

struct cfg_listener {
	enum cfg_transport transport;
	char address[CFG_NAME_MAX]; /* IPv4 or IPv6 literal */
	uint16_t port;
	char tls_dir[256];          /* TLS: folder with agent.pem and cafile.pem */
	bool tls_verify_client;     /* TLS: require a client certificate signed by a CA
				     * in cafile.pem */
};

/* Codec identifiers in a trunk's preference list. */
enum cfg_codec { CFG_CODEC_PCMA = 0, CFG_CODEC_PCMU = 1 };

/* What a trunk does with SRTP (RFC 3711 with SDES keys, RFC 4568). */
enum cfg_srtp {
	CFG_SRTP_OPTIONAL = 0, /* SRTP when offered (RTP/SAVP), else plain RTP */
	CFG_SRTP_REQUIRED = 1, /* a plain RTP/AVP offer gets 488 */
	CFG_SRTP_REFUSED = 2,  /* an RTP/SAVP-only offer gets 488 */
};

#define CFG_MAX_EXTRACT 8
#define CFG_MAX_EXTRACT_KEYS 4

/* Take parts of a context field (e.g. from_display_name) into context keys: the
 * regex's capture groups, in order, become keys[0..n_keys). */
struct cfg_extract {
	char field[CFG_NAME_MAX];
	char pattern[256];
	regex_t re;
	char keys[CFG_MAX_EXTRACT_KEYS][CFG_NAME_MAX];
	unsigned n_keys;
};

#define CFG_MAX_REQUIRE 4

/* A header every INVITE of the trunk must carry, with exactly this value. */
struct cfg_require {
	char header[CFG_NAME_MAX];
	char value[256];
};

/* How a trunk's platform expects the bot's side of a call to end (seeds 000, 001). */
enum cfg_end_mode {
	CFG_END_BYE = 0,         /* voxgate sends BYE */
	CFG_END_INFO_FINAL = 1,  /* updates as SIP INFO (JSON); after the final one the
				  * platform sends BYE (RingCX) */
	CFG_END_HTTP_NOTIFY = 2, /* an HTTP POST to the platform, which then sends BYE
				  * (Ameyo) */
};

#define CFG_MAX_HTTP_HEADERS 8

/* An HTTP request voxgate makes (the hand-back notification). Strings owned. */
struct cfg_http {
	char url[512];
	char *headers[CFG_MAX_HTTP_HEADERS]; /* "Name: value"; values are never logged */
	unsigned n_headers;
	char *body;           /* JSON template (base/tmpl.h) */
	uint32_t timeout_ms;  /* one attempt */
	uint32_t retries;     /* attempts after the first, on a refusal or no answer */
};

/* Call status webhooks (a trunk's or an agent's `status`): which events go. */
enum cfg_status_event {
	CFG_EV_INITIATED = 1, /* the call took a slot (inbound) or its INVITE left */
	CFG_EV_RINGING = 2,   /* 180 sent (inbound) or received (placed) */
	CFG_EV_ANSWERED = 4,
	CFG_EV_COMPLETED = 8, /* ended, whatever the outcome */
	CFG_EV_ALL = 15
};

enum cfg_status_format { CFG_STATUS_FORM = 0, CFG_STATUS_JSON = 1 };

struct cfg_status {
	struct cfg_http http; /* url "": no webhook; body unused */
	uint8_t format;       /* enum cfg_status_format */
	uint8_t events;       /* CFG_EV_* bits */
};

/* Transfers of the trunk's calls (seeds 002, 003). */
enum cfg_transfer_mode { CFG_XFER_REFER = 0 };

struct cfg_transfer {
	bool refer;                 /* REFER may be sent to the trunk's platform */
	uint8_t mode;               /* what a Twilio <Dial> becomes (enum
				     * cfg_transfer_mode) */
	char domain[128];           /* a number target becomes sip:NUMBER@domain; "": the
				     * caller's address */
	bool uri_headers;           /* the bot's X- headers also as URI headers of
				     * Refer-To (copied by the platform into its INVITE) */
	uint32_t notify_timeout_ms; /* no final NOTIFY by then: the transfer failed */
	uint32_t bye_ms;            /* after a 2xx NOTIFY, BYE unless the platform's came */
};

struct cfg_trunk {
	char name[CFG_NAME_MAX];
	struct cfg_cidr allow[CFG_MAX_CIDRS];
	unsigned n_allow;
	uint8_t codecs[2];  /* enum cfg_codec, most preferred first */
	unsigned n_codecs;
	struct cfg_extract extract[CFG_MAX_EXTRACT];
	unsigned n_extract; /* compiled regexes owned, freed by cfg_free() */
	struct cfg_require require[CFG_MAX_REQUIRE];
	unsigned n_require;
	uint32_t max_calls; /* calls of this trunk at once; 0: only the global limit */
	uint8_t srtp;       /* enum cfg_srtp, for calls over UDP and TCP */
	uint8_t srtp_tls;   /* enum cfg_srtp, for calls over TLS */
	uint8_t end_mode;   /* enum cfg_end_mode */
	uint32_t wait_bye_ms; /* info_final, http_notify: the platform's BYE by then */
	struct cfg_http http; /* http_notify */
	struct cfg_transfer transfer;
	struct cfg_status status;
};

/*
 * An outbound endpoint (signaling.outbound): a proxy or registrar voxgate sends its own
 * requests to, with the credentials its digest challenges are answered with. With
 * `reg` voxgate keeps a registration there (signaling/sig_reg.c). Strings are NUL
 * terminated; the password is never logged.
 */
struct cfg_outbound {
	char name[CFG_NAME_MAX];
	char proxy[256];              /* sip:host[:port][;transport=udp|tcp|tls], sips: */
	char host[128];               /* the proxy's host, as written (no brackets) */
	uint8_t transport;            /* enum cfg_transport, from proxy */
	char user[CFG_NAME_MAX];      /* the address-of-record's user, also our Contact's */
	char domain[128];             /* the address-of-record's host; "": the proxy's */
	char auth_user[CFG_NAME_MAX]; /* the digest username; "": user */
	char password[128];
	bool reg;                     /* REGISTER and keep it refreshed */
	uint32_t expires;             /* seconds asked for in REGISTER */
	uint32_t retry_s;             /* after a failure, the first wait; doubles to 300 s */
	int trunk;                    /* the trunk INVITEs from the proxy are taken on
				       * (its rules; an IP literal proxy joins its
				       * allowlist); -1: none */
	char headers[512];            /* SIP headers on each INVITE ("Name: value", CRLF
				       * between), "" none */
	bool pai;                     /* P-Asserted-Identity with the caller id (RFC 3325) */
};

enum cfg_builtin {
	CFG_BOT_ECHO = 0,
	CFG_BOT_NONE = 1, /* a WebSocket bot (url) */
	CFG_BOT_NULL = 2,
	CFG_BOT_PLAY = 3,
	CFG_BOT_RECORD = 4,
};

/* What becomes of a request from outside every trunk's allowlist. */
enum cfg_unlisted {
	CFG_UNLISTED_DROP = 0, /* dropped by the kernel, unanswered (signaling/srcfilter.h) */
	CFG_UNLISTED_403 = 1,  /* answered 403 Forbidden */
};

/* WebSocket dialects of a bot (bots/bot_ws.c, ws_*.c). */
enum cfg_dialect {
	CFG_DIALECT_TWILIO = 0,
	CFG_DIALECT_RAW = 1,
	CFG_DIALECT_TELNYX = 2,
	CFG_DIALECT_PLIVO = 3,
	CFG_DIALECT_EXOTEL = 4,
	CFG_DIALECT_VONAGE = 5,
};

/* What happens to the call when its bot's socket closes mid-call. */
enum cfg_on_close { CFG_ON_CLOSE_HANGUP = 0, CFG_ON_CLOSE_CONTINUE = 1 };

struct cfg_agent {
	char id[CFG_NAME_MAX];
	enum cfg_builtin builtin;
	uint32_t delay_ms;  /* echo: delay before the caller hears itself */
	uint32_t answer_delay_ms; /* ring (180) this long before answering (200) */
	char file[256];             /* play: the WAV file (8 kHz mono PCM16) */
	bool loop;                  /* play: again from the start at its end */
	char dir[256];              /* record: where the WAV files go */
	char record_dir[256];       /* any bot: record both directions there; "" none */
	/* WebSocket bots (builtin == CFG_BOT_NONE) */
	char url[256];              /* ws://host[:port]/path or wss://... */
	uint8_t dialect;            /* enum cfg_dialect */
	uint32_t sample_rate;       /* raw: PCM16 to and from the bot, 8000 or 16000 */
	uint8_t on_close;           /* enum cfg_on_close */
	uint8_t on_failure_transfer; /* a failed bot: ask signaling to transfer to fallback */
	char fallback[256];         /* where the call goes when its bot fails */
	uint32_t connect_timeout_ms; /* no open socket by then: the call ends */
	char account_sid[40];       /* twilio: start.accountSid; exotel: account_sid;
				     * plivo: accountId */
	/* Built-in bots: end the call after end_after_ms (0: never) with a final update
	 * whose payload is end_update, or the transfer end_transfer, or a hang-up. JSON
	 * objects, owned; NULL when not set. */
	uint32_t end_after_ms;
	char *end_update;
	char *end_transfer;
	struct cfg_status status; /* its calls' status webhook, before the trunk's */
};

/* A route: when the Request-URI user part (or, with header set, that header's
 * value) matches pattern, the call goes to agent. */
struct cfg_route {
	char header[CFG_NAME_MAX]; /* "" for the Request-URI user part */
	char pattern[256];
	regex_t re;
	unsigned agent;     /* index in cfg.bots.agents */
};

struct cfg {
	char path[256];
	int log_level;

	/* EAL arguments (argv[0] not included); owned strings. */
	char *eal_args[CFG_MAX_EAL_ARGS];
	unsigned n_eal_args;

	struct {
		char port[CFG_NAME_MAX];  /* DPDK device name: vdev name or PCI address */
		/* media IPv4 addresses, network order: [0] dataplane.address, then
		 * dataplane.extra_addresses; each has the whole rtp_ports range */
		uint32_t addrs[CFG_MAX_MEDIA_ADDRS];
		unsigned n_addrs;
		uint8_t prefix;           /* on-link prefix length */
		uint32_t gateway;         /* next hop for off-link peers, 0 if none */
		uint16_t rtp_min, rtp_max;
		uint32_t max_calls;
		uint32_t burst;
		uint32_t mbufs;
		uint32_t rx_desc, tx_desc;
		uint32_t playout_ms;
		uint32_t reorder_window;  /* packets that may wait for a missing one */
		uint32_t rtp_timeout_ms;  /* no RTP this long ends the call; 0: never */
		uint32_t idle_sleep_us;   /* sleep when a loop found nothing; 0: poll */
		bool rtp_latch;
	} dp;

	struct {
		struct cfg_listener listeners[CFG_MAX_LISTENERS];
		unsigned n_listeners;
		char user_agent[CFG_NAME_MAX];
		struct cfg_trunk trunks[CFG_MAX_TRUNKS];
		unsigned n_trunks;
		struct cfg_route routes[CFG_MAX_ROUTES];
		unsigned n_routes;
		struct cfg_outbound outbound[CFG_MAX_OUTBOUND];
		unsigned n_outbound;
		int default_agent;        /* index in bots.agents, -1 for none (404) */
		uint32_t retry_after_s;   /* Retry-After of a 503 at capacity */
		uint32_t stop_grace_s;    /* SIGTERM: calls in progress may last this long */
		uint32_t node_id;         /* in every call sid the API gives: which node */
		/* SIP proxies in front (signaling.proxies): from these sources, the trunk
		 * is the one of the address in source_header, which only they are trusted
		 * to set. n_proxy_allow 0: none. */
		struct cfg_cidr proxy_allow[CFG_MAX_CIDRS];
		unsigned n_proxy_allow;
		char proxy_header[CFG_NAME_MAX];
		/* SIP capture (signaling/capture.c): pcap files and/or HEP3; off when both
		 * pcap and hep are "". */
		struct {
			char pcap[256];    /* file; rotated to .1 .. .(files-1) */
			uint32_t max_mb;   /* one file at most this big */
			uint32_t files;    /* files kept, the current one included */
			char hep[CFG_NAME_MAX + 8]; /* "IPv4:port" of a collector (UDP) */
			uint32_t hep_id;   /* HEP capture agent id */
		} capture;
		uint32_t max_cps;         /* new calls per second; 0: no limit */
		uint32_t max_message;     /* bytes of one SIP message, at most */
		uint32_t idle_ms;         /* TCP/TLS connections idle this long close; 0:
					   * sofia-sip's default */
		uint8_t unlisted_source;  /* enum cfg_unlisted */
		uint32_t min_se;          /* RFC 4028 Min-SE, seconds */
		char cdr_file[256];       /* one JSON line per ended call; "" for none */
	} sig;

	struct {
		uint32_t workers;
		uint32_t ring_ms; /* each call's audio a dp lcore -> bot worker ring holds */
		uint32_t backlog_s; /* a bot's audio a call holds ahead, at most */
		struct cfg_agent agents[CFG_MAX_AGENTS];
		unsigned n_agents;
		/* CA certificates (PEM file) to check wss:// bots with; "": the system's */
		char tls_ca[256];
		/* The HTTP API bots call (bots/bot_api.c); api_port 0: none. */
		char api_address[CFG_NAME_MAX];
		uint32_t api_port;
		char api_token[128]; /* the password of HTTP Basic auth; "": none asked */
	} bots;
};

/*
 * Load and validate path into c. Returns 0, or -EINVAL with a message of the form
 * "file:line: what is wrong" in err (errlen bytes), or -ENOENT/-EIO when the file
 * cannot be read. On error c holds nothing that needs cfg_free().
 */
int cfg_load(struct cfg *c, const char *path, char *err, size_t errlen);

/* Release what cfg_load() allocated. */
void cfg_free(struct cfg *c);

/*
 * Parse "a.b.c.d/n", "x::y/n" or a bare address (full-length prefix) into out.
 * Host bits beyond the prefix are cleared. Returns 0 or -EINVAL.
 */
int cfg_cidr_parse(const char *s, struct cfg_cidr *out);

/* True when addr (family AF_INET: 4 bytes, AF_INET6: 16 bytes) lies in cidr. */
bool cfg_cidr_match(const struct cfg_cidr *cidr, int family, const void *addr);

#endif
