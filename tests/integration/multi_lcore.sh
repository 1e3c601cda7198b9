#!/usr/bin/env bash
# multi_lcore.sh: concurrent calls on two dp lcores.
#
# voxgate runs with two dp lcores, each polling its own queue of the af_packet port
# (qpairs=2). af_packet takes no rte_flow rules, so voxgate steers in software: the
# kernel spreads packets over the queues as it likes, packets of a call often arrive
# at the other lcore, which hands them over through a ring. Calls
# are pinned by slot (even slots on lcore 0, odd on lcore 1). voxgate has two media
# addresses of two call slots each (198.18.1.1 and 198.18.1.3, ports 10000-10003), so
# four calls take each lcore on each address. Checked: four concurrent echo calls
# each get their own audio back intact from their address and port; two concurrent
# calls pressing keys each have every key press reach the bot once; packets did cross
# between lcores; neither lcore took a page fault; every slot is free afterwards.
#
# With VG_MEDIA=tap (flow_tap.sh runs it so, in a virtual machine whose kernel has tc
# flower and multiq) the port is net_tap instead, bridged to the caller's link, and
# takes voxgate's rte_flow rules: checked instead that voxgate says it steers by flow
# rules, that the rules are on the tap, and that no packet crossed between lcores.
#
# This machine may have fewer cores than lcores, so the lcores sleep when idle
# (dataplane.idle_sleep_us) and the pace check is looser than in echo_call.sh.
source "$(dirname "$0")/lib.sh"

media=${VG_MEDIA:-af_packet}
edits=('rtp_latch = true;' $'rtp_latch = true;\n  idle_sleep_us = 100;'
	'address = "198.18.1.1/24";' $'address = "198.18.1.1/24";\n  extra_addresses = [ "198.18.1.3" ];'
	'rtp_ports = "10000-20000";' 'rtp_ports = "10000-10003";' 'max_calls = 1024;' 'max_calls = 4;')
vdev="--vdev=net_af_packet0,iface=vgm0,qpairs=2"
if [ "$media" = tap ]; then
	edits+=('port = "net_af_packet0";' 'port = "net_tap0";')
	vdev="--vdev=net_tap0,iface=vgtap0"
fi
conf_edit "${edits[@]}"
net_up
ip netns exec "$gw" "$top/build/voxgate" --config "$tmp/voxgate.conf" -- \
	"--lcores=(0-2)@(0-$(($(nproc) - 1)))" --no-huge -m 512 --no-shconf --no-pci \
	--log-level=lib.eal:notice "$vdev" >"$tmp/voxgate.log" 2>&1 &
vg_pid=$!
for _ in $(seq 300); do grep -q "voxgate accepting calls" "$tmp/voxgate.log" && break; sleep 0.1; done
check "voxgate starts with two dp lcores" grep -q "2 dp lcore(s)" "$tmp/voxgate.log"
if [ "$media" = tap ]; then
	# tc flower matches UDP ports only exactly: a rule per RTP and RTCP port
	check "and steers by the port's flow rules, one per RTP and RTCP port of its 4 slots" \
		grep -q "steering by the port's flow rules: 8 rte_flow rules, one per RTP and RTCP port" \
		"$tmp/voxgate.log"
	# the tap's rules, as the kernel holds them: flower on the UDP port, skbedit to
	# the queue
	ip netns exec "$gw" tc -s filter show dev vgtap0 >"$tmp/tc.out" 2>&1
	grep -m2 -B2 -A8 "dst_port 10000$" "$tmp/tc.out" | sed 's/^/# /'
	q0=$(grep -c "queue_mapping 0" "$tmp/tc.out")
	q1=$(grep -c "queue_mapping 1" "$tmp/tc.out")
	n3=$(grep -c "dst_ip 198.18.1.3$" "$tmp/tc.out")
	check "the kernel holds them: $q0 to queue 0, $q1 to queue 1, $n3 on the second address" \
		test "$q0" -eq 4 -a "$q1" -eq 4 -a "$n3" -eq 4
	# the caller's media link reaches the tap over a bridge. net_tap gives the
	# kernel's side of the tap voxgate's MAC, which a bridge would keep for itself:
	# the kernel's side gets one of its own.
	ip -n "$gw" link set vgtap0 address 02:00:00:00:00:01
	ip -n "$gw" link add vgbr0 type bridge
	ip -n "$gw" link set vgm0 master vgbr0
	ip -n "$gw" link set vgtap0 master vgbr0
	for dev in vgbr0 vgtap0; do ip -n "$gw" link set "$dev" up; done
else
	# af_packet takes no rte_flow rule: voxgate says so and steers in software
	check "and steers in software, the port having refused a flow rule" \
		grep -q "steering in software (the port takes no masked flow rule (" \
		"$tmp/voxgate.log"
fi

# Four concurrent echo calls, each on its own sipp RTP port.
concurrent_scenario "$tmp/multi.xml"
flt=$(dp_minflt)
capture "$tmp/multi.pcap"
sipp_caller "$tmp/multi.xml" -s echo -key sdp_ip 198.18.1.2 -m 4 -l 4 -r 20 \
	-trace_logs -log_file "$tmp/multi.log"
rc=$?
capture_stop
check "four concurrent calls answered and ended" test $rc -eq 0
answers=$(answers "$tmp/multi.log")
check "on both ports of both addresses ($answers)" \
	test "$answers" = "198.18.1.1:10000 198.18.1.1:10002 198.18.1.3:10000 198.18.1.3:10002 "
for a in $answers; do
	port=${a#*:}
	check "call on $a (lcore $(( (port - 10000) / 2 % 2 ))) got its own audio back intact" \
		echo_intact "$tmp/multi.pcap" "$a"
done

# Two concurrent calls pressing 1 5 9 #.
sed "s|@PCAPS@|/usr/share/sip-tester|g" "$top/tests/integration/sipp/uac_dtmf.xml" \
	>"$tmp/dtmf.xml"
check "two concurrent calls pressing keys answered and ended" \
	sipp_caller "$tmp/dtmf.xml" -s echo -m 2 -l 2 -r 20
sleep 0.3
for id in $(sed -n "s/.*call \([^ ]*\): DTMF.*/\1/p" "$tmp/voxgate.log" | sort -u); do
	got=$(grep "call $id: DTMF" "$tmp/voxgate.log" | sed -n "s/.*DTMF '\(.\)'.*/\1/p" | tr -d '\n')
	echo "# call $id: $got"
	echo "$got" >>"$tmp/dtmf.got"
done
check "each of the two calls got 1 5 9 # once, in order" \
	test "$(sort "$tmp/dtmf.got" 2>/dev/null | uniq -c | awk '{print $1, $2}')" = "2 159#"

flt=$(($(dp_minflt) - flt))
check "neither lcore took a page fault carrying them, handing packets over or keys ($flt)" \
	test "$flt" -eq 0
stats=$(vg_stats)
if [ "$media" = tap ]; then
	check "no packet crossed between the lcores: each came on its lcore's queue (fwd_out 0)" \
		bash -c '[ "$(grep -c "fwd_out=0 " <<<"$1")" -eq 2 ]' _ "$stats"
else
	check "packets crossed between the lcores (fwd_in on one lcore)" \
		grep -Eq "fwd_in=[1-9]" <<<"$stats"
fi
check "both lcores carried calls" \
	bash -c '[ "$(grep -Ec "calls_started=[1-9]" <<<"$1")" -eq 2 ]' _ "$stats"
check "every slot is free again" grep -q "ended 6 active 0; .* slots free 4/4" <<<"$stats"
check "voxgate stops cleanly" vg_stop
