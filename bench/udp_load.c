/*
 * udp_load: offered load for a peer media relay (rtpengine) over kernel UDP sockets.
 *
 *   udp_load PORTS_FILE SECONDS PEER_PID
 *
 * Every call (one line of PORTS_FILE: the peer's port for side A) sends one 20 ms
 * PCMU packet every 20 ms from 127.0.0.1:20000, the calls' phases spread over the
 * 20 ms like bench/dp_bench.c; what the peer relays arrives at 127.0.0.1:20002 and is
 * counted. Prints packets sent, received, lost, and the peer process's CPU time over
 * the window (from /proc/PID/stat) as percent of one core and cycles per packet (in +
 * out) at the TSC rate, so that it reads like dp_bench's figures. A 2 s warm-up and
 * a 0.5 s pause come before the measured window, whose stragglers are awaited 0.3 s.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#define BATCH 64

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_s(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		perror(path);
		exit(1);
	}
	fclose(f);
	p = strrchr(buf, ')');
	/* fields after ")": state(3) ... utime(14) stime(15) */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &ut, &st) != 2)
		exit(1);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int bound(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), big = 8 << 20;

	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(s, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("bind");
		exit(1);
	}
	return s;
}

static uint64_t drain(int rx)
{
	static uint8_t bufs[BATCH][256];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	uint64_t n = 0;
	int k;

	do {
		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){bufs[i], sizeof(bufs[i])};
			m[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
		}
		k = recvmmsg(rx, m, BATCH, MSG_DONTWAIT, NULL);
		if (k > 0)
			n += (uint64_t)k;
	} while (k == BATCH);
	return n;
}

int main(int argc, char **argv)
{
	uint16_t *ports = NULL;
	unsigned n = 0, cap = 0, seconds, tick = 0;
	uint64_t sent = 0, got = 0, *seq;
	static uint8_t payload[160];
	struct sockaddr_in *dst;
	double t0, t_end, next, cpu0 = 0, c0 = 0, cpu1, c1;
	unsigned long long tsc0 = 0, tsc1;
	int tx, rx, pid;
	FILE *f;

	if (argc != 4) {
		fprintf(stderr, "usage: udp_load PORTS_FILE SECONDS PEER_PID\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	seconds = (unsigned)atoi(argv[2]);
	pid = atoi(argv[3]);
	while (f) {
		unsigned p;

		if (fscanf(f, "%u", &p) != 1)
			break;
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			ports = realloc(ports, cap * sizeof(*ports));
		}
		ports[n++] = (uint16_t)p;
	}
	if (!n)
		return 1;
	dst = calloc(n, sizeof(*dst));
	seq = calloc(n, sizeof(*seq));
	for (unsigned i = 0; i < n; i++)
		dst[i] = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(ports[i]),
					      .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	tx = bound(20000);
	rx = bound(20002);
	memset(payload, 0xff, sizeof(payload)); /* PCMU silence */

	/* 2 s of warm-up, then the measured window */
	for (int phase = 0; phase < 2; phase++) {
		unsigned secs = phase ? seconds : 2;

		if (phase) {
			/* a pause, so that nothing of the warm-up is counted in the window */
			for (double until = now_s() + 0.5; now_s() < until; usleep(1000))
				drain(rx);
			sent = got = 0;
			cpu0 = cpu_s(pid);
			tsc0 = __rdtsc();
			c0 = now_s();
		}
		t0 = now_s();
		t_end = t0 + secs;
		next = t0;
		while (next < t_end) {
			static uint8_t hdr[BATCH][12];
			static struct iovec iov[BATCH][2];
			struct mmsghdr m[BATCH];
			unsigned k = 0;

			while (now_s() < next) {
				got += drain(rx);
				usleep(100);
			}
			/* the calls whose phase this ms is: RTP header each, one shared payload */
			for (unsigned c = tick % 20; c < n; c += 20) {
				uint32_t s = (uint32_t)seq[c]++;
				uint32_t ts = htonl(s * 160), ssrc = htonl(0x2000 + c);

				hdr[k][0] = 0x80;
				hdr[k][1] = 0; /* PCMU */
				hdr[k][2] = (uint8_t)(s >> 8);
				hdr[k][3] = (uint8_t)s;
				memcpy(&hdr[k][4], &ts, 4);
				memcpy(&hdr[k][8], &ssrc, 4);
				iov[k][0] = (struct iovec){hdr[k], 12};
				iov[k][1] = (struct iovec){payload, sizeof(payload)};
				m[k] = (struct mmsghdr){.msg_hdr = {.msg_name = &dst[c],
								    .msg_namelen = sizeof(dst[c]),
								    .msg_iov = iov[k],
								    .msg_iovlen = 2}};
				if (++k == BATCH || c + 20 >= n) {
					int r = sendmmsg(tx, m, k, 0);

					if (r > 0)
						sent += (uint64_t)r;
					k = 0;
				}
			}
			tick++;
			next += 0.001;
		}
	}
	c1 = now_s();
	cpu1 = cpu_s(pid);
	tsc1 = __rdtsc();
	for (double until = now_s() + 0.3; now_s() < until; usleep(1000))
		got += drain(rx);
	{
		double secs = c1 - c0, hz = (double)(tsc1 - tsc0) / secs;
		double cpu = cpu1 - cpu0;

		printf("calls %u\nseconds %.1f\nsent %llu\nreceived %llu\nlost %lld\n", n, secs,
		       (unsigned long long)sent, (unsigned long long)got,
		       (long long)sent - (long long)got);
		printf("peer_cpu_percent %.1f\n", 100.0 * cpu / secs);
		printf("peer_pps %.0f\n", (double)(sent + got) / secs);
		printf("cycles_per_packet %.0f\n", got ? cpu * hz / (double)(sent + got) : 0);
	}
	return 0;
}
