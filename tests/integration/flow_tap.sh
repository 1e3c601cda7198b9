#!/usr/bin/env bash
# flow_tap.sh: rte_flow steering on a port that takes flow rules.
#
# No port of this machine takes them (its kernel lacks tc flower and multiq, which
# DPDK's net_tap needs), so this runs multi_lcore.sh in a virtual machine with
# Debian's own kernel (tools/vm.sh), its port net_tap: tc flower matches UDP ports
# only exactly, so voxgate puts a rule per RTP and RTCP port on the tap, the kernel
# puts each call's packets on its lcore's queue, and the same concurrent echo and
# DTMF calls are checked, with no packet handed over between lcores. The guest is
# emulated: about a minute, and its clock is the emulator's, so a tick of a dp lcore
# there may come a frame late (p99 17 ms off the 20 ms pace in one run): the pace is
# held to 40 ms here, to 15 ms where multi_lcore.sh runs on this machine.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" && exec tools/vm.sh --timeout 540 -- env VG_MEDIA=tap VG_PACE_P99_MS=40 \
	bash tests/integration/multi_lcore.sh
