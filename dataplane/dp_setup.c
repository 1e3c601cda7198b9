/*
 * dp_setup.c: the dataplane's set-up and tear-down, on the main lcore: the port and
 * its queues, the flow rules that steer each call to its lcore, the rings between
 * lcores, the stats file, the memory and code made resident before the first call,
 * and the accessors the rest of voxgate reads the counters through.
 */
#include "dataplane/dp-int.h"

static int dp_port_open(struct dp *dp)
{
	const struct cfg *cfg = dp->cfg;
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	uint16_t rxd = (uint16_t)cfg->dp.rx_desc, txd = (uint16_t)cfg->dp.tx_desc;
	uint64_t need = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	int socket, rc;

	if (rte_eth_dev_get_port_by_name(cfg->dp.port, &dp->port) != 0) {
		log_err("dp", "port '%s' not found: check dataplane.port and the EAL "
			"arguments (--vdev or the PCI allow list); %u ports are present",
			cfg->dp.port, rte_eth_dev_count_avail());
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(dp->port, &info);
	if (rc)
		return rc;
	if (info.max_rx_queues < dp->n_lcores || info.max_tx_queues < dp->n_lcores) {
		log_err("dp", "port '%s' has %u RX and %u TX queues; %u dp lcores need one "
			"each", cfg->dp.port, info.max_rx_queues, info.max_tx_queues,
			dp->n_lcores);
		return -EINVAL;
	}
	memset(&conf, 0, sizeof(conf));
	dp->hw_cksum = (info.tx_offload_capa & need) == need;
	if (dp->hw_cksum)
		conf.txmode.offloads = need;
	rc = rte_eth_dev_configure(dp->port, (uint16_t)dp->n_lcores, (uint16_t)dp->n_lcores,
				   &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(dp->port, &rxd, &txd);
	if (rc) {
		log_err("dp", "port '%s': configure failed: %s", cfg->dp.port, strerror(-rc));
		return rc;
	}
	socket = rte_eth_dev_socket_id(dp->port);
	if (socket < 0)
		socket = (int)rte_socket_id();
	for (unsigned q = 0; q < dp->n_lcores; q++) {
		rc = rte_eth_rx_queue_setup(dp->port, (uint16_t)q, rxd, (unsigned)socket, NULL,
					    dp->pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(dp->port, (uint16_t)q, txd, (unsigned)socket,
						    NULL);
		if (rc) {
			log_err("dp", "port '%s': queue %u setup failed: %s", cfg->dp.port, q,
				strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(dp->port);
	if (rc) {
		log_err("dp", "port '%s': start failed: %s", cfg->dp.port, strerror(-rc));
		return rc;
	}
	dp->port_started = true;
	rte_eth_macaddr_get(dp->port, &mac);
	dp->nif.mac = mac;
	log_info("dp", "port '%s' (%s) up: mac " RTE_ETHER_ADDR_PRT_FMT ", %u queue(s), "
		 "%u/%u descriptors, checksums in %s", cfg->dp.port, info.driver_name,
		 RTE_ETHER_ADDR_BYTES(&mac), dp->n_lcores, rxd, txd,
		 dp->hw_cksum ? "hardware" : "software");
	return 0;
}

/* One rte_flow rule: UDP to our address ip with (destination port & mask) == value,
 * to RX queue q. Returns 0, or -errno with the PMD's reason in err. */
static int dp_flow_rule(struct dp *dp, uint32_t ip, uint16_t value, uint16_t mask,
			uint16_t q, struct rte_flow_error *err)
{
	const struct rte_flow_attr attr = {.ingress = 1};
	struct rte_flow_item_ipv4 ip_spec = {.hdr.dst_addr = ip};
	struct rte_flow_item_ipv4 ip_mask = {.hdr.dst_addr = UINT32_MAX};
	struct rte_flow_item_udp udp_spec = {.hdr.dst_port = rte_cpu_to_be_16(value)};
	struct rte_flow_item_udp udp_mask = {.hdr.dst_port = rte_cpu_to_be_16(mask)};
	const struct rte_flow_item pattern[] = {
		{.type = RTE_FLOW_ITEM_TYPE_ETH},
		{.type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &ip_spec, .mask = &ip_mask},
		{.type = RTE_FLOW_ITEM_TYPE_UDP, .spec = &udp_spec, .mask = &udp_mask},
		{.type = RTE_FLOW_ITEM_TYPE_END}};
	const struct rte_flow_action_queue queue = {.index = q};
	const struct rte_flow_action actions[] = {
		{.type = RTE_FLOW_ACTION_TYPE_QUEUE, .conf = &queue},
		{.type = RTE_FLOW_ACTION_TYPE_END}};
	int rc;

	memset(err, 0, sizeof(*err));
	rc = rte_flow_validate(dp->port, &attr, pattern, actions, err);
	if (rc == 0 && !rte_flow_create(dp->port, &attr, pattern, actions, err))
		rc = rte_errno ? -rte_errno : -ENOTSUP;
	return rc;
}

/* Most rules of the exact-port fallback: two per call slot. */
#define DP_FLOW_EXACT_MAX 65536

/* Steer each call's packets to its lcore's RX queue with rte_flow, on our address and
 * the UDP destination port: one masked rule per lcore and media address
 * (cs_steer_rule()), or, on a port that matches ports only exactly (net_tap: tc
 * flower), one rule per RTP and per RTCP port of every slot. Packets no rule takes
 * (ARP, ICMP, strays) go where the port puts them. Returns 0 with the rules in place
 * and `msg` saying which, or -errno with why in `msg` (the ports do not line up, the
 * PMD has no flow rules or refuses these): the lcores then hand each other's packets
 * over rings, and do for any packet on a queue not its own. */
static int dp_flow_steer(struct dp *dp, char *msg, size_t msg_size)
{
	const struct cs_table *t = dp->calls;
	uint16_t n = (uint16_t)dp->n_lcores;
	uint32_t slots = t->n_slots;
	struct rte_flow_error err;
	uint16_t value, mask;
	char masked[64];
	int rc = 0;

	if (cs_steer_rule(t, n, 0, &value, &mask)) {
		snprintf(msg, msg_size, "flow rules need a power-of-two count of dp lcores, "
			 "the first RTP port a multiple of %u and, with more than one media "
			 "address, calls per address a multiple of %u", 2 * n, n);
		return -EINVAL;
	}
	for (unsigned a = 0; a < t->n_addrs && rc == 0; a++)
		for (uint16_t l = 0; l < n && rc == 0; l++) {
			cs_steer_rule(t, n, l, &value, &mask);
			rc = dp_flow_rule(dp, t->addr[a], value, mask, l, &err);
		}
	if (rc == 0) {
		snprintf(msg, msg_size, "%u rte_flow rules, one per lcore and media address on "
			 "the masked UDP destination port", n * t->n_addrs);
		return 0;
	}
	snprintf(masked, sizeof(masked), "%s", err.message ? err.message : rte_strerror(-rc));
	rte_flow_flush(dp->port, &err);
	if (2 * slots > DP_FLOW_EXACT_MAX) {
		snprintf(msg, msg_size, "the port takes no masked flow rule (%s), and %u call "
			 "slots would need %u rules of exact ports", masked, slots, 2 * slots);
		return -ENOSPC;
	}
	for (uint32_t i = 0; i < 2 * slots; i++) {
		rc = dp_flow_rule(dp, cs_slot_ip(t, i / 2),
				  (uint16_t)(cs_slot_port(t, i / 2) + (i & 1)), UINT16_MAX,
				  (uint16_t)cs_slot_lcore(i / 2, n), &err);
		if (rc) {
			snprintf(msg, msg_size, "the port takes no masked flow rule (%s), nor "
				 "exact rule %u of %u: %.64s", masked, i + 1, 2 * slots,
				 err.message ? err.message : rte_strerror(-rc));
			rte_flow_flush(dp->port, &err);
			return rc;
		}
	}
	snprintf(msg, msg_size, "%u rte_flow rules, one per RTP and RTCP port (the port "
		 "takes no masked rule: %s)", 2 * slots, masked);
	return 0;
}

/* Map the stats file shared: the lcores count straight into it. */
static int dp_stats_open(struct dp *dp)
{
	size_t size = sizeof(struct dp_stats_file) +
		      dp->n_lcores * sizeof(struct dp_lcore_stats);

	dp->stats_file = shm_create(DP_STATS_KIND, size, dp->stats_path);
	if (!dp->stats_file) {
		log_err("dp", "stats file %s: %s", dp->stats_path, strerror(errno));
		return -errno;
	}
	dp->stats_size = size;
	dp->stats_file->version = DP_STATS_VERSION;
	dp->stats_file->n_lcores = dp->n_lcores;
	dp->stats_file->n_counters = DP_COUNTER_COUNT;
	dp->stats_file->n_drops = DP_DROP_MAX;
	dp->stats_file->lcore_size = sizeof(struct dp_lcore_stats);
	dp->stats_file->tsc_hz = rte_get_tsc_hz();
	__atomic_store_n(&dp->stats_file->magic, DP_STATS_MAGIC, __ATOMIC_RELEASE);
	dp->stats = dp->stats_file->lcores;
	log_info("dp", "counters readable at %s (tools/vgstat)", dp->stats_path);
	return 0;
}

/* Rings between lcores: received packets to the lcore that owns their call, and
 * what each lcore learned from ARP. */
static int dp_fwd_create(struct dp *dp)
{
	char name[RTE_RING_NAMESIZE];

	for (unsigned i = 0; i < dp->n_lcores; i++) {
		snprintf(name, sizeof(name), "vg_arp%u", i);
		dp->arp_in[i] = rte_ring_create_elem(name, sizeof(struct dp_arp_learn), 256,
						     (int)rte_socket_id(), RING_F_SC_DEQ);
		if (!dp->arp_in[i])
			return -rte_errno;
		dp->lc[i]->arp_in = dp->arp_in[i];
		for (unsigned j = 0; j < dp->n_lcores; j++) {
			if (i == j)
				continue;
			snprintf(name, sizeof(name), "vg_fwd%u_%u", i, j);
			dp->fwd[i][j] = rte_ring_create(name, 4096, (int)rte_socket_id(),
							RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (!dp->fwd[i][j])
				return -rte_errno;
		}
	}
	for (unsigned i = 0; i < dp->n_lcores; i++)
		for (unsigned j = 0; j < dp->n_lcores; j++) {
			dp->lc[i]->fwd_out[j] = dp->fwd[i][j];
			dp->lc[i]->fwd_in[j] = dp->fwd[j][i];
		}
	return 0;
}

/* Bytes of the playout queues: n_slots queues of q_stride bytes. */
static size_t dp_playout_bytes(const struct dp *dp)
{
	return (size_t)dp->calls->n_slots * dp->q_stride;
}

/* Fault in the pages of [p, p + len) now, writable; contents are kept. */
static int dp_prefault_range(const void *p, size_t len, size_t *done)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)p & ~(page - 1);
	uintptr_t hi = ((uintptr_t)p + len + page - 1) & ~(page - 1);

	if (madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE) != 0)
		return -errno;
	*done += hi - lo;
	return 0;
}

/* Map in the pages of the program's code and read-only data (its own and its
 * libraries': every file mapping that is readable and not writable), so that the first
 * run of a path the lcores seldom take (an RTCP report, a timeout, an SRTP rekey) does
 * not stop on a page fault. Returns the bytes mapped, or -errno. */
static ssize_t dp_prefault_code(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], perms[8];
	unsigned long lo, hi, inode;
	ssize_t done = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s %*s %*s %lu", &lo, &hi, perms, &inode) != 4 ||
		    inode == 0 || perms[0] != 'r' || perms[1] != '-')
			continue;
		if (madvise((void *)lo, hi - lo, MADV_POPULATE_READ) == 0)
			done += (ssize_t)(hi - lo);
		else if (errno == EINVAL) { /* a kernel before 5.14 */
			done = -errno;
			break;
		} /* else a mapping past its file's end (EFAULT): left as it is */
	}
	fclose(f);
	return done;
}

struct dp_prefault_ctx {
	size_t done;
	int rc;
};

static void dp_prefault_mz(const struct rte_memzone *mz, void *arg)
{
	struct dp_prefault_ctx *x = arg;

	if (x->rc == 0)
		x->rc = dp_prefault_range(mz->addr, mz->len, &x->done);
}

/* Make the memory the lcores touch resident before the first call: the call state,
 * the playout queues, the lcores' own state (their staged frames), the stats file and
 * every memzone (call table, rings, mbufs). Without hugepages (--no-huge) DPDK's
 * memory is faulted in page by page on first touch, and the lcores' first pass over
 * it would take a trip into the kernel every few packets. Hugepages are resident
 * already; a kernel before 5.14 cannot do this (a warning). */
static void dp_prefault(struct dp *dp)
{
	uint64_t t0 = rte_get_tsc_cycles();
	struct dp_prefault_ctx x = {0};
	ssize_t code = dp_prefault_code();

	x.rc = dp_prefault_range(dp->call, dp->calls->n_slots * sizeof(*dp->call), &x.done);
	if (x.rc == 0)
		x.rc = dp_prefault_range(dp->link, dp->calls->n_slots * sizeof(*dp->link),
					 &x.done);
	if (x.rc == 0)
		x.rc = dp_prefault_range(dp->playout, dp_playout_bytes(dp), &x.done);
	for (unsigned i = 0; i < dp->n_lcores && x.rc == 0; i++)
		x.rc = dp_prefault_range(dp->lc[i], sizeof(*dp->lc[i]), &x.done);
	if (x.rc == 0)
		x.rc = dp_prefault_range(dp->stats_file, dp->stats_size, &x.done);
	if (x.rc == 0)
		rte_memzone_walk(dp_prefault_mz, &x);
	if (x.rc == 0 && code < 0)
		x.rc = (int)code;
	if (x.rc)
		log_warn("dp", "could not fault in the dataplane's memory and code ahead (%s): "
			 "the lcores will on their first pass over it", strerror(-x.rc));
	else
		log_info("dp", "%zu MiB of call state, playout queues, lcore state, stats, "
			 "rings and mbufs and %zd MiB of code and read-only data resident in "
			 "%llu ms", x.done >> 20, code >> 20,
			 (unsigned long long)((rte_get_tsc_cycles() - t0) * 1000 /
					      rte_get_tsc_hz()));
}

/* Log the media addresses and ports at start-up; `ip` is the first address. */
static void dp_log_media(const struct dp *dp, const struct cfg *cfg, const char *ip)
{
	const struct cs_table *t = dp->calls;
	char more[CS_MAX_ADDRS * (INET_ADDRSTRLEN + 2)] = "";
	uint32_t per = t->n_slots < t->per_addr ? t->n_slots : t->per_addr;

	for (unsigned i = 0; i < dp->nif.n_alias; i++) {
		size_t at = strlen(more);

		snprintf(more + at, sizeof(more) - at, ", ");
		inet_ntop(AF_INET, &dp->nif.alias[i], more + at + 2,
			  (socklen_t)(sizeof(more) - at - 2));
	}
	log_info("dp", "media address %s/%u%s, RTP ports %u-%u%s, %u call slots, %u dp "
		 "lcore(s)", ip, cfg->dp.prefix, more, t->rtp_port_base,
		 t->rtp_port_base + 2 * per - 1, t->n_addrs > 1 ? " on each" : "", t->n_slots,
		 dp->n_lcores);
}

int dp_create(struct dp **out, const struct cfg *cfg, struct cs_table *calls,
	      struct ring_set *rings, unsigned n_lcores)
{
	struct dp *dp;
	char ip[INET_ADDRSTRLEN], why[320];
	unsigned pool_cache;
	int rc = -ENOMEM;

	if (n_lcores == 0 || n_lcores > DP_MAX_LCORES || n_lcores > rings->n_lcores)
		return -EINVAL;
	g711_init();
	if (srtp_call_lib_init() != 0) {
		log_err("dp", "libsrtp2 does not initialise (srtp_init)");
		return -EIO;
	}
	log_info("dp", "SRTP by %s on %s", srtp_get_version_string(), VG_SRTP_CRYPTO);
	dp = rte_zmalloc("vg_dp", sizeof(*dp), RTE_CACHE_LINE_SIZE);
	if (!dp) {
		srtp_call_lib_fini();
		return -ENOMEM;
	}
	dp->cfg = cfg;
	dp->calls = calls;
	dp->rings = rings;
	dp->n_lcores = n_lcores;
	dp->n_workers = rings->n_workers;
	dp->burst = cfg->dp.burst < DP_BURST_MAX ? cfg->dp.burst : DP_BURST_MAX;
	dp->tick_tsc = rte_get_tsc_hz() / (1000 * DP_TICKS_PER_MS);
	dp->ctl_tsc = rte_get_tsc_hz() / (1000000 / DP_CTL_PERIOD_US);
	dp->rtp_timeout_tsc = rte_get_tsc_hz() / 1000 * cfg->dp.rtp_timeout_ms;
	dp->idle_sleep_ns = (uint64_t)cfg->dp.idle_sleep_us * 1000;
	dp->tsc_hz = rte_get_tsc_hz();
	dp->ts_mult = (uint64_t)(((unsigned __int128)8000 << 32) / dp->tsc_hz);
	dp->lat_mult = lat_tsc_mult(dp->tsc_hz);
	{
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		dp->tsc_base = rte_rdtsc();
		/* NTP era starts 1900: 2208988800 s before the Unix epoch */
		dp->ntp_base = ((uint64_t)now.tv_sec + 2208988800ull) << 32 |
			       (uint64_t)((((uint64_t)now.tv_nsec) << 32) / 1000000000ull);
	}
	dp->q_cap = (uint16_t)(cfg->dp.playout_ms / 20);
	dp->q_stride = dp_playout_size(cfg);
	memset(dp->silence[CS_LAW_PCMU], g711_silence(CS_LAW_PCMU), DP_PAYLOAD);
	memset(dp->silence[CS_LAW_PCMA], g711_silence(CS_LAW_PCMA), DP_PAYLOAD);
	dp->nif.ip = calls->addr[0];
	dp->nif.mask = cfg->dp.prefix ? rte_cpu_to_be_32(~0u << (32 - cfg->dp.prefix)) : 0;
	dp->nif.gateway = cfg->dp.gateway;
	_Static_assert(NET_MAX_ALIASES + 1 >= CS_MAX_ADDRS, "every media address on the link");
	dp->nif.n_alias = calls->n_addrs - 1u;
	memcpy(dp->nif.alias, &calls->addr[1], dp->nif.n_alias * sizeof(uint32_t));
	inet_ntop(AF_INET, &dp->nif.ip, ip, sizeof(ip));
	snprintf(dp->cname, sizeof(dp->cname), "voxgate@%s", ip);

	dp->call = rte_zmalloc("vg_dp_calls", calls->n_slots * sizeof(*dp->call),
			       RTE_CACHE_LINE_SIZE);
	dp->link = rte_malloc("vg_dp_links", calls->n_slots * sizeof(*dp->link),
			      RTE_CACHE_LINE_SIZE);
	dp->playout = rte_malloc("vg_playout", dp_playout_bytes(dp), RTE_CACHE_LINE_SIZE);
	if (!dp->call || !dp->link || !dp->playout) {
		log_err("dp", "out of DPDK memory for %u calls (%u ms playout each): raise "
			"the EAL memory (-m) or lower dataplane.max_calls/playout_ms",
			calls->n_slots, cfg->dp.playout_ms);
		goto out;
	}
	rc = dp_stats_open(dp);
	if (rc)
		goto out;

	pool_cache = cfg->dp.mbufs / 4 < 256 ? cfg->dp.mbufs / 4 : 256;
	dp->pool = rte_pktmbuf_pool_create("vg_mbuf", cfg->dp.mbufs, pool_cache, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!dp->pool) {
		log_err("dp", "mbuf pool of %u failed: %s", cfg->dp.mbufs,
			rte_strerror(rte_errno));
		goto out;
	}
	for (unsigned i = 0; i < n_lcores; i++) {
		struct dp_lcore *lc = rte_zmalloc("vg_dp_lcore", sizeof(*lc),
						  RTE_CACHE_LINE_SIZE);

		if (!lc)
			goto out;
		dp->lc[i] = lc;
		lc->dp = dp;
		lc->idx = i;
		lc->queue = (uint16_t)i;
		lc->ctl = rings->ctl_dp[i];
		lc->evt = rings->evt_dp[i];
		for (unsigned w = 0; w < dp->n_workers; w++) {
			lc->to_bot[w] = rings->to_bot[i][w];
			lc->from_bot[w] = rings->to_dp[w][i];
		}
		lc->st = &dp->stats[i];
		lc->arp.retry_tsc = rte_get_tsc_hz();
		for (unsigned b = 0; b < DP_WHEEL; b++)
			lc->wheel[b] = DP_NIL;
	}
	if (n_lcores > 1) {
		rc = dp_fwd_create(dp);
		if (rc)
			goto out;
	}
	rc = dp_port_open(dp);
	if (rc)
		goto out;
	dp_prefault(dp);
	dp_log_media(dp, cfg, ip);
	if (n_lcores == 1) {
		log_info("dp", "one lcore takes every call");
	} else if (dp_flow_steer(dp, why, sizeof(why)) == 0) {
		dp->flow_steered = true;
		log_info("dp", "steering by the port's flow rules: %s put each call's "
			 "packets on its lcore's RX queue", why);
	} else {
		log_info("dp", "steering in software (%s): each lcore polls its own RX queue "
			 "and passes packets of other lcores' calls to them over rings of "
			 "%u packets", why, rte_ring_get_capacity(dp->fwd[0][1]));
	}
	*out = dp;
	return 0;
out:
	dp_destroy(dp);
	return rc;
}


void dp_destroy(struct dp *dp)
{
	if (!dp)
		return;
	if (dp->port_started) {
		struct rte_flow_error err;

		if (dp->flow_steered)
			rte_flow_flush(dp->port, &err);
		rte_eth_dev_stop(dp->port);
		rte_eth_dev_close(dp->port);
	}
	for (unsigned i = 0; i < DP_MAX_LCORES; i++) {
		rte_free(dp->lc[i]);
		rte_ring_free(dp->arp_in[i]);
		for (unsigned j = 0; j < DP_MAX_LCORES; j++) {
			struct rte_mbuf *m;

			while (dp->fwd[i][j] && rte_ring_dequeue(dp->fwd[i][j], (void **)&m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(dp->fwd[i][j]);
		}
	}
	rte_mempool_free(dp->pool);
	shm_destroy(dp->stats_file, dp->stats_size, dp->stats_path);
	rte_free(dp->playout);
	for (uint32_t i = 0; dp->call && i < dp->calls->n_slots; i++)
		srtp_call_close(&dp->call[i].srtp); /* frees and wipes the keys */
	rte_free(dp->link);
	rte_free(dp->call);
	rte_free(dp);
	srtp_call_lib_fini();
}

void dp_port_stats_update(struct dp *dp, bool force)
{
	struct rte_eth_stats es;
	uint64_t now = rte_rdtsc();
	struct dp_port_stats *p = &dp->stats_file->port;

	if (!dp->port_started || (!force && now - dp->port_stats_tsc < dp->tsc_hz))
		return;
	dp->port_stats_tsc = now;
	if (rte_eth_stats_get(dp->port, &es) != 0)
		return;
	/* The file's counters only grow: a PMD that starts its own again from zero (net_memif
	 * when its peer leaves) has what it had counted added back. */
#define DP_PORT_COUNTER_COPY(name)                                                       \
	if (es.name < dp->port_last.name)                                                \
		dp->port_base.name += dp->port_last.name;                                \
	dp->port_last.name = es.name;                                                    \
	__atomic_store_n(&p->name, dp->port_base.name + es.name, __ATOMIC_RELAXED);
	DP_PORT_COUNTER_LIST(DP_PORT_COUNTER_COPY)
#undef DP_PORT_COUNTER_COPY
}

const struct dp_port_stats *dp_port_stats(const struct dp *dp)
{
	return &dp->stats_file->port;
}

const struct dp_lcore_stats *dp_stats(const struct dp *dp, unsigned idx)
{
	return idx < dp->n_lcores ? &dp->stats[idx] : NULL;
}

size_t dp_call_size(void)
{
	return sizeof(struct dp_call);
}

size_t dp_playout_size(const struct cfg *c)
{
	return RTE_ALIGN_CEIL((size_t)(c->dp.playout_ms / 20) * DP_QENTRY,
			      (size_t)RTE_CACHE_LINE_SIZE);
}


