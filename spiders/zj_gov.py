"""浙江省人民政府 (www.zj.gov.cn): provincial government, Hanweb jcms."""

from govcrawl.platforms import JcmsSpider


class ZjGovSpider(JcmsSpider):
    name = "zj_gov"
