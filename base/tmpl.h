/*
 * tmpl.h: JSON templates, for the bodies voxgate sends to platforms (the hand-back
 * notification of seed 001) built from a call's values.
 *
 * A template is a JSON document. A string in it may name values as ${ROOT.KEY...}:
 * a string that is one such name and nothing else becomes that value, whatever its
 * JSON type (an object stays an object); a name inside longer text becomes the
 * value's text (a string as it is, anything else as compact JSON). A name of no value
 * becomes null, or nothing inside text. Keys are letters, digits, '_' and '-'.
 * Nothing here keeps state; any thread may call it. The caller frees what it gets.
 */
#ifndef VG_TMPL_H
#define VG_TMPL_H

#include <stddef.h>

#include <jansson.h>

/*
 * Check that text is a JSON document whose names are well formed and start with one
 * of the NULL-terminated roots. Returns 0, or -EINVAL with why (size bytes) saying
 * what is wrong.
 */
int tmpl_check(const char *text, const char *const roots[], char *why, size_t size);

/*
 * Fill template text (tmpl_check() passed) from vars, an object whose members are the
 * roots (e.g. {"ctx": {...}, "bot": {...}}). Returns the compact JSON text (free()),
 * or NULL when text is not JSON or memory ran out.
 */
char *tmpl_render(const char *text, const json_t *vars);

#endif
