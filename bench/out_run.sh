#!/usr/bin/env bash
# out_run.sh: calls voxgate places per second, with digest auth, beside the calls per
# second it takes, in one run.
#
#   bench/out_run.sh [SECONDS]    (default 10: the length of each rate step)
#
# Outbound: bench/api_load.py (caller namespace) POSTs new calls to the HTTP API
# (Twilio's Calls.json, agent:echo) at a rate; voxgate places each through its
# outbound endpoint to sipp (bench/uas_cps_auth.xml: 401, the INVITE again with
# credentials, 200 with media on hold, the callee's BYE 100 ms later). Inbound: sipp
# places the same number of calls (bench/uac_cps.xml, held 100 ms) at the same rate.
# Both on the default config with room for 20,000 calls, one signaling thread. The
# rate goes up (100, 200, 400, 800, 1,200, 1,600 calls/s) until a call fails, the API
# did not answer 201 to every request, or the rate reached is under 90% of the rate
# asked (the load generators share CPU 0 with signaling). Raw figures:
# bench/results/out-<UTC time>/.
source "$(dirname "$0")/lib.sh"
secs=${1:-10}
bench_start test out-
prefix=vgob$$
vg_up_sip "$prefix" out \
	'retry_after = 5;' 'retry_after = 5;
  outbound = ( { name = "carrier"; proxy = "sip:198.18.0.2:5090"; user = "voxgate";
                 password = "c4rrier"; } );'
api=http://198.18.0.1:8088/2010-04-01/Accounts/AC0bench/Calls.json

# out_step RATE CALLS: the outbound step; prints "rate-reached created successful failed
# http-201 answer-p99-ms"
out_step() {
	local f="$out/out-$1.csv" t=$(($2 / $1 + 40)) load
	(cd "$out" && timeout "$t" ip netns exec "$prefix-caller" sipp -sf \
		"$top/bench/uas_cps_auth.xml" -i 198.18.0.2 -p 5090 -m "$2" -d 100 -nostdin \
		-timeout $((t - 5)) -trace_stat -fd 1 -stf "$f" >/dev/null 2>&1) &
	local sipp_pid=$!
	sleep 0.5
	load=$(timeout "$t" ip netns exec "$prefix-caller" python3 "$top/bench/api_load.py" \
		"$api" --rate "$1" --calls "$2" || true)
	echo "$load" >"$out/api-$1.json"
	wait "$sipp_pid" || true
	read -r created ok failed _ < <(sipp_stat "$f")
	python3 -c 'import json, sys
j = json.loads(sys.argv[1])
print(j["rate"], *sys.argv[2:], j["codes"].get("201", 0), j["answer_ms_p99"])' \
		"$load" "$created" "$ok" "$failed"
}

# in_step RATE CALLS: the inbound step; prints "created successful failed rate"
in_step() {
	local f="$out/in-$1.csv" t=$(($2 / $1 + 40))
	(cd "$out" && timeout "$t" ip netns exec "$prefix-caller" sipp -sf \
		"$top/bench/uac_cps.xml" -key media_addr 0.0.0.0 -i 198.18.0.2 -p 5070 -s echo \
		-r "$1" -m "$2" -l 100000 -d 100 -nostdin -timeout $((t - 5)) -trace_stat -fd 1 \
		-stf "$f" 198.18.0.1:5060 >/dev/null 2>&1) || true
	sipp_stat "$f" | cut -d' ' -f1-3,5
}

echo "| rate asked (calls/s) | outbound: API rate reached | placed, answered, failed | API 201 | API answer p99 (ms) | inbound: sipp's rate over its run | offered, answered, failed |" | tee "$out/summary.txt"
echo "|---|---|---|---|---|---|---|" | tee -a "$out/summary.txt"
best_out=0 best_in=0 out_done=0 in_done=0
for rate in 100 200 400 800 1200 1600; do
	n=$((rate * secs))
	if [ "$out_done" = 0 ]; then
		read -r reached created ok failed got201 p99 < <(out_step "$rate" "$n")
		o="$reached | $created, $ok, $failed | $got201 | $p99"
		if [ "$ok" = "$n" ] && [ "$failed" = 0 ] && [ "$got201" = "$n" ] &&
			awk -v r="$reached" -v a="$rate" 'BEGIN { exit !(r >= 0.9 * a) }'; then
			best_out=$rate
		else
			out_done=1
		fi
	else
		o="- | - | - | -"
	fi
	i="- | -"
	if [ "$in_done" = 0 ]; then
		read -r created ok failed reached < <(in_step "$rate" "$n")
		i="$reached | $created, $ok, $failed"
		[ "$ok" = "$n" ] && [ "$failed" = 0 ] && [ "$reached" -ge $((rate * 9 / 10)) ] &&
			best_in=$rate || in_done=1
	fi
	echo "| $rate | $o | $i |" | tee -a "$out/summary.txt"
	[ "$out_done" = 1 ] && [ "$in_done" = 1 ] && break
done
kill -USR1 "$vg_pid" 2>/dev/null || true
sleep 0.5
drops=$(grep ' stats sip:' "$out/voxgate-out.log" | tail -1 | sed -n 's/.*dropped \([0-9]*\);.*/\1/p')
cat <<EOT | tee -a "$out/summary.txt"

date: $(date -u +%Y-%m-%d), machine: $(nproc) cores, run: bench/out_run.sh $secs
largest rate at zero failed calls over ${secs} s (reached within 10%): outbound (digest auth) $best_out calls/s, inbound $best_in calls/s
SIP datagrams the kernel dropped on voxgate's listener sockets (receive buffer full) over the run: ${drops:-?}
EOT
