#!/usr/bin/env bash
# register.sh: voxgate registers with a PBX as a SIP client (Ultravox's registration
# set-up, seed 003), with Debian's Kamailio as the registrar and proxy (198.18.0.3,
# tests/integration/kamailio/registrar.cfg: digest auth, locations in memory).
#   - REGISTER over UDP with the address-of-record sip:1001@voxgate.test, the 401
#     challenge answered, the Contact the listener's address; refreshed before its
#     20 s expire
#   - a wrong password (over TCP): "credentials refused", tried again after 1 s, 2 s,
#     ... (the back-off), never the password in the log
#   - a call to 1001 placed through the registrar reaches voxgate on the endpoint's
#     trunk (the registrar's address joined its allowlist) and the caller hears the
#     echo bot: the audio comes back intact
#   - the registrar restarts (its locations lost): the refresh fails, voxgate backs
#     off and registers again once it is back; calls through it work again
#   - the counters; at shutdown the registration is taken back (Expires 0)
source "$(dirname "$0")/lib.sh"

conf_edit 'allow = [ "198.18.0.0/16", "127.0.0.0/8" ]; codecs = [ "PCMA", "PCMU" ]; }' \
	'allow = [ "198.18.0.2/32", "127.0.0.0/8" ]; codecs = [ "PCMA", "PCMU" ]; },
    { name = "pbx"; allow = [ "192.0.2.1/32" ]; }' \
	'retry_after = 5;' 'retry_after = 5;
  outbound = (
    { name = "pbx"; proxy = "sip:198.18.0.3:5080"; user = "1001"; domain = "voxgate.test";
      password = "s3cret"; register = true; expires = 20; retry_s = 1; trunk = "pbx"; },
    { name = "wrongpw"; proxy = "sip:198.18.0.3:5080;transport=tcp"; user = "1002";
      domain = "voxgate.test"; password = "n0pe-pw"; register = true; retry_s = 1; }
  );'

kam_start() {
	ip netns exec "$caller_ns" kamailio -f "$top/tests/integration/kamailio/registrar.cfg" \
		-DD -E -A 'LISTEN=udp:198.18.0.3:5080' -A 'LISTEN_TCP=tcp:198.18.0.3:5080' \
		-Y "$tmp/kamrun" >>"$tmp/kamailio.log" 2>&1 &
	kam_pid=$!
	bg_pids+=("$kam_pid")
	for _ in $(seq 50); do grep -q "Listening on" "$tmp/kamailio.log" && return 0; sleep 0.1; done
	return 1
}
kam_stop() { kill -TERM "$kam_pid" 2>/dev/null; wait "$kam_pid" 2>/dev/null; true; }
# wait_log FILE PATTERN SECONDS: true once FILE has a line matching PATTERN
wait_log() {
	for _ in $(seq $(($3 * 10))); do grep -q -- "$2" "$1" && return 0; sleep 0.1; done
	return 1
}
# call_via_registrar NAME: a call to 1001 through the registrar, streaming
# $tmp/caller.al, held 5 s (an RTCP report comes within it), captured; its echo checked
call_via_registrar() {
	pcma_scenario "$tmp/$1.xml" "$tmp/caller.al" 5000
	capture "$tmp/$1.pcap"
	(cd "$tmp" && timeout 60 ip netns exec "$caller_ns" sipp -sf "$tmp/$1.xml" \
		-i 198.18.0.2 -p 5070 -mi 198.18.1.2 -m 1 -nostdin -timeout 40 -s 1001 \
		-key sdp_ip 198.18.1.2 -trace_logs -log_file "$tmp/$1.log" 198.18.0.3:5080) >"$tmp/$1.out" 2>&1
	local rc=$?
	capture_stop
	[ $rc = 0 ] && echo_intact "$tmp/$1.pcap" "$(answers "$tmp/$1.log" | tr -d ' ')"
}

net_up
ip -n "$caller_ns" addr add 198.18.0.3/24 dev vgs1
mkdir -p "$tmp/kamrun"
python3 "$top/tests/integration/rtp_audio.py" gen "$tmp/caller.al" --seconds 2
kam_start || { not_ok "kamailio starts as the registrar"; exit 1; }
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with outbound registrations"; exit 1; }

check "voxgate registers sip:1001@voxgate.test with the registrar over UDP" \
	wait_log "$tmp/voxgate.log" \
	"outbound pbx: registered as sip:1001@voxgate.test at sip:198.18.0.3:5080 for 20 s" 10
check "after answering its digest challenge" grep -q "challenge 1001" "$tmp/kamailio.log"
check "with the listener's address as its Contact" \
	grep -Eq "registered 1001 contact <sip:1001@198.18.0.1(:5060)?> .*proto udp" "$tmp/kamailio.log"
check "a wrong password (over TCP) is refused and said so" \
	wait_log "$tmp/voxgate.log" "outbound wrongpw: REGISTER to sip:198.18.0.3:5080;transport=tcp failed: 401 credentials refused; again in 1 s" 10
check "and tried again later and later (1 s, 2 s, 4 s)" \
	wait_log "$tmp/voxgate.log" "outbound wrongpw: .* again in 4 s (failure 3 in a row)" 15
check "no password in voxgate's log" bash -c "! grep -q 's3cret\|n0pe-pw' '$tmp/voxgate.log'"

check "a call to 1001 through the registrar is answered and echoed intact" \
	call_via_registrar call1
check "on the endpoint's trunk (the registrar's address joined its allowlist)" \
	grep -q "call .* from 198.18.0.3 trunk 'pbx' to '1001'" "$tmp/voxgate.log"

check "the registration is refreshed before it expires" \
	bash -c "for _ in \$(seq 200); do [ \$(grep -c 'registered 1001 contact' '$tmp/kamailio.log') -ge 2 ] && exit 0; sleep 0.1; done; exit 1"

kam_stop
check "the registrar gone, the refresh fails and voxgate backs off" \
	wait_log "$tmp/voxgate.log" "outbound pbx: REGISTER to sip:198.18.0.3:5080 failed: " 20
before=$(grep -c "registered 1001 contact" "$tmp/kamailio.log")
kam_start
check "the registrar back (its locations lost), voxgate registers again" \
	wait_log "$tmp/voxgate.log" "outbound pbx: registered .* (again, after failures)" 30
check "the registrar has the contact again" \
	test "$(grep -c "registered 1001 contact" "$tmp/kamailio.log")" -gt "$before"
check "and calls through it work again" call_via_registrar call2

stats=$(vg_stats)
check "the counters: one endpoint registered, refreshes counted, failures counted" \
	bash -c "echo '$stats' | grep -Eq 'registered 1 registrations ([3-9]|[1-9][0-9]+) failed [1-9]'"
check "voxgate stops cleanly" vg_stop
check "taking its registration back first" \
	grep -q "outbound pbx: registration at sip:198.18.0.3:5080 taken back (200" "$tmp/voxgate.log"
check "the registrar saw Expires 0" grep -Eq "registered 1001 contact .*(expires=0|expires 0)" \
	"$tmp/kamailio.log"
kam_stop
