/*
 * dp_rx.c: the receive path of a dp lcore.
 *
 * A packet is a straight sequence of small steps over one struct dp_pkt: eth -> ipv4
 * -> udp -> call -> (srtp) -> rtp or rtcp -> emit; each step returns DP_DROP_NONE or
 * the reason the packet is dropped, and dp_input() counts that reason once. ARP and
 * ICMP echo are answered on the way. With several lcores, what one lcore learned
 * from ARP is told to the others, and packets of another lcore's calls are handed to
 * it over rings (when no flow rule put them on its queue).
 */
#include "dataplane/dp-int.h"

/* ---- receive path: one step per layer ---- */

/* Tell the other lcores who sent this ARP packet, so every lcore's cache knows the
 * peers (each lcore sends to its own calls' peers). */
static void dp_arp_tell(struct dp_lcore *lc, const struct dp_pkt *p)
{
	const struct rte_arp_hdr *arp = (const struct rte_arp_hdr *)(p->eth + 1);
	const struct net_if *nif = &lc->dp->nif;
	struct dp_arp_learn l = {0};

	if (p->len < RTE_ETHER_HDR_LEN + sizeof(*arp) || arp->arp_data.arp_sip == 0 ||
	    ((arp->arp_data.arp_sip ^ nif->ip) & nif->mask) != 0)
		return;
	l.ip = arp->arp_data.arp_sip;
	l.mac = arp->arp_data.arp_sha;
	for (unsigned j = 0; j < lc->dp->n_lcores; j++)
		if (j != lc->idx)
			rte_ring_mp_enqueue_elem(lc->dp->arp_in[j], &l, sizeof(l));
}

void dp_arp_learn_poll(struct dp_lcore *lc)
{
	struct dp_arp_learn l;

	while (rte_ring_sc_dequeue_elem(lc->arp_in, &l, sizeof(l)) == 0)
		net_arp_learn(&lc->arp, l.ip, &l.mac);
}

enum dp_drop dp_step_eth(struct dp_lcore *lc, struct dp_pkt *p)
{
	bool reply;
	enum dp_drop d;

	if (p->len < RTE_ETHER_HDR_LEN)
		return DP_DROP_ETH_SHORT;
	p->eth = (struct rte_ether_hdr *)p->data;
	if (p->eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return DP_DROP_NONE;
	if (p->eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
		return DP_DROP_ETH_TYPE;
	if (lc->dp->n_lcores > 1)
		dp_arp_tell(lc, p);
	d = net_arp_input(&lc->arp, &lc->dp->nif, p->m, &reply);
	if (d == DP_DROP_NONE && reply) {
		lc->st->arp_replies++;
		dp_tx_add(lc, p->m);
		p->m = NULL; /* sent */
	}
	return d;
}

enum dp_drop dp_step_ipv4(struct dp_lcore *lc, struct dp_pkt *p)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p->eth + 1);
	uint32_t avail = p->len - RTE_ETHER_HDR_LEN, ihl;
	enum dp_drop d;
	int addr;

	if (avail < sizeof(*ip) || (ip->version_ihl >> 4) != 4)
		return DP_DROP_IP_BAD;
	ihl = (ip->version_ihl & 0x0f) * 4u;
	p->ip_len = rte_be_to_cpu_16(ip->total_length);
	if (ihl < 20 || p->ip_len < ihl || p->ip_len > avail)
		return DP_DROP_IP_BAD;
	addr = cs_addr_index(lc->dp->calls, ip->dst_addr);
	if (addr < 0)
		return DP_DROP_IP_NOT_OURS;
	p->addr = (unsigned)addr;
	if (ip->fragment_offset &
	    rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return DP_DROP_IP_FRAGMENT;
	p->ip = ip;
	if (ip->next_proto_id == IPPROTO_UDP) {
		p->l4 = (uint8_t *)ip + ihl;
		p->l4_len = p->ip_len - ihl;
		return DP_DROP_NONE;
	}
	if (ip->next_proto_id != IPPROTO_ICMP)
		return DP_DROP_IP_PROTO;
	d = net_icmp_echo(p->m, RTE_ETHER_HDR_LEN, p->ip_len);
	if (d == DP_DROP_NONE) {
		lc->st->icmp_replies++;
		rte_pktmbuf_trim(p->m, (uint16_t)(avail - p->ip_len)); /* Ethernet padding */
		dp_tx_add(lc, p->m);
		p->m = NULL;
		return DP_DROP_NONE;
	}
	return d;
}

enum dp_drop dp_step_udp(struct dp_lcore *lc, struct dp_pkt *p)
{
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)p->l4;
	uint32_t ulen;
	int64_t slot;

	if (p->l4_len < sizeof(*udp))
		return DP_DROP_UDP_BAD;
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (ulen < sizeof(*udp) || ulen > p->l4_len)
		return DP_DROP_UDP_BAD;
	p->dport = rte_be_to_cpu_16(udp->dst_port);
	p->sport = rte_be_to_cpu_16(udp->src_port);
	slot = cs_port_slot(lc->dp->calls, p->addr, p->dport);
	if (slot < 0)
		return DP_DROP_UDP_PORT;
	p->slot = (uint32_t)slot;
	p->l4 += sizeof(*udp);
	p->l4_len = ulen - sizeof(*udp);
	return DP_DROP_NONE;
}

enum dp_drop dp_step_call(struct dp_lcore *lc, struct dp_pkt *p)
{
	struct dp_call *c = &lc->dp->call[p->slot];

	if (cs_slot_lcore(p->slot, lc->dp->n_lcores) != lc->idx || !c->active)
		return DP_DROP_NO_CALL;
	p->c = c;
	p->rtcp = p->dport & 1;
	if (p->rtcp)
		return DP_DROP_NONE;
	cs_slot(lc->dp->calls, p->slot)->dp.rx_packets++;
	cs_slot(lc->dp->calls, p->slot)->dp.rx_bytes += p->l4_len;
	return DP_DROP_NONE;
}

/* RTCP from the caller (RFC 3550 6.4): what it says about our stream, and the time
 * of its SR for our next report block. Its source is where our RTCP goes. */
enum dp_drop dp_step_rtcp(struct dp_lcore *lc, struct dp_pkt *p)
{
	struct dp_call *c = p->c;
	struct cs_dp_stats *st = &cs_slot(lc->dp->calls, p->slot)->dp;
	uint64_t ntp = dp_ntp(lc->dp, p->now);
	struct rtcp_report rep;
	enum dp_drop d = rtcp_parse(p->l4, p->l4_len, c->ssrc, &rep);

	if (d != DP_DROP_NONE)
		return d;
	if (!c->rtcp_latched) {
		c->rtcp_ip = p->ip->src_addr;
		c->rtcp_port = p->sport;
		c->rtcp_latched = 1;
	}
	if (rep.has_sr) {
		c->rtcp.peer_sr_ntp_mid = rep.sr_ntp_mid;
		c->rtcp.peer_sr_arrival_ntp = ntp;
	}
	if (rep.has_block) {
		st->peer_lost = rep.cumulative_lost;
		st->peer_jitter_ms = rep.jitter / 8;
		if (rep.lsr)
			st->rtt_ms = rtcp_rtt_ms(ntp, rep.lsr, rep.dlsr);
	}
	st->rtcp_rx++;
	lc->st->rtcp_rx++;
	return DP_DROP_NONE;
}

enum dp_drop dp_step_rtp(struct dp_lcore *lc, struct dp_pkt *p)
{
	struct dp_call *c = p->c;
	enum dp_drop d = rtp_parse(p->l4, p->l4_len, &p->rtp);
	uint32_t src = p->ip->src_addr;

	if (d != DP_DROP_NONE)
		return d;
	if (p->rtp.pt == c->dtmf_pt)
		p->event = true;
	else if (p->rtp.pt != c->pt)
		return DP_DROP_RTP_PT;
	else if (p->rtp.payload_len != DP_PAYLOAD)
		return DP_DROP_RTP_SIZE;

	/* Symmetric RTP (RFC 4961): the first valid packet fixes the peer's address
	 * when the SDP one is hidden behind NAT; later packets must come from it. */
	if (!c->latched) {
		if (lc->dp->cfg->dp.rtp_latch || src == c->remote_ip) {
			struct cs_dp_stats *st = &cs_slot(lc->dp->calls, p->slot)->dp;

			c->remote_ip = src;
			c->remote_port = p->sport;
			c->remote_mac = p->eth->src_addr;
			c->mac_known = 1;
			c->latched = 1;
			st->latched_ip = src;
			st->latched_port = p->sport;
		}
	} else if (src != c->remote_ip || p->sport != c->remote_port) {
		return DP_DROP_RTP_SOURCE;
	}
	if (c->dir == CS_DIR_SENDONLY || c->dir == CS_DIR_INACTIVE)
		return DP_DROP_RTP_INACTIVE;
	c->last_rx_tsc = p->now;
	return DP_DROP_NONE;
}

/* Hand the packet to the call's reorder window (audio) or DTMF detector (events). */
enum dp_drop dp_step_emit(struct dp_lcore *lc, struct dp_pkt *p)
{
	struct dp_call *c = p->c;
	struct dp_emit_ctx x = {.lc = lc, .c = c, .slot = p->slot, .tsc = p->now};
	uint64_t ssrc_changes = c->jb.st.ssrc_changes, reordered = c->jb.st.reordered;
	enum jb_verdict v;

	if (p->event) {
		struct dtmf_event ev[2];
		int n = dtmf_rx_put(&c->dtmf, p->rtp.ts, p->rtp.payload, p->rtp.payload_len,
				    dp_ms(lc), ev);

		if (n < 0)
			return DP_DROP_RTP_EVENT_BAD;
		for (int i = 0; i < n; i++)
			dp_dtmf_emit(lc, p->slot, c, &ev[i], p->now);
		return DP_DROP_NONE;
	}
	rtcp_rx_packet(&c->rtcp, p->rtp.ssrc, p->rtp.seq, p->rtp.ts,
		       dp_ts_units(lc->dp, p->now));
	v = jb_put(&c->jb, p->rtp.ssrc, p->rtp.seq, p->rtp.payload, dp_ms(lc), dp_jb_emit, &x);
	lc->st->ssrc_changes += c->jb.st.ssrc_changes - ssrc_changes;
	lc->st->rx_reordered += c->jb.st.reordered - reordered;
	if (v == JB_DUPLICATE)
		return DP_DROP_RTP_DUPLICATE;
	if (v == JB_LATE)
		return DP_DROP_RTP_LATE;
	return DP_DROP_NONE;
}

void dp_input(struct dp_lcore *lc, struct rte_mbuf *m, uint64_t now)
{
	struct dp_pkt p = {.m = m, .now = now};
	enum dp_drop d;

	p.data = rte_pktmbuf_mtod(m, uint8_t *);
	p.len = rte_pktmbuf_data_len(m);
	lc->st->rx_packets++;

	d = dp_step_eth(lc, &p);
	if (d == DP_DROP_NONE && p.m && p.eth->ether_type ==
	    rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		d = dp_step_ipv4(lc, &p);
	if (d == DP_DROP_NONE && p.m && p.ip)
		d = dp_step_udp(lc, &p);
	if (d == DP_DROP_NONE && p.m && p.ip)
		d = dp_step_call(lc, &p);
	if (d == DP_DROP_NONE && p.c && p.c->srtp.rx)
		d = srtp_call_unprotect(&p.c->srtp, p.l4, &p.l4_len, p.rtcp);
	if (d == DP_DROP_NONE && p.c && p.rtcp)
		d = dp_step_rtcp(lc, &p);
	else if (d == DP_DROP_NONE && p.c)
		d = dp_step_rtp(lc, &p);
	if (d == DP_DROP_NONE && p.c && !p.rtcp)
		d = dp_step_emit(lc, &p);
	if (d != DP_DROP_NONE) {
		dp_count(lc, d);
		if (p.c)
			cs_slot(lc->dp->calls, p.slot)->dp.rx_dropped++;
	}
	if (p.m)
		rte_pktmbuf_free(p.m);
}

void dp_fwd_flush(struct dp_lcore *lc)
{
	for (unsigned j = 0; j < lc->dp->n_lcores; j++) {
		unsigned n = lc->n_fwd[j], sent;

		if (n == 0)
			continue;
		sent = rte_ring_sp_enqueue_burst(lc->fwd_out[j], (void **)lc->fwd[j], n, NULL);
		lc->st->fwd_out += sent;
		if (sent < n) {
			lc->st->drops[DP_DROP_FWD_FULL] += n - sent;
			rte_pktmbuf_free_bulk(&lc->fwd[j][sent], n - sent);
		}
		lc->n_fwd[j] = 0;
	}
}

/* Packets of this lcore's calls that other lcores received. */
unsigned dp_fwd_poll(struct dp_lcore *lc, uint64_t now)
{
	struct rte_mbuf *pkts[DP_BURST_MAX];
	unsigned total = 0;

	for (unsigned j = 0; j < lc->dp->n_lcores; j++) {
		unsigned n;

		if (j == lc->idx)
			continue;
		n = rte_ring_sc_dequeue_burst(lc->fwd_in[j], (void **)pkts, lc->dp->burst, NULL);
		for (unsigned i = 0; i < n; i++)
			dp_input(lc, pkts[i], now);
		lc->st->fwd_in += n;
		total += n;
	}
	return total;
}
