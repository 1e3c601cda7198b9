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

int dtmf_tx_push(struct dtmf_tx *t, uint8_t event, uint16_t duration_ms)
{
	uint8_t i;

	if (t->q_count == DTMF_TX_QUEUE)
		return -ENOBUFS;
	if (duration_ms < 40)
		duration_ms = 40;
	if (duration_ms > 5000)
		duration_ms = 5000;
	i = (uint8_t)((t->q_head + t->q_count) % DTMF_TX_QUEUE);
	t->q_event[i] = event;
	t->q_ms[i] = duration_ms;
	t->q_count++;
	return 0;
}

int dtmf_tx_next(struct dtmf_tx *t, uint32_t ts, uint8_t payload[4], uint32_t *pkt_ts,
		 bool *marker)
{
	bool end;

	if (!t->active) {
		if (t->q_count == 0)
			return 0;
		t->active = 1;
		t->started = 0;
		t->event = t->q_event[t->q_head];
		t->want = (uint32_t)t->q_ms[t->q_head] * 8;
		t->q_head = (uint8_t)((t->q_head + 1) % DTMF_TX_QUEUE);
		t->q_count--;
		t->ts = ts;
		t->duration = 0;
		t->ends_left = DTMF_TX_ENDS;
	}
	*marker = !t->started;
	t->started = 1;
	if (t->duration < t->want)
		t->duration += 160; /* this packet time counts towards the event */
	end = t->duration >= t->want;
	payload[0] = t->event;
	payload[1] = (uint8_t)((end ? 0x80 : 0) | 10); /* volume -10 dBm0 */
	payload[2] = (uint8_t)(t->duration >> 8);
	payload[3] = (uint8_t)t->duration;
	*pkt_ts = t->ts;
	if (end && --t->ends_left == 0) {
		t->active = 0;
		t->sent_events++;
	}
	return 1;
}
