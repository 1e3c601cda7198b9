/*
 * capture.h: SIP capture for operators (signaling.capture), off by default.
 *
 * A thread of its own takes the SIP listeners' UDP and TCP packets off the wire
 * with libpcap (the "any" device, a BPF filter on the listeners' ports: what the
 * kernel sent and received, as sngrep and Wireshark expect it) and writes them to
 * pcap files of at most max_mb, rotated to FILE.1 .. FILE.(files-1), and/or sends
 * each one's payload to a Homer collector as HEP3 over UDP (RFC-less but documented
 * by sipcapture: chunks for addresses, ports, time, protocol type SIP, agent id,
 * payload). TLS listeners are left out: their packets are ciphertext. The signaling
 * thread never waits on it.
 */
#ifndef VG_CAPTURE_H
#define VG_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "config/cfg.h"

/* Counters. W: the capture thread; read by anyone. */
struct cap_stats {
	uint64_t packets;     /* SIP packets captured */
	uint64_t bytes;       /* written to pcap files, headers included */
	uint64_t files;       /* pcap files begun (rotations + 1) */
	uint64_t hep_sent;    /* HEP3 packets sent */
	uint64_t hep_failed;  /* not sent (or not encodable) */
	uint64_t dropped;     /* packets the kernel dropped before libpcap read them */
};

struct cap;

/* Start capturing for cfg's listeners. Returns 0 with *out (NULL when capture is off)
 * or a negative errno, logged (no permission, file not writable, ...). */
int cap_start(struct cap **out, const struct cfg *cfg);

/* Stop the thread, close the file. NULL is ignored. */
void cap_stop(struct cap *c);

/* Counters, or NULL when c is NULL. */
const struct cap_stats *cap_stats(const struct cap *c);

/* Encode one message as HEP3 into out (size bytes): IPv4 (family 4, 4-byte addresses
 * in network order) or IPv6 (16-byte), proto 17 or 6, time, agent id, payload.
 * Returns the length, or 0 when it does not fit. */
size_t cap_hep3(uint8_t *out, size_t size, int family, const void *src, const void *dst,
		uint16_t sport, uint16_t dport, uint8_t proto, uint32_t sec, uint32_t usec,
		uint32_t agent_id, const uint8_t *payload, size_t len);

#endif
