/*
 * vgstat: print a running voxgate's dataplane counters.
 *
 *   vgstat PID|FILE [-i SECONDS]
 *
 * Reads the stats file the dataplane maps shared (/dev/shm/voxgate-<pid>.stats, see
 * dataplane/dp.h) without stopping or slowing the lcores: one line per dp lcore with
 * every counter and every non-zero drop reason; with -i, again every SECONDS with the
 * rates per second. Exit 1 when the file is missing or not a voxgate stats file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataplane/dp.h"

static void print(const struct dp_stats_file *f, const struct dp_lcore_stats *prev,
		  double secs)
{
	for (unsigned l = 0; l < f->n_lcores; l++) {
		const struct dp_lcore_stats *st = &f->lcores[l];

		printf("lcore %u:", l);
		for (unsigned c = 0; c < DP_COUNTER_COUNT; c++) {
			printf(" %s=%llu", dp_counter_name(c), (unsigned long long)dp_counter(st, c));
			if (prev && secs > 0)
				printf("(%.0f/s)", (double)(dp_counter(st, c) -
							    dp_counter(&prev[l], c)) / secs);
		}
		printf(" drops:");
		for (unsigned d = 1; d < DP_DROP_MAX; d++)
			if (st->drops[d])
				printf(" %s=%llu", dp_drop_name(d),
				       (unsigned long long)st->drops[d]);
		printf("\n");
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	char path[256];
	const struct dp_stats_file *f;
	struct dp_lcore_stats *prev = NULL;
	struct stat sb;
	unsigned interval = 0;
	char *end;
	int fd;

	if (argc != 2 && !(argc == 4 && strcmp(argv[2], "-i") == 0)) {
		fprintf(stderr, "usage: vgstat PID|FILE [-i SECONDS]\n");
		return 2;
	}
	if (argc == 4)
		interval = (unsigned)strtoul(argv[3], NULL, 10);
	strtol(argv[1], &end, 10);
	if (*end == '\0')
		snprintf(path, sizeof(path), DP_STATS_PATH, atoi(argv[1]));
	else
		snprintf(path, sizeof(path), "%s", argv[1]);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		fprintf(stderr, "vgstat: %s: %s\n", path, strerror(errno));
		return 1;
	}
	f = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (f == MAP_FAILED || (size_t)sb.st_size < sizeof(*f) ||
	    __atomic_load_n(&f->magic, __ATOMIC_ACQUIRE) != DP_STATS_MAGIC ||
	    f->n_counters != DP_COUNTER_COUNT || f->n_drops != DP_DROP_MAX ||
	    f->lcore_size != sizeof(struct dp_lcore_stats) ||
	    sizeof(*f) + f->n_lcores * sizeof(struct dp_lcore_stats) > (size_t)sb.st_size) {
		fprintf(stderr, "vgstat: %s is not a stats file of this voxgate version\n",
			path);
		return 1;
	}
	print(f, NULL, 0);
	if (!interval)
		return 0;
	prev = malloc(f->n_lcores * sizeof(*prev));
	if (!prev)
		return 1;
	for (;;) {
		memcpy(prev, f->lcores, f->n_lcores * sizeof(*prev));
		sleep(interval);
		if (access(path, F_OK) != 0)
			return 0; /* voxgate stopped */
		print(f, prev, interval);
	}
}
