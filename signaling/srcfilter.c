/*
 * srcfilter.c: the trunks' allowlists as a classic BPF socket filter (see
 * srcfilter.h).
 *
 * The program reads the source address from the IP header through the kernel's
 * SKF_NET_OFF window (a socket filter otherwise sees the packet from its transport
 * header on), branches on the IP version, and tests one CIDR after another: per
 * IPv4 CIDR a load, a mask and a compare (3 instructions and a return), per IPv6
 * CIDR the same for each 32-bit word its prefix covers. Every jump is short (a
 * compare skips at most the rest of its own CIDR), so the program has no 255-step
 * jump limit to meet, only the kernel's 4096 instructions: about 300 IPv6 /128s or
 * 1000 IPv4 CIDRs.
 */
#include "signaling/srcfilter.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define SF_ACCEPT 0xffffffffu /* keep the whole packet */
#define SF_DROP 0u

struct sf_prog {
	struct sock_filter *insn;
	unsigned n, max;
};

static void sf_emit(struct sf_prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (p->n < p->max)
		p->insn[p->n] = (struct sock_filter){code, jt, jf, k};
	p->n++;
}

/* Accept when the nwords 32-bit words of the source address at NET+off, masked by
 * the CIDR's prefix, equal the CIDR's. */
static void sf_cidr(struct sf_prog *p, const struct cfg_cidr *c, unsigned off,
		    unsigned nwords)
{
	unsigned first = p->n, left = c->prefix;

	for (unsigned w = 0; w < nwords && left; w++) {
		unsigned bits = left < 32 ? left : 32;
		uint32_t mask = bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits);
		uint32_t word = (uint32_t)c->addr[4 * w] << 24 | (uint32_t)c->addr[4 * w + 1] << 16 |
				(uint32_t)c->addr[4 * w + 2] << 8 | c->addr[4 * w + 3];

		sf_emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0,
			(uint32_t)(SKF_NET_OFF + (int)(off + 4 * w)));
		if (mask != 0xffffffffu)
			sf_emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, mask);
		/* jf patched below: past this CIDR's return */
		sf_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, word & mask);
		left -= bits;
	}
	sf_emit(p, BPF_RET | BPF_K, 0, 0, SF_ACCEPT);
	for (unsigned i = first; i + 1 < p->n && p->n <= p->max; i++)
		if (p->insn[i].code == (BPF_JMP | BPF_JEQ | BPF_K))
			p->insn[i].jf = (uint8_t)(p->n - 1 - i);
}

int srcfilter_build(const struct cfg_cidr *cidrs, unsigned n, struct sock_filter *prog,
		    unsigned max)
{
	/* Where the source address is in each IP header (RFC 791, RFC 8200). */
	static const struct {
		int family;
		unsigned version, offset, words;
	} ip[2] = {{AF_INET, 4, 12, 1}, {AF_INET6, 6, 8, 4}};
	struct sf_prog p = {.insn = prog, .max = max};
	unsigned ja[2];

	/* The IP version, from the first byte of the IP header; a jump to its part. */
	sf_emit(&p, BPF_LD | BPF_B | BPF_ABS, 0, 0, (uint32_t)SKF_NET_OFF);
	sf_emit(&p, BPF_ALU | BPF_RSH | BPF_K, 0, 0, 4);
	for (unsigned v = 0; v < 2; v++) {
		sf_emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, ip[v].version);
		ja[v] = p.n;
		sf_emit(&p, BPF_JMP | BPF_JA, 0, 0, 0);
	}
	sf_emit(&p, BPF_RET | BPF_K, 0, 0, SF_DROP);

	/* Each part: its CIDRs, then a drop. */
	for (unsigned v = 0; v < 2; v++) {
		if (ja[v] < max)
			prog[ja[v]].k = p.n - ja[v] - 1;
		for (unsigned i = 0; i < n; i++)
			if (cidrs[i].family == ip[v].family)
				sf_cidr(&p, &cidrs[i], ip[v].offset, ip[v].words);
		sf_emit(&p, BPF_RET | BPF_K, 0, 0, SF_DROP);
	}
	return p.n <= max ? (int)p.n : -E2BIG;
}

int srcfilter_attach(int fd, const struct sock_filter *prog, unsigned len)
{
	struct sock_fprog fp = {.len = (unsigned short)len,
				.filter = (struct sock_filter *)prog};

	if (len == 0 || len > SRCFILTER_MAX_INSNS)
		return -E2BIG;
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) == 0 ? 0 : -errno;
}

static int sf_getint(int fd, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);

	return getsockopt(fd, SOL_SOCKET, opt, &v, &len) == 0 ? v : -1;
}

/* Is fd a UDP socket or a listening TCP socket bound to family/addr/port? */
static int sf_bound_to(int fd, int family, const void *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int type = sf_getint(fd, SO_TYPE);

	if (sf_getint(fd, SO_DOMAIN) != family ||
	    (type != SOCK_DGRAM && (type != SOCK_STREAM || sf_getint(fd, SO_ACCEPTCONN) != 1)))
		return 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 || ss.ss_family != family)
		return 0;
	if (family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;

		return ntohs(in->sin_port) == port && memcmp(&in->sin_addr, addr, 4) == 0;
	}
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;

	return ntohs(in6->sin6_port) == port && memcmp(&in6->sin6_addr, addr, 16) == 0;
}

int srcfilter_sockets(const char *addr, uint16_t port, int *fds, unsigned max)
{
	unsigned char bin[16];
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	struct dirent *e;
	unsigned found = 0;
	DIR *d;

	if (inet_pton(family, addr, bin) != 1)
		return -EINVAL;
	d = opendir("/proc/self/fd");
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (*end || end == e->d_name || fd == dirfd(d) ||
		    !sf_bound_to((int)fd, family, bin, port))
			continue;
		if (found < max)
			fds[found] = (int)fd;
		found++;
	}
	closedir(d);
	return (int)found;
}

uint64_t srcfilter_drops(int fd)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) != 0 ||
	    len <= SK_MEMINFO_DROPS * sizeof(uint32_t))
		return 0;
	return mem[SK_MEMINFO_DROPS];
}
