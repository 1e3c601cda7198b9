/*
 * svc.c: sd_notify for systemd (svc.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "app/svc.h"
#include "base/log.h"
#include "dataplane/dp.h"
#include "dataplane/dp_stats-t.h"
#include "signaling/sig.h"

#define SVC_STATUS_US 5000000

static uint64_t svc_now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

static void svc_status(struct svc *v)
{
	sd_notifyf(0, "STATUS=%llu call(s) in progress%s",
		   (unsigned long long)sig_stats(v->sig)->calls_active,
		   v->draining ? "; draining: new calls get 503" : "");
}

void svc_ready(struct svc *v, const struct dp *dp, unsigned n_lcores, struct sig *sig)
{
	uint64_t us = 0;

	memset(v, 0, sizeof(*v));
	v->dp = dp;
	v->sig = sig;
	v->n_lcores = n_lcores < SVC_MAX_LCORES ? n_lcores : SVC_MAX_LCORES;
	if (sd_watchdog_enabled(0, &us) > 0) {
		v->watchdog_us = us;
		log_info("app", "systemd watchdog: every %.1f s while signaling and every dp "
			 "lcore go round", (double)us / 2e6);
	}
	v->last_ping_us = v->last_status_us = svc_now_us();
	sd_notify(0, "READY=1\nSTATUS=taking calls");
}

/* True when every dp lcore's loop went round since the last call (its busy + idle
 * time moved). */
static bool svc_lcores_alive(struct svc *v)
{
	bool alive = true;

	for (unsigned l = 0; l < v->n_lcores; l++) {
		const struct dp_lcore_stats *st = dp_stats(v->dp, l);
		uint64_t t = __atomic_load_n(&st->busy_tsc, __ATOMIC_RELAXED) +
			     __atomic_load_n(&st->idle_tsc, __ATOMIC_RELAXED);

		if (t == v->lcore_ticks[l]) {
			log_warn("app", "dp lcore %u has not gone round its loop for %.1f s: "
				 "no watchdog ping", l, (double)v->watchdog_us / 2e6);
			alive = false;
		}
		v->lcore_ticks[l] = t;
	}
	return alive;
}

void svc_poll(struct svc *v)
{
	uint64_t now = svc_now_us();

	if (!v->sig)
		return;
	if (v->watchdog_us && now - v->last_ping_us >= v->watchdog_us / 2) {
		v->last_ping_us = now;
		if (svc_lcores_alive(v))
			sd_notify(0, "WATCHDOG=1");
	}
	if (sig_draining(v->sig) != v->draining || now - v->last_status_us >= SVC_STATUS_US) {
		v->draining = sig_draining(v->sig);
		v->last_status_us = now;
		svc_status(v);
	}
	if (!v->stopping && sig_stopping(v->sig)) {
		v->stopping = true;
		sd_notify(0, "STOPPING=1\nSTATUS=stopping: ending the calls left");
	}
}
