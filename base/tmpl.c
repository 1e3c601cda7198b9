/*
 * tmpl.c: JSON templates (see tmpl.h), over jansson.
 */
#include "base/tmpl.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TMPL_NAME_MAX 128

/* The name that starts at p (just after "${"): its length up to the '}', or -1 when
 * it is not closed or holds a character names cannot have. */
static int tmpl_name_len(const char *p)
{
	int n = 0;

	while (p[n] && p[n] != '}') {
		if (!isalnum((unsigned char)p[n]) && p[n] != '_' && p[n] != '-' && p[n] != '.')
			return -1;
		n++;
	}
	return p[n] == '}' && n > 0 && n < TMPL_NAME_MAX ? n : -1;
}

/* The value a name (n bytes at p) gives in vars, or NULL. */
static const json_t *tmpl_lookup(const json_t *vars, const char *p, int n)
{
	char name[TMPL_NAME_MAX], *key, *save = NULL;
	const json_t *v = vars;

	memcpy(name, p, (size_t)n);
	name[n] = '\0';
	for (key = strtok_r(name, ".", &save); key && v; key = strtok_r(NULL, ".", &save))
		v = json_is_object(v) ? json_object_get(v, key) : NULL;
	return v;
}

/* Check the names in string s; 0 or -EINVAL with why. */
static int tmpl_check_string(const char *s, const char *const roots[], char *why,
			     size_t size)
{
	for (const char *p = strstr(s, "${"); p; p = strstr(p, "${")) {
		int n = tmpl_name_len(p + 2);
		bool known = false;

		if (n < 0) {
			snprintf(why, size, "\"%.40s\": a ${...} name that is not closed or "
				 "holds characters other than letters, digits, '_', '-', '.'", p);
			return -EINVAL;
		}
		for (const char *const *r = roots; *r && !known; r++) {
			size_t rl = strlen(*r);

			known = (size_t)n >= rl && strncmp(p + 2, *r, rl) == 0 &&
				((size_t)n == rl || p[2 + rl] == '.');
		}
		if (!known) {
			snprintf(why, size, "${%.*s}: names start with %s%s%s", n, p + 2, roots[0],
				 roots[1] ? " or " : "", roots[1] ? roots[1] : "");
			return -EINVAL;
		}
		p += 2 + n + 1;
	}
	return 0;
}

static int tmpl_check_value(const json_t *v, const char *const roots[], char *why,
			    size_t size)
{
	const char *key;
	json_t *m;
	size_t i;

	if (json_is_string(v))
		return tmpl_check_string(json_string_value(v), roots, why, size);
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, m)
			if (tmpl_check_value(m, roots, why, size))
				return -EINVAL;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, m)
			if (tmpl_check_value(m, roots, why, size))
				return -EINVAL;
	}
	return 0;
}

int tmpl_check(const char *text, const char *const roots[], char *why, size_t size)
{
	json_error_t err;
	json_t *t = json_loads(text, JSON_DECODE_ANY, &err);
	int rc;

	if (!t) {
		snprintf(why, size, "not JSON: %s (at character %d)", err.text, err.position);
		return -EINVAL;
	}
	rc = tmpl_check_value(t, roots, why, size);
	json_decref(t);
	return rc;
}

/* The text of string s with its names filled in (a new JSON string). */
static json_t *tmpl_fill_text(const char *s, const json_t *vars)
{
	size_t cap = strlen(s) + 64, len = 0;
	char *out = malloc(cap);
	json_t *r;

	if (!out)
		return NULL;
	while (*s) {
		const char *piece = s, *at = strstr(s, "${");
		char *dumped = NULL;
		size_t plen;
		int n;

		if (at == s && (n = tmpl_name_len(s + 2)) > 0) {
			const json_t *v = tmpl_lookup(vars, s + 2, n);

			if (json_is_string(v))
				piece = json_string_value(v);
			else if (v && !json_is_null(v))
				piece = dumped = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			else
				piece = "";
			plen = piece ? strlen(piece) : 0;
			s += 2 + n + 1;
		} else {
			plen = at == s ? 2 : at ? (size_t)(at - s) : strlen(s);
			s += plen;
		}
		if (len + plen + 1 > cap) {
			char *bigger;

			cap = (len + plen + 1) * 2;
			bigger = realloc(out, cap);
			if (!bigger) {
				free(dumped);
				free(out);
				return NULL;
			}
			out = bigger;
		}
		if (plen)
			memcpy(out + len, piece, plen);
		len += plen;
		free(dumped);
	}
	out[len] = '\0';
	r = json_stringn(out, len);
	free(out);
	return r;
}

/* v with its names filled in: a new reference. */
static json_t *tmpl_fill(const json_t *v, const json_t *vars)
{
	const char *key;
	json_t *m, *out;
	size_t i;

	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t len = strlen(s);
		int n;

		/* the whole string one name: the value itself */
		if (len > 3 && s[0] == '$' && s[1] == '{' && (n = tmpl_name_len(s + 2)) > 0 &&
		    (size_t)n + 3 == len) {
			const json_t *val = tmpl_lookup(vars, s + 2, n);

			return val ? json_deep_copy(val) : json_null();
		}
		return tmpl_fill_text(s, vars);
	}
	if (json_is_object(v)) {
		out = json_object();
		json_object_foreach((json_t *)v, key, m)
			if (json_object_set_new(out, key, tmpl_fill(m, vars)) != 0) {
				json_decref(out);
				return NULL;
			}
		return out;
	}
	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, m)
			if (json_array_append_new(out, tmpl_fill(m, vars)) != 0) {
				json_decref(out);
				return NULL;
			}
		return out;
	}
	return json_deep_copy(v);
}

char *tmpl_render(const char *text, const json_t *vars)
{
	json_t *t = json_loads(text, JSON_DECODE_ANY, NULL), *filled;
	char *out;

	if (!t)
		return NULL;
	filled = tmpl_fill(t, vars);
	json_decref(t);
	if (!filled)
		return NULL;
	out = json_dumps(filled, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
	json_decref(filled);
	return out;
}
