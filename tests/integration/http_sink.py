#!/usr/bin/env python3
"""http_sink.py: an HTTP/1.1 server that records every request, for the tests of the
notification a bot's end sends to a platform over HTTP (Ameyo style, seed 001).

  http_sink.py --addr 198.18.0.2 --port 8090 --log FILE [--status 200[,500,...]]
               [--delay-ms N]

Run in the caller namespace. Every request, whatever its method and path, is appended
to FILE as one JSON line, flushed at once:
  {"t": epoch seconds, "method": ..., "path": ..., "headers": {name: value},
   "body": text}
header names and values as they came (a name sent twice: its values joined with ", "),
the body as UTF-8 text (chunked bodies put together). Then, after N ms if --delay-ms
is given, the request is answered with the next status of the --status list (the last
one repeats; 200 by default) and the body {} as application/json. Prints "listening"
once the socket is bound; stops on SIGTERM.
"""
import argparse
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    ap = argparse.ArgumentParser(description="HTTP server that logs every request")
    ap.add_argument("--addr", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--status", default="200",
                    help="comma-separated statuses, one per request; the last repeats")
    ap.add_argument("--delay-ms", type=int, default=0)
    a = ap.parse_args()
    statuses = [int(x) for x in a.status.split(",")]
    log = open(a.log, "a")
    lock = threading.Lock()
    served = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, and 100 Continue when asked

        def __getattr__(self, name):  # do_GET, do_POST, ...: any method
            if name.startswith("do_"):
                return self.any_method
            raise AttributeError(name)

        def read_body(self):
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                body = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline().strip():  # trailers
                            pass
                        return body
                    body += self.rfile.read(size)
                    self.rfile.readline()  # the CRLF after the chunk
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def any_method(self):
            body = self.read_body()
            headers = {}
            for name, value in self.headers.items():
                headers[name] = headers[name] + ", " + value if name in headers else value
            with lock:
                log.write(json.dumps({"t": time.time(), "method": self.command,
                                      "path": self.path, "headers": headers,
                                      "body": body.decode("utf-8", "replace")}) + "\n")
                log.flush()
                status = statuses[min(served[0], len(statuses) - 1)]
                served[0] += 1
            if a.delay_ms:
                time.sleep(a.delay_ms / 1000)
            reply = b"{}" if status >= 200 and status not in (204, 304) else b""
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(reply)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                self.close_connection = True

        def log_message(self, *args):  # the log file says it all
            pass

    server = ThreadingHTTPServer((a.addr, a.port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("listening", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        log.close()


if __name__ == "__main__":
    main()
