import pytest

from govcrawl.registry import RegistryError, default_registry, load_registry


def test_default_registry_has_every_spider():
    from scrapy.spiderloader import SpiderLoader
    from scrapy.settings import Settings

    loader = SpiderLoader.from_settings(Settings({"SPIDER_MODULES": ["spiders"]}))
    assert set(loader.list()) == set(default_registry())


@pytest.mark.parametrize(
    "entry, message",
    [
        ('slug="x"\nname="X"\nlevel="town"\nregion="r"\nplatform="jcms"\nstart_urls=["http://x.gov.cn/"]', "key 'level'"),
        ('slug="x"\nname="X"\nlevel="city"\nregion="r"\nplatform="jcms"', "missing required key 'start_urls'"),
        ('slug="x"\nname="X"\nlevel="city"\nregion="r"\nplatform="jcms"\nstart_urls=["x.gov.cn"]', "not an http(s) URL"),
    ],
)
def test_invalid_entries_name_file_entry_and_key(tmp_path, entry, message):
    path = tmp_path / "portals.toml"
    path.write_text("[[portal]]\n" + entry + "\n", encoding="utf-8")
    with pytest.raises(RegistryError) as err:
        load_registry(path)
    assert str(path) in str(err.value) and "#1 (x)" in str(err.value) and message in str(err.value)
