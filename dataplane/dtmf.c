/*
 * dtmf.c: RFC 4733 telephone-event reception (see dtmf.h).
 */
#include "dataplane/dtmf.h"

#include <errno.h>
#include <string.h>

void dtmf_rx_init(struct dtmf_rx *d)
{
	memset(d, 0, sizeof(*d));
}

static void dtmf_report(struct dtmf_rx *d, struct dtmf_event *out)
{
	out->event = d->event;
	out->duration_ms = (uint16_t)(d->duration / 8);
	d->active = false;
	d->have_last = true;
	d->last_ts = d->ts;
	d->reported++;
}

int dtmf_rx_put(struct dtmf_rx *d, uint32_t ts, const uint8_t *payload, uint32_t len,
		uint64_t now_ms, struct dtmf_event out[2])
{
	uint32_t duration;
	bool end;
	int n = 0;

	if (len < 4)
		return -EBADMSG;
	end = payload[1] & 0x80;
	duration = (uint32_t)payload[2] << 8 | payload[3];

	if (d->active && ts == d->ts) { /* the event in progress goes on */
		if (duration > d->duration)
			d->duration = duration;
		d->updated_ms = now_ms;
		if (end)
			dtmf_report(d, &out[n++]);
		return n;
	}
	if (d->have_last && ts == d->last_ts)
		return 0; /* a late or redundant packet of an event already reported */
	if (d->active) { /* a new event while the last one never ended */
		d->ended_by_timeout++;
		dtmf_report(d, &out[n++]);
	}
	d->active = true;
	d->ts = ts;
	d->event = payload[0];
	d->duration = duration;
	d->updated_ms = now_ms;
	if (end)
		dtmf_report(d, &out[n++]);
	return n;
}

int dtmf_rx_tick(struct dtmf_rx *d, uint64_t now_ms, struct dtmf_event *out)
{
	if (!d->active || now_ms - d->updated_ms < DTMF_LOST_END_MS)
		return 0;
	d->ended_by_timeout++;
	dtmf_report(d, out);
	return 1;
}
