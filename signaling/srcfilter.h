/*
 * srcfilter.h: the allowlists as a kernel socket filter.
 *
 * With signaling.unlisted_source = "drop" a request from outside every trunk's
 * allowlist must get no answer at all, not even the 100 Trying that sofia-sip's
 * transaction layer sends before voxgate sees the INVITE. So the allowlists are
 * compiled into a classic BPF program (SO_ATTACH_FILTER) on each listener socket:
 * the kernel drops such a datagram, or the SYN of such a TCP/TLS connection, before
 * any user-space code runs or any memory is taken, and counts it in the socket's
 * drop counter (SO_MEMINFO). Accepted TCP connections inherit the filter.
 *
 * Called from the signaling thread at start-up (build, attach) and when counters
 * are printed (drops). Nothing here allocates.
 */
#ifndef VG_SRCFILTER_H
#define VG_SRCFILTER_H

#include <stdint.h>

#include <linux/filter.h>

#include "config/cfg.h"

/* The kernel's limit on a classic BPF program (BPF_MAXINSNS). */
#define SRCFILTER_MAX_INSNS 4096

/*
 * Write into prog (room for max instructions) a program that accepts a packet
 * whose IPv4 or IPv6 source address is in one of the n CIDRs and drops every other
 * (IPv4 packets reaching a dual-stack IPv6 socket are tested against the IPv4
 * CIDRs). Returns the number of instructions, or -E2BIG when they do not fit.
 */
int srcfilter_build(const struct cfg_cidr *cidrs, unsigned n, struct sock_filter *prog,
		    unsigned max);

/* Attach the program to socket fd. Returns 0 or a negative errno. */
int srcfilter_attach(int fd, const struct sock_filter *prog, unsigned len);

/*
 * Find this process's sockets bound to addr:port (an IP literal; "0.0.0.0" or "::"
 * as bound): UDP sockets and listening TCP sockets. Writes up to max descriptors
 * to fds and returns how many were found (possibly more than max), or a negative
 * errno when /proc/self/fd cannot be read.
 */
int srcfilter_sockets(const char *addr, uint16_t port, int *fds, unsigned max);

/* Packets the kernel dropped on socket fd: those the filter refused, and those that
 * found its receive buffer full. 0 when fd cannot tell. */
uint64_t srcfilter_drops(int fd);

#endif
