#!/usr/bin/env python3
"""ng_calls.py: set up N calls in rtpengine over its NG protocol, for bench/run.sh.

  ng_calls.py N NG_PORT > PORTS

Each call: side A offers PCMU from 127.0.0.1:20000; rtpengine is told to mask PCMU
and transcode to PCMA towards side B (codec mask/transcode), so every packet is
decoded and encoded again, as voxgate does; side B answers PCMA at 127.0.0.1:20002.
Prints, one line per call, the rtpengine port side A must send to. Standard library
only; bencode written here (the NG protocol is bencoded dictionaries over UDP).
"""
import socket
import sys


def benc(x):
    if isinstance(x, int):
        return b"i%de" % x
    if isinstance(x, str):
        x = x.encode()
    if isinstance(x, bytes):
        return b"%d:%s" % (len(x), x)
    if isinstance(x, list):
        return b"l" + b"".join(benc(i) for i in x) + b"e"
    if isinstance(x, dict):
        return b"d" + b"".join(benc(k) + benc(v) for k, v in sorted(x.items())) + b"e"
    raise TypeError(x)


def sdp(port, pt, name):
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP %d\r\na=rtpmap:%d %s/8000\r\na=ptime:20\r\n"
            % (port, pt, pt, name))


def main():
    n, ng = int(sys.argv[1]), int(sys.argv[2])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    cookie = 0

    def call(d):
        nonlocal cookie
        cookie += 1
        c = b"c%d " % cookie
        s.sendto(c + benc(d), ("127.0.0.1", ng))
        r = s.recv(65536)
        if not r.startswith(c) or b"6:result2:ok" not in r:
            sys.exit("ng_calls: rtpengine said: %r" % r[:300])
        return r.decode(errors="replace")

    for i in range(n):
        cid = "bench-%d" % i
        call({"command": "offer", "call-id": cid, "from-tag": "a%d" % i,
              "sdp": sdp(20000, 0, "PCMU"), "replace": ["origin"],
              "codec": {"mask": ["PCMU"], "transcode": ["PCMA"]}})
        r = call({"command": "answer", "call-id": cid, "from-tag": "a%d" % i,
                  "to-tag": "b%d" % i, "sdp": sdp(20002, 8, "PCMA"), "replace": ["origin"]})
        port = int(r.split("m=audio ")[1].split()[0])
        print(port)


if __name__ == "__main__":
    main()
