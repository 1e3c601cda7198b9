#!/usr/bin/env bash
# systemd.sh: voxgate as a systemd service.
#   - `meson install` lays out the binaries, the default config and the unit
#   - systemd-analyze verify accepts the unit (its commands pointed at that layout)
#   - under $NOTIFY_SOCKET voxgate says READY=1 once it takes calls, pings the
#     watchdog every half WatchdogSec, gives a STATUS with the calls in progress and
#     says STOPPING=1 on SIGTERM
source "$(dirname "$0")/lib.sh"

root="$tmp/root"
meson install -C "$top/build" --destdir "$root" --no-rebuild >"$tmp/install.out" 2>&1
check "meson install lays out voxgate, voxctl, vgstat, the config and the unit" \
	test -x "$root/usr/local/bin/voxgate" -a -x "$root/usr/local/bin/voxctl" \
	-a -x "$root/usr/local/bin/vgstat" -a -f "$root/usr/local/etc/voxgate/voxgate.conf" \
	-a -f "$root/usr/local/lib/systemd/system/voxgate.service"
unit="$root/usr/local/lib/systemd/system/voxgate.service"
check "the unit is Type=notify with a watchdog, started on the installed config" \
	bash -c 'grep -qx "Type=notify" "$1" && grep -qx "WatchdogSec=10" "$1" &&
		 grep -qx "ExecStart=/usr/local/bin/voxgate --config /usr/local/etc/voxgate/voxgate.conf" "$1"' \
	_ "$unit"
sed "s|/usr/local/|$root/usr/local/|g" "$unit" >"$tmp/voxgate.service"
systemd-analyze verify "$tmp/voxgate.service" >"$tmp/verify.out" 2>&1
check "systemd-analyze verify accepts it" test $? -eq 0
sed 's/^/# /' "$tmp/verify.out"
sed "s|ExecStart=$root/usr/local/bin/voxgate|ExecStart=$root/usr/local/bin/nothing|" \
	"$tmp/voxgate.service" >"$tmp/bad.service"
systemd-analyze verify "$tmp/bad.service" >/dev/null 2>&1
check "... and refuses it with a command that is not there (the check can fail)" test $? -ne 0

# sd_notify: a datagram socket standing in for systemd's.
python3 - "$tmp/notify.sock" "$tmp/notify.log" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.5)
end = time.monotonic() + 60
with open(sys.argv[2], "w") as f:
    while time.monotonic() < end:
        try:
            m = s.recv(4096).decode()
        except socket.timeout:
            continue
        for line in m.split("\n"):
            f.write("%.3f %s\n" % (time.monotonic(), line))
        f.flush()
PY
bg_pids+=($!)
for _ in $(seq 50); do [ -S "$tmp/notify.sock" ] && break; sleep 0.1; done

net_up
export NOTIFY_SOCKET="$tmp/notify.sock" WATCHDOG_USEC=1000000
vg_start || { not_ok "voxgate starts"; exit 1; }
unset NOTIFY_SOCKET WATCHDOG_USEC
check "READY=1 once voxgate takes calls" grep -q " READY=1$" "$tmp/notify.log"
check "a call is up" bye_call_start
sleep 6
pings=$(grep -c " WATCHDOG=1$" "$tmp/notify.log")
check "WATCHDOG=1 about every 0.5 s with WatchdogSec=1 ($pings in about 6.5 s)" \
	test "$pings" -ge 10 -a "$pings" -le 16
check "STATUS with the call in progress" grep -q " STATUS=1 call(s) in progress$" "$tmp/notify.log"
kill -TERM "$vg_pid"
for _ in $(seq 20); do grep -q " STOPPING=1$" "$tmp/notify.log" && break; sleep 0.1; done
check "SIGTERM: STOPPING=1 and a STATUS saying it drains" \
	bash -c 'grep -q " STOPPING=1$" "$1" && grep -q "STATUS=1 call(s) in progress; draining" "$1"' \
	_ "$tmp/notify.log"
check "voxgate stops cleanly (SIGINT after the drain began)" vg_stop
grep -E "READY|STOPPING|STATUS" "$tmp/notify.log" | head -5 | sed 's/^/# /'
