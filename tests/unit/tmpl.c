/*
 * tmpl.c: unit tests of the JSON templates (base/tmpl.c): a name alone becomes its
 * value whatever its type, a name inside text becomes its text, a name of nothing
 * null or nothing, and tmpl_check() says what is wrong with a template.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/tmpl.h"

static const char *const roots[] = {"ctx", "bot", NULL};

/* tmpl_render(text) with vars (JSON text) gives want (compact JSON, keys in order). */
static void expect(const char *text, const char *vars, const char *want)
{
	json_t *v = json_loads(vars, 0, NULL);
	char *got;

	assert_non_null(v);
	got = tmpl_render(text, v);
	json_decref(v);
	assert_non_null(got);
	if (strcmp(got, want) != 0)
		fail_msg("got %s, want %s", got, want);
	free(got);
}

static void test_whole_values(void **state)
{
	(void)state;
	/* Ameyo's notification (seed 001): the CRT object id, fixed fields, the bot's map */
	expect("{\"notificationId\": \"95\", \"uniqueId\": \"${ctx.crt_object_id}\", "
	       "\"callResponse\": true, \"sessionId\": \"na\", \"properties\": \"${bot}\"}",
	       "{\"ctx\": {\"crt_object_id\": \"d444-69139d35\"}, "
	       "\"bot\": {\"campaign\": \"x\", \"score\": 0.5}}",
	       "{\"notificationId\":\"95\",\"uniqueId\":\"d444-69139d35\",\"callResponse\":"
	       "true,\"sessionId\":\"na\",\"properties\":{\"campaign\":\"x\",\"score\":0.5}}");
	/* any type, nested keys, arrays; a name of nothing: null */
	expect("[\"${bot.n}\", \"${bot.deep.er}\", \"${bot.none}\", \"${ctx}\"]",
	       "{\"ctx\": {}, \"bot\": {\"n\": 7, \"deep\": {\"er\": [1, true]}}}",
	       "[7,[1,true],null,{}]");
}

static void test_text(void **state)
{
	(void)state;
	expect("{\"msg\": \"call ${ctx.id} scored ${bot.score}, ${bot.none}.\"}",
	       "{\"ctx\": {\"id\": \"abc\"}, \"bot\": {\"score\": 0.5}}",
	       "{\"msg\":\"call abc scored 0.5, .\"}");
	/* an object inside text: its compact JSON; "$" and "${" alone stay */
	expect("\"${bot} $5 ${\"", "{\"bot\": {\"a\": 1}}", "\"{\\\"a\\\":1} $5 ${\"");
	/* values are not names again */
	expect("\"${ctx.a}\"", "{\"ctx\": {\"a\": \"${ctx.b}\", \"b\": \"no\"}}", "\"${ctx.b}\"");
}

static void test_check(void **state)
{
	char why[200];

	(void)state;
	assert_int_equal(tmpl_check("{\"a\": \"${ctx.x} and ${bot}\"}", roots, why,
				    sizeof(why)), 0);
	assert_int_equal(tmpl_check("{\"a\": ", roots, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not JSON"));
	assert_int_equal(tmpl_check("{\"a\": \"${call.id}\"}", roots, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "${call.id}: names start with ctx or bot");
	assert_int_equal(tmpl_check("{\"a\": \"${ctxx}\"}", roots, why, sizeof(why)), -EINVAL);
	assert_int_equal(tmpl_check("{\"a\": [\"x ${ctx.y\"]}", roots, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "not closed"));
	assert_int_equal(tmpl_check("{\"a\": \"${ctx y}\"}", roots, why, sizeof(why)), -EINVAL);
	assert_null(tmpl_render("{bad", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_values),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
