"""Near-duplicates of held government reports on other hosts are junk, named after their original."""

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from govcrawl.analysis.neardup import NearDuplicateIndex
from govcrawl.crawl.items import PageItem

SEEDS = Path(__file__).resolve().parent.parent / "govcrawl" / "replica" / "seeds"
REPORT = (SEEDS / "000_c329f63d9b8143d2.txt").read_text(encoding="utf-8")
OTHER = (SEEDS / "001_6313298e313eb453.txt").read_text(encoding="utf-8")


def test_index_finds_a_copy_with_noise_around_it_but_not_another_report():
    index = NearDuplicateIndex(threshold=0.8)
    index.add("http://fzggw.zj.gov.cn/r2020.html", REPORT)
    index.add("http://www.zhoushan.gov.cn/r2020.html", OTHER)
    copy = "欢迎光临 产品中心 >\n" + REPORT.replace("，", ",").replace("\n\n", "\n") + "\n联系我们 电话"
    [(url, similarity)] = index.originals(copy)
    assert url == "http://fzggw.zj.gov.cn/r2020.html" and similarity > 0.9
    assert index.originals(OTHER[:3000] + "不同的内容" * 50, exclude="http://www.zhoushan.gov.cn/r2020.html") == []
    assert index.originals("太短") == []


@pytest.mark.parametrize("workers", ["1", "2"])  # the analysis in this process, and in a pool of two workers
def test_pipeline_drops_a_plain_copy_on_a_non_government_host(tmp_path, workers):
    from pipelines.junk_filter import JunkFilterPipeline
    from pipelines.metadata import MetadataPipeline

    crawler = get_crawler(settings_dict={"GOVCRAWL_DB_URL": f"sqlite:///{tmp_path / 'n.sqlite3'}",
                                         "GOVCRAWL_ANALYSIS_WORKERS": workers})
    pipelines = JunkFilterPipeline(crawler), MetadataPipeline(crawler)
    junk, metadata = [SimpleNamespace(process_item=lambda item, p=p: asyncio.run(p.process_item(item)))
                      for p in pipelines]
    html = "<html><head><title>{t}</title></head><body><h1>{t}</h1><div id=zoom>{b}</div></body></html>"
    title = "浙江省发展和改革委员会2020年政府信息公开工作年度报告"
    body = "".join(f"<p>{line}</p>" for line in REPORT.splitlines())
    genuine = PageItem(url="http://fzggw.zj.gov.cn/art/2021/1/29/art_1_1.html", portal="zj_fzggw",
                       body=html.format(t=title, b=body).encode(), content_type="text/html; charset=utf-8",
                       status=200, found_via="zj_fzggw")
    # a bare copy on a blog host: no shop, no gambling, just the pasted report
    copy = PageItem(url="http://blog.example.com/posts/123.html", portal=None,
                    body=html.format(t=title, b=body).encode(), content_type="text/html; charset=utf-8",
                    status=200, found_via="web_search")
    # a report on a host that is not the government's is a copy, before the genuine report is held ...
    with pytest.raises(DropItem, match="government_report_copy") as first:
        junk.process_item(copy)
    assert "near_duplicate" not in str(first.value)
    # ... and once it is, the drop also names the original it copies
    metadata.process_item(junk.process_item(genuine))
    with pytest.raises(DropItem, match="near_duplicate: http://fzggw.zj.gov.cn/art/2021/1/29/art_1_1.html"):
        junk.process_item(copy)


def test_signatures_kept_in_the_database_serve_later_runs(db_url):
    """With a Store, signatures and band keys live in SQL: a later process finds copies of earlier reports,
    signatures of another scheme are never compared, and reports from before signatures were kept get theirs."""
    from govcrawl.analysis import neardup
    from govcrawl.analysis.neardup import SCHEME, NearDuplicateIndex, shared_index
    from govcrawl.store.store import Store

    store = Store(db_url)
    first = NearDuplicateIndex(0.8, store=store)
    first.add("http://fzggw.zj.gov.cn/r2020.html", REPORT)
    first.add("http://fzggw.zj.gov.cn/r2020.html", REPORT)  # added again (changed): still one signature
    assert len(first) == 1
    copy = "欢迎光临 产品中心 >\n" + REPORT.replace("，", ",") + "\n联系我们"
    later = NearDuplicateIndex(0.8, store=Store(db_url))  # another run: nothing in memory
    [(url, similarity)] = later.originals(copy)
    assert url == "http://fzggw.zj.gov.cn/r2020.html" and similarity > 0.9
    assert later.originals(OTHER) == []
    # a signature made under another scheme is not comparable: never a candidate
    sig = neardup.signature(OTHER)
    store.save_signature("http://www.zhoushan.gov.cn/r.html", "other-scheme", neardup.pack(sig.hashvalues),
                         neardup.band_keys(sig.hashvalues))
    assert later.originals(OTHER) == []
    # a report held before signatures were kept (or under another scheme) gets one when the index opens
    store.save_report({"url": "http://www.zhoushan.gov.cn/r.html", "portal": "zhoushan", "body_text": OTHER})
    store.save_report({"url": "http://blog.example.com/copy.html", "body_text": OTHER})  # not a government host
    index = shared_index(store, 0.8)
    assert [u for u, _ in index.originals(OTHER)] == ["http://www.zhoushan.gov.cn/r.html"]
    assert [u for u, _ in store.reports_without_signature(SCHEME)] == ["http://blog.example.com/copy.html"]
    store.close()


def test_signatures_are_datasketchs_minhash_without_importing_it():
    """The permutations drawn in govcrawl are datasketch's affine32 ones for seed 1, and a signature is the MinHash
    datasketch makes from the same shingle hashes -- so stored signatures (SCHEME) stay comparable -- while making
    one imports neither datasketch nor scipy (~70 MB in every process)."""
    import subprocess
    import sys

    import numpy as np
    from datasketch import MinHash

    from govcrawl.analysis import neardup

    reference = MinHash(num_perm=neardup.NUM_PERM, seed=1)
    a, b = neardup._permutations()
    assert np.array_equal(a, reference.permutations[0]) and np.array_equal(b, reference.permutations[1])
    ours = neardup.signature(REPORT).hashvalues
    hashes = neardup.shingle_hashes(neardup._NOISE.sub("", REPORT))
    expected = np.minimum(reference.hashvalues, (hashes[:, None] * reference.permutations[0]
                                                 + reference.permutations[1]).min(axis=0))
    assert ours.dtype == np.uint32 and np.array_equal(ours, expected)
    code = ("import sys; from govcrawl.analysis.neardup import signature_record; "
            f"assert signature_record(open({str(SEEDS / '000_c329f63d9b8143d2.txt')!r}, encoding='utf-8').read()); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('datasketch', 'scipy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "[]"
