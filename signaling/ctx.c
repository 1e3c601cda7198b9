/*
 * ctx.c: the call context of an INVITE (see ctx.h), built with jansson.
 */
#include "signaling/ctx.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/url.h>

int ctx_key_of_header(const char *name, char *out, size_t size)
{
	size_t n = 0;

	if (strncasecmp(name, "X-", 2) == 0)
		name += 2;
	for (; *name; name++) {
		if (n + 1 >= size)
			return -ENOSPC;
		out[n++] = isalnum((unsigned char)*name) ? (char)tolower((unsigned char)*name) : '_';
	}
	out[n] = '\0';
	return 0;
}

static void ctx_error(json_t *errors, const char *fmt, const char *arg)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, arg);
	json_array_append_new(errors, json_string(msg));
}

/* A display name without its quotes (RFC 3261 25.1 quoted-string). */
static void ctx_unquote(const char *in, char *out, size_t size)
{
	size_t n = strlen(in);

	if (n >= 2 && in[0] == '"' && in[n - 1] == '"') {
		in++;
		n -= 2;
	}
	if (n >= size)
		n = size - 1;
	memcpy(out, in, n);
	out[n] = '\0';
}

static void ctx_set_str(json_t *o, const char *key, const char *v)
{
	if (v && *v)
		json_object_set_new(o, key, json_string(v));
}

/* Header name as sofia-sip knows it: the name as sent for unknown headers, the
 * canonical one for known ones. */
static const char *ctx_header_class_name(const msg_header_t *h)
{
	if (h->sh_class->hc_hash == msg_unknown_hash)
		return h->sh_unknown->un_name;
	return h->sh_class->hc_name;
}

/*
 * The header line as it came on the wire, which the parser keeps when the message
 * was read with MSG_DO_EXTRACT_COPY (sig.c asks nta for it): the name as sent
 * (compact forms and case kept), the value after the colon without the whitespace
 * around it, each folded line break with its whitespace as one space (RFC 3261
 * 7.3.1). Returns 1, or 0 when the header has no line of its own: the second and
 * later values of a comma-separated line, which the first one carries.
 */
static int ctx_header_raw(const msg_header_t *h, char *name, size_t nsize, char *value,
			  size_t vsize, issize_t *n)
{
	const char *p = h->sh_data, *end = p + h->sh_len, *colon = memchr(p, ':', h->sh_len);
	size_t k = 0, len = 0;

	if (!h->sh_len || !colon)
		return 0;
	while (p < colon && k + 1 < nsize && *p != ' ' && *p != '\t')
		name[k++] = *p++;
	name[k] = '\0';
	p = colon + 1;
	while (end > p && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' ||
			   end[-1] == '\t'))
		end--;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (p < end) {
		char c = *p++;

		if (c == '\r' || c == '\n') { /* a fold: CRLF and the whitespace after it */
			while (p < end && (*p == '\r' || *p == '\n' || *p == ' ' || *p == '\t'))
				p++;
			c = ' ';
		}
		if (len + 1 < vsize)
			value[len] = c;
		len++;
	}
	value[len + 1 < vsize ? len : vsize - 1] = '\0';
	*n = (issize_t)len;
	return 1;
}

/* Name and value text of header h. Returns 1, or 0 for what is not a header line
 * of its own (request line, separator, body, later values of a list). *n is the
 * value's full length, or < 0 when it could not be written. */
static int ctx_header_text(const msg_header_t *h, char *name, size_t nsize, char *value,
			   size_t size, issize_t *n)
{
	const char *cname;

	if (h->sh_class->hc_hash == msg_request_hash ||
	    h->sh_class->hc_hash == msg_payload_hash ||
	    h->sh_class->hc_hash == msg_separator_hash ||
	    h->sh_class->hc_hash == msg_error_hash)
		return 0;
	if (h->sh_data)
		return ctx_header_raw(h, name, nsize, value, size, n);
	/* no line kept: sofia-sip's own rendering */
	cname = ctx_header_class_name(h); /* unknown headers have no class name */
	if (!cname || !*cname)
		return 0;
	snprintf(name, nsize, "%s", cname);
	if (h->sh_class->hc_hash == msg_unknown_hash) /* its field is "Name: value" */
		*n = snprintf(value, size, "%s",
			      h->sh_unknown->un_value ? h->sh_unknown->un_value : "");
	else
		*n = msg_header_field_e(value, size, h, 0);
	return 1;
}

/* True when a copy of header name has a value that test() accepts. */
static int ctx_header_any(const sip_t *sip, const char *name,
			  int (*test)(const char *value, const void *arg), const void *arg)
{
	char text[CTX_VALUE_MAX + 1], hn[CTX_NAME_MAX];

	for (const msg_header_t *h = (const msg_header_t *)sip->sip_request; h; h = h->sh_succ) {
		const char *cname = ctx_header_class_name(h);
		issize_t n;

		/* the name as sent, or sofia-sip's for it (From for f) */
		if (ctx_header_text(h, hn, sizeof(hn), text, sizeof(text), &n) && n >= 0 &&
		    (size_t)n < sizeof(text) &&
		    (strcasecmp(hn, name) == 0 || (cname && strcasecmp(cname, name) == 0)) &&
		    test(text, arg))
			return 1;
	}
	return 0;
}

static int ctx_equal(const char *value, const void *want)
{
	return strcmp(value, want) == 0;
}

static int ctx_matches(const char *value, const void *re)
{
	return regexec(re, value, 0, NULL, 0) == 0;
}

int ctx_header_is(const sip_t *sip, const char *name, const char *value)
{
	return ctx_header_any(sip, name, ctx_equal, value);
}

int ctx_header_match(const sip_t *sip, const char *name, const regex_t *re)
{
	return ctx_header_any(sip, name, ctx_matches, re);
}

/* ctx_header_any()'s test that keeps the first value (struct ctx_out). */
struct ctx_out {
	char *out;
	size_t size;
	int rc;
};

static int ctx_copy(const char *value, const void *arg)
{
	struct ctx_out *o = (struct ctx_out *)arg;

	o->rc = snprintf(o->out, o->size, "%s", value) < (int)o->size ? 0 : -ENOSPC;
	return 1;
}

int ctx_header_value(const sip_t *sip, const char *name, char *out, size_t size)
{
	struct ctx_out o = {.out = out, .size = size, .rc = -ENOENT};

	ctx_header_any(sip, name, ctx_copy, &o);
	return o.rc;
}

static void ctx_headers(json_t *ctx, json_t *list, json_t *errors, const sip_t *sip,
			json_t *reserved)
{
	char value[CTX_VALUE_MAX + 1], key[128], name[CTX_NAME_MAX];

	for (const msg_header_t *h = (const msg_header_t *)sip->sip_request; h; h = h->sh_succ) {
		issize_t n;
		json_t *item, *parsed;

		if (!ctx_header_text(h, name, sizeof(name), value, sizeof(value), &n))
			continue;
		if (n < 0) {
			ctx_error(errors, "header %s could not be read", name);
			continue;
		}
		if ((size_t)n >= sizeof(value)) {
			ctx_error(errors, "header %s is longer than 1024 bytes: cut", name);
			value[CTX_VALUE_MAX] = '\0';
		}
		item = json_object();
		json_object_set_new(item, "name", json_string(name));
		json_object_set_new(item, "value", json_string(value));
		json_array_append_new(list, item);

		if (strncasecmp(name, "X-", 2) != 0 || ctx_key_of_header(name, key, sizeof(key)))
			continue;
		if (!key[0] || json_object_get(reserved, key)) {
			ctx_error(errors, "header %s would overwrite a context key: kept only "
				  "in headers", name);
			continue;
		}
		/* Values that are JSON become JSON (seed 003); anything else a string. */
		parsed = json_loads(value, JSON_DECODE_ANY, NULL);
		json_object_set_new(ctx, key, parsed ? parsed : json_string(value));
	}
}

static void ctx_extract(json_t *ctx, json_t *errors, const struct cfg_trunk *t)
{
	for (unsigned i = 0; i < t->n_extract; i++) {
		const struct cfg_extract *x = &t->extract[i];
		const char *in = json_string_value(json_object_get(ctx, x->field));
		regmatch_t m[CFG_MAX_EXTRACT_KEYS + 1];

		if (!in) {
			ctx_error(errors, "extractor: no field %s in this call", x->field);
			continue;
		}
		if (regexec(&x->re, in, x->n_keys + 1, m, 0) != 0) {
			ctx_error(errors, "extractor: %s does not match its pattern", x->field);
			continue;
		}
		for (unsigned k = 0; k < x->n_keys; k++) {
			if (m[k + 1].rm_so < 0)
				continue;
			json_object_set_new(ctx, x->keys[k],
					    json_stringn(in + m[k + 1].rm_so,
							 (size_t)(m[k + 1].rm_eo - m[k + 1].rm_so)));
		}
	}
}

int ctx_build(char *out, size_t size, const sip_t *sip, const char *src_ip,
	      const struct cfg_trunk *t)
{
	json_t *ctx = json_object(), *errors = json_array(), *headers = json_array();
	json_t *reserved;
	char buf[CTX_VALUE_MAX + 1], display[256];
	json_t *v;
	int rc = -ENOMEM;
	size_t need, i;

	if (!ctx || !errors || !headers)
		goto out;
	ctx_set_str(ctx, "call_id", sip->sip_call_id ? sip->sip_call_id->i_id : NULL);
	if (url_e(buf, sizeof(buf), sip->sip_request->rq_url) > 0)
		ctx_set_str(ctx, "request_uri", buf);
	ctx_set_str(ctx, "called", sip->sip_request->rq_url->url_user);
	if (sip->sip_to)
		ctx_set_str(ctx, "to_number", sip->sip_to->a_url->url_user);
	if (sip->sip_from) {
		ctx_set_str(ctx, "from_number", sip->sip_from->a_url->url_user);
		if (sip->sip_from->a_display) {
			ctx_unquote(sip->sip_from->a_display, display, sizeof(display));
			ctx_set_str(ctx, "from_display_name", display);
		}
		if (url_e(buf, sizeof(buf), sip->sip_from->a_url) > 0)
			ctx_set_str(ctx, "from_uri", buf);
	}
	ctx_set_str(ctx, "source_ip", src_ip);
	ctx_set_str(ctx, "trunk", t->name);
	/* What is set so far, and the two keys added after, may not be overwritten. */
	reserved = json_deep_copy(ctx);
	json_object_set_new(reserved, "headers", json_true());
	json_object_set_new(reserved, "errors", json_true());
	json_object_set_new(reserved, "p_asserted_identity", json_true());
	ctx_headers(ctx, headers, errors, sip, reserved);
	json_decref(reserved);
	json_array_foreach(headers, i, v) {
		if (strcasecmp(json_string_value(json_object_get(v, "name")),
			       "P-Asserted-Identity") == 0 &&
		    !json_object_get(ctx, "p_asserted_identity"))
			json_object_set(ctx, "p_asserted_identity", json_object_get(v, "value"));
	}
	ctx_extract(ctx, errors, t);
	json_object_set(ctx, "headers", headers);
	json_object_set(ctx, "errors", errors);

	need = json_dumpb(ctx, out, size, JSON_COMPACT);
	if (need >= size) { /* too big: the headers list goes first */
		json_object_del(ctx, "headers");
		json_array_append_new(errors, json_string("context too large: headers list "
							  "left out"));
		need = json_dumpb(ctx, out, size, JSON_COMPACT);
	}
	if (need == 0 || need >= size) {
		rc = -ENOSPC;
		goto out;
	}
	out[need] = '\0';
	rc = (int)need;
out:
	json_decref(headers);
	json_decref(errors);
	json_decref(ctx);
	return rc;
}
