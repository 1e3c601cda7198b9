/*
 * ws_echo: a WebSocket bot for the benchmarks, in the Twilio Media Streams dialect:
 * every "media" message it gets goes straight back as a media message with the same
 * payload, so the caller hears itself. Written with libwebsockets on libev (epoll),
 * one thread: several ws_echo on several ports when one thread is not enough.
 *
 *   ws_echo PORT [CERT KEY]   (listens on 127.0.0.1:PORT; stops on SIGINT/SIGTERM)
 *
 * With CERT and KEY (PEM files) it speaks wss:// (TLS), with that certificate.
 *
 * Prints, on exit, "media_in N" and "media_out N".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>
#include <libwebsockets.h>

struct conn {
	struct lws_buflist *out; /* LWS_PRE + text, per message */
	char *in;
	size_t in_len, in_cap;
};

static unsigned long long media_in, media_out;

/* SIGINT, SIGTERM: the loop ends */
static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

/* The reply to one whole message: media back with its payload, nothing else. */
static void echo(struct lws *wsi, struct conn *c)
{
	static const char key[] = "\"payload\":\"";
	char *p, *end;
	uint8_t buf[LWS_PRE + 1024];
	int n;

	c->in[c->in_len] = '\0';
	if (!strstr(c->in, "\"event\":\"media\"") || !(p = strstr(c->in, key)))
		return;
	p += sizeof(key) - 1;
	end = strchr(p, '"');
	if (!end || end - p > 600)
		return;
	media_in++;
	n = snprintf((char *)buf + LWS_PRE, sizeof(buf) - LWS_PRE,
		     "{\"event\":\"media\",\"streamSid\":\"x\",\"media\":{\"payload\":\"%.*s\"}}",
		     (int)(end - p), p);
	if (lws_buflist_append_segment(&c->out, buf, LWS_PRE + (size_t)n) < 0)
		return;
	lws_callback_on_writable(wsi);
}

static int cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
	      size_t len)
{
	struct conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_RECEIVE:
		if (c->in_len + len + 1 > c->in_cap) {
			size_t cap = (c->in_len + len + 1) * 2;
			char *m = realloc(c->in, cap);

			if (!m)
				return -1;
			c->in = m;
			c->in_cap = cap;
		}
		memcpy(c->in + c->in_len, in, len);
		c->in_len += len;
		if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
			echo(wsi, c);
			c->in_len = 0;
		}
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE: {
		uint8_t *p;
		size_t n = lws_buflist_next_segment_len(&c->out, &p);

		if (n > LWS_PRE) {
			if (lws_write(wsi, p + LWS_PRE, n - LWS_PRE, LWS_WRITE_TEXT) <
			    (int)(n - LWS_PRE))
				return -1;
			lws_buflist_use_segment(&c->out, n);
			media_out++;
		}
		if (lws_buflist_next_segment_len(&c->out, NULL))
			lws_callback_on_writable(wsi);
		break;
	}
	case LWS_CALLBACK_CLOSED:
		lws_buflist_destroy_all_segments(&c->out);
		free(c->in);
		c->in = NULL;
		break;
	default:
		break;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct lws_protocols protocols[] = {
		{.name = "echo", .callback = cb, .per_session_data_size = sizeof(struct conn)},
		{NULL, NULL, 0, 0, 0, NULL, 0},
	};
	struct lws_context_creation_info info;
	struct lws_context *ctx;
	struct ev_loop *loop = ev_loop_new(EVBACKEND_EPOLL);
	void *loops[1] = {loop};
	ev_signal sigint, sigterm;

	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: ws_echo PORT [CERT KEY]\n");
		return 2;
	}
	if (!loop) {
		fprintf(stderr, "ws_echo: no libev loop\n");
		return 1;
	}
	ev_signal_init(&sigint, on_signal, SIGINT);
	ev_signal_init(&sigterm, on_signal, SIGTERM);
	ev_signal_start(loop, &sigint);
	ev_signal_start(loop, &sigterm);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = atoi(argv[1]);
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_LIBEV;
	info.foreign_loops = loops;
	if (argc == 4) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = argv[2];
		info.ssl_private_key_filepath = argv[3];
	}
	ctx = lws_create_context(&info);
	if (!ctx) {
		fprintf(stderr, "ws_echo: cannot listen on 127.0.0.1:%s\n", argv[1]);
		return 1;
	}
	ev_run(loop, 0);
	lws_context_destroy(ctx);
	ev_loop_destroy(loop);
	printf("media_in %llu\nmedia_out %llu\n", media_in, media_out);
	return 0;
}
