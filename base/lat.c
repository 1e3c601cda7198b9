/*
 * lat.c: reading latency histograms (see lat.h).
 */
#include "base/lat.h"

uint64_t lat_count(const struct lat_hist *h)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < LAT_BUCKETS; i++)
		total += h->n[i];
	return total;
}

uint64_t lat_quantile(const struct lat_hist *h, double q)
{
	uint64_t total = lat_count(h), acc = 0;
	double want = q * (double)total;

	if (total == 0)
		return 0;
	for (unsigned i = 0; i < LAT_BUCKETS; i++) {
		acc += h->n[i];
		if ((double)acc >= want)
			return lat_bucket_low(i);
	}
	return lat_bucket_low(LAT_BUCKETS - 1);
}

void lat_diff(struct lat_hist *d, const struct lat_hist *a, const struct lat_hist *b)
{
	for (unsigned i = 0; i < LAT_BUCKETS; i++)
		d->n[i] = a->n[i] - b->n[i];
	d->sum_us = a->sum_us - b->sum_us;
}

void lat_sum(struct lat_hist *to, const struct lat_hist *h)
{
	for (unsigned i = 0; i < LAT_BUCKETS; i++)
		to->n[i] += h->n[i];
	to->sum_us += h->sum_us;
}

void lat_print(FILE *f, const char *name, const struct lat_hist *h)
{
	fprintf(f, "%s_us_p50 %llu\n", name, (unsigned long long)lat_quantile(h, 0.50));
	fprintf(f, "%s_us_p99 %llu\n", name, (unsigned long long)lat_quantile(h, 0.99));
	fprintf(f, "%s_us_p999 %llu\n", name, (unsigned long long)lat_quantile(h, 0.999));
}
