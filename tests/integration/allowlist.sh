#!/usr/bin/env bash
# allowlist.sh: requests from outside every trunk's allowlist (seeds 000, 001, 003).
# The trunk allows only 198.18.0.2; the caller's namespace also gets 198.18.0.3.
#   - signaling.unlisted_source = "drop" (the default): an INVITE or OPTIONS from .3
#     over UDP gets no answer at all, not even 100 Trying; a TCP connection from .3
#     is never set up; nothing reaches voxgate's SIP stack (invites 0), and the
#     kernel's drops are counted. .2 is answered over UDP and TCP as before.
#   - unlisted_source = "403": the same INVITE gets 100 then 403, and takes no slot.
source "$(dirname "$0")/lib.sh"

probe() { in_caller python3 "$top/tests/integration/sip_probe.py" "$@"; }

conf_edit 'allow = [ "198.18.0.0/16", "127.0.0.0/8" ];' 'allow = [ "198.18.0.2/32" ];'
cp "$tmp/voxgate.conf" "$tmp/drop.conf"
net_up
in_caller ip addr add 198.18.0.3/24 dev vgs1
vg_start "$tmp/drop.conf" || { not_ok "voxgate starts with unlisted_source = drop"; exit 1; }
check "the filter is on both listener sockets (UDP and TCP on 5060)" \
	grep -q "dropped unanswered: 1 CIDR in a socket filter of 12 instructions on 2 listener sockets" \
	"$tmp/voxgate.log"

out=$(probe 198.18.0.3 198.18.0.1 5060 udp INVITE 2)
echo "# INVITE over UDP from outside: $out"
check "an INVITE over UDP from outside the allowlist: no answer at all" \
	test "$out" = "silence"
out=$(probe 198.18.0.3 198.18.0.1 5060 udp OPTIONS 1)
check "an OPTIONS over UDP from outside the allowlist: no answer at all" \
	test "$out" = "silence"
out=$(probe 198.18.0.3 198.18.0.1 5060 tcp OPTIONS 1.5)
echo "# OPTIONS over TCP from outside: $out"
check "a TCP connection from outside the allowlist is never set up (no SYN-ACK, no RST)" \
	grep -q "no connection: timed out" <<<"$out"

out=$(probe 198.18.0.2 198.18.0.1 5060 udp OPTIONS 2)
check "an OPTIONS over UDP from inside the allowlist: 200" test "$out" = "status 200"
out=$(probe 198.18.0.2 198.18.0.1 5060 tcp OPTIONS 2)
check "an OPTIONS over TCP from inside the allowlist: 200 (the connection's socket \
inherits the filter and passes it)" test "$out" = "status 200"

stats=$(vg_stats)
check "nothing from outside reached the SIP stack; the kernel's drops are counted (2 \
datagrams and at least one SYN)" \
	python3 -c 'import re, sys
s = sys.argv[1]
m = re.search(r"invites (\d+) .*slots free (\d+)/(\d+); dropped (\d+)", s)
sys.exit(not (m and m.group(1) == "0" and m.group(2) == m.group(3) and int(m.group(4)) >= 3))' \
	"$stats"
check "no log line per dropped request" bash -c '! grep -q "198.18.0.3" "$1"' _ "$tmp/voxgate.log"
check "voxgate stops cleanly" vg_stop

conf_edit 'allow = [ "198.18.0.0/16", "127.0.0.0/8" ];' 'allow = [ "198.18.0.2/32" ];' \
	'retry_after = 5;' 'retry_after = 5; unlisted_source = "403";'
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with unlisted_source = 403"; exit 1; }
out=$(probe 198.18.0.3 198.18.0.1 5060 udp INVITE 2)
echo "# INVITE over UDP from outside, 403 mode: $(tr '\n' ' ' <<<"$out")"
check "unlisted_source = 403: an INVITE from outside gets 403" \
	bash -c '[ "$(tail -1 <<<"$1")" = "status 403" ]' _ "$out"
stats=$(vg_stats)
check "the 403 is counted and takes no slot; nothing dropped" \
	grep -q "invites 1 answered 0 ended 0 active 0; rejected 403 1 404 0 408 0 480 0 488 0 500 0 503 0; slots free 1024/1024; dropped 0" \
	<<<"$stats"
check "the 403 is logged with the source" \
	grep -q "from 198.18.0.3: source not in any trunk's allowlist: 403" "$tmp/voxgate.log"
check "voxgate stops cleanly" vg_stop
