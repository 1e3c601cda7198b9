/*
 * drop.h: why the dataplane drops a packet or a frame (types only).
 *
 * One X-macro list yields the enum, the names exported with the counters, and the
 * per-lcore counter array (struct dp_lcore_stats in dp.h). Every packet or frame the
 * dataplane does not deliver is counted under exactly one of these reasons.
 */
#ifndef VG_DROP_H
#define VG_DROP_H

#define DP_DROP_LIST(X)                                                         \
	X(NONE, "none")                     /* not a drop: delivered */         \
	X(ETH_SHORT, "eth_short")           /* shorter than an Ethernet header */ \
	X(ETH_TYPE, "eth_type")             /* neither ARP nor IPv4 */           \
	X(ARP_BAD, "arp_bad")               /* malformed or not IPv4-over-Ethernet */ \
	X(ARP_NOT_OURS, "arp_not_ours")     /* request for another address */    \
	X(IP_BAD, "ip_bad")                 /* bad version, header or length */  \
	X(IP_FRAGMENT, "ip_fragment")       /* fragments are not reassembled */  \
	X(IP_NOT_OURS, "ip_not_ours")       /* destination is not the media address */ \
	X(IP_PROTO, "ip_proto")             /* neither UDP nor ICMP */           \
	X(ICMP_BAD, "icmp_bad")             /* short or bad checksum */          \
	X(ICMP_TYPE, "icmp_type")           /* not an echo request */            \
	X(UDP_BAD, "udp_bad")               /* bad UDP length */                 \
	X(UDP_PORT, "udp_port")             /* not an RTP/RTCP port of ours */   \
	X(NO_CALL, "no_call")               /* RTP port with no call on this lcore */ \
	X(SRTP_AUTH, "srtp_auth")           /* SRTP/SRTCP tag wrong (RFC 3711 3.3) */ \
	X(SRTP_REPLAY, "srtp_replay")       /* replayed or older than the window (3.3.2) */ \
	X(SRTP_BAD, "srtp_bad")             /* too short, unknown MKI, other SRTP error */ \
	X(RTCP_BAD, "rtcp_bad")             /* RTCP compound malformed (RFC 3550 6.1) */ \
	X(RTP_SHORT, "rtp_short")           /* under 12 bytes (RFC 3550 5.1) */  \
	X(RTP_VERSION, "rtp_version")       /* version is not 2 */               \
	X(RTP_CSRC, "rtp_csrc")             /* CSRC list runs past the packet */ \
	X(RTP_EXT, "rtp_ext")               /* header extension runs past the packet */ \
	X(RTP_PADDING, "rtp_padding")       /* padding count 0 or past the payload */ \
	X(RTP_PT, "rtp_pt")                 /* payload type not negotiated */    \
	X(RTP_EVENT_BAD, "rtp_event_bad")   /* telephone-event shorter than 4 bytes */ \
	X(RTP_DUPLICATE, "rtp_duplicate")   /* sequence number already delivered */ \
	X(RTP_LATE, "rtp_late")             /* arrived after its gap was filled */ \
	X(RTP_SIZE, "rtp_size")             /* payload is not one 20 ms frame */ \
	X(RTP_SOURCE, "rtp_source")         /* not from the peer's latched address */ \
	X(RTP_INACTIVE, "rtp_inactive")     /* media direction says not to receive */ \
	X(BOT_RING_FULL, "bot_ring_full")   /* frame ring to the bot worker full */ \
	X(PLAYOUT_FULL, "playout_full")     /* bot frame: playout queue full */ \
	X(STALE_FRAME, "stale_frame")       /* bot frame for a call that is gone */ \
	X(MARKS_FULL, "marks_full")         /* bot mark given back early: DP_MARKS held */ \
	X(BOT_FRAME_BAD, "bot_frame_bad")   /* bot frame of the wrong kind or size */ \
	X(DTMF_NOT_NEGOTIATED, "dtmf_not_negotiated") /* bot key press, no telephone-event */ \
	X(DTMF_QUEUE_FULL, "dtmf_queue_full") /* bot key presses beyond the queue */ \
	X(TX_NO_ARP, "tx_no_arp")           /* peer's MAC not known yet */       \
	X(TX_NO_MBUF, "tx_no_mbuf")         /* mbuf pool empty */                \
	X(TX_SRTP, "tx_srtp")               /* libsrtp2 refused to protect our packet */ \
	X(TX_FULL, "tx_full")               /* NIC TX queue full */ \
	X(FWD_FULL, "fwd_full")             /* ring to the call's own lcore full */ \
	X(RELAY_FULL, "relay_full")         /* bridged frame: the other leg holds DP_RELAY_Q */ \
	X(RELAY_GONE, "relay_gone")         /* bridged frame: the other leg has ended */

enum dp_drop {
#define DP_DROP_ENUM(id, name) DP_DROP_##id,
	DP_DROP_LIST(DP_DROP_ENUM)
#undef DP_DROP_ENUM
	DP_DROP_MAX
};

/* Name of a drop reason, as exported with the counters. */
const char *dp_drop_name(enum dp_drop d);

#endif
