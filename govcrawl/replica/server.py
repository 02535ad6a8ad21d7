"""HTTP server of the offline portal replica.

Answers both as an HTTP proxy (absolute-form request URIs) and by ``Host`` header
(origin-form). http:// only: ``CONNECT`` is refused with 501.
"""
from __future__ import annotations

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .sites import Request, build_replica, finalize, load_extra_specs, spec_key, text_response

EXTRA_ENV = "GOVCRAWL_REPLICA_EXTRA"


def _make_handler(replica, log: list, lock: threading.Lock):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "nginx"
        sys_version = ""

        def log_message(self, fmt, *args):  # quiet
            pass

        def _send(self, status: int, headers: list, body: bytes, head_only=False):
            self.send_response_only(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if not head_only and body and status not in (204, 304):
                self.wfile.write(body)

        def _target(self):
            raw = self.path
            if raw.lower().startswith(("http://", "https://")):
                u = urlsplit(raw)
                host = (u.hostname or "").lower()
                target = (u.path or "/") + (f"?{u.query}" if u.query else "")
            else:
                host = (self.headers.get("Host") or "").strip().lower()
                if host.startswith("["):
                    host = host.split("]")[0] + "]"
                else:
                    host = host.split(":")[0]
                target = raw if raw.startswith("/") else "/" + raw
            return host, target

        def _handle(self):
            host, target = self._target()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            req = Request(self.command, host, target, {k.lower(): v for k, v in self.headers.items()}, body)
            with lock:
                log.append((self.command, req.url))
            resp = replica.respond(req)
            status, headers, payload = finalize(resp, req, replica)
            self._send(status, headers, payload, head_only=self.command == "HEAD")

        do_GET = do_POST = do_HEAD = _handle

        def do_CONNECT(self):
            with lock:
                log.append(("CONNECT", self.path))
            r = text_response(501, "replica: CONNECT not supported, the replica serves http:// only\n")
            self.close_connection = True
            self._send(501, [("Server", "nginx"), ("Content-Type", r.content_type)], r.body)

    return Handler


def extra_specs_from_env() -> list:
    """Held-out portal specs named by GOVCRAWL_REPLICA_EXTRA (files separated by os.pathsep), or []."""
    value = os.environ.get(EXTRA_ENV, "")
    specs: list = []
    for path in (p for p in value.split(os.pathsep) if p.strip()):
        specs += load_extra_specs(path)
    return specs


class ReplicaServer:
    """The replica on ``host:port`` (port 0 = any free port), served from a daemon thread.

    ``extra_sites``: held-out jcms portals to serve beside the shipped ones, as small specs
    (``sites.heldout_spec``: host, name, colid, years ...); by default those of the files named by
    GOVCRAWL_REPLICA_EXTRA (.toml with [[site]] tables, or .json). Their ground truth:
    ``sites.heldout_ground_truth(specs)``; a registry file for them: ``sites.heldout_registry_toml(specs)``.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, extra_sites=None):
        self.host = host
        self._port = port
        self.extra_sites = list(extra_sites) if extra_sites is not None else extra_specs_from_env()
        self.requests: list = []  # (method, absolute_url)
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.replica = None

    def _make_server(self) -> ThreadingHTTPServer:
        self.replica = build_replica(spec_key(self.extra_sites))
        httpd = ThreadingHTTPServer((self.host, self._port), _make_handler(self.replica, self.requests, self._lock))
        httpd.daemon_threads = True
        return httpd

    def start(self) -> "ReplicaServer":
        if self._httpd is None:
            self._httpd = self._make_server()
            self._thread = threading.Thread(target=self._httpd.serve_forever, name="replica-server", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1] if self._httpd else self._port

    @property
    def proxy_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def hosts(self) -> list:
        return list(build_replica(spec_key(self.extra_sites)).hosts)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def run(port: int, host: str = "127.0.0.1") -> None:
    """Serve the replica in the foreground until interrupted."""
    srv = ReplicaServer(host, port)
    httpd = srv._make_server()
    print(f"govcrawl replica listening on http://{host}:{httpd.server_address[1]} "
          f"(proxy or Host header) serving: {', '.join(srv.replica.hosts)}", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
