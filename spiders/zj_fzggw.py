"""浙江省发展和改革委员会 (fzggw.zj.gov.cn): provincial department, JPaaS."""

from govcrawl.platforms import JpaasSpider


class ZjFzggwSpider(JpaasSpider):
    name = "zj_fzggw"
