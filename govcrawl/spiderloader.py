"""Spiders from the registry: every portal gets a spider named by its slug.

A portal on a known platform (jcms, jpaas, generic) needs no code: its spider is the platform's
class bound to the registry entry. A portal whose ``platform`` names a custom spider (a module in
``spiders/``) gets that spider, bound to the entry likewise; so do discovery channels.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings
from scrapy.spiderloader import SpiderLoader
from scrapy import Spider

from govcrawl.platforms import GenericSpider, JcmsSpider, JpaasSpider
from govcrawl.registry import Portal, RegistryError, default_registry

PLATFORM_SPIDERS: dict[str, type[Spider]] = {
    "jcms": JcmsSpider,
    "jpaas": JpaasSpider,
    "generic": GenericSpider,
}


def bind(base: type[Spider], portal: Portal) -> type[Spider]:
    """A spider class for one registry entry: ``base`` with ``name`` = the slug."""
    return type(f"{base.__name__}_{portal.slug}", (base,), {"name": portal.slug, "portal": portal})


class RegistrySpiderLoader(SpiderLoader):
    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)  # custom spiders, found in SPIDER_MODULES
        custom = dict(self._spiders)
        registry = default_registry(settings.get("GOVCRAWL_PORTALS") or None)
        self._spiders = {}
        for portal in registry.all().values():
            base = custom.get(portal.platform) or PLATFORM_SPIDERS.get(portal.platform)
            if base is None:
                known = ", ".join([*PLATFORM_SPIDERS, *sorted(custom)])
                raise RegistryError(
                    f"{portal.source}: key 'platform' is {portal.platform!r}: no such platform or custom spider ({known})"
                )
            self._spiders[portal.slug] = bind(base, portal)
