#!/usr/bin/python3
"""Fault-injecting HTTP server for the modelzoo cache tests (127.0.0.1 only).

usage: fault_server.py PAYLOAD_FILE

Prints its port on stdout once it listens. Serves PAYLOAD_FILE at any path
/<flag>/<flag>/.../<name>; the flags choose the fault:

  ok            normal, with Range support (206)
  trunc-cl      Content-Length of the whole file, half the body, then close
  trunc-nocl    no Content-Length, half the body, then close
  reset         half the body, then a TCP reset
  trunc-once    like trunc-cl for the first request to this path, then ok
  reset-once    like reset for the first request to this path, then ok
  norange       ignore Range headers (always 200 with the whole file)
  r416          answer 416 to every Range request
  fail-N-CODE   the first N requests to this path get HTTP CODE
                (429 and 503 carry "Retry-After: 1")
  retry-after-V with fail-N-CODE: "Retry-After: V" instead
  status-CODE   always HTTP CODE
  html          200 with Content-Type text/html and a login page
  wrong         the payload with one byte changed
  slow-MS       wait MS milliseconds before the status line
  drip-MS       send the body in 64 KiB pieces, MS milliseconds apart
  redirect-away 302 to http://weights.example.invalid/<name> (plain http, not loopback)
  redirect-here 302 to http://127.0.0.1:PORT/ok/<name> (plain http, loopback)
  endless       200 without Content-Length, the payload over and over until
                the client goes away

GET /__log returns [{"path":..., "range":...}, ...] of all other requests.
"""
import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAYLOAD = open(sys.argv[1], "rb").read()
LOG = []
COUNTS = {}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/__log":
            with LOCK:
                body = json.dumps(LOG).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        rng = self.headers.get("Range")
        with LOCK:
            LOG.append({"path": self.path, "range": rng})
            COUNTS[self.path] = COUNTS.get(self.path, 0) + 1
            nth = COUNTS[self.path]
        flags = self.path.strip("/").split("/")[:-1]
        payload = PAYLOAD
        for f in flags:
            if f.startswith("slow-"):
                time.sleep(int(f[5:]) / 1000.0)
        for f in flags:
            code = None
            if f.startswith("status-"):
                code = int(f[7:])
            elif f.startswith("fail-"):
                _, n, c = f.split("-")
                if nth <= int(n):
                    code = int(c)
            if code is not None:
                body = b"error %d\n" % code
                self.send_response(code)
                if code in (429, 503):
                    after = [f[12:] for f in flags if f.startswith("retry-after-")]
                    self.send_header("Retry-After", after[0] if after else "1")
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
        name = self.path.strip("/").split("/")[-1]
        for f, target in (("redirect-away", "http://weights.example.invalid/%s" % name),
                          ("redirect-here", "http://127.0.0.1:%d/ok/%s" % (self.server.server_address[1], name))):
            if f in flags:
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        if "html" in flags:
            body = b"<!DOCTYPE html><html><body>Please log in</body></html>\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if "endless" in flags:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            try:
                while True:
                    self.wfile.write(payload)
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return
        if "wrong" in flags:
            mid = len(payload) // 2
            payload = payload[:mid] + bytes([payload[mid] ^ 0xFF]) + payload[mid + 1:]

        start = 0
        if rng and "norange" not in flags:
            if "r416" in flags:
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(payload))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(payload):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(payload))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(payload) - 1, len(payload)))
        else:
            self.send_response(200)
        body = payload[start:]
        self.send_header("Content-Type", "application/octet-stream")
        truncate = "trunc-cl" in flags or "trunc-nocl" in flags or "reset" in flags or \
            (nth == 1 and ("trunc-once" in flags or "reset-once" in flags))
        if "trunc-nocl" not in flags:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        drip = [int(f[5:]) for f in flags if f.startswith("drip-")]
        if drip and not truncate:
            for i in range(0, len(body), 65536):
                self.wfile.write(body[i:i + 65536])
                self.wfile.flush()
                time.sleep(drip[0] / 1000.0)
            return
        if not truncate:
            self.wfile.write(body)
            return
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        if "reset" in flags or "reset-once" in flags:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # resets and closed sockets are intentional


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
