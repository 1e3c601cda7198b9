/*
 * srcfilter.c: unit tests of the allowlist socket filter (signaling/srcfilter.c),
 * run by the kernel on real loopback sockets: Linux answers for all of 127.0.0.0/8
 * on lo, so each test sends from chosen source addresses and checks what the
 * filtered socket received and what it counted as dropped.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "config/cfg.h"
#include "signaling/srcfilter.h"

static struct sock_filter prog[SRCFILTER_MAX_INSNS];

/* Build the filter of the comma-free CIDR strings and attach it to fd. */
static void filter(int fd, const char *const cidrs[])
{
	struct cfg_cidr c[8];
	unsigned n = 0;
	int len;

	for (; cidrs[n]; n++)
		assert_int_equal(cfg_cidr_parse(cidrs[n], &c[n]), 0);
	len = srcfilter_build(c, n, prog, SRCFILTER_MAX_INSNS);
	assert_true(len > 0);
	assert_int_equal(srcfilter_attach(fd, prog, (unsigned)len), 0);
}

static void sa_of(struct sockaddr_storage *ss, socklen_t *len, const char *ip, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		assert_int_equal(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
		*len = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		assert_int_equal(inet_pton(AF_INET, ip, &in->sin_addr), 1);
		*len = sizeof(*in);
	}
}

/* A socket of type bound to ip (port 0: any); returns it and its port. */
static int bound(int type, const char *ip, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(strchr(ip, ':') ? AF_INET6 : AF_INET, type, 0), off = 0;

	assert_true(fd >= 0);
	if (strchr(ip, ':'))
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	sa_of(&ss, &len, ip, port ? *port : 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
	len = sizeof(ss);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (port)
		*port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
						      : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

/* Send one datagram from `from` to to:port; true when rx received it (within
 * 200 ms: loopback delivers at once, the wait only bounds a failure). */
static int udp_passes(int rx, const char *from, const char *to, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct pollfd p = {.fd = rx, .events = POLLIN};
	char buf[16];
	int tx = bound(SOCK_DGRAM, from, NULL), got;

	sa_of(&ss, &len, to, port);
	assert_int_equal(sendto(tx, "OPTIONS", 7, 0, (struct sockaddr *)&ss, len), 7);
	close(tx);
	got = poll(&p, 1, 200) == 1 && recv(rx, buf, sizeof(buf), MSG_DONTWAIT) == 7;
	return got;
}

static void test_build(void **state)
{
	struct cfg_cidr c[2];

	(void)state;
	assert_int_equal(cfg_cidr_parse("198.18.0.0/16", &c[0]), 0);
	assert_int_equal(cfg_cidr_parse("2001:db8::1/128", &c[1]), 0);
	/* 7 to branch on the version; per /16: load, and, compare, accept; per /128: 4
	 * words of load and compare, accept; a drop after each family. */
	assert_int_equal(srcfilter_build(c, 1, prog, SRCFILTER_MAX_INSNS), 7 + 4 + 1 + 1);
	assert_int_equal(srcfilter_build(c, 2, prog, SRCFILTER_MAX_INSNS), 7 + 4 + 1 + 9 + 1);
	assert_int_equal(srcfilter_build(c, 2, prog, 10), -E2BIG);
	assert_int_equal(srcfilter_build(c, 0, prog, SRCFILTER_MAX_INSNS), 9);
}

static void test_udp_ipv4(void **state)
{
	uint16_t port = 0;
	int rx = bound(SOCK_DGRAM, "127.0.0.1", &port);

	(void)state;
	filter(rx, (const char *const[]){"127.0.0.2/32", "127.0.1.0/30", NULL});
	assert_true(udp_passes(rx, "127.0.0.2", "127.0.0.1", port));
	assert_true(udp_passes(rx, "127.0.1.3", "127.0.0.1", port));
	assert_int_equal(srcfilter_drops(rx), 0);
	assert_false(udp_passes(rx, "127.0.0.3", "127.0.0.1", port));
	assert_false(udp_passes(rx, "127.0.1.4", "127.0.0.1", port));
	assert_false(udp_passes(rx, "127.0.0.1", "127.0.0.1", port));
	assert_int_equal(srcfilter_drops(rx), 3);
	close(rx);
}

/* IPv6 sources against prefixes that end inside a word and across words; IPv4
 * sources on a dual-stack socket against the IPv4 CIDRs only. */
static void test_udp_ipv6_dual_stack(void **state)
{
	uint16_t port = 0;
	int rx = bound(SOCK_DGRAM, "::", &port);

	(void)state;
	filter(rx, (const char *const[]){"::/127", NULL});
	assert_true(udp_passes(rx, "::1", "::1", port));
	assert_false(udp_passes(rx, "127.0.0.1", "127.0.0.1", port));
	close(rx);

	port = 0;
	rx = bound(SOCK_DGRAM, "::", &port);
	filter(rx, (const char *const[]){"::2/127", "::1:0:0:0/80", "127.0.0.5/32", NULL});
	assert_false(udp_passes(rx, "::1", "::1", port));
	assert_true(udp_passes(rx, "127.0.0.5", "127.0.0.1", port));
	assert_false(udp_passes(rx, "127.0.0.6", "127.0.0.1", port));
	assert_int_equal(srcfilter_drops(rx), 2);
	close(rx);

	port = 0;
	rx = bound(SOCK_DGRAM, "::", &port);
	filter(rx, (const char *const[]){"::/64", NULL});
	assert_true(udp_passes(rx, "::1", "::1", port));
	close(rx);
}

/* A TCP connection from outside never gets past the SYN; one from inside is
 * accepted and its socket, which inherits the filter, carries data. */
static void test_tcp(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct pollfd p;
	uint16_t port = 0;
	int ls = bound(SOCK_STREAM, "127.0.0.1", &port), c1, c2, a;
	char buf[8];

	(void)state;
	filter(ls, (const char *const[]){"127.0.0.2/32", NULL});
	assert_int_equal(listen(ls, 4), 0);
	sa_of(&ss, &len, "127.0.0.1", port);

	c1 = bound(SOCK_STREAM, "127.0.0.3", NULL);
	fcntl(c1, F_SETFL, O_NONBLOCK);
	assert_int_equal(connect(c1, (struct sockaddr *)&ss, len), -1);
	assert_int_equal(errno, EINPROGRESS);
	p = (struct pollfd){.fd = c1, .events = POLLOUT};
	assert_int_equal(poll(&p, 1, 300), 0); /* no SYN-ACK, no RST */
	assert_true(srcfilter_drops(ls) >= 1);

	c2 = bound(SOCK_STREAM, "127.0.0.2", NULL);
	assert_int_equal(connect(c2, (struct sockaddr *)&ss, len), 0);
	a = accept(ls, NULL, NULL);
	assert_true(a >= 0);
	assert_int_equal(send(c2, "BYE", 3, 0), 3);
	p = (struct pollfd){.fd = a, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_int_equal(recv(a, buf, sizeof(buf), 0), 3);
	close(a);
	close(c2);
	close(c1);
	close(ls);
}

/* The sockets bound to an address and port: the UDP one and the listening TCP one,
 * not a connected TCP socket nor another port. */
static void test_sockets(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;
	uint16_t port = 0;
	int u = bound(SOCK_DGRAM, "127.0.0.1", &port), t = bound(SOCK_STREAM, "127.0.0.1", &port);
	int other = bound(SOCK_DGRAM, "127.0.0.1", &(uint16_t){0}), c, a, fds[4];

	(void)state;
	assert_int_equal(listen(t, 1), 0);
	sa_of(&ss, &len, "127.0.0.1", port);
	c = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&ss, len), 0);
	a = accept(t, NULL, NULL);
	assert_true(a >= 0);
	assert_int_equal(srcfilter_sockets("127.0.0.1", port, fds, 4), 2);
	assert_true((fds[0] == u && fds[1] == t) || (fds[0] == t && fds[1] == u));
	assert_int_equal(srcfilter_sockets("127.0.0.2", port, fds, 4), 0);
	assert_int_equal(srcfilter_sockets("not an address", port, fds, 4), -EINVAL);
	close(a);
	close(c);
	close(other);
	close(t);
	close(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_udp_ipv4),
		cmocka_unit_test(test_udp_ipv6_dual_stack),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_sockets),
	};

	return cmocka_run_group_tests_name("srcfilter", tests, NULL, NULL);
}
