#!/usr/bin/env bash
# sip_run.sh: signaling capacity: calls per second at zero failures, and dialogs held
# at once. sipp (caller namespace) places short calls (bench/uac_cps.xml: INVITE,
# 200, ACK, hold, BYE; media on hold, so no RTP) against voxgate running its whole
# call path (slot, dataplane, bot session) on the default config with room for
# 20,000 calls.
#
#   bench/sip_run.sh [SECONDS]    (default 10: the length of each rate step)
#
# Prints the largest rate with zero failed calls, and the most dialogs up at once in
# a run of 15,000 calls at 1,000/s that holds each call 15 s.
source "$(dirname "$0")/lib.sh"
secs=${1:-10}
bench_start test "sip-"
prefix=vgsb$$
vg_up_sip "$prefix" sip

run() { # run RATE CALLS HOLD_MS -> prints "created successful failed peak-concurrent"
	local f="$out/sipp-$1-$3.csv"
	(cd "$out" && timeout $(( $2 / $1 + $3 / 1000 + 60 )) ip netns exec "$prefix-caller" \
		sipp -sf "$top/bench/uac_cps.xml" -key media_addr 0.0.0.0 -i 198.18.0.2 -p 5070 -s echo -r "$1" -m "$2" \
		-l 100000 -d "$3" -nostdin -timeout $(( $2 / $1 + $3 / 1000 + 50 )) \
		-trace_stat -fd 1 -stf "$f" 198.18.0.1:5060 >/dev/null 2>&1) || true
	sipp_stat "$f" | cut -d' ' -f1-4
}

best=0
for rate in 500 1000 1500 2000 3000 4000; do
	read -r created ok failed peak < <(run "$rate" $((rate * secs)) 100)
	echo "rate $rate/s for ${secs} s: $created calls, $ok successful, $failed failed"
	[ "$failed" = 0 ] && [ "$ok" = "$created" ] && best=$rate || break
done
held=15000
read -r created ok failed peak < <(run 1000 15000 "$held")
echo "15000 calls at 1000/s, each held $((held / 1000)) s: $ok successful, $failed failed, at most $peak up at once"
cat <<EOT | tee "$out/summary.txt"

date: $(date -u +%Y-%m-%d), machine: $(nproc) cores, run: bench/sip_run.sh $secs
largest rate at zero failed calls over ${secs} s: $best calls/s (one signaling thread)
dialogs held at once: $peak at the peak (sipp's count, once a second), $ok of $created calls successful, $failed failed
EOT
