"""The portal registry: which portals exist, where their lists start, which platform they run.

Portals are data: ``govcrawl/portals.toml`` by default, or the user's own files (``--portals FILE``,
repeatable; ``GOVCRAWL_PORTALS`` holds them, separated by ``os.pathsep``, for ``scrapy crawl``). A
portal on a known platform needs no code: ``govcrawl.crawl.spiderloader`` makes its spider from the entry.
Invalid entries fail fast with the file, the entry and the key.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_REGISTRY = Path(__file__).parent.parent / "portals.toml"
LEVELS = ("province", "city", "county", "department", "township", "development_zone")
PORTAL_KEYS = ("slug", "name", "level", "region", "platform", "start_urls")
CHANNEL_KEYS = ("slug", "name", "spider", "start_urls")
OPTIONAL_KEYS = {
    "parent": str,
    "encoding": str,
    "needs_browser": bool,
    "list_selector": str,
    "page_size": int,
    "extra_hosts": list,
    "empty_ok": bool,
    "max_result_pages": int,
    "max_depth": int,
    # evidence of a real portal: the public URL the entry was derived from, and the date it was seen there
    "source": str,
    "seen": str,
    "revisit_min_days": (int, float),
    "revisit_max_days": (int, float),
    "revisit_new_days": (int, float),
    # false: the portal's real certificate is broken; its https is accepted unverified (and its health says so)
    "tls_verify": bool,
}


class RegistryError(ValueError):
    """A registry file is missing, unreadable or has an invalid entry."""


@dataclass(frozen=True)
class Portal:
    """A site that publishes reports (or a discovery channel, ``is_channel``)."""

    slug: str
    name: str
    level: str
    region: str
    platform: str
    start_urls: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict, compare=False)
    source: str = field(default="", compare=False)
    is_channel: bool = False

    @property
    def hosts(self) -> tuple[str, ...]:
        hosts = [urlsplit(u).hostname or "" for u in self.start_urls]
        return tuple(dict.fromkeys(hosts + list(self.options.get("extra_hosts", []))))


@dataclass
class Registry:
    portals: dict[str, Portal]
    channels: dict[str, Portal]
    files: tuple[str, ...]

    def all(self) -> dict[str, Portal]:
        return {**self.portals, **self.channels}

    def portal_for_host(self, host: str | None) -> Portal | None:
        """The portal serving ``host`` (None for hosts no portal names)."""
        for portal in self.portals.values():
            if host and host in portal.hosts:
                return portal
        return None


def _check(entry: dict[str, Any], where: str, channel: bool) -> Portal:
    required = CHANNEL_KEYS if channel else PORTAL_KEYS
    if not isinstance(entry, dict):
        raise RegistryError(f"{where}: not a table of keys")
    for key in required:
        if key not in entry:
            raise RegistryError(f"{where}: missing required key {key!r}")
    for key in required:
        if key != "start_urls" and (not isinstance(entry[key], str) or not entry[key].strip()):
            raise RegistryError(f"{where}: key {key!r} must be a non-empty string")
    if not channel and entry["level"] not in LEVELS:
        raise RegistryError(f"{where}: key 'level' is {entry['level']!r}, expected one of {', '.join(LEVELS)}")
    if not entry["slug"].replace("_", "").isalnum() or not entry["slug"].isascii():
        raise RegistryError(f"{where}: key 'slug' is {entry['slug']!r}, expected ASCII letters, digits and _")
    urls = entry["start_urls"]
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, list) or not urls:
        raise RegistryError(f"{where}: key 'start_urls' must be a non-empty list of URLs")
    for url in urls:
        parts = urlsplit(str(url))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RegistryError(f"{where}: key 'start_urls' has {url!r}, not an http(s) URL")
    options = {k: v for k, v in entry.items() if k not in required}
    for key, value in options.items():
        expected = OPTIONAL_KEYS.get(key)
        if expected is None:
            known = ", ".join(sorted(OPTIONAL_KEYS))
            raise RegistryError(f"{where}: unknown key {key!r} (optional keys: {known})")
        if isinstance(expected, tuple):  # a number of days
            if isinstance(value, bool) or not isinstance(value, expected) or not value > 0:
                raise RegistryError(f"{where}: key {key!r} must be a number of days above 0")
        elif not isinstance(value, expected):
            raise RegistryError(f"{where}: key {key!r} must be a {expected.__name__}")
    return Portal(
        slug=entry["slug"],
        name=entry["name"],
        level="channel" if channel else entry["level"],
        region=entry.get("region", ""),
        platform=entry["spider"] if channel else entry["platform"],
        start_urls=tuple(urls),
        options=options,
        is_channel=channel,
        source=where,
    )


def load_registry(paths: str | Path | Iterable[str | Path] = DEFAULT_REGISTRY) -> Registry:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    portals: dict[str, Portal] = {}
    channels: dict[str, Portal] = {}
    files = []
    for path in map(Path, paths):
        files.append(str(path))
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise RegistryError(f"{path}: no such registry file") from exc
        except IsADirectoryError as exc:
            raise RegistryError(f"{path}: is a folder, not a registry file") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise RegistryError(f"{path}: not a valid TOML file: {exc}") from exc
        unknown = set(data) - {"portal", "channel"}
        if unknown:
            raise RegistryError(f"{path}: unknown table(s) {', '.join(sorted(unknown))}; expected [[portal]] / [[channel]]")
        if not data.get("portal") and not data.get("channel"):
            raise RegistryError(f"{path}: no [[portal]] entries")
        for table, target, is_channel in (("portal", portals, False), ("channel", channels, True)):
            entries = data.get(table, [])
            if not isinstance(entries, list):
                raise RegistryError(f"{path}: {table} must be written [[{table}]]")
            for index, entry in enumerate(entries, start=1):
                slug = entry.get("slug") if isinstance(entry, dict) else None
                where = f"{path}: [[{table}]] #{index}" + (f" ({slug})" if slug else "")
                item = _check(entry, where, is_channel)
                if item.slug in portals or item.slug in channels:
                    raise RegistryError(f"{where}: duplicate slug {item.slug!r}")
                target[item.slug] = item
    return Registry(portals, channels, tuple(files))


_CACHE: dict[tuple[str, ...], Registry] = {}


def registry_files(value: str | None = None) -> tuple[str, ...]:
    """The registry files in force: ``GOVCRAWL_PORTALS`` (os.pathsep-separated) or the shipped one."""
    value = os.environ.get("GOVCRAWL_PORTALS", "") if value is None else value
    files = tuple(p for p in value.split(os.pathsep) if p.strip())
    return files or (str(DEFAULT_REGISTRY),)


def default_registry(value: str | None = None) -> Registry:
    files = registry_files(value)
    if files not in _CACHE:
        _CACHE[files] = load_registry(files)
    return _CACHE[files]
