/*
 * svc.h: what voxgate tells systemd (sd_notify, libsystemd), when it runs as a
 * Type=notify service (config/systemd/voxgate.service); without $NOTIFY_SOCKET every
 * call is a no-op.
 *
 * READY=1 once calls are taken; STATUS= with the calls in progress (every 5 s, and
 * when draining starts); STOPPING=1 when the stop begins. With WatchdogSec set, a
 * WATCHDOG=1 every half period, sent only while the signaling loop polls and every dp
 * lcore's loop has gone round since the last one: a stuck lcore gets voxgate
 * restarted.
 */
#ifndef VG_SVC_H
#define VG_SVC_H

#include <stdbool.h>
#include <stdint.h>

#define SVC_MAX_LCORES 64

struct dp;
struct sig;

struct svc {
	uint64_t watchdog_us;  /* 0: no watchdog */
	uint64_t last_ping_us, last_status_us;
	uint64_t lcore_ticks[SVC_MAX_LCORES]; /* busy + idle TSC of each dp lcore, last ping */
	unsigned n_lcores;
	bool draining, stopping;
	const struct dp *dp;
	struct sig *sig;
};

/* Read the watchdog period and say READY=1. */
void svc_ready(struct svc *v, const struct dp *dp, unsigned n_lcores, struct sig *sig);

/* From the signaling poll: the watchdog, STATUS and STOPPING when they are due. */
void svc_poll(struct svc *v);

#endif
