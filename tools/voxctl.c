/*
 * voxctl: operate a running voxgate through its HTTP API (bots/bot_api.c).
 *
 *   voxctl [--config FILE | --api URL] [--token TOKEN] COMMAND
 *
 *   calls [--json]   the calls in progress, a table (or the API's JSON)
 *   call SID         one call, as JSON
 *   hangup SID       end a call as its bot would
 *   drain            stop taking new calls (503 to INVITE and OPTIONS); calls go on
 *   undrain          take new calls again
 *   stats            every counter, as JSON
 *   metrics          the Prometheus metrics
 *
 * The API is the one of bots.api in FILE (its address, port and token), or URL
 * (e.g. http://127.0.0.1:8088), or $VOXCTL_API; the token is --token, the config's, or
 * $VOXCTL_TOKEN. SID is a call's sid as `voxctl calls` shows it (the callSid its bot
 * saw works too). Exit 0 when done, 1 when the API refused (no such call, ...), 2 for
 * a usage or configuration error, 3 when voxgate does not answer, 4 when it refused
 * the token. voxgate's configuration has no reload: restart it (SIGTERM drains).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "config/cfg.h"

enum { EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_DOWN = 3, EXIT_TOKEN = 4 };

struct voxctl {
	char api[300];
	char token[128];
};

struct reply {
	char *body;
	size_t len;
	long status;
};

static size_t voxctl_collect(char *data, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	char *more = realloc(r->body, r->len + size * n + 1);

	if (!more)
		return 0;
	memcpy(more + r->len, data, size * n);
	r->len += size * n;
	more[r->len] = '\0';
	r->body = more;
	return size * n;
}

/* One request: GET, or POST with an empty form. Exits on a transport failure or a
 * refused token; returns the HTTP status with the body in r. */
static long voxctl_call(const struct voxctl *v, bool post, const char *path, struct reply *r)
{
	char url[512], err[CURL_ERROR_SIZE] = "";
	CURL *c = curl_easy_init();
	CURLcode rc;

	if (!c) {
		fprintf(stderr, "voxctl: no memory for an HTTP request\n");
		exit(EXIT_USAGE);
	}
	snprintf(url, sizeof(url), "%s%s", v->api, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, voxctl_collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (post)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "by=voxctl");
	if (v->token[0]) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, "voxctl");
		curl_easy_setopt(c, CURLOPT_PASSWORD, v->token);
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		fprintf(stderr, "voxctl: voxgate does not answer at %s: %s (is it running, and "
			"is this its bots.api address?)\n", v->api,
			err[0] ? err : curl_easy_strerror(rc));
		curl_easy_cleanup(c);
		exit(EXIT_DOWN);
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(c);
	if (r->status == 401) {
		fprintf(stderr, "voxctl: voxgate at %s refused the token (401): give bots.api's "
			"token with --token, --config or $VOXCTL_TOKEN\n", v->api);
		exit(EXIT_TOKEN);
	}
	return r->status;
}

/* The API's error message from a Twilio-shaped error body, or the body itself. */
static const char *voxctl_message(const struct reply *r)
{
	static char msg[256];
	json_t *j = json_loads(r->body ? r->body : "", 0, NULL);
	const char *m = json_string_value(json_object_get(j, "message"));

	snprintf(msg, sizeof(msg), "%s", m ? m : r->body ? r->body : "");
	json_decref(j);
	return msg;
}

/* Print the body as it came (metrics) or as indented JSON. */
static int voxctl_print(const struct reply *r, bool json)
{
	json_t *j;

	if (!json) {
		fwrite(r->body ? r->body : "", 1, r->len, stdout);
		return 0;
	}
	j = json_loads(r->body ? r->body : "", 0, NULL);
	if (!j) {
		fprintf(stderr, "voxctl: the API's answer is not JSON\n");
		return EXIT_REFUSED;
	}
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(j);
	return 0;
}

static const char *voxctl_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

/* The calls as a table, one line each. */
static int voxctl_table(const struct reply *r)
{
	json_t *j = json_loads(r->body ? r->body : "", 0, NULL), *calls = json_object_get(j, "calls"), *c;
	size_t i;

	if (!json_is_array(calls)) {
		fprintf(stderr, "voxctl: the API's answer has no calls list\n");
		json_decref(j);
		return EXIT_REFUSED;
	}
	printf("%-34s %-8s %-3s %-12s %-12s %-16s %-16s %8s %-5s %-4s %2s %-8s %8s %8s %5s %6s\n",
	       "SID", "STATE", "DIR", "TRUNK", "AGENT", "FROM", "TO", "SECONDS", "CODEC", "SRTP",
	       "LC", "BOT", "RTP_IN", "RTP_OUT", "LOST", "JITTER");
	json_array_foreach(calls, i, c) {
		json_t *rtp = json_object_get(c, "rtp");

		printf("%-34s %-8s %-3s %-12.12s %-12.12s %-16.16s %-16.16s %8.1f %-5s %-4s %2lld "
		       "%-8s %8lld %8lld %5lld %6lld\n",
		       voxctl_str(c, "sid"), voxctl_str(c, "state"),
		       strcmp(voxctl_str(c, "direction"), "outbound") == 0 ? "out" : "in",
		       voxctl_str(c, "trunk"), voxctl_str(c, "agent"), voxctl_str(c, "from"),
		       voxctl_str(c, "to"), json_real_value(json_object_get(c, "duration_s")),
		       voxctl_str(c, "codec"), json_is_string(json_object_get(c, "srtp")) ? "yes" : "no",
		       json_integer_value(json_object_get(c, "lcore")), voxctl_str(c, "bot"),
		       json_integer_value(json_object_get(rtp, "rx_packets")),
		       json_integer_value(json_object_get(rtp, "tx_packets")),
		       json_integer_value(json_object_get(rtp, "rx_lost")),
		       json_integer_value(json_object_get(rtp, "rx_jitter_ms")));
	}
	printf("%zu call(s)%s\n", json_array_size(calls),
	       json_is_true(json_object_get(j, "draining")) ? "; draining: new calls get 503" : "");
	json_decref(j);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: voxctl [--config FILE | --api URL] [--token TOKEN] COMMAND\n"
		"commands: calls [--json] | call SID | hangup SID | drain | undrain | stats | "
		"metrics\n");
}

/* bots.api of the configuration file: its address, port and token. */
static int voxctl_from_config(struct voxctl *v, const char *path)
{
	static struct cfg cfg;
	char err[512];

	if (cfg_load(&cfg, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "voxctl: %s\n", err);
		return -1;
	}
	if (!cfg.bots.api_port) {
		fprintf(stderr, "voxctl: %s has no bots.api: voxgate serves no API to reach\n",
			path);
		cfg_free(&cfg);
		return -1;
	}
	snprintf(v->api, sizeof(v->api), strchr(cfg.bots.api_address, ':') ? "http://[%s]:%u"
									  : "http://%s:%u",
		 cfg.bots.api_address, cfg.bots.api_port);
	if (!v->token[0])
		snprintf(v->token, sizeof(v->token), "%s", cfg.bots.api_token);
	cfg_free(&cfg);
	return 0;
}

int main(int argc, char **argv)
{
	struct voxctl v = {.api = "http://127.0.0.1:8088"};
	struct reply r = {0};
	const char *config = NULL, *cmd, *arg;
	char path[128];
	int i, rc;

	if (getenv("VOXCTL_API"))
		snprintf(v.api, sizeof(v.api), "%s", getenv("VOXCTL_API"));
	if (getenv("VOXCTL_TOKEN"))
		snprintf(v.token, sizeof(v.token), "%s", getenv("VOXCTL_TOKEN"));
	for (i = 1; i < argc - 1 && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "--config") == 0)
			config = argv[i + 1];
		else if (strcmp(argv[i], "--api") == 0)
			snprintf(v.api, sizeof(v.api), "%s", argv[i + 1]);
		else if (strcmp(argv[i], "--token") == 0)
			snprintf(v.token, sizeof(v.token), "%s", argv[i + 1]);
		else
			break;
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (config && voxctl_from_config(&v, config) != 0)
		return EXIT_USAGE;
	cmd = argv[i];
	arg = i + 1 < argc ? argv[i + 1] : NULL;
	if ((strcmp(cmd, "call") == 0 || strcmp(cmd, "hangup") == 0) &&
	    (!arg || strncmp(arg, "CA", 2) != 0 || strlen(arg) != 34 || strchr(arg, '/'))) {
		fprintf(stderr, "voxctl: %s needs a call's sid (CA and 32 hex digits, as "
			"`voxctl calls` shows it)\n", cmd);
		return EXIT_USAGE;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (strcmp(cmd, "calls") == 0) {
		voxctl_call(&v, false, "/v1/calls", &r);
		rc = r.status != 200 ? EXIT_REFUSED
		     : arg && strcmp(arg, "--json") == 0 ? voxctl_print(&r, true) : voxctl_table(&r);
	} else if (strcmp(cmd, "call") == 0 || strcmp(cmd, "hangup") == 0) {
		bool hang = cmd[0] == 'h';

		snprintf(path, sizeof(path), "/v1/calls/%s%s", arg, hang ? "/hangup" : "");
		voxctl_call(&v, hang, path, &r);
		rc = r.status != 200 ? EXIT_REFUSED : voxctl_print(&r, true);
	} else if (strcmp(cmd, "drain") == 0 || strcmp(cmd, "undrain") == 0) {
		snprintf(path, sizeof(path), "/v1/%s", cmd);
		voxctl_call(&v, true, path, &r);
		rc = r.status != 200 ? EXIT_REFUSED : 0;
		if (!rc)
			printf(cmd[0] == 'd' ? "draining: new calls get 503, calls in progress go on\n"
					     : "taking new calls\n");
	} else if (strcmp(cmd, "stats") == 0) {
		voxctl_call(&v, false, "/v1/stats", &r);
		rc = r.status != 200 ? EXIT_REFUSED : voxctl_print(&r, true);
	} else if (strcmp(cmd, "metrics") == 0) {
		voxctl_call(&v, false, "/metrics", &r);
		rc = r.status != 200 ? EXIT_REFUSED : voxctl_print(&r, false);
	} else {
		fprintf(stderr, "voxctl: unknown command '%s'\n", cmd);
		usage(stderr);
		curl_global_cleanup();
		return EXIT_USAGE;
	}
	if (rc == EXIT_REFUSED && r.status != 200)
		fprintf(stderr, "voxctl: %s: %ld %s\n", cmd, r.status, voxctl_message(&r));
	free(r.body);
	curl_global_cleanup();
	return rc;
}
