#!/usr/bin/env python3
"""bench/fileclient.py - the file service's client for the benchmarks (bench/files.sh,
docs/BENCHMARKS.md (i) and (j)): one keep-alive HTTP connection per transfer
(http.client), so that the client is not what is measured.

  fileclient.py soap-up BASE TOKEN ROOM FILE
      uploads FILE through SOAP: RequestUniqueFilenameWithExtension, then AppendChunk
      in the largest chunks GetMaxRequestContentInKB allows; prints JSON
      {"ok": true, "seconds", "bytes", "name", "chunk_bytes", "client_cpu_s"}
  fileclient.py soap-down BASE TOKEN ROOM NAME SHA256
      downloads NAME through SOAP: GetFileSize, then DownloadChunk until the end;
      prints JSON {"ok": the bytes' sha256 is SHA256, "seconds", "bytes", "client_cpu_s"}
  fileclient.py load BASE TOKENS SIZES RATE
      uploads (PUT) with WORKERS connections at once, one upload after the other on
      each, each with the next token of the file TOKENS (one a line), of the sizes
      SIZES (bytes, comma-separated, in turn), each at most RATE bytes/s (0: as fast as
      it goes), until SIGTERM; then prints JSON {"upload_workers", "upload_done",
      "upload_failed", "upload_bytes" (sent, completed or not), "upload_seconds",
      "upload_mb_per_s", "upload_client_cpu_s"}.  Options: --workers N (50).

BASE is the service's URL with its path prefix (http://127.0.0.1:PORT/PersistentChat).
Times are wall-clock from the first request of the transfer to the last answer
(client_cpu_s: this process's CPU time meanwhile, to show the client is not what
limits); SOAP chunks are base64-encoded before and decoded after, and the bytes
checked after that.  MB = 1,000,000 bytes.
"""
import base64
import hashlib
import http.client
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.parse

HEAD = ('<?xml version="1.0" encoding="utf-8"?><soap:Envelope '
        'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        '<{op} xmlns="http://www.microsoft.com">')
TAIL = "</{op}></soap:Body></soap:Envelope>"
BLOCK = 1 << 16  # the PUT body is sent in blocks of this size (the rate limit's step)


class Soap:
    """SOAP 1.1 calls of MGCWebService.asmx over one connection."""

    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        self.path = u.path + "/MGCWebService.asmx"

    def call(self, op, params=b""):
        """The operation's result (bytes); a fault or another answer raises."""
        body = HEAD.format(op=op).encode() + params + TAIL.format(op=op).encode()
        self.conn.request("POST", self.path, body, {
            "Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"www.microsoft.com/{op}"'})
        r = self.conn.getresponse()
        data = r.read()
        start, end = f"<{op}Result>".encode(), f"</{op}Result>".encode()
        i, j = data.find(start), data.find(end)
        if r.status != 200 or i < 0 or j < 0:
            raise RuntimeError(f"{op}: HTTP {r.status}: {data[:300]!r}")
        return data[i + len(start):j]


def xml_params(**kv):
    return b"".join(f"<{k}>".encode() + (v if isinstance(v, bytes) else str(v).encode()) +
                    f"</{k}>".encode() for k, v in kv.items())


def soap_up(base, token, room, path):
    """The chunks are encoded before the clock starts (a client could encode the next
    while the last is in flight), so the time is the service's and the transport's."""
    data = open(path, "rb").read()
    s = Soap(base)
    kb = int(s.call("GetMaxRequestContentInKB"))
    # base64 of the chunk plus the envelope (well under 2 KiB) must fit the request
    step = (kb * 1024 - 2048) // 4 * 3
    chunks = [base64.b64encode(data[off:off + step]) for off in range(0, len(data), step)]
    t0, c0 = time.monotonic(), time.process_time()
    name = s.call("RequestUniqueFilenameWithExtension", xml_params(token=token, channelId=room))
    for off, chunk in zip(range(0, len(data), step), chunks):
        stored = int(s.call("AppendChunk", xml_params(
            token=token, channelId=room, uniqueFilename=name, fileChunk=chunk, offset=off,
            fileLength=len(data))))
        if stored != min(off + step, len(data)):
            raise RuntimeError(f"AppendChunk at {off}: {stored} bytes stored")
    secs, cpu = time.monotonic() - t0, time.process_time() - c0
    return {"ok": True, "seconds": secs, "bytes": len(data), "name": name.decode(), "chunk_bytes": step,
            "client_cpu_s": round(cpu, 3)}


def soap_down(base, token, room, name, sha):
    """The chunks are decoded after the clock stops (a client could decode one while
    the next is in flight); the next offset is the length the base64 text decodes to."""
    s = Soap(base)
    t0, c0 = time.monotonic(), time.process_time()
    size = int(s.call("GetFileSize", xml_params(token=token, channelId=room, reposFileName=name)))
    texts, got = [], 0
    while got < size:
        t = s.call("DownloadChunk", xml_params(
            token=token, channelId=room, reposFileName=name, offset=got, bufferSize=size - got))
        if not t:
            raise RuntimeError(f"DownloadChunk: nothing at {got} of {size}")
        texts.append(t)
        got += len(t) // 4 * 3 - t[-2:].count(b"=")
    secs, cpu = time.monotonic() - t0, time.process_time() - c0
    data = b"".join(base64.b64decode(t) for t in texts)
    return {"ok": len(data) == got and hashlib.sha256(data).hexdigest() == sha, "seconds": secs,
            "bytes": got, "client_cpu_s": round(cpu, 3)}


class Load:
    """Uploads one after the other on each of several connections (the load of (j))."""

    def __init__(self, base, tokens, sizes, rate):
        u = urllib.parse.urlsplit(base)
        self.host, self.port, self.path = u.hostname, u.port, u.path + "/files/"
        self.tokens, self.sizes, self.rate = iter(tokens), sizes, rate
        self.body = memoryview(os.urandom(max(sizes)))
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.done = self.failed = self.sent = self.next_size = 0

    def take(self):
        """The next token and size, or None when the tokens are used up."""
        with self.lock:
            t = next(self.tokens, None)
            size = self.sizes[self.next_size % len(self.sizes)]
            self.next_size += 1
            return (t, size) if t else None

    def upload(self, conn, token, size):
        conn.putrequest("PUT", self.path + token)
        conn.putheader("Content-Length", str(size))
        conn.endheaders()
        t0, off = time.monotonic(), 0
        while off < size and not self.stop.is_set():
            n = min(BLOCK, size - off)
            conn.send(self.body[off:off + n])
            off += n
            with self.lock:
                self.sent += n
            if self.rate:
                ahead = off / self.rate - (time.monotonic() - t0)
                if ahead > 0:
                    time.sleep(ahead)
        if off < size:
            return False
        r = conn.getresponse()
        r.read()
        return r.status == 201

    def worker(self):
        conn = None
        while not self.stop.is_set():
            job = self.take()
            if job is None:
                break
            try:
                conn = conn or http.client.HTTPConnection(self.host, self.port, timeout=120)
                ok = self.upload(conn, *job)
            except (OSError, http.client.HTTPException):
                ok, conn = False, None
            if self.stop.is_set():
                break
            with self.lock:
                self.done += ok
                self.failed += not ok

    def run(self, workers):
        t0, c0 = time.monotonic(), time.process_time()
        threads = [threading.Thread(target=self.worker, daemon=True) for _ in range(workers)]
        for t in threads:
            t.start()
        signal.signal(signal.SIGTERM, lambda *_: self.stop.set())
        while not self.stop.wait(0.2):
            if not any(t.is_alive() for t in threads):
                break
        secs = time.monotonic() - t0
        self.stop.set()
        return {"upload_workers": workers, "upload_done": self.done, "upload_failed": self.failed,
                "upload_bytes": self.sent, "upload_seconds": round(secs, 2),
                "upload_mb_per_s": round(self.sent / secs / 1e6, 1),
                "upload_client_cpu_s": round(time.process_time() - c0, 2)}


def main(argv):
    workers = 50
    if "--workers" in argv:
        i = argv.index("--workers")
        workers = int(argv[i + 1])
        del argv[i:i + 2]
    cmd, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if cmd == "soap-up" and len(args) == 4:
        out = soap_up(*args)
    elif cmd == "soap-down" and len(args) == 5:
        out = soap_down(*args)
    elif cmd == "load" and len(args) == 4:
        tokens = [t for t in open(args[1]).read().split() if re.fullmatch(r"[0-9a-f-]{36}", t)]
        sizes = [int(x) for x in args[2].split(",")]
        out = Load(args[0], tokens, sizes, float(args[3])).run(workers)
    else:
        sys.exit(__doc__)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
