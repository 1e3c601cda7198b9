#!/usr/bin/env bash
# capture.sh: SIP capture (signaling.capture) read back with tshark:
#   - the pcap file holds a call's INVITE, 100, 200, ACK, BYE and 200, as sent
#   - the same messages reached a HEP collector as HEP3 (decoded by hep3.py: this
#     Wireshark has no HEP dissector): agent id, addresses, ports, the SIP inside
#   - files are bounded: past max_mb the file rotates, files = 2 keeps two
#   - counted in /metrics
source "$(dirname "$0")/lib.sh"

net_up
conf_edit 'retry_after = 5;' "retry_after = 5;
  capture = { pcap = \"$tmp/sip.pcap\"; max_mb = 1; files = 2; hep = \"198.18.0.2:9060\";
              hep_id = 4242; };"

# the collector: a UDP socket that takes HEP, and tcpdump keeping what came
ip netns exec "$caller_ns" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.2", 9060))
s.settimeout(120)
while True:
    s.recv(70000)
' >/dev/null 2>&1 &
bg_pids+=($!)
ip netns exec "$caller_ns" tcpdump -i any -n -U --immediate-mode -w "$tmp/hep.pcap" \
	udp port 9060 2>/dev/null &
hep_cap=$!
bg_pids+=("$hep_cap")
sleep 1
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts"; exit 1; }

sipp_caller "$top/tests/integration/sipp/uac_pause_bye.xml" -s echo -d 500
check "a call, hung up by the caller" test $? -eq 0
sleep 0.5

# sip FILE [tshark args]: method or status of each SIP message in FILE, one a line
sip() {
	local f=$1
	shift
	tshark -r "$f" "$@" -Y sip -T fields -e sip.Method -e sip.Status-Code 2>/dev/null |
		awk 'NF { $1 = $1; print }'
}
got=$(sip "$tmp/sip.pcap" | tr '\n' ' ')
echo "# pcap: $got"
check "the pcap file (tshark): INVITE 100 200 ACK BYE 200 of the call" \
	test "$got" = "INVITE 100 200 ACK BYE 200 "

sleep 0.5
kill -TERM "$hep_cap"
wait "$hep_cap" 2>/dev/null
python3 "$top/tests/integration/hep3.py" "$tmp/hep.pcap" 9060 >"$tmp/hep.txt" 2>&1
check "HEP3 to the collector: every packet well formed (hep3.py)" test $? -eq 0
sed 's/^/# /' "$tmp/hep.txt"
# (sofia-sip's own "TEST" datagram to its socket at start is captured too: not SIP)
got=$(grep 'SIP/2.0' "$tmp/hep.txt" |
	awk '{print ($8 == "SIP/2.0") ? $9 : $8}' | tr '\n' ' ')
check "... carrying the same messages: INVITE 100 200 ACK BYE 200" \
	test "$got" = "INVITE 100 200 ACK BYE 200 "
check "... capture agent 4242, the INVITE from 198.18.0.2:5070 to 198.18.0.1:5060, SIP" \
	grep -q "^3 4242 198.18.0.2 198.18.0.1 5070 5060 1 INVITE sip:echo@" "$tmp/hep.txt"

# Rotation: about 1.5 MB of OPTIONS and their answers through max_mb = 1, files = 2.
(cd "$tmp" && timeout 60 ip netns exec "$caller_ns" sipp -sf \
	"$top/tests/integration/sipp/options.xml" -s echo -i 198.18.0.2 -p 5071 -m 2500 \
	-r 500 -nostdin -timeout 30 198.18.0.1:5060) >"$tmp/opt.out" 2>&1
check "2500 OPTIONS answered" test $? -eq 0
sleep 0.5
ls -l "$tmp"/sip.pcap* | sed 's/^/# /'
check "the capture rotated: sip.pcap and sip.pcap.1, none over 1 MiB, no third" \
	bash -c 'test -f "$1.1" -a ! -e "$1.2" && [ "$(stat -c %s "$1")" -le 1048576 ] &&
		 [ "$(stat -c %s "$1.1")" -le 1048576 ]' _ "$tmp/sip.pcap"
check "both files open in tshark, OPTIONS in each" \
	bash -c '[ "$(tshark -r "$1" -Y "sip.Method == \"OPTIONS\"" 2>/dev/null | wc -l)" -gt 100 ] &&
		 [ "$(tshark -r "$1.1" -Y "sip.Method == \"OPTIONS\"" 2>/dev/null | wc -l)" -gt 100 ]' \
	_ "$tmp/sip.pcap"
ip netns exec "$gw" curl -s http://198.18.0.1:8088/metrics | grep '^voxgate_capture' >"$tmp/m.txt"
sed 's/^/# /' "$tmp/m.txt"
check "/metrics: packets and HEP sent counted (>= 5006), 2 files, none failed" \
	bash -c 'awk "/^voxgate_capture_packets_total /{p=\$2} /hep_packets_total{result=\"sent\"}/{s=\$2}
		     /hep_packets_total{result=\"failed\"}/{f=\$2} /^voxgate_capture_files_total /{n=\$2}
		     END{exit !(p >= 5006 && s >= 5006 && f == 0 && n == 2)}" "$1"' _ "$tmp/m.txt"
check "voxgate stops cleanly" vg_stop
