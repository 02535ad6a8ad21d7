"""HTTP server of the offline portal replica.

Answers both as an HTTP proxy (absolute-form request URIs) and by ``Host`` header
(origin-form), and serves https as warcprox and mitmproxy do: ``CONNECT host:443`` to a host the replica serves
over https opens a tunnel in which the replica terminates TLS with a certificate for the host signed on the fly by
its own CA (``tls.py``; ``ReplicaServer.ca_path`` is the certificate a crawler trusts), then answers from the same
routing. ``CONNECT`` to a host served over http only (or to another port) gets 502, as a proxy that cannot reach
port 443 answers.

Fault modes (``faults.py``) and report edits are switched per server, at run time:
``ReplicaServer(faults={host: mode}, edits={url: text})``, ``server.set_fault(host, mode, **opts)``,
``server.edit(url, text)``; for ``govcrawl replica``: GOVCRAWL_REPLICA_FAULTS / GOVCRAWL_REPLICA_EDITS, or
the control host ``replica.control`` (``/fault?host=H&mode=M&count=N``, ``/edit?url=U&text=T``, ``/clear``, ``/state``).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from govcrawl.replica.breadth import load_extra_specs, spec_key
from govcrawl.replica.http import Request
from govcrawl.replica.router import build_replica, finalize
from govcrawl.replica.tls import LocalCA

from .faults import (
    BAD_CERT,
    CONTROL_HOST,
    FaultState,
    antibot_412,
    geo_block_403,
    http_error,
    js_cookie_challenge,
    jsl_521,
    passed_wall,
    redirect_loop,
)

EXTRA_ENV = "GOVCRAWL_REPLICA_EXTRA"
FAULTS_ENV = "GOVCRAWL_REPLICA_FAULTS"
HUGE_SIZE = 50 * 1024 * 1024  # past the crawler's default cap (GOVCRAWL_MAX_ATTACHMENT_SIZE, 50 000 000)
EDITS_ENV = "GOVCRAWL_REPLICA_EDITS"
STATE_ENV = "GOVCRAWL_REPLICA_STATE_DIR"  # where `govcrawl replica` keeps its CA (default: a temporary folder)
_QUIET = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError)


class _SocketWriter:
    """A write-only file on a socket that sends all it is given (as ``socketserver``'s own, for the TLS socket)."""

    def __init__(self, sock) -> None:
        self._sock = sock

    def write(self, data) -> int:
        self._sock.sendall(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def _make_handler(replica, log: list, lock: threading.Lock, state: FaultState | None = None, ca: LocalCA | None = None):
    state = state if state is not None else FaultState()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "nginx"
        sys_version = ""

        scheme = "http"  # "https" inside a CONNECT tunnel
        tunnel_host = ""

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
            """(host, target, scheme) of the request; an absolute-form ``https://`` URI is fetched as https for the
            client, as a forward proxy does."""
            raw, scheme = self.path, self.scheme
            if raw.lower().startswith(("http://", "https://")):
                u = urlsplit(raw)
                host = (u.hostname or "").lower()
                target = (u.path or "/") + (f"?{u.query}" if u.query else "")
                scheme = u.scheme.lower()
            else:
                host = (self.headers.get("Host") or self.tunnel_host).strip().lower()
                if host.startswith("["):
                    host = host.split("]")[0] + "]"
                else:
                    host = host.split(":")[0]
                target = raw if raw.startswith("/") else "/" + raw
            return host, target, scheme

        def _handle(self):
            host, target, scheme = self._target()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            req = Request(self.command, host, target, {k.lower(): v for k, v in self.headers.items()}, body,
                          scheme=scheme)
            with lock:
                log.append((self.command, req.url))
            if host == CONTROL_HOST:
                return self._control(req)
            rule = state.take(host, target, scheme) if host in replica.pages else None
            try:
                if rule is None:
                    return self._normal(req)
                return self._fault(rule, req)
            except _QUIET:  # the client gave up (timeouts, size caps): nothing to tell it
                self.close_connection = True

        def _normal(self, req, rule=None):
            moved = replica.scheme_redirect(req)
            if moved is not None:  # a portal that moved to https sends every http request there
                return self._send_response(moved, req)
            resp = replica.trap_respond(req) if rule is not None and rule.mode == "pagination_trap" else None
            if resp is None:
                resp = replica.respond(req)
            resp = state.edited(req, resp)
            if rule is not None and rule.mode == "wrong_charset":
                resp = state.miscoded(resp)
            status, headers, payload = finalize(resp, req, replica)
            if rule is not None and rule.mode == "truncate" and payload and status not in (204, 304):
                return self._truncated(status, headers, payload, rule)
            self._send(status, headers, payload, head_only=self.command == "HEAD")

        def _fault(self, rule, req):
            mode, opts = rule.mode, rule.opts
            if mode == "dead":
                if opts.get("how", "502") == "close":
                    self.close_connection = True
                    return
                return self._send_response(http_error(int(opts.get("status", 502))), req)
            if mode == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()  # RST, no answer
                self.close_connection = True
                return
            if mode == "http500":
                return self._send_response(http_error(int(opts.get("status", 500))), req)
            if mode == "redirect_loop":
                return self._send_response(redirect_loop(req), req)
            if mode in ("antibot_412", "js_cookie_challenge", "jsl_521"):
                if opts.get("solvable") and passed_wall(req):
                    return self._normal(req)  # the browser ran the wall's script and came back with its cookie
                wall = {"antibot_412": lambda: antibot_412(bool(opts.get("solvable"))),
                        "js_cookie_challenge": js_cookie_challenge, "jsl_521": jsl_521}[mode]()
                return self._send_response(wall, req)
            if mode == "geo_block_403":  # a fence, not a script: no browser passes it
                return self._send_response(geo_block_403(), req)
            if mode == "huge":
                return self._huge(int(opts.get("size", HUGE_SIZE)), bool(opts.get("declare", True)))
            if mode == "slow":
                time.sleep(float(opts.get("delay", 5)))
            return self._normal(req, rule)

        def _send_response(self, resp, req):
            status, headers, payload = finalize(resp, req, replica)
            self._send(status, headers, payload, head_only=self.command == "HEAD")

        def _truncated(self, status, headers, payload, rule):
            """Content-Length says more than is sent; then the connection closes."""
            self.close_connection = True
            self.send_response_only(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload) + max(len(payload) // 2, 1000)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload[: max(len(payload) // 2, 1)])
            self.wfile.flush()

        def _huge(self, size: int, declare: bool):
            """A response of ``size`` bytes (an endless export, a video), sent in 1 MB chunks."""
            self.close_connection = True
            self.send_response_only(200)
            self.send_header("Server", "nginx")
            self.send_header("Content-Type", "text/html; charset=UTF-8")
            if declare:
                self.send_header("Content-Length", str(size))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command == "HEAD":
                return
            chunk = (b"<p>" + b"\xe6\x95\xb0\xe6\x8d\xae" * 170 + b"</p>\n") * 1000
            sent = 0
            while sent < size:
                part = chunk[: size - sent]
                self.wfile.write(part)
                sent += len(part)

        def _control(self, req):
            """Switch faults and edits of a running replica (host ``replica.control``)."""
            p = {k: v[0] for k, v in parse_qs(urlsplit(req.target).query + "&" + req.body.decode("utf-8", "replace"),
                                                 keep_blank_values=True).items()}
            try:
                if req.path == "/fault":
                    host, mode = p.pop("host"), p.pop("mode")
                    if mode in ("off", "none", ""):
                        state.clear_faults(host)
                    else:
                        state.set_fault(host, mode, **p)
                elif req.path == "/edit":
                    state.edit(p["url"], p.get("text", ""), replace=p.get("replace") or None)
                elif req.path == "/clear":
                    state.clear_faults()
                    state.clear_edits()
                elif req.path != "/state":
                    return self._send(404, [("Content-Type", "text/plain")], b"unknown control path\n")
            except (KeyError, ValueError) as exc:
                return self._send(400, [("Content-Type", "text/plain")], f"bad control request: {exc}\n".encode())
            body = json.dumps(state.describe(), ensure_ascii=False, indent=1).encode()
            self._send(200, [("Content-Type", "application/json")], body)

        do_GET = do_POST = do_HEAD = _handle

        def do_CONNECT(self):
            """A tunnel to ``host:443``: TLS ends here, with the host's certificate; the requests inside are answered
            as plain ones are (``scheme`` https)."""
            with lock:
                log.append(("CONNECT", self.path))
            self.close_connection = True
            host, _, port = self.path.rpartition(":")
            host = host.strip("[]").lower()
            if self.tunnel_host or ca is None or port != "443" or host not in replica.https_hosts:
                why = (f"replica: {host or self.path} is not served over https on port {port or '?'}"
                       if host in replica.pages else f"replica: no such host {host or self.path}")
                return self._send(502, [("Server", "nginx"), ("Content-Type", "text/plain; charset=UTF-8")],
                                  f"{why}\n".encode())
            dead = state.connect_fault(host)
            if dead is not None and dead.mode == "dead":
                if dead.opts.get("how", "502") == "close":
                    return
                return self._send(int(dead.opts.get("status", 502)), [("Server", "nginx")], b"")
            kind = str(dead.opts.get("kind", "expired")) if dead is not None and dead.mode == BAD_CERT else ""
            self.send_response_only(200, "Connection established")
            self.end_headers()
            try:
                self.wfile.flush()
                self.connection.settimeout(30)
                tls = ca.context(host, kind).wrap_socket(self.connection, server_side=True)
                tls.settimeout(None)
            except (ssl.SSLError, *_QUIET):  # the client refused the certificate, or went away
                return
            plain = (self.rfile, self.wfile)
            self.connection, self.tunnel_host, self.scheme = tls, host, "https"
            self.rfile, self.wfile = tls.makefile("rb", -1), _SocketWriter(tls)
            self.close_connection = False
            try:
                while not self.close_connection:
                    self.handle_one_request()
            except (ssl.SSLError, *_QUIET):
                pass
            finally:
                self.close_connection = True
                for f in plain:
                    f.close()
                tls.close()

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # many crawlers at once: a full listen backlog would look like a slow host

    def handle_error(self, request, client_address):  # clients that hang up are no news
        pass


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

    def __init__(self, host: str = "127.0.0.1", port: int = 0, extra_sites=None, faults=None, edits=None,
                 state_dir=None):
        self.host = host
        self._port = port
        self.extra_sites = list(extra_sites) if extra_sites is not None else extra_specs_from_env()
        self.requests: list = []  # (method, absolute_url)
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.replica = None
        #: fault modes and edits of this server (the replica's data is shared, these are not)
        self.state = FaultState(faults=faults, edits=edits)
        #: where the CA is kept (None: a temporary folder, removed when the server stops)
        self.state_dir = state_dir
        self.ca: LocalCA | None = None

    # --- faults and edits, switchable while serving
    def set_fault(self, host: str, mode: str, path: str | None = None, count: int | None = None, **opts) -> None:
        """Serve ``host`` (only targets matching the regex ``path``, if given) in fault ``mode``; ``count``:
        only the first N such requests, then recover. Modes and options: ``govcrawl.replica.faults.MODES``."""
        self.state.set_fault(host, mode, path=path, count=count, **opts)

    def clear_faults(self, host: str | None = None) -> None:
        self.state.clear_faults(host)

    def edit(self, url: str, text: str, replace: str | None = None) -> None:
        """Change one page: ``text`` added as a paragraph at the end of its main text (or put in place of
        ``replace``); it then has a new ETag and Last-Modified."""
        self.state.edit(url, text, replace=replace)

    def clear_edits(self) -> None:
        self.state.clear_edits()

    @property
    def fault_log(self) -> list:
        """(host, mode, url) of every answer given in a fault mode."""
        return self.state.log

    def _make_server(self) -> ThreadingHTTPServer:
        self.replica = build_replica(spec_key(self.extra_sites))
        if self.ca is None:
            self.ca = LocalCA(self.state_dir)
        return _Server((self.host, self._port),
                       _make_handler(self.replica, self.requests, self._lock, self.state, self.ca))

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
        if self.ca is not None:
            self.ca.remove()
            self.ca = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1] if self._httpd else self._port

    @property
    def proxy_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ca_path(self) -> str:
        """The replica CA's certificate (PEM): what a crawl of the replica trusts (``govcrawl crawl --ca-file``)."""
        if self.ca is None:
            raise RuntimeError("the replica has not started: its CA is made at start-up")
        return str(self.ca.ca_path)

    @property
    def https_hosts(self) -> list:
        """The hosts served over https (the others over http only)."""
        return sorted(build_replica(spec_key(self.extra_sites)).https_hosts)

    @property
    def hosts(self) -> list:
        return list(build_replica(spec_key(self.extra_sites)).hosts)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def run(port: int, host: str = "127.0.0.1") -> None:
    """Serve the replica in the foreground until interrupted."""
    srv = ReplicaServer(host, port, faults=os.environ.get(FAULTS_ENV) or None,
                        edits=_edits_from_env(os.environ.get(EDITS_ENV, "")),
                        state_dir=os.environ.get(STATE_ENV) or None)
    httpd = srv._make_server()

    def stop(*_):  # SIGTERM (a service stopped) ends it as Ctrl-C does: the temporary CA is removed
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        print(f"govcrawl replica listening on http://{host}:{httpd.server_address[1]} "
              f"(proxy or Host header) serving: {', '.join(srv.replica.hosts)}", flush=True)
        for line in srv.state.summary():
            print(line, flush=True)
        print(f"https (CONNECT) for {len(srv.replica.https_hosts)} hosts; CA certificate: {srv.ca_path} "
              f"(crawl with --ca-file {srv.ca_path})", flush=True)
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
        srv.ca.remove()


def _edits_from_env(value: str) -> dict | None:
    """GOVCRAWL_REPLICA_EDITS: a JSON object {url: text}, or the name of a file holding one."""
    value = value.strip()
    if not value:
        return None
    if not value.startswith("{"):
        with open(value, encoding="utf-8") as fh:
            value = fh.read()
    data = json.loads(value)
    if not isinstance(data, dict):
        raise ValueError(f"{EDITS_ENV}: expected a JSON object {{url: text}}")
    return data
