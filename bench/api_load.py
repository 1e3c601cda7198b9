#!/usr/bin/env python3
"""api_load.py: place calls through voxgate's HTTP API at a steady rate.

  api_load.py URL --rate R --calls N [--conns C] [--to-base NUMBER]

POSTs N Twilio-shaped new calls (To = to-base + i, From, Twiml with <Connect><Stream
url="agent:echo">) to URL (.../Accounts/{sid}/Calls.json) at R a second, spread over
C keep-alive connections (threads), each request sent at its due time. Prints one
JSON line: requests sent, answers by HTTP status, the seconds it took, the rate
reached, and the answer time (request sent -> answer read) p50/p99 in ms.
Standard library only.
"""
import argparse
import http.client
import json
import sys
import threading
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--calls", type=int, required=True)
    ap.add_argument("--conns", type=int, default=8)
    ap.add_argument("--to-base", type=int, default=15550000000)
    a = ap.parse_args()
    u = urllib.parse.urlsplit(a.url)
    twiml = '<Response><Connect><Stream url="agent:echo"/></Connect></Response>'
    lock = threading.Lock()
    codes, times = {}, []
    start = time.monotonic() + 0.2

    def worker(k):
        conn = None
        for i in range(k, a.calls, a.conns):
            due = start + i / a.rate
            while True:
                left = due - time.monotonic()
                if left <= 0:
                    break
                time.sleep(min(left, 0.05))
            body = urllib.parse.urlencode({"To": "+%d" % (a.to_base + i), "From": "+15550001",
                                           "Twiml": twiml})
            t0 = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
                conn.request("POST", u.path, body,
                             {"Content-Type": "application/x-www-form-urlencoded"})
                r = conn.getresponse()
                r.read()
                code = r.status
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                code = 0  # no answer
                if conn:
                    conn.close()
                conn = None
            t1 = time.monotonic()
            with lock:
                codes[code] = codes.get(code, 0) + 1
                times.append(t1 - t0)
        if conn:
            conn.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(a.conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - start
    times.sort()
    print(json.dumps({
        "sent": a.calls, "codes": {str(k): v for k, v in sorted(codes.items())},
        "seconds": round(took, 2), "rate": round(a.calls / took, 1),
        "answer_ms_p50": round(1000 * times[len(times) // 2], 1),
        "answer_ms_p99": round(1000 * times[int(len(times) * 0.99)], 1)}))
    return 0 if codes.get(201, 0) == a.calls else 1


if __name__ == "__main__":
    sys.exit(main())
