/*
 * dp_tx.c: the playout timer wheel and the transmit path of a dp lcore.
 *
 * Every call sends one packet per 20 ms. Calls sit in a timer wheel of DP_WHEEL
 * buckets of 250 µs over the 20 ms packet time (the bucket is the call's phase in
 * it), so each tick touches only the calls that are due. A due call first runs its
 * receive-side timers (reorder window, key press ends, RTP timeout, RTCP report),
 * then sends its packet: a telephone-event while a key press plays, else the next
 * bot frame of its playout queue, else silence, which keeps the peer's jitter buffer
 * and NAT bindings fed.
 */
#include "dataplane/dp-int.h"

void dp_tx_flush(struct dp_lcore *lc)
{
	uint16_t sent;

	if (lc->n_tx == 0)
		return;
	sent = rte_eth_tx_burst(lc->dp->port, lc->queue, lc->tx, (uint16_t)lc->n_tx);
	lc->st->tx_packets += sent;
	if (sent < lc->n_tx) {
		lc->st->drops[DP_DROP_TX_FULL] += lc->n_tx - sent;
		rte_pktmbuf_free_bulk(&lc->tx[sent], lc->n_tx - sent);
	}
	lc->n_tx = 0;
}

static void dp_arp_ask(struct dp_lcore *lc, uint32_t ip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->dp->pool);

	if (!m) {
		dp_count(lc, DP_DROP_TX_NO_MBUF);
		return;
	}
	if (net_arp_request(&lc->dp->nif, m, ip) != 0) {
		rte_pktmbuf_free(m);
		return;
	}
	dp_tx_add(lc, m);
}

/* Find the next hop's MAC for the call's peer; asks ARP (at most once a second per
 * address) while unknown. Returns true when c->remote_mac is usable. */
bool dp_resolve(struct dp_lcore *lc, struct dp_call *c, uint64_t now)
{
	const struct rte_ether_addr *mac;
	uint32_t ask;

	if (c->mac_known)
		return true;
	if (c->remote_ip == 0)
		return false;
	mac = net_arp_lookup(&lc->arp, &lc->dp->nif, c->remote_ip, now, &ask);
	if (!mac) {
		if (ask)
			dp_arp_ask(lc, ask);
		return false;
	}
	c->remote_mac = *mac;
	c->mac_known = 1;
	return true;
}

void dp_wheel_add(struct dp_lcore *lc, uint32_t slot, struct dp_call *c)
{
	struct dp_link *link = lc->dp->link;
	uint8_t b = (uint8_t)((lc->tick + 1) % DP_WHEEL);

	c->bucket = b;
	link[slot].prev = DP_NIL;
	link[slot].next = lc->wheel[b];
	if (link[slot].next != DP_NIL)
		link[link[slot].next].prev = slot;
	lc->wheel[b] = slot;
}

void dp_wheel_del(struct dp_lcore *lc, uint32_t slot, const struct dp_call *c)
{
	struct dp_link *link = lc->dp->link, *l = &link[slot];

	if (l->prev != DP_NIL)
		link[l->prev].next = l->next;
	else
		lc->wheel[c->bucket] = l->next;
	if (l->next != DP_NIL)
		link[l->next].prev = l->prev;
	l->next = l->prev = DP_NIL;
}

/* ---- the call's 20 ms tick: receive-side timers, then one packet out ---- */

/* Send our SR (+ report block + CNAME) to the peer's RTCP address: where its RTCP
 * came from, else its RTP port + 1 (RFC 3550 11). */
static void dp_call_sr(struct dp_lcore *lc, uint32_t slot, struct dp_call *c, uint64_t now)
{
	struct dp *dp = lc->dp;
	struct cs_dp_stats *st = &cs_slot(dp->calls, slot)->dp;
	uint64_t ntp = dp_ntp(dp, now);
	struct rtcp_sr_params sp = {
		.ssrc = c->ssrc, .ntp = ntp, .rtp_ts = c->ts,
		.packets = (uint32_t)st->tx_packets,
		.octets = (uint32_t)(st->tx_bytes - RTP_HDR_LEN * st->tx_packets),
		.rx = &c->rtcp, .now_ntp = ntp, .cname = dp->cname};
	uint32_t ip = c->rtcp_latched ? c->rtcp_ip : c->remote_ip;
	uint16_t port = c->rtcp_latched ? c->rtcp_port : (uint16_t)(c->remote_port + 1);
	struct rte_mbuf *m;
	uint8_t *rtcp;
	uint32_t wire;
	int n;

	c->next_sr_ms = dp_ms(lc) + RTCP_INTERVAL_MS / 2 + rte_rand() % RTCP_INTERVAL_MS;
	st->rx_lost = rtcp_rx_lost(&c->rtcp);
	st->rx_jitter_ms = rtcp_rx_jitter(&c->rtcp) / 8;
	if (ip == 0 || c->remote_port == 0 || !dp_resolve(lc, c, now))
		return;
	m = rte_pktmbuf_alloc(dp->pool);
	if (!m) {
		dp_count(lc, DP_DROP_TX_NO_MBUF);
		return;
	}
	rtcp = rte_pktmbuf_mtod_offset(m, uint8_t *, NET_UDP_HDRS);
	n = rtcp_build_sr(rtcp, rte_pktmbuf_tailroom(m) - NET_UDP_HDRS - SRTP_CALL_TRAILER,
			  &sp, &c->rtcp);
	if (n < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	wire = (uint32_t)n;
	/* RFC 3711 3.4: SRTCP when the call is SRTP */
	if (c->srtp.tx && srtp_call_protect(&c->srtp, rtcp, &wire, true) != 0) {
		rte_pktmbuf_free(m);
		dp_count(lc, DP_DROP_TX_SRTP);
		return;
	}
	net_udp_fill(m, &dp->nif, &c->remote_mac, c->local_ip, ip,
		     (uint16_t)(c->local_port + 1), port, (uint16_t)wire, dp->hw_cksum);
	st->rtcp_tx++;
	lc->st->rtcp_tx++;
	dp_tx_add(lc, m);
}

/* Give up on packets and key-press ends that did not come, end a call whose peer
 * stopped sending (signaling sends BYE), and send RTCP when due. */
static void dp_call_rx_timers(struct dp_lcore *lc, uint32_t slot, struct dp_call *c,
			      uint64_t now)
{
	struct dp_emit_ctx x = {.lc = lc, .c = c, .slot = slot, .tsc = now};
	struct dtmf_event ev;

	jb_tick(&c->jb, dp_ms(lc), dp_jb_emit, &x);
	if (dtmf_rx_tick(&c->dtmf, dp_ms(lc), &ev))
		dp_dtmf_emit(lc, slot, c, &ev, now);
	/* signed, so that a time taken later in this loop iteration cannot wrap */
	if (lc->dp->rtp_timeout_tsc && !c->timeout_sent &&
	    (c->dir == CS_DIR_SENDRECV || c->dir == CS_DIR_RECVONLY) &&
	    (int64_t)(now - c->last_rx_tsc) > (int64_t)lc->dp->rtp_timeout_tsc) {
		c->timeout_sent = 1;
		lc->st->rtp_timeouts++;
		dp_event(lc, VG_MSG_RTP_TIMEOUT, slot, c->gen);
	}
	if (dp_ms(lc) >= c->next_sr_ms)
		dp_call_sr(lc, slot, c, now);
}

/* One packet time of the call: a telephone-event packet while a key press plays
 * (RFC 4733 2.5.1), else the next bot frame, else silence. The stream's clock moves
 * on even when nothing may be sent (hold, peer not resolved yet). */
static void dp_call_tx(struct dp_lcore *lc, uint32_t slot, struct dp_call *c, uint64_t now)
{
	struct dp *dp = lc->dp;
	struct cs_dp_stats *st = &cs_slot(dp->calls, slot)->dp;
	const uint8_t *payload = dp->silence[c->law];
	uint16_t len = DP_PAYLOAD;
	uint32_t wire;
	uint8_t pt = c->pt, event[4];
	uint32_t ts = c->ts;
	uint64_t stamp = 0; /* when the bot frame sent now left its worker */
	bool marker = c->marker, silence = false;
	struct rte_mbuf *m;
	uint8_t *rtp;

	if (c->dtmf_pt != CS_NO_PT && dtmf_tx_next(&c->dtmf_tx, c->ts, event, &ts, &marker)) {
		payload = event;
		len = sizeof(event);
		pt = c->dtmf_pt;
		lc->st->dtmf_tx += marker;
	} else if (c->q_count) {
		payload = dp_qentry(dp, slot, c->q_head);
		memcpy(&stamp, payload + DP_PAYLOAD, sizeof(stamp));
		c->q_head = (uint16_t)((c->q_head + 1) % dp->q_cap);
		c->q_count--;
		c->q_out++;
		dp_bot_done(dp, slot, c);
	} else {
		silence = true;
	}
	if (c->n_marks) /* after its audio, or once a key press has played */
		dp_marks_done(lc, slot, c, false);
	c->ts += VG_FRAME_SAMPLES;
	if (c->dir == CS_DIR_RECVONLY || c->dir == CS_DIR_INACTIVE ||
	    c->remote_ip == 0 || c->remote_port == 0)
		return;
	if (!c->mac_known && !dp_resolve(lc, c, now)) {
		dp_count(lc, DP_DROP_TX_NO_ARP);
		return;
	}
	m = rte_pktmbuf_alloc(dp->pool);
	if (!m) {
		dp_count(lc, DP_DROP_TX_NO_MBUF);
		return;
	}
	rtp = rte_pktmbuf_mtod_offset(m, uint8_t *, NET_UDP_HDRS);
	rtp_write_hdr(rtp, pt, marker, c->seq, ts, c->ssrc);
	rte_memcpy(rtp + RTP_HDR_LEN, payload, len);
	if (pt == c->pt)
		c->marker = 0;
	c->seq++;
	wire = RTP_HDR_LEN + len;
	if (c->srtp.tx && srtp_call_protect(&c->srtp, rtp, &wire, false) != 0) {
		rte_pktmbuf_free(m);
		dp_count(lc, DP_DROP_TX_SRTP);
		return;
	}
	net_udp_fill(m, &dp->nif, &c->remote_mac, c->local_ip, c->remote_ip, c->local_port,
		     c->remote_port, (uint16_t)wire, dp->hw_cksum);
	st->tx_packets++;
	st->tx_bytes += RTP_HDR_LEN + len;
	lc->st->tx_rtp++;
	if (silence) {
		st->tx_silence++;
		lc->st->tx_silence++;
	}
	if (stamp)
		lat_add_tsc(&lc->st->bot_to_out, now - stamp, dp->lat_mult);
	dp_tx_add(lc, m);
}

/* The wheel walk's look-ahead: ask for the state (or the queued frame) of call *at,
 * then move *at to the next call of the bucket. */
static inline void dp_walk_call(const struct dp *dp, uint32_t *at)
{
	if (*at != DP_NIL) {
		dp_call_prefetch(dp, *at);
		*at = dp->link[*at].next;
	}
}

static inline void dp_walk_queued(const struct dp *dp, uint32_t *at)
{
	if (*at != DP_NIL) {
		dp_playout_prefetch(dp, *at, false);
		*at = dp->link[*at].next;
	}
}

/* Run the wheel buckets that are due. Catches up at most one packet time; a lcore
 * that was held up longer re-anchors its clock instead of bursting. The walk asks
 * for the state of the call DP_WALK_AHEAD ahead and the queued frame of the one
 * DP_WALK_QUEUED ahead, as l3fwd does for packets: serving a call hides the memory
 * wait of the next ones. The links are an array of their own (dp->link), so looking
 * ahead costs no wait of its own. */
void dp_tick(struct dp_lcore *lc, uint64_t now)
{
	struct dp *dp = lc->dp;

	for (unsigned n = 0; now >= lc->next_tick_tsc && n < DP_WHEEL; n++) {
		uint32_t i = lc->wheel[lc->tick % DP_WHEEL], ahead = i, queued = i;
		uint64_t served = 0;

		for (unsigned k = 0; k < DP_WALK_AHEAD; k++)
			dp_walk_call(dp, &ahead);
		for (unsigned k = 0; k < DP_WALK_QUEUED; k++)
			dp_walk_queued(dp, &queued);
		while (i != DP_NIL) {
			uint32_t next = dp->link[i].next;

			dp_walk_call(dp, &ahead);
			dp_walk_queued(dp, &queued);
			dp_call_rx_timers(lc, i, &dp->call[i], now);
			dp_call_tx(lc, i, &dp->call[i], now);
			i = next;
			/* how late: once per burst of calls served, as their packets leave */
			if (++served == dp->burst || i == DP_NIL) {
				lat_add_tsc_n(&lc->st->due_to_out,
					      rte_rdtsc() - lc->next_tick_tsc, dp->lat_mult, served);
				served = 0;
			}
		}
		lc->tick++;
		lc->next_tick_tsc += dp->tick_tsc;
	}
	if (now >= lc->next_tick_tsc)
		lc->next_tick_tsc = now + dp->tick_tsc;
}
