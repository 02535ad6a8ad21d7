"""The portal registry: which portals exist, where their lists start, which platform they run.

Portals are data (``govcrawl/portals.toml``); a spider module per slug binds one to its platform's
spider class. Invalid entries fail fast with the file, the entry and the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_REGISTRY = Path(__file__).with_name("portals.toml")
LEVELS = ("province", "city", "county", "department", "search")
REQUIRED = ("slug", "name", "level", "region", "platform", "start_urls")


class RegistryError(ValueError):
    """A registry file is missing, unreadable or has an invalid entry."""


@dataclass(frozen=True)
class Portal:
    slug: str
    name: str
    level: str
    region: str
    platform: str
    start_urls: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(urlsplit(u).hostname or "" for u in self.start_urls))


def _check(entry: dict[str, Any], where: str) -> Portal:
    for key in REQUIRED:
        if key not in entry:
            raise RegistryError(f"{where}: missing required key {key!r}")
    for key in ("slug", "name", "region", "platform"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise RegistryError(f"{where}: key {key!r} must be a non-empty string")
    if entry["level"] not in LEVELS:
        raise RegistryError(f"{where}: key 'level' is {entry['level']!r}, expected one of {', '.join(LEVELS)}")
    urls = entry["start_urls"]
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, list) or not urls:
        raise RegistryError(f"{where}: key 'start_urls' must be a non-empty list of URLs")
    for url in urls:
        parts = urlsplit(str(url))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RegistryError(f"{where}: key 'start_urls' has {url!r}, not an http(s) URL")
    options = {k: v for k, v in entry.items() if k not in REQUIRED}
    return Portal(
        slug=entry["slug"],
        name=entry["name"],
        level=entry["level"],
        region=entry["region"],
        platform=entry["platform"],
        start_urls=tuple(urls),
        options=options,
    )


def load_registry(path: str | Path = DEFAULT_REGISTRY) -> dict[str, Portal]:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RegistryError(f"{path}: no such registry file") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: not a valid TOML file: {exc}") from exc
    entries = data.get("portal")
    if not isinstance(entries, list) or not entries:
        raise RegistryError(f"{path}: no [[portal]] entries")
    portals: dict[str, Portal] = {}
    for index, entry in enumerate(entries, start=1):
        where = f"{path}: [[portal]] #{index}" + (f" ({entry.get('slug')})" if entry.get("slug") else "")
        portal = _check(entry, where)
        if portal.slug in portals:
            raise RegistryError(f"{where}: duplicate slug {portal.slug!r}")
        portals[portal.slug] = portal
    return portals


@lru_cache(maxsize=1)
def default_registry() -> dict[str, Portal]:
    return load_registry(DEFAULT_REGISTRY)


def portal_for_host(host: str | None) -> Portal | None:
    """The registry portal serving ``host`` (None for hosts no portal names)."""
    if not host:
        return None
    for portal in default_registry().values():
        if portal.level != "search" and host in portal.hosts:
            return portal
    return None
