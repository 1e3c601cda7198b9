/*
 * main.c: the voxgate binary.
 *
 *   voxgate --config FILE [--check] [-- EAL arguments]
 *
 * Loads the configuration (exit 2 on any error, printed as "file:line: what"),
 * initialises DPDK with the configured EAL arguments (or those after "--"), builds
 * the shared call table and rings, then the dataplane on every EAL worker lcore, the
 * bot workers and the signaling user agent, which runs on the main lcore until
 * SIGINT (calls end at once) or SIGTERM (drain: new calls get 503 while those in
 * progress may go on for signaling.stop_grace seconds; a second SIGTERM ends them).
 * SIGUSR1 prints the counters; SIGHUP opens the CDR file again.
 * --check stops after the configuration has been validated.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jemalloc/jemalloc.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_memzone.h>

#include "app/ops.h"
#include "app/svc.h"
#include "base/log.h"
#include "bots/bot.h"
#include "config/cfg.h"
#include "dataplane/dp.h"
#include "shared/cs.h"
#include "shared/ring.h"
#include "signaling/sig.h"

#define EXIT_CONFIG 2

struct app {
	struct cfg cfg;
	const struct rte_memzone *calls_mz;
	struct cs_table *calls;
	struct ring_set rings;
	struct dp *dp;
	struct bot_pool *bots;
	struct sig *sig;
	unsigned n_lcores;
	struct svc svc;
};

static struct sig *app_sig;           /* for the signal handler only */
static volatile sig_atomic_t app_dump; /* SIGUSR1 seen */
static volatile sig_atomic_t app_reopen; /* SIGHUP seen */

static unsigned app_grace_s;           /* signaling.stop_grace */
static volatile sig_atomic_t app_terms; /* SIGTERMs seen */

/* SIGINT stops at once; SIGTERM drains first (signaling.stop_grace), a second
 * SIGTERM stops at once. */
static void app_on_signal(int signo)
{
	if (signo == SIGUSR1)
		app_dump = 1;
	else if (signo == SIGHUP)
		app_reopen = 1;
	else if (app_sig && signo == SIGTERM && app_terms++ == 0)
		sig_request_stop_after(app_sig, app_grace_s);
	else if (app_sig)
		sig_request_stop(app_sig);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: voxgate --config FILE [--check] [-- EAL arguments]\n");
}

/*
 * Show which allocator serves malloc(): jemalloc counts this thread's allocations,
 * so a malloc() that moves "thread.allocated" went through jemalloc.
 */
static int app_check_jemalloc(void)
{
	const char *version = NULL;
	uint64_t before = 0, after = 0;
	size_t len = sizeof(version), n = sizeof(before);
	void *p;

	if (mallctl("version", &version, &len, NULL, 0) != 0)
		return -ENOTSUP;
	mallctl("thread.allocated", &before, &n, NULL, 0);
	p = malloc(4096);
	if (p) /* a store the compiler cannot drop, so the malloc/free pair stays */
		*(volatile char *)p = 1;
	n = sizeof(after);
	mallctl("thread.allocated", &after, &n, NULL, 0);
	free(p);
	if (after < before + 4096) {
		log_err("app", "malloc() is not served by jemalloc %s", version);
		return -ENOTSUP;
	}
	log_info("app", "allocator: jemalloc %s (malloc verified)", version);
	return 0;
}

static void app_print_counters(const struct app *a)
{
	const struct sig_stats *ss = sig_stats(a->sig);
	const struct cdr *cdr = sig_cdr_stats(a->sig);

	char reasons[512] = "";
	size_t at = 0;

	/* the refusals by reason, those that happened */
	for (unsigned r = 0; r < SIG_REFUSE_MAX && at < sizeof(reasons); r++)
		if (ss->refused[r])
			at += (size_t)snprintf(reasons + at, sizeof(reasons) - at, " %s=%llu",
					       sig_refusal_name(r),
					       (unsigned long long)ss->refused[r]);
	log_info("stats", "sip: invites %llu answered %llu ended %llu active %llu; rejected "
		 "403 %llu 404 %llu 408 %llu 480 %llu 488 %llu 500 %llu 503 %llu; slots free "
		 "%u/%u; dropped %llu; cdrs %llu (lost %llu); refused by reason:%s",
		 (unsigned long long)ss->invites, (unsigned long long)ss->answered,
		 (unsigned long long)ss->ended, (unsigned long long)ss->calls_active,
		 (unsigned long long)sig_refused_status(ss, 403),
		 (unsigned long long)sig_refused_status(ss, 404),
		 (unsigned long long)sig_refused_status(ss, 408),
		 (unsigned long long)sig_refused_status(ss, 480),
		 (unsigned long long)sig_refused_status(ss, 488),
		 (unsigned long long)sig_refused_status(ss, 500),
		 (unsigned long long)sig_refused_status(ss, 503),
		 sig_free_slots(a->sig), a->calls->n_slots,
		 (unsigned long long)sig_dropped(a->sig), (unsigned long long)cdr->written,
		 (unsigned long long)cdr->failed, at ? reasons : " none");
	log_info("stats", "sip ends: success %llu failed %llu disconnected %llu; infos %llu "
		 "failed %llu; handbacks %llu failed %llu; refers %llu transfers %llu failed "
		 "%llu notify_bad %llu bridged_after_refer %llu; wait_bye_timeouts %llu; "
		 "registered %llu registrations "
		 "%llu failed %llu; originated %llu answered %llu",
		 (unsigned long long)ss->success, (unsigned long long)ss->failed,
		 (unsigned long long)ss->disconnected, (unsigned long long)ss->infos,
		 (unsigned long long)ss->infos_failed, (unsigned long long)ss->handbacks,
		 (unsigned long long)ss->handbacks_failed, (unsigned long long)ss->refers,
		 (unsigned long long)ss->transfers, (unsigned long long)ss->transfers_failed,
		 (unsigned long long)ss->notify_bad, (unsigned long long)ss->refers_fallback,
		 (unsigned long long)ss->wait_bye_timeouts,
		 (unsigned long long)ss->registered, (unsigned long long)ss->registrations,
		 (unsigned long long)ss->registrations_failed,
		 (unsigned long long)ss->originated,
		 (unsigned long long)ss->originated_answered);
	{
		const struct dp_port_stats *p = dp_port_stats(a->dp);

#define APP_PORT_FMT(name) " " #name "=%llu"
#define APP_PORT_ARG(name) , (unsigned long long)p->name
		log_info("stats", "port:" DP_PORT_COUNTER_LIST(APP_PORT_FMT)
			 DP_PORT_COUNTER_LIST(APP_PORT_ARG));
#undef APP_PORT_FMT
#undef APP_PORT_ARG
	}
	for (unsigned l = 0; l < a->n_lcores; l++) {
		const struct dp_lcore_stats *d = dp_stats(a->dp, l);
		char drops[1024] = "";
		size_t n = 0;

		for (unsigned r = 1; r < DP_DROP_MAX; r++)
			if (d->drops[r] && n < sizeof(drops))
				n += (size_t)snprintf(drops + n, sizeof(drops) - n, " %s=%llu",
						      dp_drop_name(r),
						      (unsigned long long)d->drops[r]);
		char counters[1024] = "";
		size_t k = 0;

		for (unsigned c = 0; c < DP_COUNTER_COUNT && k < sizeof(counters); c++)
			k += (size_t)snprintf(counters + k, sizeof(counters) - k, " %s=%llu",
					      dp_counter_name(c),
					      (unsigned long long)dp_counter(d, c));
		log_info("stats", "dp lcore %u:%s; drops:%s", l, counters, n ? drops : " none");
	}
	for (unsigned w = 0; w < a->rings.n_workers; w++) {
		const struct bot_stats *b = bot_pool_stats(a->bots, w);

		log_info("stats", "bot worker %u: sessions active %llu started %llu stopped "
			 "%llu; frames in %llu out %llu stale %llu ring full %llu; backlog full "
			 "%llu trimmed %llu bytes %llu; websocket failed %llu closed %llu, "
			 "msgs in %llu, msgs bad %llu", w,
			 (unsigned long long)b->sessions_active,
			 (unsigned long long)b->sessions_started,
			 (unsigned long long)b->sessions_stopped,
			 (unsigned long long)b->frames_in, (unsigned long long)b->frames_out,
			 (unsigned long long)b->frames_stale,
			 (unsigned long long)b->frames_ring_full,
			 (unsigned long long)b->backlog_full,
			 (unsigned long long)b->frames_trimmed,
			 (unsigned long long)b->backlog_bytes,
			 (unsigned long long)b->ws_failed, (unsigned long long)b->ws_closed,
			 (unsigned long long)b->bot_msgs_in, (unsigned long long)b->bot_msgs_bad);
	}
}

static void app_poll(void *arg)
{
	struct app *a = arg;

	dp_port_stats_update(a->dp, false);
	svc_poll(&a->svc);
	if (app_reopen) {
		app_reopen = 0;
		sig_cdr_reopen(a->sig);
	}
	if (app_dump) {
		app_dump = 0;
		app_print_counters(arg);
	}
}

/* The rings between the sides, sized for the configuration; logs what they hold. */
static int app_rings(struct app *a, const struct cfg *cfg)
{
	unsigned frames = ring_bot_frames(cfg->dp.max_calls, cfg->bots.workers,
					  cfg->bots.ring_ms);
	double mib = (double)rte_ring_get_memsize_elem(sizeof(struct vg_frame), frames) *
		     a->n_lcores * cfg->bots.workers / (1 << 20);
	int rc;

	rc = ring_set_create_for(&a->rings, a->n_lcores, cfg->bots.workers,
				 cfg->dp.max_calls, cfg->bots.ring_ms, (int)rte_socket_id());
	if (rc) {
		log_err("app", "rings: %s (the frame rings to the bot workers take %.0f MiB: "
			"raise the EAL memory (-m) or lower bots.ring_ms or "
			"dataplane.max_calls)", rte_strerror(-rc), mib);
		return rc;
	}
	log_info("app", "frame rings to the bot workers: %u frames each, %u ms of every "
		 "call, %.0f MiB in all", frames, cfg->bots.ring_ms, mib);
	return 0;
}

/* Build the shared call table and rings, then dataplane, bots and signaling. */
static int app_build(struct app *a)
{
	const struct cfg *cfg = &a->cfg;
	unsigned lcore, i = 0;
	int rc;

	a->n_lcores = rte_lcore_count() - 1;
	if (a->n_lcores == 0 || a->n_lcores > DP_MAX_LCORES) {
		log_err("app", "the EAL gives %u worker lcore(s); voxgate needs 1 to %u (e.g. "
			"-l 0-1: lcore 0 runs signaling, the others poll the port)",
			a->n_lcores, DP_MAX_LCORES);
		return -EINVAL;
	}
	a->calls_mz = rte_memzone_reserve_aligned(CS_MEMZONE_NAME,
						  cs_table_size(cfg->dp.max_calls),
						  SOCKET_ID_ANY, 0, CS_CACHE_LINE);
	if (!a->calls_mz) {
		log_err("app", "call table for %u calls: %s", cfg->dp.max_calls,
			rte_strerror(rte_errno));
		return -ENOMEM;
	}
	a->calls = a->calls_mz->addr;
	_Static_assert(CFG_MAX_MEDIA_ADDRS == CS_MAX_ADDRS, "one limit of media addresses");
	rc = cs_table_init(a->calls, cfg->dp.max_calls, cfg->dp.rtp_min,
			   (uint32_t)(cfg->dp.rtp_max - cfg->dp.rtp_min + 1) / 2, cfg->dp.addrs,
			   cfg->dp.n_addrs);
	if (rc)
		return rc;
	rc = app_rings(a, cfg);
	if (rc)
		return rc;
	rc = dp_create(&a->dp, cfg, a->calls, &a->rings, a->n_lcores);
	if (rc)
		return rc;
	rc = bot_pool_create(&a->bots, cfg, a->calls, &a->rings);
	if (rc == 0)
		rc = bot_pool_start(a->bots);
	if (rc)
		return rc;
	rc = sig_create(&a->sig, cfg, a->calls, &a->rings, a->n_lcores);
	if (rc)
		return rc;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		rc = dp_launch(a->dp, i++, lcore);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- the operators' side of the HTTP API (ops.h) ---- */

static struct ops_src app_ops_src;

static char *app_ops_metrics(void *arg, size_t *len)
{
	return ops_metrics(arg, len);
}

static json_t *app_ops_calls(void *arg)
{
	return ops_calls(arg);
}

static json_t *app_ops_call(void *arg, uint32_t slot, uint32_t gen)
{
	return ops_call(arg, slot, gen);
}

static json_t *app_ops_stats(void *arg)
{
	return ops_stats(arg);
}

static void app_ops_drain(void *arg, bool on)
{
	const struct ops_src *o = arg;

	log_info("app", "%s (through the API)", on ? "draining: new calls get 503"
						   : "taking new calls again");
	sig_drain(o->sig, on);
}

static const struct bot_api_ops app_api_ops = {
	.arg = &app_ops_src, .metrics = app_ops_metrics, .calls = app_ops_calls,
	.call = app_ops_call, .stats = app_ops_stats, .drain = app_ops_drain};

static void app_ops_start(struct app *a)
{
	app_ops_src = (struct ops_src){.cfg = &a->cfg, .sig = a->sig, .dp = a->dp,
				       .bots = a->bots, .calls = a->calls,
				       .n_lcores = a->n_lcores, .n_workers = a->rings.n_workers,
				       .tsc_hz = rte_get_tsc_hz()};
	bot_pool_set_api_ops(a->bots, &app_api_ops);
}

static void app_teardown(struct app *a)
{
	if (a->dp)
		dp_stop(a->dp);
	rte_eal_mp_wait_lcore();
	bot_pool_destroy(a->bots);
	sig_destroy(a->sig);
	dp_destroy(a->dp);
	ring_set_free(&a->rings);
	rte_memzone_free(a->calls_mz);
}

int main(int argc, char **argv)
{
	static struct app a;
	char err[512], *eal_argv[CFG_MAX_EAL_ARGS + 2];
	const char *path = NULL;
	int check = 0, eal_argc = 0, rest = -1, rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			path = argv[++i];
		} else if (strcmp(argv[i], "--check") == 0) {
			check = 1;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--") == 0) {
			rest = i + 1;
			break;
		} else {
			fprintf(stderr, "voxgate: unknown argument '%s'\n", argv[i]);
			usage(stderr);
			return EXIT_CONFIG;
		}
	}
	if (!path) {
		usage(stderr);
		return EXIT_CONFIG;
	}
	rc = cfg_load(&a.cfg, path, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "voxgate: %s\n", err);
		return EXIT_CONFIG;
	}
	log_set_level(a.cfg.log_level);
	if (check) {
		printf("voxgate: %s is valid\n", path);
		cfg_free(&a.cfg);
		return 0;
	}
	if (app_check_jemalloc())
		return 1;

	eal_argv[eal_argc++] = argv[0];
	if (rest >= 0)
		for (int i = rest; i < argc && eal_argc < CFG_MAX_EAL_ARGS + 1; i++)
			eal_argv[eal_argc++] = argv[i];
	else
		for (unsigned i = 0; i < a.cfg.n_eal_args; i++)
			eal_argv[eal_argc++] = a.cfg.eal_args[i];
	eal_argv[eal_argc] = NULL;
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		log_err("app", "DPDK EAL initialisation failed: %s (check eal.args in %s)",
			rte_strerror(rte_errno), path);
		cfg_free(&a.cfg);
		return 1;
	}
	rc = app_build(&a);
	if (rc == 0) {
		struct sigaction sa = {.sa_handler = app_on_signal};

		app_sig = a.sig;
		app_grace_s = a.cfg.sig.stop_grace_s;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGUSR1, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		sig_on_poll(a.sig, app_poll, &a);
		app_ops_start(&a);
		log_info("app", "voxgate accepting calls");
		svc_ready(&a.svc, a.dp, a.n_lcores, a.sig);
		sig_run(a.sig);
		dp_port_stats_update(a.dp, true);
		app_print_counters(&a);
		app_sig = NULL;
	}
	app_teardown(&a);
	rte_eal_cleanup();
	cfg_free(&a.cfg);
	log_info("app", "voxgate stopped");
	return rc ? 1 : 0;
}
