/*
 * lat_shm.c: unit tests of the latency histograms (base/lat.h) and the stats files
 * (base/shm.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/lat.h"
#include "base/shm.h"

/* Every value lands in a bucket whose low end is at most the value and within 1/32 of
 * it; buckets never go backwards. */
static void test_buckets(void **state)
{
	unsigned last = 0;

	(void)state;
	for (uint64_t us = 0; us < (1ull << LAT_MAX_LOG2); us += 1 + us / 97) {
		unsigned b = lat_bucket(us);
		uint64_t low = lat_bucket_low(b);

		assert_true(b < LAT_BUCKETS - 1);
		assert_true(b >= last);
		assert_true(low <= us);
		assert_true(us - low <= us / LAT_SUB);
		assert_int_equal(lat_bucket(low), b);
		last = b;
	}
	assert_int_equal(lat_bucket(63), 63);
	assert_int_equal(lat_bucket(64), 64);
	assert_int_equal(lat_bucket_low(lat_bucket(200)), 200);
	assert_int_equal(lat_bucket_low(lat_bucket(201)), 200); /* 200-203 */
	assert_int_equal(lat_bucket(1ull << LAT_MAX_LOG2), LAT_BUCKETS - 1);
	assert_int_equal(lat_bucket(UINT64_MAX), LAT_BUCKETS - 1);
}

/* Samples in TSC cycles: 1 GHz makes a cycle a nanosecond. */
static void test_quantiles(void **state)
{
	static struct lat_hist h, before, d;
	uint64_t mult = lat_tsc_mult(1000000000ull);

	(void)state;
	assert_int_equal(lat_quantile(&h, 0.99), 0);
	for (unsigned i = 0; i < 980; i++)
		lat_add_tsc(&h, 10000 + i, mult); /* 10 µs */
	for (unsigned i = 0; i < 19; i++)
		lat_add_tsc(&h, 150000, mult); /* 150 µs */
	lat_add_tsc(&h, 5000000, mult); /* 5 ms */
	assert_int_equal(lat_count(&h), 1000);
	assert_int_equal(lat_quantile(&h, 0.50), 10);
	assert_int_equal(lat_quantile(&h, 0.98), 10);
	assert_int_equal(lat_quantile(&h, 0.99), 148); /* 148-151 µs */
	assert_true(lat_quantile(&h, 1.0) <= 5000 && lat_quantile(&h, 1.0) > 4800);
	/* a stamp taken on another core just after `now` counts as 0; one of another
	 * clock (far in the future or past) goes to the last bucket */
	lat_add_tsc(&h, (uint64_t)-5, mult);
	assert_int_equal(h.n[0], 1);
	lat_add_tsc(&h, 1ull << 50, mult);
	lat_add_tsc(&h, (uint64_t)-(1ll << 50), mult);
	assert_int_equal(h.n[LAT_BUCKETS - 1], 2);
	/* a window: what came after a reading */
	before = h;
	for (unsigned i = 0; i < 10; i++)
		lat_add_tsc(&h, 300000, mult);
	lat_diff(&d, &h, &before);
	assert_int_equal(lat_count(&d), 10);
	assert_int_equal(lat_quantile(&d, 0.5), 296); /* 296-303 µs */
	/* n samples of one value at once, as the timer wheel counts a burst of calls */
	before = h;
	lat_add_tsc_n(&h, 40500, mult, 32); /* 40.5 µs */
	lat_diff(&d, &h, &before);
	assert_int_equal(lat_count(&d), 32);
	assert_int_equal(d.n[40], 32);
	/* two windows in one */
	lat_sum(&d, &d);
	assert_int_equal(lat_count(&d), 64);
	assert_int_equal(d.n[40], 64);
	lat_sum(&d, &before);
	assert_int_equal(lat_count(&d), 64 + lat_count(&before));
}

struct test_file {
	uint32_t magic;
	uint32_t n;
	uint64_t counters[8];
};

static void test_shm_file(void **state)
{
	char path[SHM_PATH_MAX], rpath[SHM_PATH_MAX], pid[16], stale[64];
	const struct test_file *r;
	struct test_file *w;
	struct stat sb;
	size_t size = 0;
	FILE *f;

	(void)state;
	/* a file of a voxgate that is gone (pid 2^22 + 1 is beyond pid_max's default)
	 * is swept; one of another kind is not */
	snprintf(stale, sizeof(stale), "/dev/shm/voxgate-4194305.unit");
	f = fopen(stale, "w");
	assert_non_null(f);
	fclose(f);
	w = shm_create("unit", sizeof(*w), path);
	assert_non_null(w);
	assert_int_not_equal(stat(stale, &sb), 0);
	assert_non_null(strstr(path, "/dev/shm/voxgate-"));
	assert_int_equal(w->counters[7], 0);
	w->counters[3] = 42;
	w->magic = 7;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	r = shm_open_ro(pid, "unit", &size, rpath);
	assert_non_null(r);
	assert_string_equal(rpath, path);
	assert_int_equal(size, sizeof(*w));
	w->counters[3]++;
	assert_int_equal(r->counters[3], 43); /* the same pages */
	r = shm_open_ro(path, "other", &size, rpath); /* a FILE is taken as it is */
	assert_non_null(r);
	shm_destroy(w, sizeof(*w), path);
	assert_int_not_equal(stat(path, &sb), 0);
	assert_null(shm_open_ro(pid, "unit", &size, rpath));
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_shm_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
