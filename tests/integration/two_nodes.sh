#!/usr/bin/env bash
# two_nodes.sh: two voxgate nodes behind Kamailio's dispatcher (kamailio/dispatcher.cfg),
# the way README.md says to go past one host:
#   - new calls spread round-robin over the nodes; every ACK and BYE follows the
#     Record-Route set through the proxy
#   - a node that trusts the proxy (signaling.proxies) takes the caller's trunk from
#     its X-Src-IP header; the same header from anyone else is ignored
#   - a drained node answers the proxy's OPTIONS probes 503: new calls go to the other
#   - a node killed mid-run: new calls still succeed, on the other (failover after the
#     INVITE's 1 s timeout, or at once once the probes saw it gone)
source "$(dirname "$0")/lib.sh"

net_up
# node B: SIP on 198.18.0.4 beside node A's 198.18.0.1; its media on a veth of its own
ip -n "$gw" addr add 198.18.0.4/24 dev vgs0
ip -n "$caller_ns" addr add 198.18.0.3/24 dev vgs1
ip link add vgm2 netns "$gw" type veth peer name vgm3 netns "$caller_ns"
ip -n "$caller_ns" addr add 198.18.2.2/24 dev vgm3
ip -n "$gw" link set vgm2 up
ip -n "$caller_ns" link set vgm3 up
ip netns exec "$gw" sysctl -qw net.ipv6.conf.vgm2.disable_ipv6=1 || true

conf_edit '"--vdev=net_af_packet0,iface=vgm0",' '"--vdev=net_af_packet0,iface=vgm2", "--file-prefix=vgnodeb",' \
	'address = "198.18.1.1/24";' 'address = "198.18.2.1/24";' \
	'{ transport = "udp"; address = "198.18.0.1"; port = 5060; }' \
	'{ transport = "udp"; address = "198.18.0.4"; port = 5060; }' \
	'{ transport = "tcp"; address = "198.18.0.1"; port = 5060; }' \
	'{ transport = "tcp"; address = "198.18.0.4"; port = 5060; }' \
	'api = { address = "198.18.0.1"; port = 8088; };' 'api = { address = "198.18.0.4"; port = 8088; };' \
	'retry_after = 5;' 'retry_after = 5;
  stop_grace = 0;'
mv "$tmp/voxgate.conf" "$tmp/b.conf"
# node A trusts the proxy's X-Src-IP: the caller (198.18.0.2) is trunk "carrier"
conf_edit 'retry_after = 5;' 'retry_after = 5;
  stop_grace = 0;
  proxies = { allow = [ "198.18.0.3/32" ]; source_header = "X-Src-IP"; };' \
	'{ name = "local";' '{ name = "carrier"; allow = [ "198.18.0.2/32" ]; codecs = [ "PCMA" ]; },
    { name = "local";'

vg_start "$tmp/voxgate.conf" || { not_ok "node A starts"; exit 1; }
ip netns exec "$gw" "$top/build/voxgate" --config "$tmp/b.conf" >"$tmp/b.log" 2>&1 &
b_pid=$!
bg_pids+=("$b_pid")
for _ in $(seq 200); do grep -q "voxgate accepting calls" "$tmp/b.log" && break; sleep 0.1; done
check "node B starts beside it" grep -q "voxgate accepting calls" "$tmp/b.log"

printf '1 sip:198.18.0.1:5060\n1 sip:198.18.0.4:5060\n' >"$tmp/ds.list"
mkdir -p "$tmp/kamrun"
ip netns exec "$caller_ns" kamailio -f "$top/tests/integration/kamailio/dispatcher.cfg" -DD -E \
	-A 'LISTEN=udp:198.18.0.3:5080' -A "DSLIST=\"$tmp/ds.list\"" -Y "$tmp/kamrun" \
	>"$tmp/kamailio.log" 2>&1 &
bg_pids+=($!)
for _ in $(seq 50); do grep -q "Listening on" "$tmp/kamailio.log" && break; sleep 0.1; done
check "Kamailio's dispatcher listens in front of them" grep -q "Listening on" "$tmp/kamailio.log"
sleep 2

# lb_calls TAG N: N calls to echo through Kamailio, each held 0.5 s; sipp's verdict
lb_calls() {
	(cd "$tmp" && timeout 60 ip netns exec "$caller_ns" sipp -sf \
		"$top/tests/integration/sipp/uac_proxy.xml" -s echo -i 198.18.0.2 -p 5070 \
		-mi 198.18.1.2 -m "$2" -r 5 -d 500 -nostdin -timeout 40 198.18.0.3:5080) \
		>"$tmp/$1.out" 2>&1
}
# invites NODE_API: INVITEs the node has received, from its /metrics
invites() {
	ip netns exec "$gw" curl -s -m 2 "http://$1:8088/metrics" |
		awk '$1 == "voxgate_sip_requests_received_total{method=\"INVITE\"}" { print $2 }'
}
voxctl_b() { ip netns exec "$gw" "$top/build/voxctl" --api http://198.18.0.4:8088 "$@"; }

lb_calls spread 4
check "4 calls through the proxy all succeed (BYE answered)" test $? -eq 0
a=$(invites 198.18.0.1) b=$(invites 198.18.0.4)
check "round-robin: 2 on node A, 2 on node B (A $a, B $b)" test "$a" = 2 -a "$b" = 2
check "every ACK and BYE went by the Record-Route set through the proxy (8 in-dialog)" \
	test "$(grep -c 'in-dialog \(ACK\|BYE\)' "$tmp/kamailio.log")" -eq 8
check "node A took the proxy's calls on the caller's trunk (carrier, from 198.18.0.2)" \
	test "$(grep -c "from 198.18.0.2 trunk 'carrier'" "$tmp/voxgate.log")" -eq 2
check "node B, which trusts no proxy, on the proxy's own address's trunk (local)" \
	test "$(grep -c "from 198.18.0.3 trunk 'local'" "$tmp/b.log")" -eq 2
# straight to node A, so no Record-Route to insist on
sed 's|Max-Forwards: 70|Max-Forwards: 70\n      X-Src-IP: 203.0.113.9|; s|check_it="true" ||' \
	"$top/tests/integration/sipp/uac_proxy.xml" >"$tmp/forged.xml"
(cd "$tmp" && timeout 30 ip netns exec "$caller_ns" sipp -sf "$tmp/forged.xml" -s echo \
	-i 198.18.0.2 -p 5071 -mi 198.18.1.2 -m 1 -d 200 -nostdin -timeout 20 198.18.0.1:5060) \
	>"$tmp/forged.out" 2>&1
rc=$?
n=$(grep -c "from 198.18.0.2 trunk 'carrier'" "$tmp/voxgate.log")
check "an X-Src-IP from a caller that is not the proxy is not believed (trunk carrier)" \
	bash -c '[ "$1" -eq 0 ] && [ "$2" -eq 3 ] && ! grep -q "203.0.113.9" "$3"' _ "$rc" "$n" \
	"$tmp/voxgate.log"
check "node B answers the proxy's OPTIONS probes 200" \
	bash -c '[ "$(ip netns exec "$1" curl -s "http://198.18.0.4:8088/metrics" |
		awk "\$1 == \"voxgate_sip_requests_received_total{method=\\\"OPTIONS\\\"}\" {print \$2}")" -gt 0 ]' _ "$gw"

voxctl_b drain | sed 's/^/# /'
sleep 3
lb_calls drained 4
check "node B drained: 4 new calls all succeed" test $? -eq 0
a=$(invites 198.18.0.1) b=$(invites 198.18.0.4)
check "... all on node A (A $a, B $b: none new)" test "$a" = 7 -a "$b" = 2
voxctl_b undrain | sed 's/^/# /'
sleep 3
lb_calls back 2
check "node B undrained: calls succeed" test $? -eq 0
b=$(invites 198.18.0.4)
check "... and node B takes its share again (B $b)" test "$b" -ge 3

a0=$(invites 198.18.0.1)
kill -9 "$b_pid"
wait "$b_pid" 2>/dev/null
lb_calls killed 4
check "node B killed: 4 new calls all succeed" test $? -eq 0
a=$(invites 198.18.0.1)
check "... on node A (A $a0 -> $a)" test "$a" -eq $((a0 + 4))
grep -E "failed|retried" "$tmp/kamailio.log" | head -3 | sed 's/^/# /'
check "node A stops cleanly" vg_stop
