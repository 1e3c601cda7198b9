/*
 * cpu_busy: keeps the CPU it runs on busy at the lowest priority, so that scale.sh
 * can tell what a busy neighbour CPU costs the dp lcore on the other one, apart from
 * what a second dp lcore costs it.
 *
 *   cpu_busy MIB SECONDS
 *
 * MIB 0: a loop of arithmetic on registers, touching no memory (what a busy sibling
 * hyperthread or a host that shares the core costs). MIB > 0: reads and writes one
 * word of every cache line of a buffer of MIB MiB, in an order the hardware
 * prefetcher does not follow (what another lcore's calls cost the shared caches and
 * memory). It runs under SCHED_IDLE, so every other thread on its CPU runs first
 * (pin it with taskset), stops after SECONDS or on SIGTERM, and prints what it did
 * per second.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* n lines (a power of two) visited once per round by an LCG of full period
 * (multiplier 1 mod 4, odd increment): the next line is far from the last. */
static uint64_t walk(uint64_t *buf, size_t n)
{
	size_t i = 0;

	for (size_t k = 0; k < n; k++) {
		buf[i * 8] += k;
		i = (i * 5 + 1) & (n - 1);
	}
	return n;
}

/* A chain of dependent multiplies and adds, kept in registers. */
static uint64_t spin(uint64_t *acc)
{
	uint64_t x = *acc;

	for (int k = 0; k < 1 << 20; k++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	*acc = x;
	return 1 << 20;
}

int main(int argc, char **argv)
{
	struct sched_param sp = {0};
	uint64_t *buf = NULL, acc = 1, done = 0;
	size_t mib, lines = 0;
	double secs, t0, t;

	if (argc != 3) {
		fprintf(stderr, "usage: cpu_busy MIB SECONDS\n");
		return 2;
	}
	mib = strtoul(argv[1], NULL, 10);
	secs = atof(argv[2]);
	if (mib & (mib - 1) || mib > 4096 || secs <= 0 || secs > 3600) {
		fprintf(stderr, "cpu_busy: MIB must be 0 or a power of two up to 4096, "
			"SECONDS 0 to 3600\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	if (sched_setscheduler(0, SCHED_IDLE, &sp) < 0) {
		fprintf(stderr, "cpu_busy: SCHED_IDLE: %s\n", strerror(errno));
		return 1;
	}
	if (mib) {
		lines = (mib << 20) / 64;
		buf = aligned_alloc(64, mib << 20);
		if (!buf) {
			fprintf(stderr, "cpu_busy: out of memory for %zu MiB\n", mib);
			return 1;
		}
		memset(buf, 0, mib << 20);
	}
	t0 = now_s();
	do {
		done += mib ? walk(buf, lines) : spin(&acc);
		t = now_s();
	} while (!stop && t - t0 < secs);
	printf("cpu_busy %s %.0f per second (%zu MiB)\n", mib ? "lines" : "loops",
	       (double)done / (t - t0), mib);
	free(buf);
	return acc == 0; /* keeps the spin from being optimised away */
}
