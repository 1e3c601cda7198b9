/*
 * dp.c: the dp lcore's loop and the control messages from signaling (see dp.h for
 * the contract, dp-int.h for who owns what and which file holds which phase).
 *
 * Each turn of the loop: the control rings (every DP_CTL_PERIOD_US), an RX burst
 * whose packets go through the receive steps (dp_rx.c) or to the lcore that owns
 * their call, the bot workers' frames (dp_bot.c), the timer wheel's due buckets
 * (dp_tx.c), then the TX burst and the frames staged for the bot workers.
 */
#include "dataplane/dp-int.h"

/* Send an event to signaling; the event ring is sized so that it cannot fill. */
void dp_event_arg(struct dp_lcore *lc, uint16_t type, uint32_t slot, uint32_t gen,
		  uint16_t arg)
{
	struct vg_msg m = {.type = type, .arg = arg, .slot = slot, .gen = gen};

	if (ring_msg_send(lc->evt, &m) != 0)
		lc->st->evt_ring_full++;
}

void dp_event(struct dp_lcore *lc, uint16_t type, uint32_t slot, uint32_t gen)
{
	dp_event_arg(lc, type, slot, gen, 0);
}

/* ---- control ---- */

/* True when a control message names the live generation of a slot this lcore
 * owns; anything else is counted as stale. */
static bool dp_ctl_ours(struct dp_lcore *lc, const struct vg_msg *msg)
{
	if (cs_gen_ok(lc->dp->calls, msg->slot, msg->gen) &&
	    cs_slot_lcore(msg->slot, lc->dp->n_lcores) == lc->idx)
		return true;
	lc->st->ctl_stale++;
	return false;
}

/* The live call a control message names (dp_ctl_ours() and started), or NULL,
 * counted as stale. */
static struct dp_call *dp_ctl_call(struct dp_lcore *lc, const struct vg_msg *msg)
{
	struct dp_call *c;

	if (!dp_ctl_ours(lc, msg))
		return NULL;
	c = &lc->dp->call[msg->slot];
	if (!c->active || c->gen != msg->gen) {
		lc->st->ctl_stale++;
		return NULL;
	}
	return c;
}

static void dp_call_start(struct dp_lcore *lc, const struct vg_msg *msg, uint64_t now)
{
	struct dp *dp = lc->dp;
	const struct cs_media *md;
	struct dp_call *c;

	if (!dp_ctl_ours(lc, msg))
		return;
	c = &dp->call[msg->slot];
	if (c->active) { /* a START without STOP for the previous generation */
		dp_wheel_del(lc, msg->slot, c);
		lc->st->calls_active--;
	}
	srtp_call_close(&c->srtp);
	md = &cs_slot(dp->calls, msg->slot)->media;
	memset(c, 0, sizeof(*c));
	c->gen = msg->gen;
	c->law = md->law;
	c->pt = md->pt;
	c->dtmf_pt = md->dtmf_pt;
	c->dir = md->dir;
	c->local_ip = md->local_ip;
	c->local_port = md->rtp_port;
	c->remote_ip = md->remote_ip;
	c->remote_port = md->remote_port;
	c->worker = md->worker < dp->n_workers ? md->worker : 0;
	c->peer = DP_NIL;
	dp_bot_done(dp, msg->slot, c);
	/* RFC 3550 5.1: random initial sequence number, timestamp and SSRC. */
	c->ssrc = (uint32_t)rte_rand();
	c->seq = (uint16_t)rte_rand();
	c->ts = (uint32_t)rte_rand();
	c->marker = 1;
	if (md->srtp.suite) {
		int rc = srtp_call_open_rx(&c->srtp, &md->srtp);

		if (rc == 0)
			rc = srtp_call_open_tx(&c->srtp, &md->srtp, c->ssrc);
		if (rc != 0) {
			srtp_call_close(&c->srtp);
			lc->st->srtp_failed++;
			dp_event_arg(lc, VG_MSG_CALL_FAILED, msg->slot, msg->gen, (uint16_t)-rc);
			return;
		}
		lc->st->srtp_calls++;
	}
	c->last_rx_tsc = now; /* the loop's time, as every comparison with it uses */
	jb_init(&c->jb, dp->cfg->dp.reorder_window, 20 * (dp->cfg->dp.reorder_window + 1));
	dtmf_rx_init(&c->dtmf);
	/* RFC 3550 6.2: the first report after a random part of the interval */
	c->next_sr_ms = dp_ms(lc) + RTCP_INTERVAL_MS / 2 + rte_rand() % 1000;
	cs_slot(dp->calls, msg->slot)->dp.rtt_ms = -1;
	dp_resolve(lc, c, c->last_rx_tsc);
	dp_wheel_add(lc, msg->slot, c);
	c->active = 1;
	lc->st->calls_started++;
	lc->st->calls_active++;
	dp_event(lc, VG_MSG_CALL_STARTED, msg->slot, msg->gen);
}

/* A re-INVITE changed the call's media (RFC 3264 8): new peer address (learned
 * again from its RTP), codec, telephone-event or direction (hold). */
static void dp_call_update(struct dp_lcore *lc, const struct vg_msg *msg)
{
	struct dp *dp = lc->dp;
	const struct cs_media *u;
	struct dp_call *c = dp_ctl_call(lc, msg);

	if (!c)
		return;
	u = &cs_slot(dp->calls, msg->slot)->update;
	if (u->remote_ip != c->remote_ip || u->remote_port != c->remote_port) {
		c->remote_ip = u->remote_ip;
		c->remote_port = u->remote_port;
		c->latched = 0;
		c->mac_known = 0;
		c->rtcp_latched = 0;
	}
	if (u->pt != c->pt || u->law != c->law)
		c->marker = 1; /* a new stream for the peer's jitter buffer */
	c->law = u->law;
	c->pt = u->pt;
	c->dtmf_pt = u->dtmf_pt;
	c->dir = u->dir;
	/* RFC 4568 7.1.4: new keys from the re-INVITE's offer and our answer */
	if (u->srtp.rekey && !u->srtp.suite) {
		srtp_call_close(&c->srtp);
	} else if (u->srtp.rekey) {
		int rc = 0;

		if (u->srtp.rekey & CS_REKEY_RX)
			rc = srtp_call_open_rx(&c->srtp, &u->srtp);
		if (rc == 0 && (u->srtp.rekey & CS_REKEY_TX))
			rc = srtp_call_open_tx(&c->srtp, &u->srtp, c->ssrc);
		if (rc != 0 || !c->srtp.rx || !c->srtp.tx) {
			srtp_call_close(&c->srtp);
			lc->st->srtp_failed++;
			dp_event_arg(lc, VG_MSG_CALL_FAILED, msg->slot, msg->gen,
				     (uint16_t)(rc ? -rc : EINVAL));
			return;
		}
	}
	dp_event(lc, VG_MSG_CALL_UPDATED, msg->slot, msg->gen);
}

/* Bridge the call to another call of this lcore (a transfer's second leg): its
 * audio and key presses go to that leg, the bot's audio still queued is dropped. Each
 * leg gets its own message; a peer that is not a live call here is refused
 * (ctl_stale) and the call relays nothing. */
static void dp_call_bridge(struct dp_lcore *lc, const struct vg_msg *msg)
{
	struct dp *dp = lc->dp;
	struct dp_call *c = dp_ctl_call(lc, msg), *b;

	if (!c)
		return;
	c->peer = DP_NIL;
	if (msg->value == UINT32_MAX)
		return;
	b = msg->value < dp->calls->n_slots ? &dp->call[msg->value] : NULL;
	if (!b || cs_slot_lcore(msg->value, dp->n_lcores) != lc->idx || !b->active) {
		lc->st->ctl_stale++;
		return;
	}
	c->peer = msg->value;
	c->peer_gen = b->gen;
	dp_playout_clear(lc, msg->slot, c);
}

static void dp_call_stop(struct dp_lcore *lc, const struct vg_msg *msg)
{
	struct dp *dp = lc->dp;
	struct dp_call *c;

	if (!dp_ctl_ours(lc, msg))
		return;
	c = &dp->call[msg->slot];
	if (c->active && c->gen == msg->gen) {
		struct cs_dp_stats *st = &cs_slot(dp->calls, msg->slot)->dp;

		st->rx_lost = rtcp_rx_lost(&c->rtcp);
		st->rx_jitter_ms = rtcp_rx_jitter(&c->rtcp) / 8;
		dp_wheel_del(lc, msg->slot, c);
		srtp_call_close(&c->srtp);
		c->active = 0;
		c->q_count = 0;
		lc->st->calls_stopped++;
		lc->st->calls_active--;
	}
	dp_event(lc, VG_MSG_CALL_STOPPED, msg->slot, msg->gen);
}

unsigned dp_ctl_poll(struct dp_lcore *lc, uint64_t now)
{
	struct vg_msg msgs[DP_CTL_DRAIN_MAX];
	unsigned n = ring_msg_recv(lc->ctl, msgs, DP_CTL_DRAIN_MAX);

	for (unsigned i = 0; i < n; i++) {
		switch (msgs[i].type) {
		case VG_MSG_CALL_START:
			dp_call_start(lc, &msgs[i], now);
			break;
		case VG_MSG_CALL_STOP:
			dp_call_stop(lc, &msgs[i]);
			break;
		case VG_MSG_CALL_UPDATE:
			dp_call_update(lc, &msgs[i]);
			break;
		case VG_MSG_CALL_BRIDGE:
			dp_call_bridge(lc, &msgs[i]);
			break;
		default:
			lc->st->ctl_stale++;
			break;
		}
	}
	return n;
}

/* Fault in the top 64 KiB of the lcore's stack, deeper than its loop goes, so that a
 * path first taken mid-call (an RTCP report, a key press) finds its pages there. */
static void __attribute__((noinline)) dp_stack_prefault(void)
{
	volatile uint8_t stack[64 * 1024];

	for (size_t i = 0; i < sizeof(stack); i += 4096)
		stack[i] = 0;
}

static int dp_lcore_main(void *arg)
{
	struct dp_lcore *lc = arg;
	struct dp *dp = lc->dp;
	struct rte_mbuf *pkts[DP_BURST_MAX];
	int64_t next_slot;   /* dp_pkt_slot() of the next packet to handle */
	unsigned next_owner; /* and its lcore */

	log_info("dp", "lcore %u (EAL lcore %u) polling port %u queue %u", lc->idx,
		 rte_lcore_id(), dp->port, lc->queue);
	/* an empty TX burst walks the send path once now: its first use reads ethdev
	 * pages (the queue's callbacks) not yet touched, a page fault on the first call */
	rte_eth_tx_burst(dp->port, lc->queue, lc->tx, 0);
	dp_stack_prefault();
	lc->next_tick_tsc = rte_rdtsc() + dp->tick_tsc;
	while (!__atomic_load_n(&dp->quit, __ATOMIC_RELAXED)) {
		uint64_t t0 = rte_rdtsc(), t1;
		unsigned work = 0;
		uint16_t nb;

		if (t0 >= lc->next_ctl_tsc) {
			work += dp_ctl_poll(lc, t0);
			if (lc->arp_in)
				dp_arp_learn_poll(lc);
			lc->next_ctl_tsc = t0 + dp->ctl_tsc;
		}
		nb = rte_eth_rx_burst(dp->port, lc->queue, pkts, (uint16_t)dp->burst);
		for (unsigned i = 0; i < nb && i < DP_PREFETCH_AHEAD; i++)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
		next_slot = nb ? dp_pkt_slot(dp, pkts[0]) : -1;
		next_owner = dp_owner(lc, next_slot);
		for (unsigned i = 0; i < nb; i++) {
			unsigned owner = next_owner;

			/* packets DP_PREFETCH_AHEAD ahead; the next one's call, when ours */
			if (i + DP_PREFETCH_AHEAD < nb)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[i + DP_PREFETCH_AHEAD], void *));
			if (i + 1 < nb) {
				next_slot = dp_pkt_slot(dp, pkts[i + 1]);
				next_owner = dp_owner(lc, next_slot);
				if (next_slot >= 0 && next_owner == lc->idx)
					dp_call_prefetch(dp, (uint32_t)next_slot);
			}
			if (owner == lc->idx) {
				dp_input(lc, pkts[i], t0);
			} else {
				lc->fwd[owner][lc->n_fwd[owner]++] = pkts[i];
			}
		}
		work += nb;
		if (dp->n_lcores > 1) {
			dp_fwd_flush(lc);
			work += dp_fwd_poll(lc, t0);
		}
		work += dp_bot_poll(lc, t0);
		if (t0 >= lc->next_tick_tsc) {
			dp_tick(lc, t0);
			work++;
		}
		dp_tx_flush(lc);
		for (unsigned w = 0; w < dp->n_workers; w++)
			dp_frames_flush(lc, w);
		t1 = rte_rdtsc();
		if (work) {
			lc->st->busy_tsc += t1 - t0;
		} else {
			lc->st->idle_tsc += t1 - t0;
			if (dp->idle_sleep_ns) {
				struct timespec nap = {.tv_nsec = (long)dp->idle_sleep_ns};

				nanosleep(&nap, NULL);
			}
		}
	}
	dp_tx_flush(lc);
	log_info("dp", "lcore %u stopped", lc->idx);
	return 0;
}

int dp_launch(struct dp *dp, unsigned idx, unsigned lcore_id)
{
	if (idx >= dp->n_lcores)
		return -EINVAL;
	return rte_eal_remote_launch(dp_lcore_main, dp->lc[idx], lcore_id);
}

void dp_stop(struct dp *dp)
{
	__atomic_store_n(&dp->quit, 1, __ATOMIC_RELAXED);
}
