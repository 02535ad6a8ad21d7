"""The replica's portals on the platforms outside Zhejiang, one module per platform, named as its spider
(``trs.py`` ↔ ``spiders/trs.py``); one exception: ``hanweb.py`` serves both Hanweb products, jcms and JPaaS (a spec
says which with ``"cms"``), and its sites set ``platform`` to ``"jcms"`` or ``"jpaas"``, the spider their registry
entries name. Each is modelled on the real samples in ``../shared/samples/national/``.

A platform module defines ``SPECS`` (the portals the replica ships, as small dicts) and ``build(spec)``, which
returns a :class:`PlatformSite`. A held-out portal of any platform is a spec with ``"platform": "<name>"``
passed to ``ReplicaServer(extra_sites=[...])``: the tests build portals the spiders have never seen.

A site answers its own hosts (``respond``), and knows its ground truth (``ground_truth``: every report with its
fields, every other page) and its registry entry (``registry_entry``, with the column or only the home URL).
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
from dataclasses import dataclass, field
from datetime import datetime

from govcrawl.replica import templates as T
from govcrawl.replica.http import (
    Request,
    Response,
    encode_text,
    etag_of,
    last_modified_of,
)


@dataclass
class Doc:
    """One page a platform site publishes in a list: a report or another document."""

    path: str                 # site-relative path the article is served at
    title: str
    pub: str                  # "YYYY-MM-DD HH:MM"
    body: list                # items for templates.body_html
    is_report: bool
    report_year: int | None = None
    index_no: str | None = None
    publisher: str | None = None
    reporting_body: str | None = None
    written_date: str | None = None
    doc_no: str | None = None
    note: str = ""
    unit: str = ""            # the reporting unit whose list carries it (per-unit trees)
    attachments: list = field(default_factory=list)   # (path, name, bytes)
    statistics: dict | None = None
    meta: dict = field(default_factory=dict)          # what the list API says of it (gkmlpt, Ucap …)

    def gt(self, url: str, portal: str) -> dict:
        return {"url": url, "portal": portal, "title": self.title, "report_year": self.report_year,
                "index_no": self.index_no, "publisher": self.publisher, "written_date": self.written_date,
                "published_date": self.pub[:10], "doc_no": self.doc_no, "reporting_body": self.reporting_body,
                **({"statistics": self.statistics} if self.statistics else {})}


class PlatformSite:
    """A portal of one platform in the replica."""

    platform = ""

    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.slug: str = spec["slug"]
        self.name: str = spec["name"]
        self.level: str = spec.get("level", "department")
        self.region: str = spec.get("region", "")
        self.host: str = spec["host"]
        self.hosts: tuple[str, ...] = (self.host, *spec.get("extra_hosts", ()))
        #: "https": served through CONNECT with the replica's certificates; ``https_redirect``: http answers 301 to it
        self.scheme: str = spec.get("scheme", "http")
        self.https_redirect: bool = bool(spec.get("https_redirect"))

    # --- what the crawler is told -------------------------------------------------------------------
    def home_url(self) -> str:
        return f"{self.scheme}://{self.host}/"

    def start_url(self) -> str:
        """The registry's start URL: the annual-report column, or the 政府信息公开 home (``start = "xxgk"``)."""
        raise NotImplementedError

    def registry_entry(self, auto: bool = False) -> str:
        """The portal's ``[[portal]]`` TOML; ``auto``: ``platform = "auto"`` and only the home URL."""
        lines = ["[[portal]]", f'slug = "{self.slug}"', f'name = "{self.name}"', f'level = "{self.level}"',
                 f'region = "{self.region}"', f'platform = "{"auto" if auto else self.platform}"']
        lines += [f"{k} = {v}" for k, v in self.registry_options().items()] if not auto else []
        lines.append(f'start_urls = ["{self.home_url() if auto else self.start_url()}"]')
        return "\n".join(lines) + "\n"

    def registry_options(self) -> dict[str, str]:
        """Extra registry keys as TOML values (``{"extra_hosts": '["a.gov.cn"]'}``)."""
        return {}

    # --- what it serves --------------------------------------------------------------------------------
    def docs(self) -> list[Doc]:
        raise NotImplementedError

    def respond(self, req: Request) -> Response | None:
        raise NotImplementedError

    def ground_truth(self) -> dict:
        reports, others = [], []
        for d in self.docs():
            url = self.url(d.path)
            if d.is_report:
                reports.append(d.gt(url, self.slug))
            else:
                others.append({"url": url, "portal": self.slug, "kind": "other", "note": d.note})
        portal = {"host": self.host, "start_url": self.start_url(), "home_url": self.home_url(), "name": self.name,
                  "level": self.level, "region": self.region, "platform": self.platform}
        return {"portals": {self.slug: portal}, "reports": reports, "non_reports": others}

    def listed_metadata(self, url: str) -> str:
        """What the platform's list answer says of the page at ``url`` (gkmlpt: its entry of the list JSON): fields a
        page does not print come from there. Empty for platforms whose lists carry no metadata."""
        return ""

    # --- helpers ---------------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return f"{self.scheme}://{self.host}{path}"

    def html(self, text: str, doc: Doc | None = None, status: int = 200, codec: str = "utf-8",
             charset: str = "UTF-8") -> Response:
        body = encode_text(text, codec)
        resp = Response(status, body, f"text/html; charset={charset}")
        if status == 200:
            resp.etag = etag_of(body)
            resp.last_modified = last_modified_of(doc.pub if doc else self.newest())
        return resp

    def json(self, data: str) -> Response:
        return Response(200, data.encode("utf-8"), "application/json;charset=UTF-8")

    def newest(self) -> str:
        return max((d.pub for d in self.docs()), default="2024-03-31 10:00")

    def stable(self, *key) -> int:
        """A number that depends only on the site and ``key`` (the same replica on every run)."""
        return int(hashlib.sha1(repr((self.slug,) + key).encode()).hexdigest()[:8], 16)


def not_found() -> Response:
    return Response(404, b"<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1>"
                         b"<hr><center>nginx</center></body></html>", "text/html; charset=UTF-8")


def esc(s) -> str:
    return T.esc(s)


def attr(s) -> str:
    return T.attr(s)


def pub_date(year: int, month: int, day: int, hour: int = 10) -> str:
    return datetime(year, month, day, hour, 0).strftime("%Y-%m-%d %H:%M")


# --- the platform modules ------------------------------------------------------------------------------

def modules() -> dict:
    """The platform modules in this package, by platform name."""
    out = {}
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            out[info.name] = importlib.import_module(f"{__name__}.{info.name}")
    return out


def build(spec: dict) -> PlatformSite:
    platform = spec.get("platform")
    mods = modules()
    if platform not in mods:
        raise ValueError(f"replica: no platform {platform!r} (one of {', '.join(sorted(mods))})")
    return mods[platform].build(spec)


def shipped_sites() -> list[PlatformSite]:
    """The platform portals the replica serves by default (every module's ``SPECS``)."""
    return [mod.build({**spec, "platform": name}) for name, mod in sorted(modules().items()) for spec in mod.SPECS]
