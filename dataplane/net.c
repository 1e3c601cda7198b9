/*
 * net.c: ARP cache, ARP/ICMP answers and UDP header writing for the media address.
 */
#include "dataplane/net.h"

#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_udp.h>

static inline uint32_t net_arp_hash(uint32_t ip)
{
	return (rte_be_to_cpu_32(ip) * 2654435761u) >> 22; /* 10 bits */
}

/* Entry for ip, or an empty entry to take, or NULL when the probe run is full. */
static struct net_arp_entry *net_arp_slot(struct net_arp *a, uint32_t ip)
{
	uint32_t h = net_arp_hash(ip);

	for (uint32_t i = 0; i < 16; i++) {
		struct net_arp_entry *e = &a->e[(h + i) & (NET_ARP_ENTRIES - 1)];

		if (e->ip == ip || e->ip == 0)
			return e;
	}
	return NULL;
}

void net_arp_learn(struct net_arp *a, uint32_t ip, const struct rte_ether_addr *mac)
{
	struct net_arp_entry *e = net_arp_slot(a, ip);

	if (!e) /* the probe run is full: reuse its first entry */
		e = &a->e[net_arp_hash(ip)];
	e->ip = ip;
	e->mac = *mac;
	e->known = 1;
}

const struct rte_ether_addr *net_arp_lookup(struct net_arp *a, const struct net_if *nif,
					    uint32_t ip, uint64_t now, uint32_t *ask)
{
	uint32_t hop = ((ip ^ nif->ip) & nif->mask) == 0 ? ip : nif->gateway;
	struct net_arp_entry *e;

	*ask = 0;
	if (hop == 0)
		return NULL;
	e = net_arp_slot(a, hop);
	if (!e)
		e = &a->e[net_arp_hash(hop)];
	if (e->ip == hop && e->known)
		return &e->mac;
	if (e->ip != hop) {
		memset(e, 0, sizeof(*e));
		e->ip = hop;
	}
	if (e->asked_tsc == 0 || now - e->asked_tsc >= a->retry_tsc) {
		e->asked_tsc = now;
		*ask = hop;
	}
	return NULL;
}

enum dp_drop net_arp_input(struct net_arp *a, const struct net_if *nif,
			   struct rte_mbuf *m, bool *reply)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp;
	uint32_t sip;

	*reply = false;
	if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(*arp))
		return DP_DROP_ARP_BAD;
	arp = (struct rte_arp_hdr *)(eth + 1);
	if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4)
		return DP_DROP_ARP_BAD;
	sip = arp->arp_data.arp_sip;
	if (sip != 0 && ((sip ^ nif->ip) & nif->mask) == 0)
		net_arp_learn(a, sip, &arp->arp_data.arp_sha);
	if (!net_is_ours(nif, arp->arp_data.arp_tip))
		return DP_DROP_ARP_NOT_OURS;
	if (arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY))
		return DP_DROP_NONE;
	if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST))
		return DP_DROP_ARP_BAD;

	/* RFC 826: swap, fill in our hardware address, answer to the sender. */
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = arp->arp_data.arp_sha;
	arp->arp_data.arp_sip = arp->arp_data.arp_tip; /* the address asked for */
	arp->arp_data.arp_tip = sip;
	arp->arp_data.arp_sha = nif->mac;
	eth->dst_addr = eth->src_addr;
	eth->src_addr = nif->mac;
	*reply = true;
	return DP_DROP_NONE;
}

int net_arp_request(const struct net_if *nif, struct rte_mbuf *m, uint32_t ip)
{
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	uint16_t len = RTE_ETHER_HDR_LEN + sizeof(*arp);

	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, len);
	if (!eth)
		return -ENOSPC;
	arp = (struct rte_arp_hdr *)(eth + 1);
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	eth->src_addr = nif->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = nif->mac;
	arp->arp_data.arp_sip = nif->ip;
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = ip;
	return 0;
}

enum dp_drop net_icmp_echo(struct rte_mbuf *m, uint32_t l3, uint32_t ip_len)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3);
	uint32_t ihl = (ip->version_ihl & 0x0f) * 4u;
	struct rte_icmp_hdr *icmp;
	struct rte_ether_addr mac;
	uint32_t addr, sum;

	if (ip_len < ihl + sizeof(*icmp))
		return DP_DROP_ICMP_BAD;
	icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + ihl);
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0)
		return DP_DROP_ICMP_TYPE;
	if (rte_raw_cksum(icmp, ip_len - ihl) != 0xffff)
		return DP_DROP_ICMP_BAD;

	/* RFC 792: same data back; only the type changes, so patch the checksum
	 * incrementally (RFC 1624) instead of summing the payload again. */
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	sum = (uint32_t)(~rte_be_to_cpu_16(icmp->icmp_cksum) & 0xffff) + 0xf7ff;
	sum = (sum & 0xffff) + (sum >> 16);
	icmp->icmp_cksum = rte_cpu_to_be_16((uint16_t)~sum);

	addr = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = addr;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	mac = eth->src_addr;
	eth->src_addr = eth->dst_addr;
	eth->dst_addr = mac;
	return DP_DROP_NONE;
}

void net_udp_fill(struct rte_mbuf *m, const struct net_if *nif,
		  const struct rte_ether_addr *dst_mac, uint32_t src_ip, uint32_t dst_ip,
		  uint16_t src_port, uint16_t dst_port, uint16_t payload_len, bool hw_cksum)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	eth->dst_addr = *dst_mac;
	eth->src_addr = nif->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0xb8; /* DSCP EF (RFC 3246), as voice expects */
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + payload_len));
	ip->packet_id = 0;
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = src_ip;
	ip->dst_addr = dst_ip;
	ip->hdr_checksum = 0;
	udp->src_port = rte_cpu_to_be_16(src_port);
	udp->dst_port = rte_cpu_to_be_16(dst_port);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + payload_len));
	udp->dgram_cksum = 0;
	m->data_len = m->pkt_len = NET_UDP_HDRS + payload_len;
	if (hw_cksum) {
		m->l2_len = RTE_ETHER_HDR_LEN;
		m->l3_len = 20;
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
			       RTE_MBUF_F_TX_UDP_CKSUM;
		udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	} else {
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	}
}
