/*
 * ctx.h: the call context: one JSON document per call, handed to its bot.
 *
 * Built from the INVITE on the signaling thread, before the call is published:
 *   call_id, request_uri, called (Request-URI user), to_number, from_number,
 *   from_display_name, from_uri, p_asserted_identity, source_ip, trunk,
 *   headers: every header line in order, [{"name": ..., "value": ...}], as sent
 *   when the message was parsed with MSG_DO_EXTRACT_COPY (names in their case and
 *   compact forms, values byte for byte but for folding; a comma-separated line is
 *   one entry), repeats kept,
 *   each X- header as a key of its own: X-Customer-Name -> "customer_name"; a value
 *   that parses as JSON becomes JSON ({"subkey":"value"} an object, 42 a number);
 *   of a repeated X- header the key holds the last copy (headers has them all),
 *   what the trunk's extractors took out with their regexes (e.g. "did",
 *   "crt_object_id" from an Ameyo display name "<DID>|<CRT Object ID>"),
 *   errors: what could not be used (a header too long, a key taken), never fatal.
 * A document over `size` bytes drops the headers list first (and says so in errors).
 */
#ifndef VG_CTX_H
#define VG_CTX_H

#include <stddef.h>

#include <sofia-sip/sip.h>

#include "config/cfg.h"

#define CTX_VALUE_MAX 1024 /* a header value longer than this is cut, with an error */
#define CTX_NAME_MAX 128   /* a header name longer than this is cut */

/*
 * Write the context of the INVITE sip (arriving from src_ip on trunk t) as JSON into
 * out (size bytes, NUL-terminated). Returns the length, or -ENOSPC when even the
 * document without headers does not fit, or -ENOMEM.
 */
int ctx_build(char *out, size_t size, const sip_t *sip, const char *src_ip,
	      const struct cfg_trunk *t);

/* True when sip carries header name (any case; a compact form matches its full
 * name) with exactly this value; repeated headers are each looked at. */
int ctx_header_is(const sip_t *sip, const char *name, const char *value);

/* The value of the first copy of header name (any case) into out (size bytes);
 * -ENOENT when there is none, -ENOSPC when it is longer. */
int ctx_header_value(const sip_t *sip, const char *name, char *out, size_t size);

/* True when a copy of header name (any case) in sip has a value re matches. */
int ctx_header_match(const sip_t *sip, const char *name, const regex_t *re);

/* "X-Customer-Name" -> "customer_name" into out (size bytes): the X- prefix dropped,
 * letters lowered, every other character '_'. Returns 0 or -ENOSPC. */
int ctx_key_of_header(const char *name, char *out, size_t size);

#endif
