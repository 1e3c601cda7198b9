/*
 * capture.c: SIP capture to pcap files and HEP3 (capture.h).
 */
#include "signaling/capture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "base/log.h"

#define CAP_SNAPLEN 65535
#define CAP_HEP_MAX 65000

struct cap {
	const struct cfg *cfg;
	pcap_t *p;
	int link;             /* the device's DLT_ */
	pcap_dumper_t *dump;
	uint64_t file_bytes;  /* in the current file */
	int hep_fd;           /* connected UDP socket; -1: no HEP */
	pthread_t thread;
	volatile int quit;
	struct cap_stats st;
};

/* ---- HEP3 ---- */

static uint8_t *cap_chunk(uint8_t *p, uint16_t type, const void *data, uint16_t len)
{
	uint16_t v = 0, t = htons(type), l = htons((uint16_t)(6 + len));

	memcpy(p, &v, 2);
	memcpy(p + 2, &t, 2);
	memcpy(p + 4, &l, 2);
	memcpy(p + 6, data, len);
	return p + 6 + len;
}

size_t cap_hep3(uint8_t *out, size_t size, int family, const void *src, const void *dst,
		uint16_t sport, uint16_t dport, uint8_t proto, uint32_t sec, uint32_t usec,
		uint32_t agent_id, const uint8_t *payload, size_t len)
{
	uint16_t alen = family == AF_INET6 ? 16 : 4, n16;
	uint8_t fam = family == AF_INET6 ? 10 : 2, sip = 1, *p = out + 6;
	uint32_t n32;
	/* header, 3 one-byte chunks, 2 addresses, 2 ports, 3 four-byte ones, payload */
	size_t need = 6 + 3 * 7 + 2 * (6 + alen) + 2 * 8 + 3 * 10 + 6 + len;

	if (need > size || need > 0xffff)
		return 0;
	memcpy(out, "HEP3", 4);
	p = cap_chunk(p, 0x0001, &fam, 1);
	p = cap_chunk(p, 0x0002, &proto, 1);
	p = cap_chunk(p, family == AF_INET6 ? 0x0005 : 0x0003, src, alen);
	p = cap_chunk(p, family == AF_INET6 ? 0x0006 : 0x0004, dst, alen);
	n16 = htons(sport);
	p = cap_chunk(p, 0x0007, &n16, 2);
	n16 = htons(dport);
	p = cap_chunk(p, 0x0008, &n16, 2);
	n32 = htonl(sec);
	p = cap_chunk(p, 0x0009, &n32, 4);
	n32 = htonl(usec);
	p = cap_chunk(p, 0x000a, &n32, 4);
	p = cap_chunk(p, 0x000b, &sip, 1);
	n32 = htonl(agent_id);
	p = cap_chunk(p, 0x000c, &n32, 4);
	p = cap_chunk(p, 0x000f, payload, (uint16_t)len);
	n16 = htons((uint16_t)(p - out)); /* == need */
	memcpy(out + 4, &n16, 2);
	return (size_t)(p - out);
}

/* The packet's IP and transport headers: the HEP3 of its payload, sent. */
static void cap_hep_send(struct cap *c, const struct pcap_pkthdr *h, const uint8_t *pkt)
{
	static uint8_t out[CAP_HEP_MAX + 256];
	size_t off, n, ihl, thl;
	uint16_t proto = 0;
	uint8_t l4;
	const uint8_t *ip, *src, *dst;
	int family;

	/* the link layer: Linux cooked v1 ("any"), v2, or Ethernet */
	if (c->link == DLT_LINUX_SLL && h->caplen >= 16) {
		proto = (uint16_t)(pkt[14] << 8 | pkt[15]);
		off = 16;
	} else if (c->link == DLT_LINUX_SLL2 && h->caplen >= 20) {
		proto = (uint16_t)(pkt[0] << 8 | pkt[1]);
		off = 20;
	} else if (c->link == DLT_EN10MB && h->caplen >= 14) {
		proto = (uint16_t)(pkt[12] << 8 | pkt[13]);
		off = 14;
	} else {
		c->st.hep_failed++;
		return;
	}
	ip = pkt + off;
	n = h->caplen - off;
	if (proto == 0x0800 && n >= 20 && (ip[0] >> 4) == 4) {
		family = AF_INET;
		ihl = (size_t)(ip[0] & 15) * 4;
		l4 = ip[9];
		src = ip + 12;
		dst = ip + 16;
	} else if (proto == 0x86dd && n >= 40 && (ip[0] >> 4) == 6) {
		family = AF_INET6;
		ihl = 40; /* the filter's ports imply no extension header in practice */
		l4 = ip[6];
		src = ip + 8;
		dst = ip + 24;
	} else {
		c->st.hep_failed++;
		return;
	}
	if (n < ihl + 8 || (l4 != IPPROTO_UDP && l4 != IPPROTO_TCP)) {
		c->st.hep_failed++;
		return;
	}
	thl = l4 == IPPROTO_UDP ? 8 : (size_t)(ip[ihl + 12] >> 4) * 4;
	if (n < ihl + thl)
		return;
	if (n == ihl + thl)
		return; /* a TCP segment without data (ACK, SYN, FIN): nothing of SIP */
	n = cap_hep3(out, sizeof(out), family, src, dst,
		     (uint16_t)(ip[ihl] << 8 | ip[ihl + 1]), (uint16_t)(ip[ihl + 2] << 8 | ip[ihl + 3]),
		     l4, (uint32_t)h->ts.tv_sec, (uint32_t)h->ts.tv_usec, c->cfg->sig.capture.hep_id,
		     ip + ihl + thl, n - ihl - thl);
	if (n && send(c->hep_fd, out, n, MSG_DONTWAIT) == (ssize_t)n)
		c->st.hep_sent++;
	else
		c->st.hep_failed++;
}

/* ---- pcap files ---- */

/* Move FILE to FILE.1, FILE.1 to FILE.2 ... (the oldest beyond files-1 goes), then
 * begin FILE again. */
static int cap_open(struct cap *c, bool rotate)
{
	const char *path = c->cfg->sig.capture.pcap;
	char from[300], to[300];

	if (c->dump) {
		pcap_dump_close(c->dump);
		c->dump = NULL;
	}
	if (rotate) {
		for (unsigned i = c->cfg->sig.capture.files - 1; i > 0; i--) {
			if (i == 1)
				snprintf(from, sizeof(from), "%s", path);
			else
				snprintf(from, sizeof(from), "%s.%u", path, i - 1);
			snprintf(to, sizeof(to), "%s.%u", path, i);
			rename(from, to);
		}
		if (c->cfg->sig.capture.files == 1)
			unlink(path);
	}
	c->dump = pcap_dump_open(c->p, path);
	if (!c->dump) {
		log_err("sig", "SIP capture: cannot write %s: %s", path, pcap_geterr(c->p));
		return -EIO;
	}
	c->file_bytes = 24; /* the file header */
	c->st.files++;
	return 0;
}

static void cap_packet(uint8_t *arg, const struct pcap_pkthdr *h, const uint8_t *pkt)
{
	struct cap *c = (struct cap *)arg;

	c->st.packets++;
	if (c->hep_fd >= 0)
		cap_hep_send(c, h, pkt);
	if (!c->cfg->sig.capture.pcap[0])
		return;
	if (c->dump && c->file_bytes + 16 + h->caplen >
			       (uint64_t)c->cfg->sig.capture.max_mb << 20)
		cap_open(c, true);
	if (!c->dump)
		return;
	pcap_dump((uint8_t *)c->dump, h, pkt);
	c->file_bytes += 16 + h->caplen;
	c->st.bytes += 16 + h->caplen;
}

static void *cap_main(void *arg)
{
	struct cap *c = arg;
	struct pollfd pfd = {.fd = pcap_get_selectable_fd(c->p), .events = POLLIN};
	struct pcap_stat ps;

	pthread_setname_np(pthread_self(), "vg-capture");
	while (!c->quit) {
		if (poll(&pfd, 1, 200) < 0)
			continue;
		pcap_dispatch(c->p, -1, cap_packet, (uint8_t *)c);
		if (c->dump)
			pcap_dump_flush(c->dump);
		if (pcap_stats(c->p, &ps) == 0)
			c->st.dropped = ps.ps_drop;
	}
	return NULL;
}

/* "(udp or tcp) and (port A or port B ...)" for the UDP and TCP listeners. */
static int cap_filter(const struct cfg *cfg, char *out, size_t size)
{
	size_t n = (size_t)snprintf(out, size, "(udp or tcp) and (");
	unsigned ports = 0;

	for (unsigned i = 0; i < cfg->sig.n_listeners && n < size; i++) {
		const struct cfg_listener *l = &cfg->sig.listeners[i];

		if (l->transport == CFG_TP_TLS)
			continue;
		n += (size_t)snprintf(out + n, size - n, "%sport %u", ports++ ? " or " : "",
				      l->port);
	}
	if (n < size)
		n += (size_t)snprintf(out + n, size - n, ")");
	return ports && n < size ? 0 : -EINVAL;
}

int cap_start(struct cap **out, const struct cfg *cfg)
{
	char err[PCAP_ERRBUF_SIZE] = "", filter[512], host[64];
	struct bpf_program prog;
	struct sockaddr_in to = {.sin_family = AF_INET};
	unsigned port;
	struct cap *c;

	*out = NULL;
	if (!cfg->sig.capture.pcap[0] && !cfg->sig.capture.hep[0])
		return 0;
	if (cap_filter(cfg, filter, sizeof(filter)) != 0) {
		log_err("sig", "SIP capture: no UDP or TCP listener to capture");
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cfg = cfg;
	c->hep_fd = -1;
	c->p = pcap_create("any", err);
	if (!c->p || pcap_set_snaplen(c->p, CAP_SNAPLEN) || pcap_set_immediate_mode(c->p, 1) ||
	    pcap_set_buffer_size(c->p, 4 << 20) || pcap_activate(c->p) < 0 ||
	    pcap_setnonblock(c->p, 1, err) ||
	    pcap_compile(c->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN)) {
		log_err("sig", "SIP capture: libpcap on \"any\": %s (root or CAP_NET_RAW "
			"needed)", c->p ? pcap_geterr(c->p) : err);
		goto fail;
	}
	if (pcap_setfilter(c->p, &prog)) {
		pcap_freecode(&prog);
		log_err("sig", "SIP capture: filter %s: %s", filter, pcap_geterr(c->p));
		goto fail;
	}
	pcap_freecode(&prog);
	c->link = pcap_datalink(c->p);
	if (cfg->sig.capture.pcap[0] && cap_open(c, false) != 0)
		goto fail;
	if (cfg->sig.capture.hep[0]) {
		sscanf(cfg->sig.capture.hep, "%63[0-9.]:%u", host, &port); /* checked by cfg.c */
		inet_pton(AF_INET, host, &to.sin_addr);
		to.sin_port = htons((uint16_t)port);
		c->hep_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (c->hep_fd < 0 || connect(c->hep_fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
			log_err("sig", "SIP capture: HEP socket to %s: %s", cfg->sig.capture.hep,
				strerror(errno));
			goto fail;
		}
	}
	if (pthread_create(&c->thread, NULL, cap_main, c) != 0) {
		log_err("sig", "SIP capture: no thread");
		goto fail;
	}
	log_info("sig", "SIP capture of %s%s%s%s%s", filter,
		 cfg->sig.capture.pcap[0] ? " to " : "", cfg->sig.capture.pcap,
		 cfg->sig.capture.hep[0] ? " and HEP3 to " : "", cfg->sig.capture.hep);
	*out = c;
	return 0;
fail:
	if (c->dump)
		pcap_dump_close(c->dump);
	if (c->p)
		pcap_close(c->p);
	if (c->hep_fd >= 0)
		close(c->hep_fd);
	free(c);
	return -EIO;
}

void cap_stop(struct cap *c)
{
	if (!c)
		return;
	c->quit = 1;
	pthread_join(c->thread, NULL);
	log_info("sig", "SIP capture: %llu packets, %llu file(s), HEP sent %llu failed %llu, "
		 "dropped by the kernel %llu", (unsigned long long)c->st.packets,
		 (unsigned long long)c->st.files, (unsigned long long)c->st.hep_sent,
		 (unsigned long long)c->st.hep_failed, (unsigned long long)c->st.dropped);
	if (c->dump)
		pcap_dump_close(c->dump);
	pcap_close(c->p);
	if (c->hep_fd >= 0)
		close(c->hep_fd);
	free(c);
}

const struct cap_stats *cap_stats(const struct cap *c)
{
	return c ? &c->st : NULL;
}
