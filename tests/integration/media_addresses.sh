#!/usr/bin/env bash
# media_addresses.sh: calls on a second media address (dataplane.extra_addresses).
#
# One address holds as many calls as its RTP port range (at most 32,255); more take
# more addresses, each with the whole range. Here the range holds two calls
# (10000-10003) and voxgate has 198.18.1.1 and 198.18.1.3, so four calls fill both.
# Checked: the start-up line names both; the DPDK port answers ARP and ICMP echo for
# the second address; four concurrent echo calls are answered with c= and m= of two
# slots on each address, and each call gets its own audio back intact from the
# address and port its answer gave (RTP and RTCP); a fifth call while they are up
# gets 503 with Retry-After; every slot is free afterwards.
source "$(dirname "$0")/lib.sh"

conf_edit 'address = "198.18.1.1/24";' \
	$'address = "198.18.1.1/24";\n  extra_addresses = [ "198.18.1.3" ];' \
	'rtp_ports = "10000-20000";' 'rtp_ports = "10000-10003";' \
	'max_calls = 1024;' 'max_calls = 4;' 'retry_after = 5;' 'retry_after = 7;'
net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with two media addresses"; exit 1; }
check "voxgate starts with two media addresses of two calls each" \
	grep -q "media address 198.18.1.1/24, 198.18.1.3, RTP ports 10000-10003 on each, 4 call slots" \
	"$tmp/voxgate.log"
check "the second address answers ICMP echo (ARP resolved by the DPDK port)" \
	in_caller ping -c 3 -i 0.2 -W 1 -q 198.18.1.3
mac=$(sed -n "s/.* up: mac \([0-9A-Fa-f:]*\),.*/\1/p" "$tmp/voxgate.log" | tr A-F a-f)
neigh=$(ip -n "$caller_ns" neigh show 198.18.1.3 | cut -d" " -f5)
check "the caller resolved it to voxgate's port ($neigh, the port's $mac)" \
	test -n "$mac" -a "$neigh" = "$mac"

# Four concurrent echo calls; the answer's address is logged with its port.
concurrent_scenario "$tmp/addrs.xml"
# In the background, from their own SIP and media ports, so that a fifth call can be
# placed while they are up (sipp places them within 200 ms; they last 4.5 s).
capture "$tmp/addrs.pcap"
(cd "$tmp" && timeout 60 ip netns exec "$caller_ns" sipp -sf "$tmp/addrs.xml" -s echo \
	-key sdp_ip 198.18.1.2 -i 198.18.0.2 -p 5072 -mi 198.18.1.2 -mp 7000 -m 4 -l 4 \
	-r 20 -nostdin -timeout 40 -trace_err -error_file "$tmp/addrs.err" -trace_logs \
	-log_file "$tmp/addrs.log" 198.18.0.1:5060) >"$tmp/addrs.out" 2>&1 &
four=$!
bg_pids+=("$four")
sleep 1.5
check "a fifth call while they are up gets 503 (both addresses full)" \
	sipp_caller "$top/tests/integration/sipp/uac_503.xml" -s echo
wait "$four"
check "four concurrent calls answered and ended" test $? -eq 0
capture_stop
answers=$(answers "$tmp/addrs.log")
check "answered on two slots of each address ($answers)" \
	test "$answers" = "198.18.1.1:10000 198.18.1.1:10002 198.18.1.3:10000 198.18.1.3:10002 "
for a in $answers; do
	check "call on $a got its own audio back intact from that address" \
		echo_intact "$tmp/addrs.pcap" "$a"
done
stats=$(vg_stats)
check "every slot is free again" grep -q "ended 4 active 0; .* slots free 4/4" <<<"$stats"
check "voxgate stops cleanly" vg_stop
