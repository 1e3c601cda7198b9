/*
 * cfg.c: unit tests of configuration loading (config/cfg.c): the default file
 * loads, and each kind of mistake is reported as "file:line: what is wrong".
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "config/cfg.h"

/* A valid file, one key per line; the tests replace one line of it. Line numbers:
 * 1 log, 2 eal, 3 dataplane {, 4 port, 5 address, 6 rtp_ports, 7 max_calls, 8 },
 * 9 bots {, 10 agents, 11 }, 12 signaling {, 13 listeners, 14 trunks, 15 routes,
 * 16 default_agent, 17 }. */
static const char *const base[] = {
	"log = { level = \"info\"; };",
	"eal = { args = [\"-l\", \"0-1\"]; };",
	"dataplane = {",
	"  port = \"net_null0\";",
	"  address = \"192.0.2.1/24\";",
	"  rtp_ports = \"10000-10999\";",
	"  max_calls = 100;",
	"};",
	"bots = {",
	"  agents = ( { id = \"echo\"; builtin = \"echo\"; delay_ms = 100; } );",
	"};",
	"signaling = {",
	"  listeners = ( { transport = \"udp\"; address = \"127.0.0.1\"; port = 5060; } );",
	"  trunks = ( { name = \"t\"; allow = [\"127.0.0.0/8\", \"2001:db8::/32\"]; } );",
	"  routes = ( { user = \"^agent_(.*)$\"; agent = \"echo\"; } );",
	"  default_agent = \"echo\";",
	"};",
};
#define BASE_LINES (sizeof(base) / sizeof(base[0]))

static char path[64];

/* Write the base file with line `line` (1-based) replaced by text (0: no change). */
static int load(struct cfg *c, unsigned line, const char *text, char *err, size_t n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	for (unsigned i = 0; i < BASE_LINES; i++)
		fprintf(f, "%s\n", i + 1 == line ? text : base[i]);
	fclose(f);
	err[0] = '\0';
	return cfg_load(c, path, err, n);
}

/* The load fails with "path:line: " and the message contains what. */
static void expect_error(unsigned line, const char *text, unsigned err_line,
			 const char *what)
{
	struct cfg c;
	char err[512], prefix[96];

	assert_int_equal(load(&c, line, text, err, sizeof(err)), -EINVAL);
	snprintf(prefix, sizeof(prefix), "%s:%u: ", path, err_line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, what))
		fail_msg("got \"%s\", want prefix \"%s\" and \"%s\"", err, prefix, what);
}

static int setup(void **state)
{
	int fd;

	(void)state;
	strcpy(path, "/tmp/vg-cfg-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void test_base_loads(void **state)
{
	struct cfg c;
	char err[512];

	(void)state;
	assert_int_equal(load(&c, 0, NULL, err, sizeof(err)), 0);
	assert_int_equal(c.dp.max_calls, 100);
	assert_int_equal(c.dp.rtp_min, 10000);
	assert_int_equal(c.dp.rtp_max, 10999);
	assert_int_equal(c.dp.n_addrs, 1);
	assert_int_equal(c.dp.addrs[0], inet_addr("192.0.2.1"));
	assert_int_equal(c.dp.prefix, 24);
	assert_int_equal(c.dp.burst, 32);
	assert_true(c.dp.rtp_latch);
	assert_int_equal(c.n_eal_args, 2);
	assert_string_equal(c.eal_args[1], "0-1");
	assert_int_equal(c.sig.n_trunks, 1);
	assert_int_equal(c.sig.trunks[0].n_allow, 2);
	assert_int_equal(c.sig.trunks[0].codecs[0], CFG_CODEC_PCMA); /* PCMA first */
	assert_int_equal(c.sig.trunks[0].srtp, CFG_SRTP_OPTIONAL);    /* the default */
	assert_int_equal(c.sig.unlisted_source, CFG_UNLISTED_DROP);  /* the default */
	assert_int_equal(c.sig.min_se, 90);                          /* RFC 4028's */
	assert_int_equal(c.sig.n_routes, 1);
	assert_int_equal(c.sig.default_agent, 0);
	assert_int_equal(c.bots.agents[0].delay_ms, 100);
	assert_int_equal(c.bots.workers, 1);
	assert_int_equal(c.bots.ring_ms, 200);
	cfg_free(&c);
}

static void test_default_file_loads(void **state)
{
	struct cfg c;
	char err[512];

	(void)state;
	if (cfg_load(&c, VG_SOURCE_DIR "/config/voxgate.conf", err, sizeof(err)) != 0)
		fail_msg("config/voxgate.conf: %s", err);
	cfg_free(&c);
}

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_error(1, "log = { level = \"info\"; colour = true; };", 1,
		     "unknown key 'colour' in log");
	expect_error(7, "  max_call = 100;", 7, "unknown key 'max_call' in dataplane");
	expect_error(10, "  agents = ( { id = \"e\"; builtin = \"echo\"; delay = 1; } );", 10,
		     "unknown key 'delay' in an agent");
	expect_error(17, "}; extra = 1;", 17, "unknown key 'extra' in the top level");
}

/* More media addresses: each has the whole port range, so max_calls may reach the
 * range's calls times the addresses, and no further. */
static void test_extra_addresses(void **state)
{
	struct cfg c;
	char err[512];

	(void)state;
	assert_int_equal(load(&c, 7, "  max_calls = 1500; extra_addresses = [\"192.0.2.3\", "
			      "\"198.51.100.7\"];", err, sizeof(err)), 0);
	assert_int_equal(c.dp.n_addrs, 3);
	assert_int_equal(c.dp.addrs[0], inet_addr("192.0.2.1"));
	assert_int_equal(c.dp.addrs[1], inet_addr("192.0.2.3"));
	assert_int_equal(c.dp.addrs[2], inet_addr("198.51.100.7"));
	assert_int_equal(c.dp.max_calls, 1500);
	cfg_free(&c);
	expect_error(7, "  max_calls = 1001; extra_addresses = [\"192.0.2.3\"];", 7,
		     "'dataplane.rtp_ports' on 2 address(es) has room for 1000 calls");
}

static void test_wrong_types(void **state)
{
	(void)state;
	expect_error(7, "  max_calls = \"100\";", 7, "'dataplane.max_calls' must be an integer");
	expect_error(4, "  port = 3;", 4, "'dataplane.port' must be a string");
	expect_error(2, "eal = { args = \"-l 0-1\"; };", 2, "must be an array of strings");
	expect_error(13, "  listeners = { };", 13, "'signaling.listeners' must be a list");
}

static void test_bad_values(void **state)
{
	(void)state;
	expect_error(5, "  address = \"192.0.2.300/24\";", 5, "'dataplane.address' must be");
	expect_error(5, "  address = \"192.0.2.1\";", 5, "with its prefix length");
	expect_error(6, "  rtp_ports = \"10001-20000\";", 6, "'dataplane.rtp_ports' must be");
	expect_error(6, "  rtp_ports = \"20000-10000\";", 6, "'dataplane.rtp_ports' must be");
	expect_error(7, "  max_calls = 501;", 7, "on 1 address(es) has room for 500 calls");
	expect_error(5, "  address = \"192.0.2.1/24\"; extra_addresses = [\"192.0.2.2/24\"];", 5,
		     "\"192.0.2.2/24\" is not an IPv4 address (no prefix length");
	expect_error(5, "  address = \"192.0.2.1/24\"; extra_addresses = [\"192.0.2.1\"];", 5,
		     "192.0.2.1 is given twice");
	expect_error(5, "  address = \"192.0.2.1/24\"; extra_addresses = [\"198.18.0.1\", "
		     "\"198.18.0.1\"];", 5, "198.18.0.1 is given twice");
	expect_error(5, "  address = \"192.0.2.1/24\"; extra_addresses = \"192.0.2.2\";", 5,
		     "'dataplane.extra_addresses' must be an array of IPv4 strings");
	expect_error(7, "  max_calls = 0;", 7, "must be between 1 and");
	expect_error(9, "bots = { ring_ms = 20;", 9, "'bots.ring_ms' must be between 40 and");
	expect_error(14, "  trunks = ( { name = \"t\"; allow = [\"10.0.0.0/33\"]; } );", 14,
		     "\"10.0.0.0/33\" is not a CIDR");
	expect_error(14, "  trunks = ( { name = \"t\"; allow = [\"any\"]; } );", 14,
		     "\"any\" is not a CIDR");
	expect_error(14, "  trunks = ( { name = \"t\"; allow = [\"::/0\"]; codecs = [\"G729\"]; } );",
		     14, "unknown codec \"G729\"");
	expect_error(14, "  trunks = ( { name = \"t\"; allow = [\"::/0\"]; srtp = \"yes\"; } );",
		     14, "trunk 't': srtp is \"optional\", \"required\" or \"refused\", not \"yes\"");
	expect_error(13, "  listeners = ( { transport = \"sctp\"; address = \"127.0.0.1\"; } );",
		     13, "listener transport must be");
	expect_error(13, "  listeners = ( { address = \"localhost\"; } );", 13,
		     "listener address must be an IP address");
	expect_error(15, "  routes = ( { user = \"^agent_([\"; agent = \"echo\"; } );", 15,
		     "is not a valid regular expression");
	expect_error(15, "  routes = ( { user = \"^x$\"; header = \"X-Bot\"; agent = \"echo\"; } );",
		     15, "a route has either user");
	expect_error(15, "  routes = ( { header = \"X-Bot\"; agent = \"echo\"; } );", 15,
		     "missing key 'match' in a route");
	expect_error(15, "  routes = ( { user = \"^x$\"; agent = \"nobody\"; } );", 15,
		     "route names agent \"nobody\"");
	expect_error(16, "  default_agent = \"nobody\";", 16, "'signaling.default_agent'");
	expect_error(1, "log = { level = \"loud\"; };", 1, "'log.level' must be");
	expect_error(16, "  default_agent = \"echo\"; unlisted_source = \"ignore\";", 16,
		     "signaling: unlisted_source is \"drop\" or \"403\", not \"ignore\"");
	expect_error(14, "  trunks = ( { name = \"t\"; allow = [\"::/0\"]; extract = ( { field = "
		     "\"from_display_name\"; pattern = \"(\"; keys = [\"a\"]; } ); } );", 14,
		     "extractor pattern \"(\" is not a valid regular expression");
	expect_error(14, "  trunks = ( { name = \"t\"; allow = [\"::/0\"]; extract = ( { field = "
		     "\"from_display_name\"; pattern = \"^(a)$\"; keys = [\"a\", \"b\"]; } ); } );",
		     14, "has 1 capture groups for 2 keys");
	expect_error(14, "  trunks = ( { name = \"t\"; allow = [\"::/0\"]; require = ( { header = "
		     "\"X-A\"; valu = \"1\"; } ); } );", 14,
		     "unknown key 'valu' in a required header");
}

/* Keys that name one of a fixed set of choices: each wrong value is named with the
 * choices, each right one gives its enum. */
static void test_agent_choices(void **state)
{
	struct cfg c;
	char err[512];

	(void)state;
	expect_error(10, "  agents = ( { id = \"e\"; builtin = \"parrot\"; } );", 10,
		     "agent 'e': builtin is \"echo\", \"null\", \"play\" or \"record\", "
		     "not \"parrot\"");
	expect_error(10, "  agents = ( { id = \"e\"; builtin = \"echo\"; url = \"ws://x\"; } );",
		     10, "agent 'e' needs either builtin or url, not both");
	expect_error(10, "  agents = ( { id = \"e\"; url = \"ws://x\"; dialect = \"signalwire\"; } );",
		     10, "agent 'e': dialect is \"twilio\", \"raw\", \"telnyx\", \"plivo\", "
		     "\"exotel\" or \"vonage\", not \"signalwire\"");
	expect_error(10, "  agents = ( { id = \"e\"; url = \"ws://x\"; dialect = \"telnyx\"; "
		     "sample_rate = 16000; } );", 10,
		     "agent 'e': sample_rate is for the raw and vonage dialects; the others are "
		     "8 kHz");
	expect_error(10, "  agents = ( { id = \"e\"; url = \"ws://x\"; on_close = \"stop\"; } );",
		     10, "agent 'e': on_close is \"hangup\" or \"continue\", not \"stop\"");
	expect_error(10, "  agents = ( { id = \"e\"; url = \"ws://x\"; on_failure = \"retry\"; } );",
		     10, "agent 'e': on_failure is \"hangup\" or \"transfer\", not \"retry\"");
	expect_error(10, "  agents = ( { id = \"e\"; url = \"ws://x\"; on_failure = \"transfer\"; } );",
		     10, "on_failure = \"transfer\" needs a fallback target");

	assert_int_equal(load(&c, 10, "  agents = ( { id = \"echo\"; url = \"ws://x\"; dialect = "
			      "\"raw\"; on_close = \"continue\"; on_failure = \"transfer\"; "
			      "fallback = \"sip:desk@192.0.2.9\"; } );", err, sizeof(err)), 0);
	assert_int_equal(c.bots.agents[0].builtin, CFG_BOT_NONE);
	assert_int_equal(c.bots.agents[0].dialect, CFG_DIALECT_RAW);
	assert_int_equal(c.bots.agents[0].on_close, CFG_ON_CLOSE_CONTINUE);
	assert_int_equal(c.bots.agents[0].on_failure_transfer, 1);
	cfg_free(&c);
	/* Vonage's audio is 16 kHz unless told otherwise */
	assert_int_equal(load(&c, 10, "  agents = ( { id = \"echo\"; url = \"ws://x\"; dialect = "
			      "\"vonage\"; } );", err, sizeof(err)), 0);
	assert_int_equal(c.bots.agents[0].dialect, CFG_DIALECT_VONAGE);
	assert_int_equal(c.bots.agents[0].sample_rate, 16000);
	cfg_free(&c);
	assert_int_equal(load(&c, 10, "  agents = ( { id = \"echo\"; builtin = \"null\"; } );",
			      err, sizeof(err)), 0);
	assert_int_equal(c.bots.agents[0].builtin, CFG_BOT_NULL);
	assert_int_equal(c.bots.agents[0].dialect, CFG_DIALECT_TWILIO);
	assert_int_equal(c.bots.agents[0].on_close, CFG_ON_CLOSE_HANGUP);
	assert_int_equal(c.bots.agents[0].on_failure_transfer, 0);
	cfg_free(&c);
}

/* A trunk's end and transfer groups, srtp_tls, and a built-in bot's end. */
static void test_end_and_transfer(void **state)
{
	struct cfg c;
	char err[512];

	(void)state;
	assert_int_equal(load(&c, 14, "  trunks = ( { name = \"t\"; allow = [\"127.0.0.0/8\"]; "
			      "srtp_tls = \"required\"; end = { mode = \"http_notify\"; "
			      "wait_bye_ms = 4000; http = { url = \"https://pbx.example/n?k=1\"; "
			      "headers = [\"Authorization: x\", \"policy-name: token\"]; "
			      "body = \"{\\\"id\\\": \\\"${ctx.crt_object_id}\\\", \\\"p\\\": "
			      "\\\"${bot}\\\"}\"; retries = 3; }; }; transfer = { refer = false; "
			      "domain = \"pbx.example\"; uri_headers = true; }; } );", err,
			      sizeof(err)), 0);
	assert_int_equal(c.sig.trunks[0].srtp, CFG_SRTP_OPTIONAL);
	assert_int_equal(c.sig.trunks[0].srtp_tls, CFG_SRTP_REQUIRED);
	assert_int_equal(c.sig.trunks[0].end_mode, CFG_END_HTTP_NOTIFY);
	assert_int_equal(c.sig.trunks[0].wait_bye_ms, 4000);
	assert_string_equal(c.sig.trunks[0].http.url, "https://pbx.example/n?k=1");
	assert_int_equal(c.sig.trunks[0].http.n_headers, 2);
	assert_string_equal(c.sig.trunks[0].http.headers[1], "policy-name: token");
	assert_int_equal(c.sig.trunks[0].http.retries, 3);
	assert_int_equal(c.sig.trunks[0].http.timeout_ms, 5000);
	assert_false(c.sig.trunks[0].transfer.refer);
	assert_true(c.sig.trunks[0].transfer.uri_headers);
	assert_string_equal(c.sig.trunks[0].transfer.domain, "pbx.example");
	assert_int_equal(c.sig.trunks[0].transfer.notify_timeout_ms, 30000);
	cfg_free(&c);

	/* without the groups: BYE, REFER allowed, srtp_tls = srtp */
	assert_int_equal(load(&c, 14, "  trunks = ( { name = \"t\"; allow = [\"127.0.0.0/8\"]; "
			      "srtp = \"refused\"; } );", err, sizeof(err)), 0);
	assert_int_equal(c.sig.trunks[0].end_mode, CFG_END_BYE);
	assert_int_equal(c.sig.trunks[0].srtp_tls, CFG_SRTP_REFUSED);
	assert_true(c.sig.trunks[0].transfer.refer);
	assert_int_equal(c.sig.trunks[0].wait_bye_ms, 10000);
	cfg_free(&c);

	expect_error(14, "  trunks = ( { name = \"t\"; allow = [\"127.0.0.0/8\"]; "
		     "end = { mode = \"info\"; }; } );", 14,
		     "mode is \"bye\", \"info_final\" or \"http_notify\", not \"info\"");
	expect_error(14, "  trunks = ( { name = \"t\"; allow = [\"127.0.0.0/8\"]; "
		     "end = { mode = \"http_notify\"; }; } );", 14,
		     "an http group goes with mode = \"http_notify\", and only with it");
	expect_error(14, "  trunks = ( { name = \"t\"; allow = [\"127.0.0.0/8\"]; "
		     "end = { mode = \"http_notify\"; http = { url = \"http://x/\"; "
		     "body = \"{\\\"a\\\": \\\"${call.id}\\\"}\"; }; }; } );", 14,
		     "${call.id}: names start with ctx or bot");
	expect_error(14, "  trunks = ( { name = \"t\"; allow = [\"127.0.0.0/8\"]; "
		     "end = { mode = \"http_notify\"; http = { url = \"http://x/\"; "
		     "body = \"{not json\"; }; }; } );", 14, "body: not JSON");
	expect_error(14, "  trunks = ( { name = \"t\"; allow = [\"127.0.0.0/8\"]; "
		     "end = { mode = \"http_notify\"; http = { url = \"http://x/\"; body = \"{}\"; "
		     "headers = [\"no colon\"]; }; }; } );", 14, "headers are \"Name: value\"");
	expect_error(14, "  trunks = ( { name = \"t\"; allow = [\"127.0.0.0/8\"]; "
		     "end = { mode = \"http_notify\"; http = { url = \"ftp://x/\"; body = \"{}\"; }; "
		     "}; } );", 14, "url must start with http:// or https://");
	expect_error(14, "  trunks = ( { name = \"t\"; allow = [\"127.0.0.0/8\"]; "
		     "transfer = { refer = true; bridge = true; }; } );", 14,
		     "unknown key 'bridge' in trunk 't' transfer");

	/* a built-in bot's end */
	assert_int_equal(load(&c, 10, "  agents = ( { id = \"echo\"; builtin = \"echo\"; "
			      "end_after_ms = 1500; end_update = \"{\\\"intent\\\":\\\"x\\\"}\"; "
			      "} );", err, sizeof(err)), 0);
	assert_int_equal(c.bots.agents[0].end_after_ms, 1500);
	assert_string_equal(c.bots.agents[0].end_update, "{\"intent\":\"x\"}");
	assert_null(c.bots.agents[0].end_transfer);
	cfg_free(&c);
	expect_error(10, "  agents = ( { id = \"echo\"; builtin = \"echo\"; end_after_ms = 1; "
		     "end_transfer = \"{\\\"target\\\":\\\"x\\\"}\"; } );", 10,
		     "'an agent.end_transfer' must be a JSON object with \"mode\" and \"target\"");
	expect_error(10, "  agents = ( { id = \"echo\"; url = \"ws://127.0.0.1/\"; "
		     "end_after_ms = 1000; } );", 10, "is for built-in bots");
}

/* signaling.outbound (line 16 holds it and default_agent). */
static void test_outbound(void **state)
{
	struct cfg c;
	char err[512];
	const struct cfg_trunk *t;

	(void)state;
	assert_int_equal(load(&c, 16, "  default_agent = \"echo\"; outbound = ( { name = \"pbx\"; "
			      "proxy = \"sip:192.0.2.7:5080\"; user = \"1001\"; password = \"pw\"; "
			      "register = true; expires = 120; trunk = \"t\"; }, { name = \"b\"; "
			      "proxy = \"sip:[2001:db8::9];transport=udp\"; user = \"u\"; "
			      "domain = \"example.com\"; auth_user = \"a\"; pai = true; "
			      "headers = [ \"X-Account: 42\", \"Diversion: <sip:1@d>\" ]; } );", err,
			      sizeof(err)), 0);
	assert_int_equal(c.sig.n_outbound, 2);
	assert_string_equal(c.sig.outbound[0].host, "192.0.2.7");
	assert_int_equal(c.sig.outbound[0].transport, CFG_TP_UDP);
	assert_string_equal(c.sig.outbound[0].auth_user, "1001"); /* user's, unless set */
	assert_true(c.sig.outbound[0].reg);
	assert_int_equal(c.sig.outbound[0].expires, 120);
	assert_int_equal(c.sig.outbound[0].retry_s, 5);
	assert_int_equal(c.sig.outbound[0].trunk, 0);
	/* the proxy, an IP literal, joined the trunk's allowlist */
	t = &c.sig.trunks[0];
	assert_int_equal(t->n_allow, 3);
	assert_int_equal(t->allow[2].prefix, 32);
	assert_memory_equal(t->allow[2].addr, "\xc0\x00\x02\x07", 4);
	assert_string_equal(c.sig.outbound[1].host, "2001:db8::9");
	assert_string_equal(c.sig.outbound[1].auth_user, "a");
	assert_false(c.sig.outbound[1].reg);
	assert_int_equal(c.sig.outbound[1].trunk, -1);
	assert_true(c.sig.outbound[1].pai);
	assert_string_equal(c.sig.outbound[1].headers, "X-Account: 42\r\nDiversion: <sip:1@d>");
	assert_false(c.sig.outbound[0].pai);
	assert_string_equal(c.sig.outbound[0].headers, "");
	cfg_free(&c);

	expect_error(16, "outbound = ( { name = \"p\"; proxy = \"http://x\"; user = \"u\"; } );",
		     16, "proxy \"http://x\" is not sip:host[:port]");
	expect_error(16, "outbound = ( { name = \"p\"; proxy = \"sip:x;transport=sctp\"; "
		     "user = \"u\"; } );", 16, "with ;transport=udp, tcp or tls at most");
	expect_error(16, "outbound = ( { name = \"p\"; proxy = \"sip:x;transport=tcp\"; "
		     "user = \"u\"; } );", 16, "the proxy is reached over tcp, and no listener");
	expect_error(16, "outbound = ( { name = \"p\"; proxy = \"sip:x\"; user = \"u\"; "
		     "trunk = \"nope\"; } );", 16, "p: trunk \"nope\" is not in signaling.trunks");
	expect_error(16, "outbound = ( { name = \"p\"; proxy = \"sip:x\"; user = \"u@v\"; } );",
		     16, "user and domain are the parts of sip:user@domain");
	expect_error(16, "outbound = ( { name = \"p\"; proxy = \"sip:x\"; user = \"u\"; "
		     "expires = 5; } );", 16, "'outbound 'p'.expires' must be between 10 and 86400");
	expect_error(16, "outbound = ( { name = \"p\"; proxy = \"sip:x\"; user = \"u\"; "
		     "secret = \"s\"; } );", 16, "unknown key 'secret' in an outbound endpoint");
	expect_error(16, "outbound = ( { name = \"p\"; proxy = \"sip:x\"; user = \"u\"; "
		     "headers = [ \"X Bad: 1\" ]; } );", 16,
		     "outbound 'p': headers are \"Name: value\" with a token name");
	expect_error(16, "outbound = ( { name = \"p\"; proxy = \"sip:x\"; user = \"u\"; }, "
		     "{ name = \"p\"; proxy = \"sip:y\"; user = \"u\"; } );", 16,
		     "two outbound endpoints are named 'p'");
}

static void test_missing_and_syntax(void **state)
{
	(void)state;
	expect_error(4, "", 3, "missing key 'port' in dataplane");
	expect_error(7, "  max_calls = = 100;", 7, "syntax error");
}

static void test_cidr(void **state)
{
	struct cfg_cidr c;
	uint8_t a4[4], a6[16];

	(void)state;
	assert_int_equal(cfg_cidr_parse("198.18.0.0/15", &c), 0);
	inet_pton(AF_INET, "198.19.255.255", a4);
	assert_true(cfg_cidr_match(&c, AF_INET, a4));
	inet_pton(AF_INET, "198.20.0.0", a4);
	assert_false(cfg_cidr_match(&c, AF_INET, a4));
	assert_int_equal(cfg_cidr_parse("198.18.7.9/16", &c), 0); /* host bits cleared */
	inet_pton(AF_INET, "198.18.200.1", a4);
	assert_true(cfg_cidr_match(&c, AF_INET, a4));
	assert_int_equal(cfg_cidr_parse("2001:db8::/32", &c), 0);
	inet_pton(AF_INET6, "2001:db8:ffff::1", a6);
	assert_true(cfg_cidr_match(&c, AF_INET6, a6));
	inet_pton(AF_INET6, "2001:db9::1", a6);
	assert_false(cfg_cidr_match(&c, AF_INET6, a6));
	assert_false(cfg_cidr_match(&c, AF_INET, a4)); /* family differs */
	assert_int_equal(cfg_cidr_parse("0.0.0.0/0", &c), 0);
	assert_true(cfg_cidr_match(&c, AF_INET, a4));
	assert_int_equal(cfg_cidr_parse("192.0.2.1", &c), 0);
	assert_int_equal(c.prefix, 32);
	assert_int_equal(cfg_cidr_parse("192.0.2.1/", &c), -EINVAL);
	assert_int_equal(cfg_cidr_parse("192.0.2.1/x", &c), -EINVAL);
	assert_int_equal(cfg_cidr_parse("::1/129", &c), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_loads),
		cmocka_unit_test(test_default_file_loads),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_extra_addresses),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_agent_choices),
		cmocka_unit_test(test_end_and_transfer),
		cmocka_unit_test(test_outbound),
		cmocka_unit_test(test_missing_and_syntax),
		cmocka_unit_test(test_cidr),
	};

	return cmocka_run_group_tests_name("cfg", tests, setup, teardown);
}
