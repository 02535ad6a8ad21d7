"""Fault modes and report edits of the replica: what slow, flaky and hostile government servers do.

A fault is switched per host (and optionally per path regex) on one ``ReplicaServer``; ``count`` = N makes
it transient (the first N matching requests, then the host recovers), no count makes it persistent.

=====================  =====================================================================================
mode                   what the host does
=====================  =====================================================================================
``http500``            answers 500 (``status=`` another 5xx)
``reset``              resets the connection (TCP RST) without answering
``truncate``           declares a Content-Length larger than the body it sends, then closes
``slow``               sleeps ``delay`` seconds (default 5) before answering: past the crawler's timeout
``redirect_loop``      302 to the same URL with ``govcrawl_loop=1`` added, which 302s back: a loop
``antibot_412``        the 瑞数 wall: HTTP 412, a ``$_ts`` script, a cookie; no page
``js_cookie_challenge`` 200 with a script that sets a cookie and reloads; no page text
``jsl_521``            the 加速乐 wall: HTTP 521, a script that sets ``__jsl_clearance_s`` and goes to the page again
                       (``solvable=1`` on the three walls: a request with the cookie the script sets gets the page,
                       so a real browser passes and a plain client does not)
``geo_block_403``      a geo-fence: 403 from the WZWS WAF, ``reason:GeoBL`` (Anhui's portals to a foreign IP)
``wrong_charset``      HTML/XML re-encoded as GBK but declared utf-8 (header and ``<meta>``)
``pagination_trap``    the report column claims ~10^6 entries; past the real ones every list page
                       (jcms dataproxy, JPaaS unit API) brings new made-up news items
``huge``               a ``size``-byte answer (default 50 MiB; ``declare=0``: no Content-Length)
``dead``               the host is gone: the proxy answers 502 (``how=close``: closes without answering); for an
                       https host its ``CONNECT`` is answered so
``bad_cert``           an https host serves a broken certificate (``kind=expired`` (default), ``wrong_host``: one
                       for another name, ``self_signed``: not signed by the replica's CA)
=====================  =====================================================================================

Spec strings (``GOVCRAWL_REPLICA_FAULTS``, ``ReplicaServer(faults="...")``):
``host=mode[:key=value...][,host=mode...]``, e.g. ``www.zj.gov.cn=http500:count=2,fzggw.zj.gov.cn=dead``.
"""
from __future__ import annotations

import dataclasses
import html
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit

from govcrawl.replica.http import Request, Response, encode_text, etag_of, redirect
from govcrawl.replica.tls import BAD_CERT_KINDS

CONTROL_HOST = "replica.control"
BAD_CERT = "bad_cert"
MODES = ("http500", "reset", "truncate", "slow", "redirect_loop", "antibot_412", "js_cookie_challenge", "jsl_521",
         "geo_block_403", "wrong_charset", "pagination_trap", "huge", "dead", BAD_CERT)
LOOP_PARAM = "govcrawl_loop"


@dataclass
class FaultRule:
    host: str
    mode: str
    path: re.Pattern | None = None
    count: int | None = None  # None: persistent
    opts: dict = field(default_factory=dict)
    hits: int = 0

    def matches(self, host: str, target: str) -> bool:
        return host == self.host and (self.path is None or bool(self.path.search(target)))

    def describe(self) -> dict:
        return {"host": self.host, "mode": self.mode, "path": self.path.pattern if self.path else None,
                "count": self.count, "hits": self.hits, **self.opts}


def _value(v):
    if isinstance(v, str):
        if re.fullmatch(r"-?\d+", v):
            return int(v)
        if re.fullmatch(r"-?\d+\.\d*", v):
            return float(v)
        if v.lower() in ("true", "yes"):
            return True
        if v.lower() in ("false", "no"):
            return False
    return v


def parse_faults(spec: str) -> list[tuple[str, str, dict]]:
    """``host=mode[:k=v...][,...]`` -> [(host, mode, opts)]."""
    out = []
    for item in (x.strip() for x in spec.split(",")):
        if not item:
            continue
        host, sep, rest = item.partition("=")
        if not sep or not host.strip() or not rest.strip():
            raise ValueError(f"fault {item!r}: expected host=mode[:key=value...]")
        mode, *pairs = rest.split(":")
        opts = {}
        for pair in pairs:
            k, sep, v = pair.partition("=")
            if not sep:
                raise ValueError(f"fault {item!r}: option {pair!r} is not key=value")
            opts[k.strip()] = _value(v.strip())
        out.append((host.strip().lower(), mode.strip(), opts))
    return out


class FaultState:
    """The faults and edits of one server; thread-safe (the server answers from many threads)."""

    def __init__(self, faults=None, edits=None):
        self._lock = threading.Lock()
        self.rules: list[FaultRule] = []
        self.edits: dict[str, dict] = {}
        self.log: list[tuple[str, str, str]] = []  # (host, mode, url) of each faulty answer
        if isinstance(faults, str):
            for host, mode, opts in parse_faults(faults):
                self.set_fault(host, mode, **opts)
        elif faults:
            for host, value in dict(faults).items():
                if isinstance(value, str):
                    self.set_fault(host, value)
                elif isinstance(value, dict):
                    self.set_fault(host, **value)
                else:  # (mode, {opts})
                    mode, opts = value
                    self.set_fault(host, mode, **opts)
        for url, text in dict(edits or {}).items():
            if isinstance(text, dict):
                self.edit(url, **text)
            else:
                self.edit(url, text)

    # --- faults
    def set_fault(self, host: str, mode: str, path: str | None = None, count: int | None = None, **opts) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}; modes: {', '.join(MODES)}")
        if mode == BAD_CERT and opts.get("kind", "expired") not in BAD_CERT_KINDS:
            raise ValueError(f"bad_cert kind {opts['kind']!r}; kinds: {', '.join(BAD_CERT_KINDS)}")
        host = host.strip().lower()
        count = None if count in (None, "", "None") else int(count)
        rule = FaultRule(host, mode, re.compile(path) if path else None, count, {k: _value(v) for k, v in opts.items()})
        with self._lock:
            self.rules = [r for r in self.rules if not (r.host == host and r.path == rule.path)]
            self.rules.append(rule)

    def clear_faults(self, host: str | None = None) -> None:
        with self._lock:
            self.rules = [r for r in self.rules if host is not None and r.host != host.strip().lower()]

    def take(self, host: str, target: str, scheme: str = "http") -> FaultRule | None:
        """The fault to answer this request with (counting it), or None."""
        with self._lock:
            # a rule for some paths of a host goes before one for the whole host
            for rule in sorted(self.rules, key=lambda r: r.path is None):
                if rule.mode == BAD_CERT:  # a certificate is chosen at CONNECT, not per request
                    continue
                if rule.matches(host, target) and (rule.count is None or rule.hits < rule.count):
                    rule.hits += 1
                    self.log.append((host, rule.mode, f"{scheme}://{host}{target}"))
                    return rule
        return None

    def connect_fault(self, host: str) -> FaultRule | None:
        """The fault of a ``CONNECT`` to ``host`` (a ``dead`` host, a ``bad_cert``), counting it, or None."""
        with self._lock:
            for rule in self.rules:
                if rule.host == host and rule.path is None and rule.mode in ("dead", BAD_CERT) and (
                        rule.count is None or rule.hits < rule.count):
                    rule.hits += 1
                    self.log.append((host, rule.mode, f"https://{host}/"))
                    return rule
        return None

    # --- edits
    def edit(self, url: str, text: str, replace: str | None = None) -> None:
        with self._lock:
            self.edits[url] = {"text": text, "replace": replace,
                               "when": datetime.now(timezone.utc).replace(microsecond=0)}

    def clear_edits(self) -> None:
        with self._lock:
            self.edits.clear()

    def edited(self, req: Request, resp: Response) -> Response:
        """The page with its edit applied (new body, ETag and Last-Modified), or unchanged."""
        if not self.edits or resp.status != 200:
            return resp
        e = self.edits.get(req.url) or self.edits.get(f"{req.scheme}://{req.host}{req.path}")
        if e is None:
            return resp
        codec = _codec(resp.content_type)
        text = resp.body.decode(codec, "replace")
        if e["replace"]:
            text = text.replace(e["replace"], e["text"])
        else:
            para = f'<p style="text-indent: 2em; text-align: justify;">{html.escape(e["text"])}</p>\n'
            zoom = text.find('id="zoom"')
            end = text.find("</div>", zoom) if zoom >= 0 else text.rfind("</body>")
            text = text[:end] + para + text[end:] if end >= 0 else text + para
        body = encode_text(text, codec)
        return dataclasses.replace(resp, body=body, etag=etag_of(body), last_modified=e["when"])

    # --- wrong charset
    @staticmethod
    def miscoded(resp: Response) -> Response:
        """GBK bytes under a utf-8 label (header and in-page declarations)."""
        ctype = resp.content_type.lower()
        if resp.status != 200 or not any(t in ctype for t in ("html", "xml")):
            return resp
        text = resp.body.decode(_codec(resp.content_type), "replace")
        text = re.sub(r"(?i)(charset\s*=\s*[\"']?)[\w-]+", r"\1utf-8", text)
        text = re.sub(r"(?i)(<\?xml[^>]*encoding\s*=\s*[\"'])[\w-]+", r"\1utf-8", text)
        body = encode_text(text, "gb18030")
        ct = re.sub(r"(?i)charset\s*=\s*[\w-]+", "charset=utf-8", resp.content_type)
        if "charset" not in ct.lower():
            ct += "; charset=utf-8"
        return dataclasses.replace(resp, body=body, content_type=ct, etag=etag_of(body) if resp.etag else None)

    # --- reporting
    def describe(self) -> dict:
        with self._lock:
            return {"faults": [r.describe() for r in self.rules],
                    "edits": {u: {"text": e["text"], "replace": e["replace"], "when": e["when"].isoformat()}
                              for u, e in self.edits.items()}}

    def summary(self) -> list[str]:
        d = self.describe()
        out = [f"fault: {f['host']} {f['mode']}" + (f" (first {f['count']} requests)" if f["count"] else "")
               + (f" on {f['path']}" if f["path"] else "") for f in d["faults"]]
        out += [f"edit: {u}" for u in d["edits"]]
        return out


def _codec(content_type: str) -> str:
    m = re.search(r"charset\s*=\s*([\w-]+)", content_type or "", re.I)
    label = (m.group(1) if m else "utf-8").lower()
    return {"gbk": "gb18030", "gb2312": "gb18030", "big5": "big5"}.get(label, label)


# --- the answers of the fault modes ---------------------------------------------------------

_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable",
            504: "Gateway Time-out"}


def http_error(status: int) -> Response:
    reason = _REASONS.get(status, "Error")
    body = (f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}"
            f"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
    return Response(status, body.encode(), "text/html")


def redirect_loop(req: Request) -> Response:
    parts = urlsplit(req.target)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != LOOP_PARAM]
    looped = any(k == LOOP_PARAM for k, _ in parse_qsl(parts.query, keep_blank_values=True))
    if not looped:
        query.append((LOOP_PARAM, "1"))
    target = parts.path + (("?" + urlencode(query)) if query else "")
    return redirect(302, f"{req.scheme}://{req.host}{target}")


#: the cookies a wall's script sets: a request that carries one has passed the wall (``solvable`` walls)
CLEARANCE_COOKIES = ("FSSBBIl1UgzbN7N80T=", "__jsl_clearance_s=")


def passed_wall(req: Request) -> bool:
    cookie = req.headers.get("cookie", "")
    return any(c in cookie for c in CLEARANCE_COOKIES)


def antibot_412(solvable: bool = False) -> Response:
    """The 瑞数 (Riversecurity) wall: 412, an obfuscated ``$_ts`` bootstrap and a cookie to come back with.

    ``solvable``: the bootstrap also sets the client cookie and reloads, as the real one does once its script has
    run in a browser (the replica's stands in for the obfuscated code): a browser gets through, a plain client not."""
    solve = ("<script type=\"text/javascript\" r=\"m\">document.cookie='FSSBBIl1UgzbN7N80T=4Lq1aIDkyrQ3nY9v;path=/';"
             "location.reload();</script>") if solvable else ""
    body = ('<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            '<meta http-equiv="Cache-Control" content="no-cache, no-store, must-revalidate">'
            '<script type="text/javascript" r="m">$_ts=window[\'$_ts\'];if(!$_ts)$_ts={};$_ts.nsd=58139;'
            '$_ts.cd="qXrcrpAlEGqqrqAkD1qcrGAlDaWqrpQkEGLqrqAqEqYqcr9lEG3crpAlJqL7rGllcAlqrp9lEq";'
            '$_ts.md="FLV6m97eQRvYq1qxo0bAmG";</script>'
            + (solve or '<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/c.FxJzG50F.ac1fd1e.js" r="m"></script>')
            + '</head><body></body></html>')
    return Response(412, body.encode(), "text/html; charset=utf-8",
                    [("Set-Cookie", "FSSBBIl1UgzbN7N80S=Ro9Hhd6tcCmqRxI4F1wVE2zcm0JgqOiw; Path=/; HttpOnly"),
                     ("Cache-Control", "no-cache, no-store")])


def js_cookie_challenge() -> Response:
    """A JavaScript cookie challenge (the 加速乐 kind): 200, a cookie set by script, a reload, no page."""
    body = ("<html><head><meta charset=\"utf-8\"></head><body><script>"
            "var _0x5c1a=['__jsl_clearance_s','=1732460000.917|0|','max-age=3600;path=/'];"
            "document.cookie=_0x5c1a[0]+_0x5c1a[1]+'gB%2FRD3fW2h5q0nJ8z%3D'+';'+_0x5c1a[2];"
            "location.reload();</script></body></html>")
    return Response(200, body.encode(), "text/html; charset=utf-8", [("Cache-Control", "no-cache")])


def jsl_521() -> Response:
    """加速乐's first answer: HTTP 521, a script that sets ``__jsl_clearance_s`` and goes to the page again."""
    body = ("<script>document.cookie=('_')+('_j')+('sl_clear')+('ance_s=')+(1732460001)+('.')+(225)+('|0|')"
            "+('gB%2FRD3fW2h5q0nJ8z%3D')+(';max-age=3600;path=/');location.href=location.pathname+location.search"
            "</script>")
    return Response(521, body.encode(), "text/html; charset=utf-8",
                    [("Set-Cookie", "__jsluid_s=4b2f0b8d5c9d3e7a1f6c8e0a9b7d5c3e; max-age=31536000; path=/; HttpOnly")])


def geo_block_403() -> Response:
    """A geo-fence (the WZWS WAF in front of Anhui's portals): 403 naming ``WZWS`` and ``reason:GeoBL`` — all that the
    public reports of it quote (samples/national/antibot_challenge_markers.md); the rest of the page is minimal."""
    body = ("<html><head><meta charset=\"utf-8\"><title>403 Forbidden</title></head><body>"
            "<h1>403 Forbidden</h1><p>WZWS</p><p>reason:GeoBL</p></body></html>")
    return Response(403, body.encode(), "text/html; charset=utf-8", [("Cache-Control", "no-cache")])
