/*
 * srtp_ops: what libsrtp2 costs per packet, through voxgate's own wrapper
 * (dataplane/srtp.c), for the libsrtp2 this binary is linked with.
 *
 *   srtp_ops [--sessions N] [--packets N] [--threads T] [--suite sha1_80|gcm]
 *
 * meson builds it twice: srtp_ops_nss on Debian's libsrtp2 (built on NSS) and
 * srtp_ops_openssl on the one tools/srtp_openssl.sh builds from Debian's source
 * with OpenSSL; bench/run.sh runs both and prints the ratio.
 *
 * Each thread keeps N calls' worth of SRTP (both directions, random keys, AES_CM_128_
 * HMAC_SHA1_80 or AEAD_AES_128_GCM) and walks them round-robin, as a dp lcore does: protect one 172-byte
 * G.711 packet (12-byte header, 160 bytes), then unprotect it with the receiving
 * side; every unprotect must succeed and give the packet back. Printed per thread:
 * TSC cycles per protect and per unprotect. With two threads at once the figures show
 * whether the library serialises them (NSS takes a lock per packet).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <x86intrin.h>

#include "dataplane/srtp.h"

struct job {
	unsigned sessions, packets, idx, suite;
	double protect, unprotect; /* cycles per packet */
	int failed;
};

static void *run(void *arg)
{
	struct job *j = arg;
	struct srtp_call *tx = calloc(j->sessions, sizeof(*tx));
	struct srtp_call *rx = calloc(j->sessions, sizeof(*rx));
	uint16_t *seq = calloc(j->sessions, sizeof(*seq));
	uint8_t pkt[172 + SRTP_CALL_TRAILER], ref[172];
	uint64_t t_prot = 0, t_unprot = 0;

	if (!tx || !rx || !seq) {
		j->failed = ENOMEM;
		return NULL;
	}
	for (unsigned i = 0; i < j->sessions; i++) {
		struct cs_srtp k = {.suite = (uint8_t)j->suite};

		if (getrandom(k.tx_key, sizeof(k.tx_key), 0) < 0) {
			j->failed = errno;
			return NULL;
		}
		memcpy(k.rx_key, k.tx_key, sizeof(k.rx_key));
		if (srtp_call_open_tx(&tx[i], &k, 0x1000 + i) || srtp_call_open_rx(&rx[i], &k)) {
			j->failed = EINVAL;
			return NULL;
		}
	}
	for (unsigned n = 0; n < j->packets; n++) {
		unsigned i = n % j->sessions;
		uint32_t len = sizeof(ref), ssrc = 0x1000 + i;
		uint64_t t0, t1, t2;

		ref[0] = 0x80;
		ref[1] = 8;
		ref[2] = (uint8_t)(seq[i] >> 8);
		ref[3] = (uint8_t)seq[i];
		memset(ref + 4, 0, 4);
		ref[8] = (uint8_t)(ssrc >> 24);
		ref[9] = (uint8_t)(ssrc >> 16);
		ref[10] = (uint8_t)(ssrc >> 8);
		ref[11] = (uint8_t)ssrc;
		memset(ref + 12, (int)(n & 0xff), 160);
		seq[i]++;
		memcpy(pkt, ref, sizeof(ref));
		t0 = __rdtsc();
		if (srtp_call_protect(&tx[i], pkt, &len, false) != 0)
			j->failed = EIO;
		t1 = __rdtsc();
		if (srtp_call_unprotect(&rx[i], pkt, &len, false) != DP_DROP_NONE)
			j->failed = EBADMSG;
		t2 = __rdtsc();
		if (len != sizeof(ref) || memcmp(pkt, ref, sizeof(ref)) != 0)
			j->failed = EBADMSG;
		t_prot += t1 - t0;
		t_unprot += t2 - t1;
	}
	j->protect = (double)t_prot / j->packets;
	j->unprotect = (double)t_unprot / j->packets;
	for (unsigned i = 0; i < j->sessions; i++) {
		srtp_call_close(&tx[i]);
		srtp_call_close(&rx[i]);
	}
	free(tx);
	free(rx);
	free(seq);
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"sessions", required_argument, NULL, 's'},
					     {"packets", required_argument, NULL, 'p'},
					     {"threads", required_argument, NULL, 't'},
					     {"suite", required_argument, NULL, 'u'},
					     {NULL, 0, NULL, 0}};
	unsigned sessions = 1000, packets = 300000, threads = 1;
	unsigned suite = CS_SRTP_AES_CM_128_HMAC_SHA1_80;
	pthread_t th[2];
	struct job jobs[2];
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 's')
			sessions = (unsigned)atoi(optarg);
		else if (opt == 'p')
			packets = (unsigned)atoi(optarg);
		else if (opt == 't')
			threads = (unsigned)atoi(optarg);
		else if (opt == 'u' && strcmp(optarg, "gcm") == 0)
			suite = CS_SRTP_AEAD_AES_128_GCM;
		else if (opt == 'u' && strcmp(optarg, "sha1_80") == 0)
			suite = CS_SRTP_AES_CM_128_HMAC_SHA1_80;
		else
			return 2;
	}
	if (sessions < 1 || packets < sessions || threads < 1 || threads > 2) {
		fprintf(stderr, "srtp_ops: --sessions >= 1, --packets >= sessions, "
				"--threads 1 or 2\n");
		return 2;
	}
	if (srtp_call_lib_init() != 0) {
		fprintf(stderr, "srtp_ops: srtp_init failed\n");
		return 1;
	}
	printf("library %s on %s, %s\n", srtp_get_version_string(), VG_SRTP_CRYPTO,
	       suite == CS_SRTP_AEAD_AES_128_GCM ? "AEAD_AES_128_GCM" : "AES_CM_128_HMAC_SHA1_80");
	for (unsigned t = 0; t < threads; t++) {
		jobs[t] = (struct job){.sessions = sessions, .packets = packets, .idx = t,
				       .suite = suite};
		pthread_create(&th[t], NULL, run, &jobs[t]);
	}
	for (unsigned t = 0; t < threads; t++) {
		pthread_join(th[t], NULL);
		if (jobs[t].failed) {
			fprintf(stderr, "srtp_ops: thread %u: %s\n", t, strerror(jobs[t].failed));
			return 1;
		}
		printf("threads %u thread %u protect_cycles %.0f unprotect_cycles %.0f\n",
		       threads, t, jobs[t].protect, jobs[t].unprotect);
	}
	srtp_call_lib_fini();
	return 0;
}
