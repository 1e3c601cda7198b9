/*
 * net.h: the media address's small IPv4 stack: ARP cache, ARP and ICMP echo
 * answers, and the Ethernet/IPv4/UDP headers of the packets voxgate sends.
 *
 * One struct net_arp per dp lcore, used by that lcore only (no locks). Functions work
 * in place on mbuf data and never allocate; the caller sends or frees the mbuf.
 */
#ifndef VG_NET_H
#define VG_NET_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/drop.h"

#define NET_ARP_ENTRIES 1024 /* power of two */

struct net_arp_entry {
	uint32_t ip;           /* network order; 0 = empty */
	uint8_t known;         /* mac is valid */
	struct rte_ether_addr mac;
	uint64_t asked_tsc;    /* when we last sent a request for ip */
};

#define NET_MAX_ALIASES 15

/* The media interface as the lcore sees it. */
struct net_if {
	struct rte_ether_addr mac; /* our port's MAC */
	uint32_t ip;               /* media address, network order: our ARP requests' */
	uint32_t mask;             /* on-link mask, network order */
	uint32_t gateway;          /* next hop for off-link peers, 0 if none */
	uint32_t alias[NET_MAX_ALIASES]; /* more media addresses on the link */
	unsigned n_alias;
};

/* True when ip (network order) is one of the interface's addresses. */
static inline bool net_is_ours(const struct net_if *nif, uint32_t ip)
{
	if (ip == nif->ip)
		return true;
	for (unsigned i = 0; i < nif->n_alias; i++)
		if (ip == nif->alias[i])
			return true;
	return false;
}

struct net_arp {
	struct net_arp_entry e[NET_ARP_ENTRIES];
	uint64_t retry_tsc; /* least time between two requests for one address */
};

/* Remember ip -> mac (from an ARP packet or a peer's traffic). */
void net_arp_learn(struct net_arp *a, uint32_t ip, const struct rte_ether_addr *mac);

/*
 * MAC of the next hop towards ip, or NULL when unknown. When unknown, sets *ask to
 * the address to send an ARP request for (0 when one was sent less than retry_tsc
 * ago, or when there is no route: an off-link peer and no gateway).
 */
const struct rte_ether_addr *net_arp_lookup(struct net_arp *a, const struct net_if *nif,
					    uint32_t ip, uint64_t now, uint32_t *ask);

/*
 * Handle an ARP packet in m (data starts at the Ethernet header). The sender is
 * learned when it is on-link (RFC 826 merge). A request for one of our addresses
 * becomes the reply, in place: returns DP_DROP_NONE with *reply true, and the caller
 * sends m. A reply addressed to us returns DP_DROP_NONE with *reply false (learned;
 * the caller frees m). Anything else returns the reason to drop it.
 */
enum dp_drop net_arp_input(struct net_arp *a, const struct net_if *nif,
			   struct rte_mbuf *m, bool *reply);

/* Fill m with an ARP request for ip. Returns 0 or -ENOSPC if m has no room. */
int net_arp_request(const struct net_if *nif, struct rte_mbuf *m, uint32_t ip);

/*
 * Turn the ICMP echo request in m (IPv4 header at l3, ip_len bytes of IP datagram)
 * into the echo reply, in place. Returns DP_DROP_NONE or the reason to drop.
 */
enum dp_drop net_icmp_echo(struct rte_mbuf *m, uint32_t l3, uint32_t ip_len);

/*
 * Write Ethernet + IPv4 + UDP headers for a datagram of payload_len bytes from our
 * address src_ip that already sits at offset NET_UDP_HDRS of m, and set the mbuf
 * lengths. The UDP
 * checksum is computed in software unless hw_cksum is set (then the offload flags
 * are set instead).
 */
void net_udp_fill(struct rte_mbuf *m, const struct net_if *nif,
		  const struct rte_ether_addr *dst_mac, uint32_t src_ip, uint32_t dst_ip,
		  uint16_t src_port, uint16_t dst_port, uint16_t payload_len, bool hw_cksum);

#define NET_UDP_HDRS (RTE_ETHER_HDR_LEN + 20 + 8)

#endif
