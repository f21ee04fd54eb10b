#!/usr/bin/env python3
"""A stand-in for hhplus-server, for testing ./stage before (or without) the real binary.

Used ONLY when HHPLUS_SERVER_BIN points at this file. It reads the same environment variables
as the real server, creates the schema (migrations/0001_init.sql under a named DB lock, as the
real server does) and the seed coupon, and answers:
  GET /health        200 {"status":"ok"}
  GET /health/ready  200 when MariaDB and every Redis accept a connection, else 503
  GET /metrics       hhplus_http_requests_total{route,method,status} in Prometheus text format
  anything else      200 (GET) / 201 (other methods) {"instance":..., "method":..., "path":...}
Every response carries X-Instance (INSTANCE_NAME) and X-Request-Id (echoed or generated).
SIGTERM: stops listening, finishes in-flight requests, exits 0.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

STRATEGIES = ("pubsub", "polling", "none")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def fail(message):
    print(f"fake-app: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


def env_int(name, default, low, high):
    text = os.environ.get(name, str(default))
    if not re.fullmatch(r"[0-9]+", text) or not low <= int(text) <= high:
        fail(f"{name}: expected an integer {low}..{high}, got '{text}'")
    return int(text)


if "--help" in sys.argv:
    print("fake hhplus-server (tests/e2e/stage/fake_app.py)\n"
          "  COUPON_STRATEGY  pubsub|polling|none\n  PORT, BIND_ADDRESS, INSTANCE_NAME, DATABASE_URL, "
          "REDIS_SESSION_URL, REDIS_CACHE_URL, REDIS_LOCK_URLS, SEED_COUPON_QUANTITY")
    sys.exit(0)

PORT = env_int("PORT", 3000, 1, 65535)
BIND = os.environ.get("BIND_ADDRESS", "127.0.0.1")
INSTANCE = os.environ.get("INSTANCE_NAME", f"{socket.gethostname()}:{PORT}")
STRATEGY = os.environ.get("COUPON_STRATEGY", "none")
if STRATEGY not in STRATEGIES:
    fail(f"COUPON_STRATEGY: expected pubsub, polling or none, got '{STRATEGY}'")
SEED_QUANTITY = env_int("SEED_COUPON_QUANTITY", 100, 1, 10_000_000)
DB = urlparse(os.environ.get("DATABASE_URL", "mysql://hhplus:hhplus@127.0.0.1:3110/hhplus"))
REDIS = [urlparse(u) for u in [os.environ.get("REDIS_SESSION_URL", "redis://127.0.0.1:3100"),
                               os.environ.get("REDIS_CACHE_URL", "redis://127.0.0.1:3101")]
         + os.environ.get("REDIS_LOCK_URLS", "redis://127.0.0.1:3102").split(",")]

counters = {}
counters_lock = threading.Lock()


def mysql(sql):
    return subprocess.run(
        ["mariadb", "--no-defaults", "-h", DB.hostname, "-P", str(DB.port or 3306),
         "-u", DB.username, f"-p{DB.password}", DB.path.lstrip("/"), "-N", "-e", sql],
        capture_output=True, text=True, timeout=60)


def migrate():
    with open(os.path.join(REPO, "migrations", "0001_init.sql"), encoding="utf-8") as f:
        schema = f.read().replace("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ")
    seed = (f"INSERT INTO coupons (id, name, discount_rate, total_quantity, expired_at) "
            f"SELECT 1, 'TESTCOUPON', 15, {SEED_QUANTITY}, '2029-12-31 23:59:59' FROM DUAL "
            f"WHERE NOT EXISTS (SELECT 1 FROM coupons);")
    done = mysql("SELECT GET_LOCK('hhplus_migrations', 60);" + schema + seed
                 + "SELECT RELEASE_LOCK('hhplus_migrations');")
    if done.returncode != 0:
        fail(f"migration failed: {done.stderr.strip()}")


def reachable(url):
    try:
        with socket.create_connection((url.hostname, url.port), timeout=0.5):
            return True
    except OSError:
        return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def respond(self, status, body, content_type="application/json; charset=utf-8", route=None):
        data = body.encode()
        rid = self.headers.get("X-Request-Id") or uuid.uuid4().hex
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Instance", INSTANCE)
        self.send_header("X-Request-Id", rid)
        self.end_headers()
        self.wfile.write(data)
        key = (route or self.path.split("?")[0], self.command, str(status))
        with counters_lock:
            counters[key] = counters.get(key, 0) + 1

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        path = self.path.split("?")[0]
        if path == "/health":
            self.respond(200, '{"status":"ok"}')
        elif path == "/health/ready":
            up = reachable(DB) and all(reachable(u) for u in REDIS)
            self.respond(200 if up else 503, '{"status":"ready"}' if up else '{"status":"not ready"}')
        elif path == "/metrics":
            with counters_lock:
                lines = [f'hhplus_http_requests_total{{route="{r}",method="{m}",status="{s}"}} {n}'
                         for (r, m, s), n in sorted(counters.items())]
            text = "# TYPE hhplus_http_requests_total counter\n" + "\n".join(lines) + "\n"
            self.respond(200, text, "text/plain; version=0.0.4")
        else:
            body = json.dumps({"instance": INSTANCE, "method": self.command, "path": path,
                               "strategy": STRATEGY})
            self.respond(200 if self.command == "GET" else 201, body, route="/api/fake")

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = handle_any


def main():
    migrate()
    server = ThreadingHTTPServer((BIND, PORT), Handler)
    server.daemon_threads = True

    def on_term(signo, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    print(f"fake-app: {INSTANCE} listening on {BIND}:{PORT} (strategy {STRATEGY})", file=sys.stderr, flush=True)
    server.serve_forever(poll_interval=0.1)
    server.server_close()
    print(f"fake-app: {INSTANCE} stopped", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
