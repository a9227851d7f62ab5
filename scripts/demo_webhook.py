#!/usr/bin/env python3
"""The demo's on-call webhook: accepts PagerDuty Events v2 POSTs and appends them, one JSON per
line, to the file named on the command line. Usage: demo_webhook.py PORT FILE"""
import http.server
import sys

port, path = int(sys.argv[1]), sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(path, "ab") as f:
            f.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status":"success"}')

    def do_GET(self):  # Readiness for the demo script.
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
