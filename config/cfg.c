/*
 * cfg.c: loading and validating the libconfig file (see cfg.h, keys in README.md).
 *
 * Every group is read by one function that first rejects names it does not know,
 * then reads each key with a typed getter. Getters report the line of the setting
 * (or of its group when the key is missing) so that every error reads
 * "file:line: what is wrong". Nothing has a silent default for a mistyped key: a
 * misspelt key is an unknown key, and a key of the wrong type is an error.
 */
#include "config/cfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/log.h"
#include "base/tmpl.h"

struct cfg_ctx {
	const char *file;
	char *err;
	size_t errlen;
	int failed;
};

/* Record the first error, at the line of setting s (or line 0 if none). */
static int cfg_fail(struct cfg_ctx *x, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int cfg_fail(struct cfg_ctx *x, const config_setting_t *s, const char *fmt, ...)
{
	const char *file = NULL;
	va_list ap;
	int n;

	if (x->failed)
		return -EINVAL;
	x->failed = 1;
	if (s)
		file = config_setting_source_file(s);
	if (s)
		n = snprintf(x->err, x->errlen, "%s:%d: ", file ? file : x->file,
			     config_setting_source_line(s));
	else
		n = snprintf(x->err, x->errlen, "%s: ", x->file);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < x->errlen)
		vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Reject any member of group g whose name is not in the NULL-terminated known[]. */
static int cfg_only(struct cfg_ctx *x, const config_setting_t *g, const char *where,
		    const char *const known[])
{
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(m);
		int ok = 0;

		for (const char *const *k = known; *k; k++)
			if (name && strcmp(name, *k) == 0)
				ok = 1;
		if (!ok)
			return cfg_fail(x, m, "unknown key '%s' in %s", name ? name : "?", where);
	}
	return 0;
}

/* Member key of g that must be of type; NULL (no error) when absent and optional. */
static config_setting_t *cfg_member(struct cfg_ctx *x, config_setting_t *g,
				    const char *where, const char *key, int type,
				    const char *type_name, int required)
{
	config_setting_t *m = g ? config_setting_get_member(g, key) : NULL;

	if (!m) {
		if (required)
			cfg_fail(x, g, "missing key '%s' in %s", key, where);
		return NULL;
	}
	if (config_setting_type(m) != type &&
	    !(type == CONFIG_TYPE_INT && config_setting_type(m) == CONFIG_TYPE_INT64)) {
		cfg_fail(x, m, "'%s.%s' must be %s", where, key, type_name);
		return NULL;
	}
	return m;
}

static int cfg_str(struct cfg_ctx *x, config_setting_t *g, const char *where,
		   const char *key, int required, char *out, size_t size,
		   config_setting_t **at)
{
	config_setting_t *m = cfg_member(x, g, where, key, CONFIG_TYPE_STRING,
					 "a string", required);
	const char *v;

	if (at)
		*at = m;
	if (!m)
		return x->failed ? -EINVAL : 1;
	v = config_setting_get_string(m);
	if (strlen(v) >= size)
		return cfg_fail(x, m, "'%s.%s' is longer than %zu characters", where, key,
				size - 1);
	strcpy(out, v);
	return 0;
}

/*
 * Read the optional string `key` of g as one of the NULL-terminated names[]. Returns
 * 0 with *out the name's index, 1 when the key is absent (*out untouched), or
 * -EINVAL with "<what>: <key> is "a", "b" or "c", not "x"" for any other string.
 */
static int cfg_enum(struct cfg_ctx *x, config_setting_t *g, const char *where,
		    const char *what, const char *key, const char *const names[],
		    unsigned *out)
{
	char v[CFG_NAME_MAX], list[256] = "";
	config_setting_t *at;
	size_t n = 0;
	int rc = cfg_str(x, g, where, key, 0, v, sizeof(v), &at);

	if (rc)
		return rc;
	for (unsigned i = 0; names[i]; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return 0;
		}
		if (n < sizeof(list))
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s\"%s\"",
					      i == 0 ? "" : names[i + 1] ? ", " : " or ",
					      names[i]);
	}
	return cfg_fail(x, at, "%s: %s is %s, not \"%s\"", what, key, list, v);
}

static int cfg_int(struct cfg_ctx *x, config_setting_t *g, const char *where,
		   const char *key, long long min, long long max, long long def,
		   uint32_t *out)
{
	config_setting_t *m = cfg_member(x, g, where, key, CONFIG_TYPE_INT,
					 "an integer", 0);
	long long v;

	if (!m) {
		*out = (uint32_t)def;
		return x->failed ? -EINVAL : 0;
	}
	v = config_setting_get_int64(m);
	if (config_setting_type(m) == CONFIG_TYPE_INT)
		v = config_setting_get_int(m);
	if (v < min || v > max)
		return cfg_fail(x, m, "'%s.%s' must be between %lld and %lld, not %lld",
				where, key, min, max, v);
	*out = (uint32_t)v;
	return 0;
}

static int cfg_bool(struct cfg_ctx *x, config_setting_t *g, const char *where,
		    const char *key, bool def, bool *out)
{
	config_setting_t *m = cfg_member(x, g, where, key, CONFIG_TYPE_BOOL,
					 "true or false", 0);

	*out = m ? config_setting_get_bool(m) : def;
	return x->failed ? -EINVAL : 0;
}

/* Each element of array or list a must be a string; returns it or NULL on error. */
static const char *cfg_elem_str(struct cfg_ctx *x, config_setting_t *a, const char *where,
				unsigned i)
{
	config_setting_t *e = config_setting_get_elem(a, i);

	if (config_setting_type(e) != CONFIG_TYPE_STRING) {
		cfg_fail(x, e, "elements of %s must be strings", where);
		return NULL;
	}
	return config_setting_get_string(e);
}

int cfg_cidr_parse(const char *s, struct cfg_cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash, *end;
	unsigned max;
	long p;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	p = max;
	if (slash) {
		errno = 0;
		p = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || p < 0 || p > (long)max)
			return -EINVAL;
	}
	out->prefix = (uint8_t)p;
	for (unsigned bit = (unsigned)p; bit < max; bit++)
		out->addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	return 0;
}

bool cfg_cidr_match(const struct cfg_cidr *cidr, int family, const void *addr)
{
	const uint8_t *a = addr;
	unsigned full = cidr->prefix / 8, rest = cidr->prefix % 8;

	if (family != cidr->family)
		return false;
	if (memcmp(a, cidr->addr, full) != 0)
		return false;
	if (rest && ((a[full] ^ cidr->addr[full]) & (uint8_t)(0xff00u >> rest)))
		return false;
	return true;
}

static int cfg_read_log(struct cfg_ctx *x, struct cfg *c, config_setting_t *g)
{
	static const char *const known[] = {"level", NULL};
	config_setting_t *at;
	char level[16] = "info";

	c->log_level = LOG_INFO;
	if (!g)
		return 0;
	if (cfg_only(x, g, "log", known) || cfg_str(x, g, "log", "level", 0, level,
						     sizeof(level), &at) < 0)
		return -EINVAL;
	c->log_level = log_level_parse(level);
	if (c->log_level < 0)
		return cfg_fail(x, at, "'log.level' must be error, warn, info or debug");
	return 0;
}

static int cfg_read_eal(struct cfg_ctx *x, struct cfg *c, config_setting_t *g)
{
	static const char *const known[] = {"args", NULL};
	config_setting_t *a;

	if (!g)
		return cfg_fail(x, NULL, "missing group 'eal'");
	if (cfg_only(x, g, "eal", known))
		return -EINVAL;
	a = cfg_member(x, g, "eal", "args", CONFIG_TYPE_ARRAY, "an array of strings", 1);
	if (!a)
		return -EINVAL;
	if (config_setting_length(a) > CFG_MAX_EAL_ARGS)
		return cfg_fail(x, a, "'eal.args' has more than %d arguments", CFG_MAX_EAL_ARGS);
	for (int i = 0; i < config_setting_length(a); i++) {
		const char *v = cfg_elem_str(x, a, "'eal.args'", (unsigned)i);

		if (!v)
			return -EINVAL;
		c->eal_args[c->n_eal_args] = strdup(v);
		if (!c->eal_args[c->n_eal_args])
			return cfg_fail(x, a, "out of memory");
		c->n_eal_args++;
	}
	return 0;
}

/* "lo-hi" with lo even, hi odd or even, lo < hi. */
static int cfg_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	unsigned a, b;
	char tail;

	if (sscanf(s, "%u-%u%c", &a, &b, &tail) != 2 || a < 1024 || b > 65535 || a >= b ||
	    (a & 1))
		return -EINVAL;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static int cfg_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = a.s_addr;
	return 0;
}

/* dataplane.extra_addresses: more media addresses after dataplane.address, bare IPv4
 * literals, all different. */
static int cfg_read_extra_addrs(struct cfg_ctx *x, struct cfg *c, config_setting_t *g)
{
	config_setting_t *a = cfg_member(x, g, "dataplane", "extra_addresses",
					 CONFIG_TYPE_ARRAY, "an array of IPv4 strings", 0);

	if (!a)
		return x->failed ? -EINVAL : 0;
	if (config_setting_length(a) > CFG_MAX_MEDIA_ADDRS - 1)
		return cfg_fail(x, a, "'dataplane.extra_addresses' has more than %d addresses",
				CFG_MAX_MEDIA_ADDRS - 1);
	for (int i = 0; i < config_setting_length(a); i++) {
		const char *v = cfg_elem_str(x, a, "'dataplane.extra_addresses'", (unsigned)i);
		config_setting_t *e = config_setting_get_elem(a, (unsigned)i);
		uint32_t ip;

		if (!v)
			return -EINVAL;
		if (cfg_ipv4(v, &ip) || ip == 0)
			return cfg_fail(x, e, "'dataplane.extra_addresses': \"%s\" is not an IPv4 "
					"address (no prefix length: the link is the one of "
					"'dataplane.address')", v);
		for (unsigned j = 0; j < c->dp.n_addrs; j++)
			if (c->dp.addrs[j] == ip)
				return cfg_fail(x, e, "'dataplane.extra_addresses': %s is given "
						"twice (with 'dataplane.address' or in the list)",
						v);
		c->dp.addrs[c->dp.n_addrs++] = ip;
	}
	return 0;
}

static int cfg_read_dp(struct cfg_ctx *x, struct cfg *c, config_setting_t *g)
{
	static const char *const known[] = {
		"port", "address", "extra_addresses", "gateway", "rtp_ports", "max_calls",
		"burst", "mbufs", "rx_desc", "tx_desc", "playout_ms", "reorder_window",
		"rtp_timeout_ms", "idle_sleep_us", "rtp_latch", NULL};
	static const char *const where = "dataplane";
	char buf[64];
	struct cfg_cidr cidr;
	config_setting_t *at;
	uint32_t ports;

	if (!g)
		return cfg_fail(x, NULL, "missing group 'dataplane'");
	if (cfg_only(x, g, where, known) ||
	    cfg_str(x, g, where, "port", 1, c->dp.port, sizeof(c->dp.port), NULL))
		return -EINVAL;

	if (cfg_str(x, g, where, "address", 1, buf, sizeof(buf), &at))
		return -EINVAL;
	if (cfg_cidr_parse(buf, &cidr) || cidr.family != AF_INET || !strchr(buf, '/'))
		return cfg_fail(x, at, "'dataplane.address' must be an IPv4 address with "
				"its prefix length, e.g. \"192.0.2.10/24\", not \"%s\"", buf);
	cfg_ipv4(strtok(buf, "/"), &c->dp.addrs[0]);
	c->dp.n_addrs = 1;
	c->dp.prefix = cidr.prefix;
	if (cfg_read_extra_addrs(x, c, g))
		return -EINVAL;

	c->dp.gateway = 0;
	if (cfg_str(x, g, where, "gateway", 0, buf, sizeof(buf), &at) < 0)
		return -EINVAL;
	if (at && buf[0] && cfg_ipv4(buf, &c->dp.gateway))
		return cfg_fail(x, at, "'dataplane.gateway' must be an IPv4 address, not \"%s\"",
				buf);

	strcpy(buf, "10000-20000");
	if (cfg_str(x, g, where, "rtp_ports", 0, buf, sizeof(buf), &at) < 0)
		return -EINVAL;
	if (cfg_port_range(buf, &c->dp.rtp_min, &c->dp.rtp_max))
		return cfg_fail(x, at, "'dataplane.rtp_ports' must be \"lo-hi\" with "
				"1024 <= lo < hi <= 65535 and lo even, not \"%s\"", buf);
	ports = (uint32_t)(c->dp.rtp_max - c->dp.rtp_min + 1) / 2;

	ports *= c->dp.n_addrs;
	if (cfg_int(x, g, where, "max_calls", 1, 1 << 20, ports < 1024 ? ports : 1024,
		    &c->dp.max_calls) ||
	    cfg_int(x, g, where, "burst", 1, 64, 32, &c->dp.burst) ||
	    cfg_int(x, g, where, "mbufs", 1023, 1 << 24, 8191, &c->dp.mbufs) ||
	    cfg_int(x, g, where, "rx_desc", 64, 16384, 1024, &c->dp.rx_desc) ||
	    cfg_int(x, g, where, "tx_desc", 64, 16384, 1024, &c->dp.tx_desc) ||
	    cfg_int(x, g, where, "playout_ms", 100, 60000, 2000, &c->dp.playout_ms) ||
	    cfg_int(x, g, where, "reorder_window", 0, 8, 1, &c->dp.reorder_window) ||
	    cfg_int(x, g, where, "rtp_timeout_ms", 0, 3600000, 30000, &c->dp.rtp_timeout_ms) ||
	    cfg_int(x, g, where, "idle_sleep_us", 0, 1000, 0, &c->dp.idle_sleep_us) ||
	    cfg_bool(x, g, where, "rtp_latch", true, &c->dp.rtp_latch))
		return -EINVAL;
	if (c->dp.max_calls > ports)
		return cfg_fail(x, config_setting_get_member(g, "max_calls"),
				"'dataplane.max_calls' (%u) needs %u RTP ports; "
				"'dataplane.rtp_ports' on %u address(es) has room for %u "
				"calls: widen it or add 'dataplane.extra_addresses'",
				c->dp.max_calls, 2 * c->dp.max_calls, c->dp.n_addrs, ports);
	return 0;
}

static int cfg_read_listener(struct cfg_ctx *x, struct cfg_listener *l,
			     config_setting_t *g)
{
	static const char *const known[] = {"transport", "address", "port", "tls_dir",
					    "tls_verify_client", NULL};
	static const char *const where = "a listener";
	struct cfg_cidr cidr;
	config_setting_t *at;
	char tp[16] = "udp";
	uint32_t port;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return cfg_fail(x, g, "each listener must be a group { ... }");
	if (cfg_only(x, g, where, known) ||
	    cfg_str(x, g, where, "transport", 0, tp, sizeof(tp), &at) < 0)
		return -EINVAL;
	if (strcmp(tp, "udp") == 0)
		l->transport = CFG_TP_UDP;
	else if (strcmp(tp, "tcp") == 0)
		l->transport = CFG_TP_TCP;
	else if (strcmp(tp, "tls") == 0)
		l->transport = CFG_TP_TLS;
	else
		return cfg_fail(x, at, "listener transport must be \"udp\", \"tcp\" or \"tls\", "
				"not \"%s\"", tp);
	if (cfg_str(x, g, where, "address", 1, l->address, sizeof(l->address), &at))
		return -EINVAL;
	if (cfg_cidr_parse(l->address, &cidr) || strchr(l->address, '/'))
		return cfg_fail(x, at, "listener address must be an IP address, not \"%s\"",
				l->address);
	if (cfg_int(x, g, where, "port", 1, 65535, l->transport == CFG_TP_TLS ? 5061 : 5060,
		    &port))
		return -EINVAL;
	l->port = (uint16_t)port;
	if (cfg_str(x, g, where, "tls_dir", 0, l->tls_dir, sizeof(l->tls_dir), &at) < 0 ||
	    cfg_bool(x, g, where, "tls_verify_client", false, &l->tls_verify_client))
		return -EINVAL;
	if (l->transport == CFG_TP_TLS) {
		char pem[300];

		if (!l->tls_dir[0])
			return cfg_fail(x, g, "a tls listener needs tls_dir, the folder with "
					"agent.pem (private key and certificate) and cafile.pem");
		snprintf(pem, sizeof(pem), "%s/agent.pem", l->tls_dir);
		if (access(pem, R_OK) != 0)
			return cfg_fail(x, at, "tls_dir: %s cannot be read: %s", pem,
					strerror(errno));
	} else if (l->tls_dir[0] || config_setting_get_member(g, "tls_verify_client")) {
		return cfg_fail(x, at ? at : g, "tls_dir and tls_verify_client are for tls "
				"listeners only");
	}
	return 0;
}

static int cfg_read_extract(struct cfg_ctx *x, struct cfg_trunk *t, config_setting_t *g)
{
	static const char *const known[] = {"field", "pattern", "keys", NULL};
	static const char *const where = "an extractor";
	struct cfg_extract *e = &t->extract[t->n_extract];
	config_setting_t *at, *a;
	char msg[128];
	int err;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return cfg_fail(x, g, "each extractor must be a group { ... }");
	if (cfg_only(x, g, where, known) ||
	    cfg_str(x, g, where, "field", 1, e->field, sizeof(e->field), NULL) ||
	    cfg_str(x, g, where, "pattern", 1, e->pattern, sizeof(e->pattern), &at))
		return -EINVAL;
	err = regcomp(&e->re, e->pattern, REG_EXTENDED);
	if (err) {
		regerror(err, &e->re, msg, sizeof(msg));
		return cfg_fail(x, at, "extractor pattern \"%s\" is not a valid regular "
				"expression: %s", e->pattern, msg);
	}
	t->n_extract++; /* owns a compiled regex from here on */
	a = cfg_member(x, g, where, "keys", CONFIG_TYPE_ARRAY, "an array of key names", 1);
	if (!a)
		return -EINVAL;
	if (config_setting_length(a) < 1 || config_setting_length(a) > CFG_MAX_EXTRACT_KEYS)
		return cfg_fail(x, a, "an extractor has 1 to %d keys", CFG_MAX_EXTRACT_KEYS);
	if ((size_t)config_setting_length(a) > e->re.re_nsub)
		return cfg_fail(x, a, "extractor pattern \"%s\" has %zu capture groups for "
				"%d keys", e->pattern, e->re.re_nsub, config_setting_length(a));
	for (int i = 0; i < config_setting_length(a); i++) {
		const char *v = cfg_elem_str(x, a, "'keys'", (unsigned)i);

		if (!v)
			return -EINVAL;
		snprintf(e->keys[e->n_keys++], CFG_NAME_MAX, "%s", v);
	}
	return 0;
}

/* An owned copy of the optional string `key` of g (NULL when absent). */
static int cfg_strdup(struct cfg_ctx *x, config_setting_t *g, const char *where,
		      const char *key, char **out, config_setting_t **at)
{
	config_setting_t *m = cfg_member(x, g, where, key, CONFIG_TYPE_STRING, "a string", 0);

	if (at)
		*at = m;
	if (!m)
		return x->failed ? -EINVAL : 0;
	*out = strdup(config_setting_get_string(m));
	return *out ? 0 : cfg_fail(x, m, "out of memory");
}

/* The optional string `key` of g, which must be a JSON object (its text kept, owned);
 * with need_target, one with a "target" string and a "mode" string. */
static int cfg_json_object(struct cfg_ctx *x, config_setting_t *g, const char *where,
			   const char *key, bool need_target, char **out)
{
	config_setting_t *at;
	json_error_t err;
	json_t *o;
	bool ok;

	if (cfg_strdup(x, g, where, key, out, &at))
		return -EINVAL;
	if (!*out)
		return 0;
	o = json_loads(*out, 0, &err);
	ok = json_is_object(o) &&
	     (!need_target || (json_is_string(json_object_get(o, "target")) &&
			       json_is_string(json_object_get(o, "mode"))));
	json_decref(o);
	if (!ok)
		return cfg_fail(x, at, "'%s.%s' must be a JSON object%s%s%s", where, key,
				need_target ? " with \"mode\" and \"target\" strings" : "",
				o ? "" : ": ", o ? "" : err.text);
	return 0;
}

/* The optional `headers` array of an HTTP request's group h: "Name: value" strings. */
static int cfg_read_http_headers(struct cfg_ctx *x, config_setting_t *h, const char *hwhere,
				 struct cfg_http *http)
{
	config_setting_t *a;

	a = cfg_member(x, h, hwhere, "headers", CONFIG_TYPE_ARRAY, "an array of strings", 0);
	if (x->failed)
		return -EINVAL;
	if (a && config_setting_length(a) > CFG_MAX_HTTP_HEADERS)
		return cfg_fail(x, a, "%s: more than %d headers", hwhere, CFG_MAX_HTTP_HEADERS);
	for (int i = 0; a && i < config_setting_length(a); i++) {
		const char *v = cfg_elem_str(x, a, "'headers'", (unsigned)i);
		const char *colon = v ? strchr(v, ':') : NULL;

		if (!v)
			return -EINVAL;
		if (!colon || colon == v || strpbrk(v, "\r\n") || strcspn(v, " \t") < (size_t)(colon - v))
			return cfg_fail(x, config_setting_get_elem(a, (unsigned)i),
					"%s: headers are \"Name: value\" (the value is not "
					"shown here)", hwhere);
		http->headers[http->n_headers] = strdup(v);
		if (!http->headers[http->n_headers++])
			return cfg_fail(x, a, "out of memory");
	}
	return 0;
}

/* A trunk's `end` group: how the bot's side of its calls ends (cfg_end_mode). */
static int cfg_read_end(struct cfg_ctx *x, struct cfg_trunk *t, config_setting_t *g)
{
	static const char *const known[] = {"mode", "wait_bye_ms", "http", NULL};
	static const char *const hknown[] = {"url", "headers", "body", "timeout_ms", "retries",
					     NULL};
	/* in enum cfg_end_mode order */
	static const char *const modes[] = {"bye", "info_final", "http_notify", NULL};
	static const char *const roots[] = {"ctx", "bot", NULL};
	char where[CFG_NAME_MAX + 16], hwhere[CFG_NAME_MAX + 24], why[200];
	config_setting_t *h, *at;
	unsigned mode = CFG_END_BYE;

	snprintf(where, sizeof(where), "trunk '%s' end", t->name);
	snprintf(hwhere, sizeof(hwhere), "trunk '%s' end.http", t->name);
	if (cfg_only(x, g, where, known) || cfg_enum(x, g, where, where, "mode", modes, &mode) < 0 ||
	    cfg_int(x, g, where, "wait_bye_ms", 100, 600000, 10000, &t->wait_bye_ms))
		return -EINVAL;
	t->end_mode = (uint8_t)mode;
	h = cfg_member(x, g, where, "http", CONFIG_TYPE_GROUP, "a group { ... }", 0);
	if (x->failed)
		return -EINVAL;
	if ((mode == CFG_END_HTTP_NOTIFY) != (h != NULL))
		return cfg_fail(x, h ? h : g, "%s: an http group goes with mode = "
				"\"http_notify\", and only with it", where);
	if (!h)
		return 0;
	if (cfg_only(x, h, hwhere, hknown) ||
	    cfg_str(x, h, hwhere, "url", 1, t->http.url, sizeof(t->http.url), &at) ||
	    cfg_int(x, h, hwhere, "timeout_ms", 100, 60000, 5000, &t->http.timeout_ms) ||
	    cfg_int(x, h, hwhere, "retries", 0, 10, 2, &t->http.retries))
		return -EINVAL;
	if (strncmp(t->http.url, "http://", 7) != 0 && strncmp(t->http.url, "https://", 8) != 0)
		return cfg_fail(x, at, "%s: url must start with http:// or https://", hwhere);
	if (cfg_strdup(x, h, hwhere, "body", &t->http.body, &at))
		return -EINVAL;
	if (!t->http.body)
		return cfg_fail(x, h, "%s: missing key 'body' (a JSON template)", hwhere);
	if (tmpl_check(t->http.body, roots, why, sizeof(why)))
		return cfg_fail(x, at, "%s.body: %s", hwhere, why);
	return cfg_read_http_headers(x, h, hwhere, &t->http);
}

/* A trunk's or an agent's `status` group: the call status webhook (cfg_status). */
static int cfg_read_status(struct cfg_ctx *x, config_setting_t *g, const char *owner,
			   struct cfg_status *st)
{
	static const char *const known[] = {"url", "format", "events", "headers",
					    "timeout_ms", "retries", NULL};
	static const char *const formats[] = {"form", "json", NULL}; /* cfg_status_format */
	static const char *const events[] = {"initiated", "ringing", "answered", "completed",
					     NULL};
	char where[CFG_NAME_MAX + 24];
	config_setting_t *a, *at;
	unsigned format = CFG_STATUS_FORM;

	snprintf(where, sizeof(where), "%s status", owner);
	if (cfg_only(x, g, where, known) ||
	    cfg_str(x, g, where, "url", 1, st->http.url, sizeof(st->http.url), &at) ||
	    cfg_enum(x, g, where, where, "format", formats, &format) < 0 ||
	    cfg_int(x, g, where, "timeout_ms", 100, 60000, 5000, &st->http.timeout_ms) ||
	    cfg_int(x, g, where, "retries", 0, 10, 2, &st->http.retries))
		return -EINVAL;
	if (strncmp(st->http.url, "http://", 7) != 0 && strncmp(st->http.url, "https://", 8) != 0)
		return cfg_fail(x, at, "%s: url must start with http:// or https://", where);
	st->format = (uint8_t)format;
	a = cfg_member(x, g, where, "events", CONFIG_TYPE_ARRAY, "an array of event names", 0);
	if (x->failed)
		return -EINVAL;
	st->events = a ? 0 : CFG_EV_ALL;
	for (int i = 0; a && i < config_setting_length(a); i++) {
		const char *v = cfg_elem_str(x, a, "'events'", (unsigned)i);
		unsigned e = 0;

		if (!v)
			return -EINVAL;
		while (events[e] && strcmp(events[e], v) != 0)
			e++;
		if (!events[e])
			return cfg_fail(x, config_setting_get_elem(a, (unsigned)i),
					"%s: unknown event \"%s\" (initiated, ringing, answered, "
					"completed)", where, v);
		st->events |= (uint8_t)(1u << e);
	}
	if (a && !st->events)
		return cfg_fail(x, a, "%s: events is empty: leave the status group out", where);
	return cfg_read_http_headers(x, g, where, &st->http);
}

/* A trunk's `transfer` group (cfg_transfer). */
static int cfg_read_transfer(struct cfg_ctx *x, struct cfg_trunk *t, config_setting_t *g)
{
	static const char *const known[] = {"refer", "mode", "domain", "uri_headers",
					    "notify_timeout_ms", "bye_ms", NULL};
	static const char *const modes[] = {"refer", NULL}; /* enum cfg_transfer_mode */
	char where[CFG_NAME_MAX + 16];
	unsigned mode = CFG_XFER_REFER;

	snprintf(where, sizeof(where), "trunk '%s' transfer", t->name);
	if (!g) {
		t->transfer.refer = true;
		t->transfer.notify_timeout_ms = 30000;
		t->transfer.bye_ms = 2000;
		return 0;
	}
	if (cfg_only(x, g, where, known) || cfg_bool(x, g, where, "refer", true, &t->transfer.refer) ||
	    cfg_enum(x, g, where, where, "mode", modes, &mode) < 0 ||
	    cfg_str(x, g, where, "domain", 0, t->transfer.domain, sizeof(t->transfer.domain),
		    NULL) < 0 ||
	    cfg_bool(x, g, where, "uri_headers", false, &t->transfer.uri_headers) ||
	    cfg_int(x, g, where, "notify_timeout_ms", 1000, 600000, 30000,
		    &t->transfer.notify_timeout_ms) ||
	    cfg_int(x, g, where, "bye_ms", 0, 60000, 2000, &t->transfer.bye_ms))
		return -EINVAL;
	t->transfer.mode = (uint8_t)mode;
	return 0;
}

static int cfg_read_trunk(struct cfg_ctx *x, struct cfg_trunk *t, config_setting_t *g)
{
	static const char *const known[] = {"name", "allow", "codecs", "extract", "require",
					    "max_calls", "srtp", "srtp_tls", "end", "transfer",
					    "status", NULL};
	static const char *const where = "a trunk";
	config_setting_t *a;
	/* in enum cfg_srtp order */
	static const char *const srtp_names[] = {"optional", "required", "refused", NULL};
	unsigned srtp = CFG_SRTP_OPTIONAL;
	char what[CFG_NAME_MAX + 8];

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return cfg_fail(x, g, "each trunk must be a group { ... }");
	if (cfg_only(x, g, where, known) ||
	    cfg_str(x, g, where, "name", 1, t->name, sizeof(t->name), NULL))
		return -EINVAL;
	a = cfg_member(x, g, where, "allow", CONFIG_TYPE_ARRAY, "an array of CIDR strings", 1);
	if (!a)
		return -EINVAL;
	if (config_setting_length(a) > CFG_MAX_CIDRS)
		return cfg_fail(x, a, "trunk '%s' has more than %d allow entries", t->name,
				CFG_MAX_CIDRS);
	for (int i = 0; i < config_setting_length(a); i++) {
		const char *v = cfg_elem_str(x, a, "'allow'", (unsigned)i);

		if (!v)
			return -EINVAL;
		if (cfg_cidr_parse(v, &t->allow[t->n_allow]))
			return cfg_fail(x, config_setting_get_elem(a, (unsigned)i),
					"trunk '%s': \"%s\" is not a CIDR (e.g. \"192.0.2.0/24\" "
					"or \"2001:db8::/32\")", t->name, v);
		t->n_allow++;
	}
	t->codecs[0] = CFG_CODEC_PCMA;
	t->codecs[1] = CFG_CODEC_PCMU;
	t->n_codecs = 2;
	a = cfg_member(x, g, where, "codecs", CONFIG_TYPE_ARRAY, "an array of codec names", 0);
	if (x->failed)
		return -EINVAL;
	if (a) {
		t->n_codecs = 0;
		if (config_setting_length(a) < 1 || config_setting_length(a) > 2)
			return cfg_fail(x, a, "trunk '%s': codecs lists one or two of "
					"\"PCMA\", \"PCMU\"", t->name);
		for (int i = 0; i < config_setting_length(a); i++) {
			const char *v = cfg_elem_str(x, a, "'codecs'", (unsigned)i);

			if (!v)
				return -EINVAL;
			if (strcmp(v, "PCMA") == 0)
				t->codecs[t->n_codecs++] = CFG_CODEC_PCMA;
			else if (strcmp(v, "PCMU") == 0)
				t->codecs[t->n_codecs++] = CFG_CODEC_PCMU;
			else
				return cfg_fail(x, config_setting_get_elem(a, (unsigned)i),
						"trunk '%s': unknown codec \"%s\" (PCMA or PCMU)",
						t->name, v);
		}
	}
	a = cfg_member(x, g, where, "extract", CONFIG_TYPE_LIST, "a list ( {...}, ... )", 0);
	if (x->failed)
		return -EINVAL;
	if (a && config_setting_length(a) > CFG_MAX_EXTRACT)
		return cfg_fail(x, a, "trunk '%s' has more than %d extractors", t->name,
				CFG_MAX_EXTRACT);
	for (int i = 0; a && i < config_setting_length(a); i++)
		if (cfg_read_extract(x, t, config_setting_get_elem(a, (unsigned)i)))
			return -EINVAL;
	a = cfg_member(x, g, where, "require", CONFIG_TYPE_LIST, "a list ( {...}, ... )", 0);
	if (x->failed)
		return -EINVAL;
	if (a && config_setting_length(a) > CFG_MAX_REQUIRE)
		return cfg_fail(x, a, "trunk '%s' requires more than %d headers", t->name,
				CFG_MAX_REQUIRE);
	for (int i = 0; a && i < config_setting_length(a); i++) {
		static const char *const rknown[] = {"header", "value", NULL};
		config_setting_t *r = config_setting_get_elem(a, (unsigned)i);
		struct cfg_require *q = &t->require[t->n_require++];

		if (config_setting_type(r) != CONFIG_TYPE_GROUP)
			return cfg_fail(x, r, "each required header must be a group { ... }");
		if (cfg_only(x, r, "a required header", rknown) ||
		    cfg_str(x, r, "a required header", "header", 1, q->header,
			    sizeof(q->header), NULL) ||
		    cfg_str(x, r, "a required header", "value", 1, q->value,
			    sizeof(q->value), NULL))
			return -EINVAL;
	}
	snprintf(what, sizeof(what), "trunk '%s'", t->name);
	if (cfg_enum(x, g, where, what, "srtp", srtp_names, &srtp) < 0)
		return -EINVAL;
	t->srtp = (uint8_t)srtp;
	if (cfg_enum(x, g, where, what, "srtp_tls", srtp_names, &srtp) < 0)
		return -EINVAL;
	t->srtp_tls = (uint8_t)srtp; /* the srtp policy unless set */
	a = cfg_member(x, g, where, "end", CONFIG_TYPE_GROUP, "a group { ... }", 0);
	if (x->failed || (a && cfg_read_end(x, t, a)))
		return -EINVAL;
	if (!a)
		t->wait_bye_ms = 10000;
	a = cfg_member(x, g, where, "transfer", CONFIG_TYPE_GROUP, "a group { ... }", 0);
	if (x->failed || cfg_read_transfer(x, t, a))
		return -EINVAL;
	snprintf(what, sizeof(what), "trunk '%s'", t->name);
	a = cfg_member(x, g, where, "status", CONFIG_TYPE_GROUP, "a group { ... }", 0);
	if (x->failed || (a && cfg_read_status(x, a, what, &t->status)))
		return -EINVAL;
	return cfg_int(x, g, where, "max_calls", 0, 1 << 20, 0, &t->max_calls);
}

static int cfg_agent_index(const struct cfg *c, const char *id)
{
	for (unsigned i = 0; i < c->bots.n_agents; i++)
		if (strcmp(c->bots.agents[i].id, id) == 0)
			return (int)i;
	return -1;
}

static int cfg_read_route(struct cfg_ctx *x, struct cfg *c, struct cfg_route *r,
			  config_setting_t *g)
{
	static const char *const known[] = {"user", "header", "match", "agent", NULL};
	static const char *const where = "a route";
	config_setting_t *at, *at2;
	char agent[CFG_NAME_MAX], msg[128];
	int err, idx, by_user, by_header;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return cfg_fail(x, g, "each route must be a group { ... }");
	if (cfg_only(x, g, where, known))
		return -EINVAL;
	by_user = cfg_str(x, g, where, "user", 0, r->pattern, sizeof(r->pattern), &at) == 0;
	by_header = cfg_str(x, g, where, "header", 0, r->header, sizeof(r->header), &at2) == 0;
	if (x->failed)
		return -EINVAL;
	if (by_user == by_header)
		return cfg_fail(x, g, "a route has either user = \"regex\" or header = \"Name\" "
				"with match = \"regex\"");
	if (by_header && cfg_str(x, g, where, "match", 1, r->pattern, sizeof(r->pattern), &at))
		return -EINVAL;
	err = regcomp(&r->re, r->pattern, REG_EXTENDED | REG_NOSUB);
	if (err) {
		regerror(err, &r->re, msg, sizeof(msg));
		return cfg_fail(x, at, "route pattern \"%s\" is not a valid regular expression: %s",
				r->pattern, msg);
	}
	c->sig.n_routes++; /* owns a compiled regex from here on */
	if (cfg_str(x, g, where, "agent", 1, agent, sizeof(agent), &at))
		return -EINVAL;
	idx = cfg_agent_index(c, agent);
	if (idx < 0)
		return cfg_fail(x, at, "route names agent \"%s\", which is not in bots.agents",
				agent);
	r->agent = (unsigned)idx;
	return 0;
}

/* The proxy URI of an outbound endpoint: sip: or sips:, a host (IPv6 in brackets),
 * an optional port, an optional ;transport= (udp, tcp, tls). Fills host and transport;
 * returns 0 or -1. */
static int cfg_proxy_parse(struct cfg_outbound *o)
{
	const char *p = o->proxy, *h, *e;
	size_t n;

	o->transport = CFG_TP_UDP;
	if (strncmp(p, "sips:", 5) == 0) {
		o->transport = CFG_TP_TLS;
		p += 5;
	} else if (strncmp(p, "sip:", 4) == 0) {
		p += 4;
	} else {
		return -1;
	}
	if (strchr(p, '@'))
		return -1;
	if (*p == '[') {
		h = p + 1;
		e = strchr(h, ']');
		if (!e)
			return -1;
		n = (size_t)(e - h);
		e++;
	} else {
		h = p;
		n = strcspn(h, ":;");
		e = h + n;
	}
	if (n == 0 || n >= sizeof(o->host))
		return -1;
	memcpy(o->host, h, n);
	o->host[n] = 0;
	if (*e == ':') {
		char *end;
		long port = strtol(e + 1, &end, 10);

		if (end == e + 1 || port < 1 || port > 65535)
			return -1;
		e = end;
	}
	if (*e == 0)
		return 0;
	if (strcmp(e, ";transport=udp") == 0 && o->transport != CFG_TP_TLS)
		o->transport = CFG_TP_UDP;
	else if (strcmp(e, ";transport=tcp") == 0 && o->transport != CFG_TP_TLS)
		o->transport = CFG_TP_TCP;
	else if (strcmp(e, ";transport=tls") == 0)
		o->transport = CFG_TP_TLS;
	else
		return -1;
	return 0;
}

/* `headers`: SIP headers "Name: value" (a token name, no CR or LF), into out with
 * CRLF between; none: "". */
static int cfg_read_sip_headers(struct cfg_ctx *x, config_setting_t *g, const char *where,
				char *out, size_t size)
{
	config_setting_t *a = cfg_member(x, g, where, "headers", CONFIG_TYPE_ARRAY,
					 "an array of strings", 0);
	size_t n = 0;

	out[0] = '\0';
	if (x->failed)
		return -EINVAL;
	for (int i = 0; a && i < config_setting_length(a); i++) {
		const char *v = cfg_elem_str(x, a, "'headers'", (unsigned)i);
		const char *colon = v ? strchr(v, ':') : NULL;
		int w;

		if (!v)
			return -EINVAL;
		if (!colon || colon == v || strpbrk(v, "\r\n") ||
		    strcspn(v, " \t()<>@,;\\\"/[]?={}") < (size_t)(colon - v))
			return cfg_fail(x, config_setting_get_elem(a, (unsigned)i),
					"%s: headers are \"Name: value\" with a token name "
					"(the value is not shown here)", where);
		w = snprintf(out + n, size - n, "%s%s", n ? "\r\n" : "", v);
		if (w < 0 || (size_t)w >= size - n)
			return cfg_fail(x, a, "%s: the headers take more than %zu bytes", where,
					size - 1);
		n += (size_t)w;
	}
	return 0;
}

static int cfg_read_outbound(struct cfg_ctx *x, struct cfg *c, struct cfg_outbound *o,
			     config_setting_t *g)
{
	static const char *const known[] = {"name", "proxy", "user", "domain", "auth_user",
					    "password", "register", "expires", "retry_s",
					    "trunk", "headers", "pai", NULL};
	static const char *const tp_names[] = {"udp", "tcp", "tls"};
	char where[CFG_NAME_MAX + 24], trunk[CFG_NAME_MAX];
	config_setting_t *at;
	bool listened = false;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return cfg_fail(x, g, "each outbound endpoint must be a group { ... }");
	if (cfg_only(x, g, "an outbound endpoint", known) ||
	    cfg_str(x, g, "an outbound endpoint", "name", 1, o->name, sizeof(o->name), NULL))
		return -EINVAL;
	snprintf(where, sizeof(where), "outbound '%s'", o->name);
	for (unsigned i = 0; i < c->sig.n_outbound; i++)
		if (strcmp(c->sig.outbound[i].name, o->name) == 0)
			return cfg_fail(x, g, "two outbound endpoints are named '%s'", o->name);
	if (cfg_str(x, g, where, "proxy", 1, o->proxy, sizeof(o->proxy), &at))
		return -EINVAL;
	if (cfg_proxy_parse(o))
		return cfg_fail(x, at, "%s: proxy \"%s\" is not sip:host[:port] or "
				"sips:host[:port], with ;transport=udp, tcp or tls at most",
				o->name, o->proxy);
	for (unsigned i = 0; i < c->sig.n_listeners; i++)
		listened |= c->sig.listeners[i].transport == o->transport;
	if (!listened)
		return cfg_fail(x, at, "%s: the proxy is reached over %s, and no listener is "
				"of that transport (requests leave from a listener's socket)",
				o->name, tp_names[o->transport]);
	if (cfg_str(x, g, where, "user", 1, o->user, sizeof(o->user), NULL) ||
	    cfg_str(x, g, where, "domain", 0, o->domain, sizeof(o->domain), NULL) < 0 ||
	    cfg_str(x, g, where, "auth_user", 0, o->auth_user, sizeof(o->auth_user),
		    NULL) < 0 ||
	    cfg_str(x, g, where, "password", 0, o->password, sizeof(o->password), NULL) < 0 ||
	    cfg_bool(x, g, where, "register", false, &o->reg) ||
	    cfg_int(x, g, where, "expires", 10, 86400, 600, &o->expires) ||
	    cfg_int(x, g, where, "retry_s", 1, 300, 5, &o->retry_s))
		return -EINVAL;
	if (strpbrk(o->user, "@:;<> \"") || strpbrk(o->domain, "@;<> \""))
		return cfg_fail(x, g, "%s: user and domain are the parts of sip:user@domain, "
				"without @ ; < > spaces or quotes", o->name);
	if (!o->auth_user[0])
		memcpy(o->auth_user, o->user, sizeof(o->auth_user));
	if (cfg_bool(x, g, where, "pai", false, &o->pai) ||
	    cfg_read_sip_headers(x, g, where, o->headers, sizeof(o->headers)))
		return -EINVAL;
	o->trunk = -1;
	if (cfg_str(x, g, where, "trunk", 0, trunk, sizeof(trunk), &at) < 0)
		return -EINVAL;
	if (at) {
		struct cfg_trunk *t = NULL;
		struct cfg_cidr cidr;
		char lit[sizeof(o->host) + 8];

		for (unsigned i = 0; i < c->sig.n_trunks; i++)
			if (strcmp(c->sig.trunks[i].name, trunk) == 0) {
				t = &c->sig.trunks[i];
				o->trunk = (int)i;
			}
		if (!t)
			return cfg_fail(x, at, "%s: trunk \"%s\" is not in signaling.trunks",
					o->name, trunk);
		/* an IP literal proxy: its INVITEs are taken on the trunk */
		snprintf(lit, sizeof(lit), "%s/%u", o->host, strchr(o->host, ':') ? 128 : 32);
		if (cfg_cidr_parse(lit, &cidr) == 0) {
			unsigned i = 0;

			while (i < t->n_allow && memcmp(&t->allow[i], &cidr, sizeof(cidr)) != 0)
				i++;
			if (i == t->n_allow) {
				if (t->n_allow == CFG_MAX_CIDRS)
					return cfg_fail(x, at, "%s: trunk '%s' has no room for the "
							"proxy's address in its allowlist",
							o->name, t->name);
				t->allow[t->n_allow++] = cidr;
			}
		}
	}
	return 0;
}

/* signaling.proxies: the SIP proxies in front, and the header they put the caller's
 * address in. */
static int cfg_read_proxies(struct cfg_ctx *x, struct cfg *c, config_setting_t *g)
{
	static const char *const known[] = {"allow", "source_header", NULL};
	static const char *const where = "signaling.proxies";
	config_setting_t *a;

	if (cfg_only(x, g, where, known) ||
	    cfg_str(x, g, where, "source_header", 1, c->sig.proxy_header,
		    sizeof(c->sig.proxy_header), NULL))
		return -EINVAL;
	a = cfg_member(x, g, where, "allow", CONFIG_TYPE_ARRAY, "an array of CIDR strings", 1);
	if (!a)
		return -EINVAL;
	if (config_setting_length(a) < 1 || config_setting_length(a) > CFG_MAX_CIDRS)
		return cfg_fail(x, a, "%s.allow: 1 to %d CIDRs", where, CFG_MAX_CIDRS);
	for (int i = 0; i < config_setting_length(a); i++) {
		const char *v = cfg_elem_str(x, a, "'allow'", (unsigned)i);

		if (!v)
			return -EINVAL;
		if (cfg_cidr_parse(v, &c->sig.proxy_allow[c->sig.n_proxy_allow]))
			return cfg_fail(x, config_setting_get_elem(a, (unsigned)i),
					"%s: \"%s\" is not a CIDR", where, v);
		c->sig.n_proxy_allow++;
	}
	return 0;
}

/* signaling.capture: where SIP messages are written (pcap files, a HEP collector). */
static int cfg_read_capture(struct cfg_ctx *x, struct cfg *c, config_setting_t *g)
{
	static const char *const known[] = {"pcap", "max_mb", "files", "hep", "hep_id", NULL};
	static const char *const where = "signaling.capture";
	config_setting_t *at;
	char host[64];
	unsigned port;
	struct in_addr a;

	if (cfg_only(x, g, where, known) ||
	    cfg_str(x, g, where, "pcap", 0, c->sig.capture.pcap, sizeof(c->sig.capture.pcap),
		    NULL) < 0 ||
	    cfg_int(x, g, where, "max_mb", 1, 100000, 100, &c->sig.capture.max_mb) ||
	    cfg_int(x, g, where, "files", 1, 1000, 5, &c->sig.capture.files) ||
	    cfg_str(x, g, where, "hep", 0, c->sig.capture.hep, sizeof(c->sig.capture.hep),
		    &at) < 0 ||
	    cfg_int(x, g, where, "hep_id", 0, UINT32_MAX / 2, 2001, &c->sig.capture.hep_id))
		return -EINVAL;
	if (c->sig.capture.hep[0] &&
	    (sscanf(c->sig.capture.hep, "%63[0-9.]:%u", host, &port) != 2 || !port ||
	     port > 65535 || inet_pton(AF_INET, host, &a) != 1))
		return cfg_fail(x, at, "%s.hep: \"%s\" is not IPv4:port", where,
				c->sig.capture.hep);
	if (!c->sig.capture.pcap[0] && !c->sig.capture.hep[0])
		return cfg_fail(x, g, "%s: give pcap, hep or both (or leave the group out)", where);
	return 0;
}

static int cfg_read_sig(struct cfg_ctx *x, struct cfg *c, config_setting_t *g)
{
	static const char *const known[] = {"listeners", "user_agent", "trunks", "routes",
					    "default_agent", "retry_after", "max_cps", "max_message",
					    "idle_ms", "unlisted_source", "min_se", "cdr_file",
					    "outbound", "stop_grace", "capture", "proxies", "node_id",
					    NULL};
	static const char *const where = "signaling";
	/* in enum cfg_unlisted order */
	static const char *const unlisted[] = {"drop", "403", NULL};
	config_setting_t *l, *at;
	char agent[CFG_NAME_MAX];
	unsigned unlisted_source = CFG_UNLISTED_DROP;

	if (!g)
		return cfg_fail(x, NULL, "missing group 'signaling'");
	if (cfg_only(x, g, where, known))
		return -EINVAL;

	l = cfg_member(x, g, where, "listeners", CONFIG_TYPE_LIST, "a list ( {...}, ... )", 1);
	if (!l)
		return -EINVAL;
	if (config_setting_length(l) < 1 || config_setting_length(l) > CFG_MAX_LISTENERS)
		return cfg_fail(x, l, "'signaling.listeners' needs 1 to %d listeners",
				CFG_MAX_LISTENERS);
	for (int i = 0; i < config_setting_length(l); i++) {
		struct cfg_listener *n = &c->sig.listeners[c->sig.n_listeners];

		if (cfg_read_listener(x, n, config_setting_get_elem(l, (unsigned)i)))
			return -EINVAL;
		/* TLS takes its address and port alone (sofia binds it apart). */
		for (unsigned j = 0; j < c->sig.n_listeners; j++) {
			const struct cfg_listener *o = &c->sig.listeners[j];

			if (strcmp(o->address, n->address) == 0 && o->port == n->port &&
			    (o->transport == CFG_TP_TLS || n->transport == CFG_TP_TLS))
				return cfg_fail(x, config_setting_get_elem(l, (unsigned)i),
						"a tls listener cannot share %s port %u with "
						"another listener", n->address, n->port);
		}
		c->sig.n_listeners++;
	}

	strcpy(c->sig.user_agent, "voxgate");
	if (cfg_str(x, g, where, "user_agent", 0, c->sig.user_agent,
		    sizeof(c->sig.user_agent), NULL) < 0)
		return -EINVAL;

	l = cfg_member(x, g, where, "trunks", CONFIG_TYPE_LIST, "a list ( {...}, ... )", 1);
	if (!l)
		return -EINVAL;
	if (config_setting_length(l) < 1 || config_setting_length(l) > CFG_MAX_TRUNKS)
		return cfg_fail(x, l, "'signaling.trunks' needs 1 to %d trunks", CFG_MAX_TRUNKS);
	for (int i = 0; i < config_setting_length(l); i++)
		if (cfg_read_trunk(x, &c->sig.trunks[c->sig.n_trunks++],
				   config_setting_get_elem(l, (unsigned)i)))
			return -EINVAL;

	l = cfg_member(x, g, where, "routes", CONFIG_TYPE_LIST, "a list ( {...}, ... )", 0);
	if (x->failed)
		return -EINVAL;
	if (l && config_setting_length(l) > CFG_MAX_ROUTES)
		return cfg_fail(x, l, "'signaling.routes' has more than %d routes", CFG_MAX_ROUTES);
	for (int i = 0; l && i < config_setting_length(l); i++)
		if (cfg_read_route(x, c, &c->sig.routes[c->sig.n_routes],
				   config_setting_get_elem(l, (unsigned)i)))
			return -EINVAL;

	/* after the trunks: an endpoint may name one */
	l = cfg_member(x, g, where, "outbound", CONFIG_TYPE_LIST, "a list ( {...}, ... )", 0);
	if (x->failed)
		return -EINVAL;
	if (l && config_setting_length(l) > CFG_MAX_OUTBOUND)
		return cfg_fail(x, l, "'signaling.outbound' has more than %d endpoints",
				CFG_MAX_OUTBOUND);
	for (int i = 0; l && i < config_setting_length(l); i++) {
		if (cfg_read_outbound(x, c, &c->sig.outbound[c->sig.n_outbound],
				      config_setting_get_elem(l, (unsigned)i)))
			return -EINVAL;
		c->sig.n_outbound++;
	}

	c->sig.default_agent = -1;
	if (cfg_str(x, g, where, "default_agent", 0, agent, sizeof(agent), &at) < 0)
		return -EINVAL;
	if (at) {
		c->sig.default_agent = cfg_agent_index(c, agent);
		if (c->sig.default_agent < 0)
			return cfg_fail(x, at, "'signaling.default_agent' names agent \"%s\", "
					"which is not in bots.agents", agent);
	}
	if (cfg_int(x, g, where, "max_cps", 0, 1000000, 0, &c->sig.max_cps) ||
	    cfg_int(x, g, where, "max_message", 4096, 1 << 24, 65536, &c->sig.max_message) ||
	    cfg_int(x, g, where, "idle_ms", 0, 86400000, 0, &c->sig.idle_ms) ||
	    cfg_int(x, g, where, "min_se", 90, 86400, 90, &c->sig.min_se) ||
	    cfg_int(x, g, where, "stop_grace", 0, 86400, 30, &c->sig.stop_grace_s) ||
	    cfg_int(x, g, where, "node_id", 0, UINT32_MAX, 0, &c->sig.node_id) ||
	    cfg_enum(x, g, where, where, "unlisted_source", unlisted, &unlisted_source) < 0 ||
	    cfg_str(x, g, where, "cdr_file", 0, c->sig.cdr_file, sizeof(c->sig.cdr_file),
		    NULL) < 0)
		return -EINVAL;
	c->sig.unlisted_source = (uint8_t)unlisted_source;
	at = cfg_member(x, g, where, "capture", CONFIG_TYPE_GROUP, "a group { ... }", 0);
	if (x->failed || (at && cfg_read_capture(x, c, at)))
		return -EINVAL;
	at = cfg_member(x, g, where, "proxies", CONFIG_TYPE_GROUP, "a group { ... }", 0);
	if (x->failed || (at && cfg_read_proxies(x, c, at)))
		return -EINVAL;
	return cfg_int(x, g, where, "retry_after", 1, 3600, 5, &c->sig.retry_after_s);
}

static int cfg_read_agent(struct cfg_ctx *x, struct cfg *c, struct cfg_agent *a,
			  config_setting_t *g)
{
	static const char *const known[] = {"id", "builtin", "delay_ms", "answer_delay_ms",
					    "url", "dialect", "connect_timeout_ms", "on_close",
					    "account_sid", "sample_rate", "file", "loop", "dir",
					    "on_failure", "fallback", "record_dir", "end_after_ms",
					    "end_update", "end_transfer", "status", NULL};
	static const char *const where = "an agent";
	/* the builtin names and their bots */
	static const char *const builtins[] = {"echo", "null", "play", "record", NULL};
	static const enum cfg_builtin builtin_bot[] = {CFG_BOT_ECHO, CFG_BOT_NULL,
						      CFG_BOT_PLAY, CFG_BOT_RECORD};
	/* in the order of enum cfg_dialect, enum cfg_on_close, and hangup/transfer */
	static const char *const dialects[] = {"twilio", "raw", "telnyx", "plivo", "exotel",
					       "vonage", NULL};
	static const char *const on_closes[] = {"hangup", "continue", NULL};
	static const char *const on_failures[] = {"hangup", "transfer", NULL};
	config_setting_t *at, *url;
	char what[CFG_NAME_MAX + 8];
	unsigned builtin = 0, dialect = CFG_DIALECT_TWILIO, on_close = CFG_ON_CLOSE_HANGUP;
	unsigned on_failure = 0;
	int has_builtin, rc;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return cfg_fail(x, g, "each agent must be a group { ... }");
	if (cfg_only(x, g, where, known) ||
	    cfg_str(x, g, where, "id", 1, a->id, sizeof(a->id), &at))
		return -EINVAL;
	if (cfg_agent_index(c, a->id) >= 0)
		return cfg_fail(x, at, "agent id \"%s\" is used twice", a->id);
	snprintf(what, sizeof(what), "agent '%s'", a->id);
	if ((has_builtin = cfg_enum(x, g, where, what, "builtin", builtins, &builtin)) < 0 ||
	    (rc = cfg_str(x, g, where, "url", 0, a->url, sizeof(a->url), &url)) < 0)
		return -EINVAL;
	if ((has_builtin == 0) == (rc == 0))
		return cfg_fail(x, g, "agent '%s' needs either builtin or url, not both",
				a->id);
	if (rc == 0 && strncmp(a->url, "ws://", 5) != 0 && strncmp(a->url, "wss://", 6) != 0)
		return cfg_fail(x, url, "agent '%s': url must start with ws:// or wss://",
				a->id);
	a->builtin = has_builtin == 0 ? builtin_bot[builtin] : CFG_BOT_NONE;
	if (cfg_str(x, g, where, "file", a->builtin == CFG_BOT_PLAY, a->file, sizeof(a->file),
		    NULL) < 0 ||
	    cfg_str(x, g, where, "dir", a->builtin == CFG_BOT_RECORD, a->dir, sizeof(a->dir),
		    NULL) < 0 ||
	    cfg_str(x, g, where, "record_dir", 0, a->record_dir, sizeof(a->record_dir),
		    NULL) < 0 ||
	    cfg_bool(x, g, where, "loop", false, &a->loop))
		return -EINVAL;
	if (cfg_enum(x, g, where, what, "dialect", dialects, &dialect) < 0)
		return -EINVAL;
	a->dialect = (uint8_t)dialect;
	/* PCM16 to and from the bot: Vonage's is 16 kHz unless told otherwise */
	if (cfg_int(x, g, where, "sample_rate", 8000, 16000,
		    dialect == CFG_DIALECT_VONAGE ? 16000 : 8000, &a->sample_rate))
		return -EINVAL;
	if (a->sample_rate != 8000 && a->sample_rate != 16000)
		return cfg_fail(x, config_setting_get_member(g, "sample_rate"),
				"agent '%s': sample_rate is 8000 or 16000", a->id);
	if (a->sample_rate != 8000 && dialect != CFG_DIALECT_RAW &&
	    dialect != CFG_DIALECT_VONAGE)
		return cfg_fail(x, config_setting_get_member(g, "sample_rate"),
				"agent '%s': sample_rate is for the raw and vonage dialects; "
				"the others are 8 kHz", a->id);
	if (cfg_enum(x, g, where, what, "on_close", on_closes, &on_close) < 0 ||
	    cfg_enum(x, g, where, what, "on_failure", on_failures, &on_failure) < 0 ||
	    cfg_str(x, g, where, "fallback", 0, a->fallback, sizeof(a->fallback), NULL) < 0)
		return -EINVAL;
	a->on_close = (uint8_t)on_close;
	a->on_failure_transfer = on_failure == 1;
	if (a->on_failure_transfer && !a->fallback[0])
		return cfg_fail(x, config_setting_get_member(g, "on_failure"),
				"agent '%s': on_failure = \"transfer\" needs a fallback target",
				a->id);
	snprintf(a->account_sid, sizeof(a->account_sid), "AC%032d", 0);
	if (cfg_str(x, g, where, "account_sid", 0, a->account_sid, sizeof(a->account_sid),
		    NULL) < 0 ||
	    cfg_int(x, g, where, "connect_timeout_ms", 100, 60000, 2000,
		    &a->connect_timeout_ms) ||
	    cfg_int(x, g, where, "delay_ms", 0, 10000, 500, &a->delay_ms) ||
	    cfg_int(x, g, where, "end_after_ms", 0, 86400000, 0, &a->end_after_ms) ||
	    cfg_json_object(x, g, where, "end_update", false, &a->end_update) ||
	    cfg_json_object(x, g, where, "end_transfer", true, &a->end_transfer))
		return -EINVAL;
	if ((a->end_update || a->end_transfer || a->end_after_ms) &&
	    (a->builtin == CFG_BOT_NONE || !a->end_after_ms || (a->end_update && a->end_transfer)))
		return cfg_fail(x, g, "agent '%s': end_after_ms (with end_update or "
				"end_transfer, not both) is for built-in bots; a WebSocket bot "
				"ends its calls itself", a->id);
	{
		char what[CFG_NAME_MAX + 8];
		config_setting_t *st = cfg_member(x, g, where, "status", CONFIG_TYPE_GROUP,
						  "a group { ... }", 0);

		snprintf(what, sizeof(what), "agent '%s'", a->id);
		if (x->failed || (st && cfg_read_status(x, st, what, &a->status)))
			return -EINVAL;
	}
	return cfg_int(x, g, where, "answer_delay_ms", 0, 60000, 0, &a->answer_delay_ms);
}

static int cfg_read_bots(struct cfg_ctx *x, struct cfg *c, config_setting_t *g)
{
	static const char *const known[] = {"workers", "ring_ms", "backlog_s", "agents", "api",
						  "tls_ca", NULL};
	static const char *const akeys[] = {"address", "port", "auth_token", NULL};
	static const char *const where = "bots";
	config_setting_t *l, *api;
	struct in_addr ip;

	if (!g)
		return cfg_fail(x, NULL, "missing group 'bots'");
	if (cfg_only(x, g, where, known) ||
	    cfg_int(x, g, where, "workers", 1, 16, 1, &c->bots.workers) ||
	    cfg_int(x, g, where, "ring_ms", 40, 2000, 200, &c->bots.ring_ms) ||
	    cfg_int(x, g, where, "backlog_s", 1, 3600, 120, &c->bots.backlog_s))
		return -EINVAL;
	if (cfg_str(x, g, where, "tls_ca", 0, c->bots.tls_ca, sizeof(c->bots.tls_ca), &l) < 0)
		return -EINVAL;
	if (c->bots.tls_ca[0] && access(c->bots.tls_ca, R_OK) != 0)
		return cfg_fail(x, l, "'bots.tls_ca': cannot read %s", c->bots.tls_ca);
	api = cfg_member(x, g, where, "api", CONFIG_TYPE_GROUP, "a group { ... }", 0);
	if (x->failed)
		return -EINVAL;
	if (api && (cfg_only(x, api, "bots.api", akeys) ||
		    cfg_str(x, api, "bots.api", "address", 1, c->bots.api_address,
			    sizeof(c->bots.api_address), &l) ||
		    cfg_int(x, api, "bots.api", "port", 1, 65535, 0, &c->bots.api_port) ||
		    cfg_str(x, api, "bots.api", "auth_token", 0, c->bots.api_token,
			    sizeof(c->bots.api_token), NULL) < 0))
		return -EINVAL;
	if (api && inet_pton(AF_INET, c->bots.api_address, &ip) != 1)
		return cfg_fail(x, l, "'bots.api.address' must be an IPv4 address");
	if (api && !c->bots.api_port)
		return cfg_fail(x, api, "'bots.api' needs a port");
	l = cfg_member(x, g, where, "agents", CONFIG_TYPE_LIST, "a list ( {...}, ... )", 1);
	if (!l)
		return -EINVAL;
	if (config_setting_length(l) < 1 || config_setting_length(l) > CFG_MAX_AGENTS)
		return cfg_fail(x, l, "'bots.agents' needs 1 to %d agents", CFG_MAX_AGENTS);
	for (int i = 0; i < config_setting_length(l); i++) {
		struct cfg_agent *a = &c->bots.agents[c->bots.n_agents];

		if (cfg_read_agent(x, c, a, config_setting_get_elem(l, (unsigned)i))) {
			c->bots.n_agents++; /* so that cfg_free() frees what it holds */
			return -EINVAL;
		}
		c->bots.n_agents++;
	}
	return 0;
}

int cfg_load(struct cfg *c, const char *path, char *err, size_t errlen)
{
	static const char *const known[] = {"log", "eal", "dataplane", "signaling", "bots",
					    NULL};
	struct cfg_ctx x = {.file = path, .err = err, .errlen = errlen};
	config_setting_t *root;
	config_t lc;
	FILE *f;
	int rc;

	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	f = fopen(path, "r");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	fclose(f);
	config_init(&lc);
	if (!config_read_file(&lc, path)) {
		snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&lc),
			 config_error_text(&lc));
		config_destroy(&lc);
		return -EINVAL;
	}
	root = config_root_setting(&lc);
	/* bots before signaling: routes and default_agent name agents. */
	if (cfg_only(&x, root, "the top level", known) ||
	    cfg_read_log(&x, c, config_setting_get_member(root, "log")) ||
	    cfg_read_eal(&x, c, config_setting_get_member(root, "eal")) ||
	    cfg_read_dp(&x, c, config_setting_get_member(root, "dataplane")) ||
	    cfg_read_bots(&x, c, config_setting_get_member(root, "bots")) ||
	    cfg_read_sig(&x, c, config_setting_get_member(root, "signaling"))) {
		config_destroy(&lc);
		cfg_free(c);
		return -EINVAL;
	}
	config_destroy(&lc);
	return 0;
}

static void cfg_http_free(struct cfg_http *h)
{
	for (unsigned i = 0; i < h->n_headers; i++)
		free(h->headers[i]);
	h->n_headers = 0;
	free(h->body);
	h->body = NULL;
}

void cfg_free(struct cfg *c)
{
	for (unsigned i = 0; i < c->n_eal_args; i++)
		free(c->eal_args[i]);
	c->n_eal_args = 0;
	for (unsigned i = 0; i < c->sig.n_routes; i++)
		regfree(&c->sig.routes[i].re);
	c->sig.n_routes = 0;
	for (unsigned t = 0; t < c->sig.n_trunks; t++) {
		for (unsigned i = 0; i < c->sig.trunks[t].n_extract; i++)
			regfree(&c->sig.trunks[t].extract[i].re);
		c->sig.trunks[t].n_extract = 0;
		cfg_http_free(&c->sig.trunks[t].http);
		cfg_http_free(&c->sig.trunks[t].status.http);
	}
	for (unsigned i = 0; i < c->bots.n_agents; i++) {
		free(c->bots.agents[i].end_update);
		free(c->bots.agents[i].end_transfer);
		c->bots.agents[i].end_update = c->bots.agents[i].end_transfer = NULL;
		cfg_http_free(&c->bots.agents[i].status.http);
	}
}
