/*
 * vgstat: print a running voxgate's dataplane and bot worker counters.
 *
 *   vgstat PID|FILE [-i SECONDS]
 *
 * Reads the stats files voxgate maps shared (base/shm.h) without stopping or
 * slowing its threads:
 *   - /dev/shm/voxgate-<pid>.stats (dataplane/dp.h): one line per dp lcore with every
 *     counter, every non-zero drop reason and the bot frames' latency quantiles;
 *   - /dev/shm/voxgate-<pid>.bots (bots/bot.h): one line per bot worker with every
 *     counter and the latency packet in -> frame at the worker.
 * With a FILE instead of a PID only that dataplane file is read. With -i, again every
 * SECONDS with counters as rates per second and latencies over the interval.
 * Exit 1 when the dataplane file is missing or not of this voxgate version.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bots/bot_stats-t.h"
#include "dataplane/dp_stats-t.h"
#include "base/lat.h"
#include "base/shm.h"

static void print_lat(const char *name, const struct lat_hist *now,
		      const struct lat_hist *prev)
{
	static struct lat_hist d;

	if (prev) {
		lat_diff(&d, now, prev);
		now = &d;
	}
	printf(" %s_us=%llu/%llu/%llu", name, (unsigned long long)lat_quantile(now, 0.50),
	       (unsigned long long)lat_quantile(now, 0.99),
	       (unsigned long long)lat_quantile(now, 0.999));
}

static void print_dp(const struct dp_stats_file *f, const struct dp_lcore_stats *prev,
		     double secs)
{
	/* copied by voxgate about once a second */
#define PRINT_PORT_COUNTER(name) printf(" " #name "=%llu", (unsigned long long)f->port.name);
	printf("port:");
	DP_PORT_COUNTER_LIST(PRINT_PORT_COUNTER)
	printf("\n");
#undef PRINT_PORT_COUNTER
	for (unsigned l = 0; l < f->n_lcores; l++) {
		const struct dp_lcore_stats *st = &f->lcores[l];
		const struct dp_lcore_stats *p = prev ? &prev[l] : NULL;

		printf("lcore %u:", l);
		for (unsigned c = 0; c < DP_COUNTER_COUNT; c++) {
			printf(" %s=%llu", dp_counter_name(c), (unsigned long long)dp_counter(st, c));
			if (p && secs > 0)
				printf("(%.0f/s)",
				       (double)(dp_counter(st, c) - dp_counter(p, c)) / secs);
		}
		printf(" drops:");
		for (unsigned d = 1; d < DP_DROP_MAX; d++)
			if (st->drops[d])
				printf(" %s=%llu", dp_drop_name(d),
				       (unsigned long long)st->drops[d]);
		printf(" latency p50/p99/p99.9:");
		print_lat("in_to_ring", &st->in_to_ring, p ? &p->in_to_ring : NULL);
		print_lat("bot_to_dp", &st->bot_to_dp, p ? &p->bot_to_dp : NULL);
		print_lat("bot_to_out", &st->bot_to_out, p ? &p->bot_to_out : NULL);
		print_lat("due_to_out", &st->due_to_out, p ? &p->due_to_out : NULL);
		printf("\n");
	}
}

static void print_bots(const struct bot_stats_file *f, const struct bot_stats *prev,
		       double secs)
{
	for (unsigned w = 0; w < f->n_workers; w++) {
		const struct bot_stats *st = &f->workers[w];
		const struct bot_stats *p = prev ? &prev[w] : NULL;

		printf("bot worker %u:", w);
		for (unsigned c = 0; c < BOT_COUNTER_COUNT; c++) {
			printf(" %s=%llu", bot_counter_name(c),
			       (unsigned long long)bot_counter(st, c));
			if (p && secs > 0)
				printf("(%.0f/s)",
				       (double)(bot_counter(st, c) - bot_counter(p, c)) / secs);
		}
		printf(" latency p50/p99/p99.9:");
		print_lat("in_to_bot", &st->in_to_bot, p ? &p->in_to_bot : NULL);
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	char path[SHM_PATH_MAX], bot_path[SHM_PATH_MAX];
	const struct dp_stats_file *f;
	const struct bot_stats_file *bf = NULL;
	struct dp_lcore_stats *prev = NULL;
	struct bot_stats *bprev = NULL;
	size_t size, bot_size = 0;
	unsigned interval = 0;
	char *end;

	if (argc != 2 && !(argc == 4 && strcmp(argv[2], "-i") == 0)) {
		fprintf(stderr, "usage: vgstat PID|FILE [-i SECONDS]\n");
		return 2;
	}
	if (argc == 4)
		interval = (unsigned)strtoul(argv[3], NULL, 10);
	f = shm_open_ro(argv[1], DP_STATS_KIND, &size, path);
	if (!f) {
		fprintf(stderr, "vgstat: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (!dp_stats_file_ok(f, size)) {
		fprintf(stderr, "vgstat: %s is not a stats file of this voxgate version\n",
			path);
		return 1;
	}
	strtol(argv[1], &end, 10);
	if (*end == '\0') {
		bf = shm_open_ro(argv[1], BOT_STATS_KIND, &bot_size, bot_path);
		if (!bf)
			fprintf(stderr, "vgstat: %s: %s (no bot worker counters)\n", bot_path,
				strerror(errno));
		else if (!bot_stats_file_ok(bf, bot_size)) {
			fprintf(stderr, "vgstat: %s is not a bot stats file of this voxgate "
				"version\n", bot_path);
			bf = NULL;
		}
	}
	print_dp(f, NULL, 0);
	if (bf)
		print_bots(bf, NULL, 0);
	fflush(stdout);
	if (!interval)
		return 0;
	prev = malloc(f->n_lcores * sizeof(*prev));
	bprev = bf ? malloc(bf->n_workers * sizeof(*bprev)) : NULL;
	if (!prev || (bf && !bprev))
		return 1;
	for (;;) {
		memcpy(prev, f->lcores, f->n_lcores * sizeof(*prev));
		if (bf)
			memcpy(bprev, bf->workers, bf->n_workers * sizeof(*bprev));
		sleep(interval);
		if (access(path, F_OK) != 0)
			return 0; /* voxgate stopped */
		print_dp(f, prev, interval);
		if (bf)
			print_bots(bf, bprev, interval);
		fflush(stdout);
	}
}
