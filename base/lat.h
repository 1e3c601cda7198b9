/*
 * lat.h: latency histograms in microseconds, cheap enough for every packet.
 *
 * Buckets are exact from 0 to LAT_LINEAR-1 µs, then LAT_SUB buckets per power of two
 * (a bucket is at most 1/LAT_SUB of its value wide: about 3%), up to 2^LAT_MAX_LOG2
 * µs (about 67 s); the last bucket holds everything beyond. A sample is one
 * multiply, one shift and a count-leading-zeros. The histogram is plain counters:
 * its single writer adds, anyone may read it (through shared memory too) and take
 * the difference of two readings to get the histogram of a time window.
 */
#ifndef VG_LAT_H
#define VG_LAT_H

#include <stdint.h>
#include <stdio.h>

#define LAT_SUB_LOG2 5
#define LAT_SUB (1u << LAT_SUB_LOG2)         /* buckets per power of two */
#define LAT_LINEAR (2u * LAT_SUB)             /* exact buckets: 0 .. 63 µs */
#define LAT_MAX_LOG2 26
#define LAT_BUCKETS (LAT_LINEAR + (LAT_MAX_LOG2 - LAT_SUB_LOG2 - 1) * LAT_SUB + 1)

struct lat_hist {
	uint64_t n[LAT_BUCKETS];
	uint64_t sum_us; /* of every sample, those beyond the last bucket as its low end */
};

/* Multiplier turning TSC cycles into µs as (cycles * mult) >> 32. */
static inline uint64_t lat_tsc_mult(uint64_t tsc_hz)
{
	return tsc_hz ? (1000000ull << 32) / tsc_hz : 0;
}

static inline unsigned lat_bucket(uint64_t us)
{
	unsigned log2;

	if (us < LAT_LINEAR)
		return (unsigned)us;
	log2 = 63u - (unsigned)__builtin_clzll(us);
	if (log2 >= LAT_MAX_LOG2)
		return LAT_BUCKETS - 1;
	return LAT_LINEAR + (log2 - LAT_SUB_LOG2 - 1) * LAT_SUB +
	       (unsigned)((us >> (log2 - LAT_SUB_LOG2)) & (LAT_SUB - 1));
}

/* The smallest value (µs) bucket b holds. */
static inline uint64_t lat_bucket_low(unsigned b)
{
	unsigned log2;

	if (b < LAT_LINEAR)
		return b;
	if (b >= LAT_BUCKETS - 1)
		return 1ull << LAT_MAX_LOG2;
	log2 = (b - LAT_LINEAR) / LAT_SUB + LAT_SUB_LOG2 + 1;
	return (1ull << log2) + ((uint64_t)((b - LAT_LINEAR) % LAT_SUB) << (log2 - LAT_SUB_LOG2));
}

/* Count n samples (lat_add_tsc: one) of `cycles` TSC cycles, a difference now - stamp
 * (mult from lat_tsc_mult()). A stamp taken on another core a little after `now` (a
 * negative difference) counts as 0; a difference far beyond the histogram (a stamp of
 * another clock) lands in the last bucket. */
static inline void lat_add_tsc_n(struct lat_hist *h, uint64_t cycles, uint64_t mult,
				 uint64_t n)
{
	uint64_t us;

	if (cycles < (1ull << 40))
		us = (cycles * mult) >> 32;
	else
		us = -cycles < (1ull << 40) ? 0 : 1ull << LAT_MAX_LOG2;
	h->n[lat_bucket(us)] += n;
	h->sum_us += (us < (1ull << LAT_MAX_LOG2) ? us : 1ull << LAT_MAX_LOG2) * n;
}

static inline void lat_add_tsc(struct lat_hist *h, uint64_t cycles, uint64_t mult)
{
	lat_add_tsc_n(h, cycles, mult, 1);
}

/* Samples in h. */
uint64_t lat_count(const struct lat_hist *h);

/* The q quantile (0 < q <= 1) of h, as the low end of its bucket in µs; 0 for an
 * empty histogram. */
uint64_t lat_quantile(const struct lat_hist *h, double q);

/* Print h's quantiles as "NAME_us_p50 V", "NAME_us_p99 V", "NAME_us_p999 V" lines
 * (the key-value output of the bench tools). */
void lat_print(FILE *f, const char *name, const struct lat_hist *h);

/* d = a - b, bucket by bucket (and the sums): the samples taken between reading b
 * and reading a. */
void lat_diff(struct lat_hist *d, const struct lat_hist *a, const struct lat_hist *b);

/* to += h, bucket by bucket (and the sums): the samples of several histograms in one. */
void lat_sum(struct lat_hist *to, const struct lat_hist *h);

#endif
