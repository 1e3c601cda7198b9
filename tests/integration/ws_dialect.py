#!/usr/bin/python3
"""ws_dialect.py: test bots that speak Telnyx, Plivo, Exotel and Vonage as Pipecat's
serializers do (what they send, what they read), and the checks of what they saw.

  ws_dialect.py serve --port P --dialect D --log PREFIX
      listen on 0.0.0.0:P for voxgate; the script is the URL's last path element.
      One line of JSON per event to PREFIX-SCRIPT, each with "t" (wall clock, s):
      "got" (a text message from voxgate), "binary" (its length), "detected" (what
      Pipecat's runner makes of the first two text messages), "did" (what the bot
      did). The caller's audio as the bot decoded it (PCM16 at the dialect's rate)
      goes to PREFIX-SCRIPT.pcm. Scripts:
        talk: 0.5 s after the start, audio A (2 s of tones) at twice real time in
              40 ms messages (as Pipecat sends), then mark a (Telnyx and Exotel
              "mark", Plivo "checkpoint", Vonage "notify"); 3.5 s after the start
              audio B (3 s) and mark b, and 0.5 s later the dialect's clear
        keys: only listen
        bye:  0.5 s after the start send 1 s of audio A at once, then close the
              socket (how Pipecat ends a call when it has no REST API to call)
  ws_dialect.py check FILE --dialect D --pcap PCAP --caller-audio RAW --from N
      what the talk script saw and what the caller heard ("ok - ..." lines)
  ws_dialect.py keys FILE --dialect D
      prints the key presses the bot got, space-separated

Needs Debian's python3-websockets; audio A and B are ws_bot.py's.
"""
import argparse
import asyncio
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
import audioop  # noqa: E402 (Debian 12's python3 is 3.11, which has it)
import base64  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ws_bot import Checks, audio_a, audio_b, to_caller  # noqa: E402

RATE = {"telnyx": 8000, "plivo": 8000, "exotel": 8000, "vonage": 16000}


def detect(m):
    """Pipecat's runner (runner/utils.py, _detect_transport_type_from_message), in its
    order: the provider a start message is taken for, or None."""
    if not isinstance(m, dict):
        return None
    st = m.get("start") if isinstance(m.get("start"), dict) else {}
    if m.get("event") == "start" and "streamSid" in st and "callSid" in st:
        return "twilio"
    if "stream_id" in m and "start" in m and "call_control_id" in st:
        return "telnyx"
    if "start" in m and "streamId" in st and "callId" in st:
        return "plivo"
    if m.get("event") == "start" and all(k in st for k in ("stream_sid", "call_sid",
                                                           "account_sid")):
        return "exotel"
    return None


def pcm_at(dialect, ulaw):
    """Mu-law test audio as PCM16 at the dialect's rate."""
    pcm = audioop.ulaw2lin(ulaw, 2)
    if RATE[dialect] != 8000:
        pcm = audioop.ratecv(pcm, 2, 1, 8000, RATE[dialect], None)[0]
    return pcm


class Bot:
    """One call: what the dialect's serializer sends and reads."""

    def __init__(self, ws, dialect, note):
        self.ws, self.d, self.note = ws, dialect, note
        self.sid = None

    async def audio(self, ulaw, pace):
        """ulaw in 40 ms messages, every 20 ms (pace) or at once."""
        if self.d == "vonage":
            pcm, step = pcm_at("vonage", ulaw), 1280
            chunks = [pcm[i:i + step] for i in range(0, len(pcm), step)]
        elif self.d == "exotel":
            pcm = audioop.ulaw2lin(ulaw, 2)
            chunks = [pcm[i:i + 640] for i in range(0, len(pcm), 640)]
        else:
            chunks = [ulaw[i:i + 320] for i in range(0, len(ulaw), 320)]
        for c in chunks:
            await self.ws.send(self.media(c))
            if pace:
                await asyncio.sleep(0.02)

    def media(self, c):
        b64 = base64.b64encode(c).decode()
        if self.d == "telnyx":  # TelnyxFrameSerializer: no stream_id
            return json.dumps({"event": "media", "media": {"payload": b64}})
        if self.d == "plivo":
            return json.dumps({"event": "playAudio", "media": {
                "contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": b64},
                "streamId": self.sid})
        if self.d == "exotel":
            return json.dumps({"event": "media", "stream_sid": self.sid,
                               "media": {"payload": b64}})
        return c  # vonage: binary

    async def mark(self, name):
        m = {"telnyx": {"event": "mark", "mark": {"name": name}},
             "plivo": {"event": "checkpoint", "streamId": self.sid, "name": name},
             "exotel": {"event": "mark", "stream_sid": self.sid, "mark": {"name": name}},
             "vonage": {"action": "notify", "payload": {"mark": name}}}[self.d]
        await self.ws.send(json.dumps(m))
        self.note(did="mark", name=name)

    async def clear(self):
        m = {"telnyx": {"event": "clear"},
             "plivo": {"event": "clearAudio", "streamId": self.sid},
             "exotel": {"event": "clear", "stream_sid": self.sid},
             "vonage": {"action": "clear"}}[self.d]
        await self.ws.send(json.dumps(m))
        self.note(did="clear")

    async def talk(self):
        await asyncio.sleep(0.5)
        self.note(did="play", audio="a")
        await self.audio(audio_a(), True)
        await self.mark("a")
        await asyncio.sleep(1.5)  # audio a took about 1 s to send, and plays 2 s
        self.note(did="play", audio="b")
        task = asyncio.ensure_future(self.audio(audio_b(), True))
        await asyncio.sleep(0.6)
        task.cancel()
        await self.mark("b")
        await self.clear()

    async def bye(self):
        await asyncio.sleep(0.5)
        await self.audio(audio_a()[:8000], False)
        self.note(did="close")
        await self.ws.close()


async def serve(a):
    import websockets

    def logger(path):
        log = open(path, "a", buffering=1)

        def note(**kv):
            kv["t"] = time.time()
            log.write(json.dumps(kv) + "\n")
        return note

    async def handler(ws, path=None):
        path = path or getattr(ws, "path", "") or ws.request.path
        script = path.rstrip("/").rsplit("/", 1)[-1]
        note = logger("%s-%s" % (a.log, script))
        pcm_out = open("%s-%s.pcm" % (a.log, script), "wb")
        bot, first, task = Bot(ws, a.dialect, note), [], None
        async for msg in ws:
            if isinstance(msg, bytes):
                note(binary=len(msg))
                if len(first) < 2 and a.dialect != "vonage":
                    note(detected=None, why="binary among the first two messages")
                pcm_out.write(msg)
                continue
            try:
                m = json.loads(msg)
            except ValueError:
                note(bad=msg[:200])
                continue
            note(got=m)
            if len(first) < 2:  # the runner reads two text messages, then detects
                first.append(m)
                if len(first) == 2 or a.dialect in ("plivo", "vonage"):
                    note(detected=detect(first[0]) or
                         (detect(first[1]) if len(first) > 1 else None))
            ev = m.get("event")
            if ev == "start" or ev == "websocket:connected":
                st = m.get("start", {})
                bot.sid = (m.get("stream_id") or st.get("streamId") or
                           m.get("stream_sid"))
                if script in ("talk", "bye"):
                    task = asyncio.ensure_future(getattr(bot, script)())
            elif ev == "media":
                payload = base64.b64decode(m["media"]["payload"])
                pcm_out.write(payload if a.dialect == "exotel"
                              else audioop.ulaw2lin(payload, 2))
        if task:
            task.cancel()
        pcm_out.close()

    async with websockets.serve(handler, "0.0.0.0", a.port, max_size=2 ** 22):
        logger(a.log)(did="listen", port=a.port)
        await asyncio.Future()


def align(ref, heard):
    """Best correlation of ref in heard (PCM16 bytes at 8 kHz) at any sample (the
    resamplers' delay is not a whole frame). Returns (corr, sample)."""
    r = struct.unpack("<%dh" % (len(ref) // 2), ref)
    x = struct.unpack("<%dh" % (len(heard) // 2), heard)
    if len(x) < len(r):
        return 0.0, 0
    # where, by least squares (C, quick) on 1.3 s of it at most, longer than the
    # tones' cycle of 1.25 s (ws_bot.tones); then the best positive correlation
    # within a period of the lowest tone (a pure tone also fits upside down, or a
    # period away, where a fraction of a sample of delay makes it fit better)
    at, _ = audioop.findfit(heard, ref[:20800])
    rr = math.sqrt(sum(v * v for v in r)) or 1

    def corr(lag):
        seg = x[lag:lag + len(r)]
        return sum(p * q for p, q in zip(r, seg)) / (rr * (math.sqrt(sum(q * q for q in seg))
                                                           or 1))
    return max((corr(lag), lag) for lag in range(max(0, at - 24),
                                                 min(len(x) - len(r), at + 24) + 1))


def loud(p):
    return max(abs(v) for v in struct.unpack("<160h", audioop.alaw2lin(p[12:], 2))) > 500


def check(a):
    d = a.dialect
    ev = [json.loads(line) for line in open(a.log)]
    got = [e["got"] for e in ev if "got" in e]
    did = {(e["did"], e.get("name") or e.get("audio")): e["t"] for e in ev if "did" in e}
    ok = Checks()

    det = [e["detected"] for e in ev if "detected" in e]
    if d == "vonage":
        first = got[0] if got else {}
        ok(first.get("event") == "websocket:connected" and
           first.get("content-type") == "audio/l16;rate=16000" and
           first.get("from_number") == a.from_number,
           "vonage: the first message is websocket:connected, audio/l16;rate=16000, the "
           "call context beside: %s" % json.dumps(first)[:200])
    else:
        ok(det[:1] == [d], "Pipecat's runner would take the call for %s: %s" % (d, det[:1]))
    st = next((m for m in got if m.get("event") == "start"), {})
    s = st.get("start", {})
    if d == "telnyx":
        ok(st.get("stream_id") and s.get("call_control_id", "").startswith("v3:") and
           s.get("media_format") == {"encoding": "PCMU", "sample_rate": 8000, "channels": 1}
           and s.get("from") == a.from_number and
           s.get("custom_parameters", {}).get("from_number") == a.from_number,
           "telnyx: start has stream_id, call_control_id, from, custom_parameters and "
           "media_format PCMU: %s" % json.dumps(st)[:300])
    elif d == "plivo":
        ok(st.get("sequenceNumber") == 1 and s.get("streamId") and s.get("callId") and
           s.get("mediaFormat") == {"encoding": "audio/x-mulaw", "sampleRate": 8000} and
           "from_number=%s" % a.from_number in st.get("extra_headers", "").split(";"),
           "plivo: start first, with streamId, callId, mediaFormat mu-law and the call "
           "context in extra_headers: %s" % json.dumps(st)[:300])
    elif d == "exotel":
        ok(got[:1] == [{"event": "connected"}] and st.get("stream_sid") == s.get("stream_sid")
           and s.get("call_sid") and s.get("account_sid") and s.get("from") == a.from_number
           and s.get("custom_parameters", {}).get("from_number") == a.from_number and
           s.get("media_format") == {"encoding": "audio/x-raw", "sample_rate": "8000",
                                     "bit_rate": "16"},
           "exotel: connected, then start with stream_sid, call_sid, account_sid, from, "
           "custom_parameters and media_format slin 8 kHz: %s" % json.dumps(st)[:300])
    # the sequence numbers count up without a gap
    key = {"telnyx": "sequence_number", "plivo": "sequenceNumber",
           "exotel": "sequence_number"}.get(d)
    if key:
        seqs = [int(m[key]) for m in got if key in m]
        ok(len(seqs) > 100 and seqs == list(range(1, len(seqs) + 1)),
           "%s counts up from 1 without a gap (%d messages)" % (key, len(seqs)))
    media = [m for m in got if m.get("event") == "media"]
    sizes = ({e["binary"] for e in ev if "binary" in e} if d == "vonage" else
             {len(base64.b64decode(m["media"]["payload"])) for m in media})
    want = {"telnyx": 160, "plivo": 160, "exotel": 320, "vonage": 640}[d]
    ok(sizes == {want}, "each message of the caller's audio is 20 ms: %s bytes" % sorted(sizes))

    # the caller's audio, as the bot decoded it, against what the caller sent
    said = audioop.alaw2lin(open(a.caller_audio, "rb").read(), 2)
    heard = open(a.log + ".pcm", "rb").read()
    if RATE[d] != 8000:
        heard = audioop.ratecv(heard, 2, 1, RATE[d], 8000, None)[0]
    c, _ = align(said[16000:32000], heard)  # its second second
    ok(c > (0.98 if RATE[d] != 8000 else 0.99),
       "the caller's audio reached the bot intact: correlation %.4f" % c)

    # what the caller heard: audio a whole, the first 400 ms of b, at 20 ms pace
    pkts = to_caller(a.pcap)
    times = [t for t, _ in pkts]
    pcm = b"".join(audioop.alaw2lin(p[12:], 2) for _, p in pkts)
    span_a = []
    for name, audio, n in (("a", audio_a(), 16000), ("b", audio_b(), 3200)):
        ref = audioop.ulaw2lin(audio, 2)[:2 * n]
        c, first = align(ref, pcm)
        span = times[first // 160:first // 160 + n // 160]
        steps = [y - x for x, y in zip(span, span[1:])]
        # through 16 kHz (the bot's linear up-sampling, voxgate's speexdsp down) the
        # tones come out a fraction of a sample late, which costs a tone of 1.1 kHz
        # up to a tenth of its correlation at whole samples
        ok(c > (0.9 if RATE[d] != 8000 else 0.99) and steps and
           max(abs(x - 0.02) for x in steps) < 0.008,
           "audio %s reached the caller intact (%.4f) at 20 ms pace (steps %.1f-%.1f ms)" %
           (name, c, 1000 * min(steps or [0]), 1000 * max(steps or [0])))
        if name == "a":
            span_a = span
    back = [(m.get("mark", {}).get("name") or m.get("name") or
             m.get("payload", {}).get("mark"), e["t"])
            for e, m in ((e, e["got"]) for e in ev if "got" in e)
            if m.get("event") in ("mark", "playedStream", "websocket:notify")]
    ok([n for n, _ in back] == ["a", "b"], "marks came back in order: %s" %
       [n for n, _ in back])
    ma = dict(back).get("a", 0)
    ok(span_a and abs(ma - span_a[-1]) < 0.06, "mark a came back when the caller had heard "
       "audio a (%.0f ms after its last packet)" % (1000 * (ma - (span_a or [0])[-1])))
    clear_t = did.get(("clear", None), 0)
    last_b = max((t for t, p in pkts if clear_t - 1 < t < clear_t + 1 and loud(p)), default=0)
    ok(clear_t and last_b - clear_t < 0.025,
       "after clear the caller hears b stop within 20 ms (last loud packet %.1f ms after)" %
       (1000 * (last_b - clear_t)))
    ack = {"plivo": "clearedAudio", "vonage": "websocket:cleared"}.get(d)
    if ack:
        ok(any(m.get("event") == ack for m in got), "the clear was answered %s" % ack)
    last = got[-1] if got else {}
    if d in ("telnyx", "exotel"):
        ok(last.get("event") == "stop", "the call's end came as stop: %s" %
           json.dumps(last)[:200])
    else:
        ok(last.get("event") != "stop", "%s has no stop: the socket closed" % d)
    return ok.rc()


def keys(a):
    ev = [json.loads(line) for line in open(a.log)]
    out = []
    for m in (e["got"] for e in ev if "got" in e):
        if m.get("event") == "dtmf":
            out.append(m["dtmf"]["digit"])
        elif m.get("event") == "websocket:dtmf":
            out.append(m["digit"])
    print(" ".join(out))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("serve")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dialect", choices=sorted(RATE), required=True)
    p.add_argument("--log", required=True)
    p = sub.add_parser("check")
    p.add_argument("log")
    p.add_argument("--dialect", choices=sorted(RATE), required=True)
    p.add_argument("--pcap", required=True)
    p.add_argument("--caller-audio", required=True)
    p.add_argument("--from", dest="from_number", required=True)
    p = sub.add_parser("keys")
    p.add_argument("log")
    p.add_argument("--dialect", choices=sorted(RATE), required=True)
    a = ap.parse_args()
    if a.cmd == "serve":
        asyncio.run(serve(a))
        return 0
    return check(a) if a.cmd == "check" else keys(a)


if __name__ == "__main__":
    sys.exit(main())
