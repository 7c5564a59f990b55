#!/usr/bin/env python3
"""Speaks the module socket's frames (common/pchat_frame.h) to pchatd directly, to
check how it bounds query connections.  usage: rawquery.py SOCKET CASE; prints one
line: what pchatd did.

  ok         QUERY "rooms": "RESULT <status>" then "closed"
  big        a QUERY over 4 KiB: "closed" with no RESULT
  two        two QUERY frames at once: "RESULT <status> closed" (the second is not read)
  after-hello  HELLO then QUERY on one connection (a module link): "closed"
"""
import socket
import struct
import sys

HELLO, QUERY, RESULT = 1, 5, 21


def frame(ftype, token, payload):
    return struct.pack(">IBBHIQ", 16 + len(payload), 1, ftype, 0, token, 0) + payload


def read_all(s):
    data = b""
    s.settimeout(5)
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data, "closed"
            data += chunk
    except socket.timeout:
        return data, "open"
    except ConnectionResetError:  # closed with our bytes unread
        return data, "closed"


def results(data):
    out = []
    while len(data) >= 20:
        n, _, ftype, _, _, _ = struct.unpack(">IBBHIQ", data[:20])
        if ftype == RESULT:
            out.append("RESULT " + data[20:23].decode())
        data = data[4 + n:]
    return out


def main():
    path, case = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    if case == "ok":
        s.sendall(frame(QUERY, 1, b"rooms\0"))
    elif case == "big":
        s.sendall(frame(QUERY, 1, b"sessions\0" + b"x" * 5000 + b"\0"))
    elif case == "two":
        s.sendall(frame(QUERY, 1, b"rooms\0") + frame(QUERY, 2, b"rooms\0"))
    elif case == "after-hello":
        s.sendall(frame(HELLO, 0, b"rawquery") + frame(QUERY, 1, b"rooms\0"))
    data, state = read_all(s)
    print(" ".join(results(data) + [state]))


if __name__ == "__main__":
    main()
