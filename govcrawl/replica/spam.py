"""Spam copies of the reports on other hosts, and the web-search results page that mixes them with genuine ones."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from govcrawl.replica import templates as T
from govcrawl.replica.breadth import ORIGINAL_KEYS
from govcrawl.replica.content import (
    seed002_report,
    to_traditional,
)


# =========================================================================== spam & search
@dataclass
class SpamPage:
    host: str
    path: str
    html: str
    note: str

    @property
    def url(self):
        return f"http://{self.host}{self.path}"


def build_spam(articles) -> list[SpamPage]:
    title, para = seed002_report()
    shop = SpamPage("www.hbsjtao.com", "/chanpin/huaweishoujitao/1024.html", T.shop_page("www.hbsjtao.com", title, para),
                    "shop product page (产品中心 > 华为手机套) carrying the provincial 2017 report (seed 002)")
    zs2020 = next(a for a in articles["zhoushan"] if a.report_year == 2020)
    gamble = [("http://www.88pj-casino.com/", "澳門葡京賭場"), ("http://www.bet365-zx.com/", "線上投注"),
              ("http://www.ag-yule.net/", "真人百家樂")]
    mirror = SpamPage(
        "www.zsgov-tw.com", "/www.zhoushan.gov.cn/art/2021/1/28/art_1229006557_3590123.html",
        T.mirror_page(to_traditional(zs2020.title), to_traditional("发布日期:2021-01-28"),
                      [to_traditional(l) for l in zs2020.body if isinstance(l, str)], gamble),
        "Traditional-converted mirror of the Zhoushan 2020 report on a non-government host, hidden gambling links")
    fz2019 = next(a for a in articles["zj_fzggw"] if a.report_year == 2019)
    doc = SpamPage("www.docin365.com", "/p-2019zjfgw.html",
                   T.doc_share_page(fz2019.title, [x for x in fz2019.body if isinstance(x, str)][:6]),
                   "document-sharing site copy (excerpt, paid download) of the fzggw 2019 report")
    return [shop, mirror, doc]


def build_search(articles, spam) -> list[tuple[str, str, str, str]]:
    """[(token, title, abstract, target_url)] in result order."""
    by = {k: {a.report_year: a for a in v if a.is_report} for k, v in articles.items()}
    news = {k: next(a for a in v if a.note == "news") for k, v in articles.items() if k in ORIGINAL_KEYS}
    picks = [by["zj_gov"][2020], spam[0], by["zj_fzggw"][2020], news["zj_gov"], by["zhoushan"][2020],
             spam[1], by["zj_gov"][2018], by["zj_fzggw"][2016], news["zhoushan"], by["zhoushan"][2019],
             spam[2], news["zj_fzggw"]]
    out = []
    for i, p in enumerate(picks):
        if isinstance(p, SpamPage):
            title = re.search(r"<title>(.*?)</title>", p.html).group(1)
            body = re.sub(r"(?s)<(script|style|div style=\"(?:position|display)[^\"]*\")[^>]*>.*?</(script|style|div)>", "", p.html)
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body.split("</h1>", 1)[-1])).strip()
            target, abstract = p.url, text[:80] + "..."
        else:
            title, target = p.title, p.url
            abstract = next((x for x in p.body if isinstance(x, str) and len(x) > 20), "")[:80] + "..."
        token = hashlib.sha1(f"{i}|{target}".encode()).hexdigest()[:20].upper() + "Kq_" + str(100 + i)
        out.append((token, title, abstract, target))
    return out


