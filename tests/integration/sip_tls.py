#!/usr/bin/env python3
"""sip_tls.py: a SIP client over TLS (Python's ssl, OpenSSL) for tls.sh and the
RingCX-style tests (seed 000).

  sip_tls.py CAFILE HOST PORT STEP...

Opens one TLS connection to voxgate, checking its certificate against CAFILE (and
presenting the client certificate of the PEM file $SIP_TLS_CERT, if set), and
runs the steps in order, printing one line per step ("STEP ok" or "STEP FAILED: why")
and exiting 1 at the first that fails:
  options            OPTIONS -> 200 on this connection
  ping               RFC 5626 CRLFCRLF keepalive; the connection must go on working
  call               INVITE (PCMA) to "echo" with a Contact where nothing listens -> 200,
                     then ACK
  call-to USER       the same to Request-URI user USER
  call-savp          the same offering RTP/SAVP with an SDES a=crypto line
                     (AES_CM_128_HMAC_SHA1_80, a fresh key); the 200 must answer RTP/SAVP
                     with an a=crypto line. The answer's m= line is printed on a line of
                     its own before the step's line.
  call-savp-to USER  the same to Request-URI user USER
  expect-info S STATUS
                     an INFO in the call arrives within S seconds; answered STATUS (200,
                     415...). Printed as "info CONTENT-TYPE BODY" (the body on one line)
                     on a line of its own before the step's line, and the body appended
                     as one line to the file $SIP_TLS_INFO_LOG, if set. Fails if the INFO
                     is not in the call's dialog (Call-ID, tags).
  bye                BYE for the call (the next CSeq, the To tag of the 200) -> 200
  wait-bye S         a BYE arrives on this connection within S seconds; answered 200
  no-msg S           nothing but keepalives arrives within S seconds (voxgate does not
                     hang up early, for one)
Responses and requests can only come back over this connection: the client listens
nowhere else (seed 000: RingCX does not accept anything sent towards Contact).
Requests voxgate sends in a call carry the dialog's From and To the other way round
(its tag in From, the client's in To); answers copy Via, From, To, Call-ID and CSeq as
they came.
"""
import base64
import os
import re
import socket
import ssl
import sys
import time

REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 405: "Method Not Allowed",
           415: "Unsupported Media Type", 481: "Call/Transaction Does Not Exist",
           488: "Not Acceptable Here", 500: "Server Internal Error",
           501: "Not Implemented", 603: "Decline"}
# RFC 3261 7.3.3 compact forms of the headers read here
COMPACT = {"via": "v", "from": "f", "to": "t", "call-id": "i", "contact": "m",
           "content-type": "c", "content-length": "l"}


def hdrs(msg, name):
    """Every value of header NAME in the message head MSG, in order."""
    names = re.escape(name) + ("|" + COMPACT[name.lower()] if name.lower() in COMPACT else "")
    return [v.strip() for v in re.findall(r"(?im)^(?:%s)[ \t]*:[ \t]*(.*)$" % names, msg)]


def hdr(msg, name):
    v = hdrs(msg, name)
    return v[0] if v else ""


def tag(value):
    m = re.search(r";\s*tag=([^;>\s]+)", value)
    return m.group(1) if m else ""


def one_line(text):
    """TEXT on one line: line breaks and the white space around them become one space
    (which keeps a JSON text valid: its strings hold no raw line breaks)."""
    return re.sub(r"[ \t]*[\r\n]+[ \t]*", " ", text.strip())


def answer(req, status):
    """The response STATUS to the request head REQ, its Vias, From, To, Call-ID and
    CSeq copied as they came."""
    extra = {405: "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO\r\n",
             415: "Accept: application/sdp\r\n"}.get(status, "")
    return ("SIP/2.0 %d %s\r\n%sFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\n%s"
            "Content-Length: 0\r\n\r\n"
            % (status, REASONS.get(status, "Response"),
               "".join("Via: %s\r\n" % v for v in hdrs(req, "Via")), hdr(req, "From"),
               hdr(req, "To"), hdr(req, "Call-ID"), hdr(req, "CSeq"), extra)).encode()


def main():
    cafile, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    steps = sys.argv[4:]
    ctx = ssl.create_default_context(cafile=cafile)
    if os.environ.get("SIP_TLS_CERT"):  # a client certificate (PEM: key and chain)
        ctx.load_cert_chain(os.environ["SIP_TLS_CERT"])
    s = ctx.wrap_socket(socket.create_connection((host, port), timeout=5),
                        server_hostname=host)
    me = "198.18.0.2:%d" % s.getsockname()[1]
    buf = b""
    call = None  # the call of the last call step, once answered 200
    ncalls = 0
    nbranch = 0

    def read(timeout):
        """The next message within TIMEOUT seconds, as (head, body); CRLF keepalives
        between messages are skipped. socket.timeout when none came."""
        nonlocal buf
        deadline = time.monotonic() + timeout
        while True:
            buf = buf.lstrip(b"\r\n")  # a pong or keepalive between messages
            head, sep, rest = buf.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d+)", head)
                n = int(m.group(1)) if m else 0
                if len(rest) >= n:
                    buf = rest[n:]
                    return head.decode(errors="replace"), rest[:n].decode(errors="replace")
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise socket.timeout
                s.settimeout(left)
                data = s.recv(65536)
            except socket.timeout:
                raise socket.timeout("nothing came within %g s" % timeout) from None
            if not data:
                raise ConnectionError("voxgate closed the connection")
            buf += data

    def read_msg(timeout):
        return read(timeout)[0]

    def branch(what):
        nonlocal nbranch
        nbranch += 1
        return "z9hG4bK-%s%d" % (what, nbranch)

    def place_call(user, sdp):
        """INVITE to USER offering SDP, then ACK: the final response as (head, body).
        Sets call when it is a 2xx."""
        nonlocal call, ncalls
        ncalls += 1
        call = None
        callid = "tlscall%s@198.18.0.2" % ("" if ncalls == 1 else ncalls)
        ruri = "sip:%s@%s:%d;transport=tls" % (user, host, port)
        frm = "<sip:+15550007@198.18.0.2>;tag=c"
        inv_branch = branch("inv")
        s.sendall(("INVITE %s SIP/2.0\r\n"
                   "Via: SIP/2.0/TLS %s;rport;branch=%s\r\n"
                   "From: %s\r\nTo: <sip:%s@%s>\r\n"
                   "Call-ID: %s\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
                   "Contact: <sip:+15550007@198.18.0.2:5999;transport=tls>\r\n"
                   "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s"
                   % (ruri, me, inv_branch, frm, user, host, callid, len(sdp), sdp)).encode())
        r, body = read(5)
        while r.startswith("SIP/2.0 1"):
            r, body = read(5)
        to = hdr(r, "To")
        if r.startswith("SIP/2.0 2"):
            # ACK of a 2xx: a transaction of its own, to the remote target (Contact)
            m = re.match(r"[^<]*<([^>]*)>|([^;\s]+)", hdr(r, "Contact"))
            call = {"callid": callid, "from": frm, "to": to, "cseq": 1,
                    "target": (m.group(1) or m.group(2)) if m else ruri}
            ack_ruri, ack_branch = call["target"], branch("ack")
        else:  # ACK of a failure: on the INVITE's branch (RFC 3261 17.1.1.3)
            ack_ruri, ack_branch = ruri, inv_branch
        s.sendall(("ACK %s SIP/2.0\r\n"
                   "Via: SIP/2.0/TLS %s;rport;branch=%s\r\n"
                   "From: %s\r\nTo: %s\r\n"
                   "Call-ID: %s\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\n"
                   "Content-Length: 0\r\n\r\n"
                   % (ack_ruri, me, ack_branch, frm, to, callid)).encode())
        return r, body

    def arg():
        nonlocal i
        if i >= len(steps):
            sys.exit("sip_tls: step %s needs an argument" % step)
        i += 1
        return steps[i - 1]

    i = 0
    while i < len(steps):
        step = steps[i]
        i += 1
        r = ""
        why = None  # the reason printed when the step fails; r's first line if None
        try:
            if step == "options":
                s.sendall(("OPTIONS sip:echo@%s:%d;transport=tls SIP/2.0\r\n"
                           "Via: SIP/2.0/TLS %s;rport;branch=z9hG4bK-o%d\r\n"
                           "From: <sip:probe@198.18.0.2>;tag=o\r\nTo: <sip:echo@%s>\r\n"
                           "Call-ID: opt%d@198.18.0.2\r\nCSeq: 1 OPTIONS\r\n"
                           "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
                           % (host, port, me, i, host, i)).encode())
                r = read_msg(5)
                ok = r.startswith("SIP/2.0 200")
            elif step == "ping":
                s.sendall(b"\r\n\r\n")
                time.sleep(0.3)
                ok = True
            elif step in ("call", "call-to"):
                sdp = ("v=0\r\no=- 1 1 IN IP4 198.18.1.2\r\ns=-\r\nc=IN IP4 198.18.1.2\r\n"
                       "t=0 0\r\nm=audio 6200 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n"
                       "a=ptime:20\r\n")
                r, _ = place_call(arg() if step == "call-to" else "echo", sdp)
                ok = r.startswith("SIP/2.0 200")
            elif step in ("call-savp", "call-savp-to"):
                key = base64.b64encode(os.urandom(30)).decode()
                sdp = ("v=0\r\no=- 1 1 IN IP4 198.18.1.2\r\ns=-\r\nc=IN IP4 198.18.1.2\r\n"
                       "t=0 0\r\nm=audio 6200 RTP/SAVP 8\r\na=rtpmap:8 PCMA/8000\r\n"
                       "a=ptime:20\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n" % key)
                r, body = place_call(arg() if step == "call-savp-to" else "echo", sdp)
                m = re.search(r"(?m)^m=audio[^\r\n]*", body)
                if m:
                    print(m.group(0))
                ok = r.startswith("SIP/2.0 200")
                if ok and not (m and " RTP/SAVP " in m.group(0)
                               and re.search(r"(?m)^a=crypto:", body)):
                    ok = False
                    why = "the answer is not RTP/SAVP with a=crypto: %s" % (
                        m.group(0) if m else "no m=audio line")
            elif step == "expect-info":
                secs, status = float(arg()), int(arg())
                r, body = read(secs)
                ok = r.startswith("INFO ")
                if ok:
                    s.sendall(answer(r, status))
                    line = one_line(body)
                    print("info %s %s" % (hdr(r, "Content-Type") or "-", line))
                    if os.environ.get("SIP_TLS_INFO_LOG"):
                        with open(os.environ["SIP_TLS_INFO_LOG"], "a") as f:
                            f.write(line + "\n")
                    # voxgate's side of the dialog: its tag in From, ours in To
                    if call and (hdr(r, "Call-ID") != call["callid"]
                                 or tag(hdr(r, "To")) != tag(call["from"])
                                 or tag(hdr(r, "From")) != tag(call["to"])):
                        ok = False
                        why = "the INFO is not in the call's dialog: Call-ID %s, From %s, To %s" % (
                            hdr(r, "Call-ID"), hdr(r, "From"), hdr(r, "To"))
            elif step == "bye":
                if not call:
                    sys.exit("sip_tls: bye without a call answered 200")
                call["cseq"] += 1
                s.sendall(("BYE %s SIP/2.0\r\n"
                           "Via: SIP/2.0/TLS %s;rport;branch=%s\r\n"
                           "From: %s\r\nTo: %s\r\n"
                           "Call-ID: %s\r\nCSeq: %d BYE\r\nMax-Forwards: 70\r\n"
                           "Content-Length: 0\r\n\r\n"
                           % (call["target"], me, branch("bye"), call["from"], call["to"],
                              call["callid"], call["cseq"])).encode())
                r = read_msg(5)
                while r.startswith("SIP/2.0 1"):
                    r = read_msg(5)
                ok = r.startswith("SIP/2.0 200") and hdr(r, "CSeq").split() == [
                    str(call["cseq"]), "BYE"]
                call = None
            elif step == "wait-bye":
                secs = float(arg())
                r = read_msg(secs)
                ok = r.startswith("BYE ")
                if ok:
                    s.sendall(answer(r, 200))
                    time.sleep(0.3)
            elif step == "no-msg":
                secs = float(arg())
                try:
                    r = read_msg(secs)
                    ok = False
                    why = "within %g s: %s" % (secs, r.splitlines()[0])
                except socket.timeout:
                    ok = True
            else:
                sys.exit("sip_tls: unknown step " + step)
        except socket.timeout as e:
            ok = False
            why = str(e)
        print("%s %s" % (step, "ok" if ok else "FAILED: " + (
            why if why is not None else (r.splitlines() or ["(nothing)"])[0])))
        sys.stdout.flush()
        if not ok:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
