"""Spiders from the registry: every portal gets a spider named by its slug.

The platform spiders live in ``spiders/`` (Scrapy's ``SPIDER_MODULES``), one module per platform, and a
module's spider is named as the module (``spiders/jcms.py`` defines the spider ``jcms``). A portal's
``platform`` names one of them; its spider is that class bound to the registry entry. Discovery channels
(``[[channel]]``) likewise. Nothing else registers a platform: a new module in ``spiders/`` is enough.
"""

from __future__ import annotations

from scrapy import Spider
from scrapy.settings import BaseSettings
from scrapy.spiderloader import SpiderLoader

from govcrawl.crawl.registry import Portal, RegistryError, default_registry


def bind(base: type[Spider], portal: Portal) -> type[Spider]:
    """A spider class for one registry entry: ``base`` with ``name`` = the slug."""
    return type(f"{base.__name__}_{portal.slug}", (base,), {"name": portal.slug, "portal": portal})


def platform_spiders(settings: BaseSettings) -> dict[str, type[Spider]]:
    """The platform spiders found in ``SPIDER_MODULES``, by platform name (= module name)."""
    found = SpiderLoader(settings)._spiders
    for name, cls in found.items():
        module = cls.__module__.rsplit(".", 1)[-1]
        if module != name:
            raise RegistryError(f"{cls.__module__}.{cls.__name__}: a platform spider is named as its module ({module!r}), not {name!r}")
    return dict(found)


class RegistrySpiderLoader(SpiderLoader):
    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        platforms = platform_spiders(settings)
        registry = default_registry(settings.get("GOVCRAWL_PORTALS") or None)
        self._spiders = {}
        for portal in registry.all().values():
            base = platforms.get(portal.platform)
            if base is None:
                raise RegistryError(
                    f"{portal.source}: key 'platform' is {portal.platform!r}: no such platform "
                    f"(a module in spiders/: {', '.join(sorted(platforms))})"
                )
            self._spiders[portal.slug] = bind(base, portal)


# platforms a portal is never recognised as: "auto" itself, the discovery channel; "generic" is what remains
NOT_PLATFORMS = ("auto", "web_search", "generic")


def detect(url: str, html: str, platforms: dict[str, type[Spider]]) -> tuple[str, list[str]]:
    """The platform with the most evidence on a page (each platform spider's ``recognise``; ties: the name first in
    order), or ("generic", []) when none recognises it."""
    best, evidence = "generic", []
    for name in sorted(platforms):
        if name in NOT_PLATFORMS:
            continue
        found = platforms[name].recognise(url, html)
        if len(found) > len(evidence):
            best, evidence = name, found
    return best, evidence
