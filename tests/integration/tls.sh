#!/usr/bin/env bash
# tls.sh: SIP over TLS, as RingCX (recommended there) and Exotel (port 443) use it.
#   - voxgate presents the certificate of the listener's tls_dir (the client checks
#     it against its CA)
#   - OPTIONS and a call over TLS; every answer and voxgate's own BYE come back over
#     the connection the caller opened, never towards its Contact (seed 000)
#   - an RFC 5626 CRLF keepalive does not break the connection; over TCP it gets
#     its CRLF pong
source "$(dirname "$0")/lib.sh"

tls_certs
conf_edit "${tls_listener[@]}"
net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts with a TLS listener"; exit 1; }
check "voxgate listens for TLS on 5061" grep -q "listening on sips:198.18.0.1:5061" "$tmp/voxgate.log"

tls() { in_caller timeout 30 python3 "$top/tests/integration/sip_tls.py" "$tmp/tls/cafile.pem" 198.18.0.1 5061 "$@"; }
check "OPTIONS over TLS (voxgate's certificate verified): 200 on the same connection" \
	tls options
check "a CRLF keepalive, then OPTIONS again on the same connection: 200" \
	tls options ping options

in_caller python3 - >"$tmp/pong.out" 2>&1 <<'PY'
import socket
s = socket.create_connection(("198.18.0.1", 5060), timeout=2)
s.sendall(b"\r\n\r\n")
print(repr(s.recv(10)))
PY
check "over TCP the keepalive gets its CRLF pong (RFC 5626 4.4.1)" grep -qx "b'\\\\r\\\\n'" "$tmp/pong.out"

tls call wait-bye 20 >"$tmp/call.out" 2>&1 &
call_pid=$!
bg_pids+=("$call_pid")
for _ in $(seq 100); do grep -q "^call" "$tmp/call.out" && break; sleep 0.1; done
sed 's/^/# /' "$tmp/call.out"
check "a call over TLS with a Contact where nothing listens is answered" grep -q "^call ok" "$tmp/call.out"
check "voxgate stops cleanly with the TLS call up" vg_stop
wait "$call_pid"
rc=$?
sed 's/^/# /' "$tmp/call.out"
check "its BYE came over the caller's own TLS connection, and the caller's 200 was taken" \
	test $rc -eq 0
