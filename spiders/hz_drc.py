"""杭州市发展和改革委员会 (drc.hangzhou.gov.cn): municipal department; its report list is built by JavaScript, crawled in the site's Traditional-Chinese view (/gate/big5/)."""

from govcrawl.platforms import ScriptListSpider


class HzDrcSpider(ScriptListSpider):
    name = "hz_drc"
