"""舟山市人民政府 (www.zhoushan.gov.cn): municipal government, jcms served in GBK, dataproxy at /module/web/jpage/ only."""

from govcrawl.platforms import JcmsSpider


class ZhoushanSpider(JcmsSpider):
    name = "zhoushan"
