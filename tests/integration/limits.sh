#!/usr/bin/env bash
# limits.sh: the connection limits of signaling (signaling.max_message, idle_ms).
#   - a TCP connection that carried a request and then nothing closes after idle_ms
#   - one carrying RFC 5626 keepalives stays open past it and still carries requests
#   - a message over max_message gets 413, and the next request is answered as usual
#   - in-dialog requests for a dialog that does not exist get 481 (RFC 3261 12.2.2)
source "$(dirname "$0")/lib.sh"

conf_edit 'retry_after = 5;' 'retry_after = 5;
  max_message = 8192;
  idle_ms = 2000;'
net_up
vg_start "$tmp/voxgate.conf" || { not_ok "voxgate starts"; exit 1; }

in_caller python3 - >"$tmp/idle.out" 2>&1 <<'PY'
import socket, time
def options(body=b""):
    return (b"OPTIONS sip:198.18.0.1:5060;transport=tcp SIP/2.0\r\n"
            b"Via: SIP/2.0/TCP 198.18.0.2:5099;branch=z9hG4bK-%d\r\n"
            b"From: <sip:t@198.18.0.2>;tag=1\r\nTo: <sip:198.18.0.1>\r\n"
            b"Call-ID: limits-%d\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
            b"Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
            % (time.time_ns(), time.time_ns(), len(body))) + body
def answer(s):
    s.settimeout(3)
    r = s.recv(4000)
    s.settimeout(0.3)
    try:
        while True:
            more = s.recv(4000)
            if not more:
                break
            r += more
    except socket.timeout:
        pass
    return r
# 0. a request, then silence: how long until voxgate closes it
s = socket.create_connection(("198.18.0.1", 5060), timeout=3)
s.sendall(options())
answer(s)
t0 = time.time()
s.settimeout(10)
try:
    closed = s.recv(100) == b""
except socket.timeout:
    closed = False
print("idle closed %s after %.1f s" % (closed, time.time() - t0))
# 1. keepalives every 0.5 s for 4 s, then OPTIONS on the same connection
s = socket.create_connection(("198.18.0.1", 5060), timeout=3)
s.sendall(options())
answer(s)
for _ in range(8):
    s.sendall(b"\r\n\r\n"); time.sleep(0.5)
    try:
        s.settimeout(0.01); s.recv(10)
    except socket.timeout:
        pass
    s.settimeout(3)
s.sendall(options())
print("kept alive: %s" % (b"SIP/2.0 200" in s.recv(4000)))
# 2. a message of 20,000 bytes
s = socket.create_connection(("198.18.0.1", 5060), timeout=3)
s.sendall(options(b"x" * 20000))
try:
    r = s.recv(4000)
except (socket.timeout, ConnectionResetError):
    r = b""
print("oversized: %r" % r[:40])
s = socket.create_connection(("198.18.0.1", 5060), timeout=3)
s.sendall(options())
print("after it: %s" % (b"SIP/2.0 200" in s.recv(4000)))
# 3. BYE and re-INVITE of a dialog voxgate never had, over UDP
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("198.18.0.2", 5098)); u.settimeout(3)
for method in (b"BYE", b"INVITE"):
    u.sendto(b"%s sip:echo@198.18.0.1:5060 SIP/2.0\r\n"
             b"Via: SIP/2.0/UDP 198.18.0.2:5098;branch=z9hG4bK-x%d\r\n"
             b"From: <sip:t@198.18.0.2>;tag=abc\r\nTo: <sip:echo@198.18.0.1>;tag=nosuch\r\n"
             b"Call-ID: no-such-dialog\r\nCSeq: 2 %s\r\nMax-Forwards: 70\r\n"
             b"Contact: <sip:t@198.18.0.2:5098>\r\nContent-Length: 0\r\n\r\n"
             % (method, time.time_ns(), method), ("198.18.0.1", 5060))
    r = u.recv(4000)
    while r.startswith(b"SIP/2.0 100"):
        r = u.recv(4000)
    print("unknown dialog %s: %r" % (method.decode(), r[:12]))
PY
sed 's/^/# /' "$tmp/idle.out"
check "a TCP connection idle after a request is closed after idle_ms (2 s)" \
	awk '/^idle closed True after/ { ok = $5 >= 1.0 && $5 < 4 } END { exit !ok }' "$tmp/idle.out"
check "a connection with keepalives for 4 s, past idle_ms, still carries requests" \
	grep -q "^kept alive: True" "$tmp/idle.out"
check "a message over max_message gets 413" \
	grep -q "^oversized: b.SIP/2.0 413 " "$tmp/idle.out"
check "the next request is answered as usual" grep -q "^after it: True" "$tmp/idle.out"
check "BYE for a dialog that does not exist: 481" \
	grep -q "^unknown dialog BYE: b'SIP/2.0 481 " "$tmp/idle.out"
check "re-INVITE (To tag) for a dialog that does not exist: 481" \
	grep -q "^unknown dialog INVITE: b'SIP/2.0 481 " "$tmp/idle.out"
check "voxgate stops cleanly" vg_stop
