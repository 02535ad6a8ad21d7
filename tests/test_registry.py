import pytest

from govcrawl.crawl.registry import RegistryError, default_registry, load_registry


def test_every_registry_entry_has_a_spider_named_by_its_slug():
    from scrapy.settings import Settings

    from govcrawl.crawl.spiderloader import RegistrySpiderLoader
    from spiders.jcms import JcmsSpider

    loader = RegistrySpiderLoader.from_settings(Settings({"SPIDER_MODULES": ["spiders"]}))
    registry = default_registry()
    assert set(loader.list()) == set(registry.all())
    zj_gov = loader.load("zj_gov")
    assert issubclass(zj_gov, JcmsSpider) and zj_gov.portal is registry.portals["zj_gov"]


def test_portal_with_unknown_platform_is_refused(tmp_path):
    from scrapy.settings import Settings

    from govcrawl.crawl.spiderloader import RegistrySpiderLoader

    path = tmp_path / "p.toml"
    path.write_text(
        '[[portal]]\nslug="x"\nname="X"\nlevel="city"\nregion="r"\nplatform="jcmz"\nstart_urls=["http://x.gov.cn/"]\n',
        encoding="utf-8",
    )
    with pytest.raises(RegistryError, match="'platform' is 'jcmz'"):
        RegistrySpiderLoader.from_settings(Settings({"SPIDER_MODULES": ["spiders"], "GOVCRAWL_PORTALS": str(path)}))


@pytest.mark.parametrize(
    "entry, message",
    [
        ('slug="x"\nname="X"\nlevel="town"\nregion="r"\nplatform="jcms"\nstart_urls=["http://x.gov.cn/"]', "key 'level'"),
        ('slug="x"\nname="X"\nlevel="city"\nregion="r"\nplatform="jcms"', "missing required key 'start_urls'"),
        ('slug="x"\nname="X"\nlevel="city"\nregion="r"\nplatform="jcms"\nstart_urls=["x.gov.cn"]', "not an http(s) URL"),
        ('slug="x"\nname="X"\nlevel="city"\nregion="r"\nplatform="jcms"\nstart_urls=["http://x.gov.cn/"]\nneeds_browsr=true', "unknown key 'needs_browsr'"),
    ],
)
def test_invalid_entries_name_file_entry_and_key(tmp_path, entry, message):
    path = tmp_path / "portals.toml"
    path.write_text("[[portal]]\n" + entry + "\n", encoding="utf-8")
    with pytest.raises(RegistryError) as err:
        load_registry(path)
    assert str(path) in str(err.value) and "#1 (x)" in str(err.value) and message in str(err.value)
