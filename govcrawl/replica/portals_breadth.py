"""The replica's breadth portals (issue 3): more Zhejiang governments and departments, as data.

Each entry is rendered by the generic builder in ``sites.py`` (``make_site`` + ``build_site_articles``)
with the jcms / JPaaS templates of the first five portals. Keys (defaults in ``sites.make_site``):

  slug, host, name, reg_level (city|county|department|province), region, platform (jcms|jpaas), parent
  colid, xxgk_colid          the annual-report column and the 政府信息公开 home (col ids)
  years=(first, last), missing=(years without a report)
  per_page                   jcms perPage (embedded datastore and dataproxy), JPaaS default rows
  nav                        the text of the link to the column (on the 政府信息公开 home, or nested)
  nested                     the home links 法定主动公开内容, which links the column
  column_name                the column's own name
  titles                     main title style + per-year overrides: "A 2016:E 2018:D" (styles in sites._title)
  variants                   metadata blocks by year: "V4:2016 V1" = V4 up to 2016, then V1; "-" = no block
  header                     pubdate_source | date_source | pubdate
  tables, tables_skip        first year whose statistics are real HTML tables (0 = never), years without
  blank_zeros                zero cells left empty in the tables
  stat_error                 the year whose report prints a wrong （七）总计 cell (statistics_errors)
  quirk                      "" | repeat_page1 (old jcms: dataproxy answers page 1 for every page, the column
                             embeds every record) | jpaas_max10 (the unit API caps pageSize at 10)
                             | web_proxy_only (dataproxy only under /module/web/jpage/)
  start                      xxgk (registry start_urls = the 政府信息公开 home) | column
  publisher, unit, we, abbr + doc_years (文号), others (non-reports), chinese_sig_years, link_style
  scheme                     http (default) | https: served through CONNECT with the replica's certificates
  https_redirect             the http site answers every request with a 301 to https
"""
from __future__ import annotations

BREADTH = [
    # ------------------------------------------------------------------ the other ten cities
    dict(slug="hangzhou", host="www.hangzhou.gov.cn", scheme="https", https_redirect=True,
         name="杭州市人民政府", reg_level="city", region="浙江省杭州市",
         platform="jcms", colid="1229063403", xxgk_colid="1229063380", years=(2014, 2024), per_page=5,
         nav="政府信息公开年报", column_name="政府信息公开年报", titles="A 2015:E 2020:B",
         variants="V4:2016 V1", tables=2019, publisher="杭州市人民政府办公厅", unit="杭州市", we="我市",
         abbr="杭政办函", doc_years=(2019, 2022), others=("plan", "notice", "news", "jiedu")),
    dict(slug="ningbo", host="www.ningbo.gov.cn", name="宁波市人民政府", reg_level="city", region="浙江省宁波市",
         platform="jcms", colid="1229116823", xxgk_colid="1229116790", years=(2016, 2024), per_page=8,
         nav="政府信息公开年度报告", nested=True, column_name="政府信息公开年度报告", titles="AN 2021:BF",
         variants="V2", tables=2020, blank_zeros=True, publisher="宁波市人民政府办公厅", unit="宁波市", we="我市",
         others=("plan", "news", "jiedu")),
    dict(slug="wenzhou", host="www.wenzhou.gov.cn", name="温州市人民政府", reg_level="city", region="浙江省温州市",
         platform="jcms", colid="1217829", xxgk_colid="1217800", years=(2015, 2024), per_page=12,
         nav="年度报告", column_name="政府信息公开年度报告", titles="C 2017:A 2018:D", variants="V1",
         tables=2021, publisher="温州市人民政府办公室", unit="温州市", we="我市", header="date_source",
         others=("notice", "news")),
    dict(slug="jiaxing", host="www.jiaxing.gov.cn", scheme="https",
         name="嘉兴市人民政府", reg_level="city", region="浙江省嘉兴市",
         platform="jpaas", colid="1229427632", xxgk_colid="1229427600", years=(2016, 2024), per_page=15,
         nav="政府信息公开年报", column_name="政府信息公开年报", titles="A 2019:C", variants="V1",
         tables=2019, publisher="嘉兴市人民政府办公室", unit="嘉兴市", we="我市", link_style="protocol_relative",
         others=("plan", "jiedu")),
    dict(slug="huzhou", host="www.huzhou.gov.cn", name="湖州市人民政府", reg_level="city", region="浙江省湖州市",
         platform="jcms", colid="1229213680", xxgk_colid="1229213651", years=(2014, 2023), per_page=6,
         nav="政府信息公开工作年度报告", nested=True, column_name="年度报告", titles="B 2016:E", variants="V4:2017 V3",
         tables=2019, publisher="湖州市人民政府办公室", unit="湖州市", we="我市", chinese_sig_years=(2016, 2017),
         others=("plan", "notice", "news")),
    dict(slug="shaoxing", host="www.sx.gov.cn", scheme="https",
         name="绍兴市人民政府", reg_level="city", region="浙江省绍兴市",
         platform="jcms", colid="1462941", xxgk_colid="1462900", years=(2017, 2024), per_page=10,
         nav="政府信息公开年报", column_name="政府信息公开年报", titles="BF 2018:D", variants="V1",
         tables=2019, blank_zeros=True, publisher="绍兴市人民政府办公室", unit="绍兴市", we="我市",
         abbr="绍政办函", doc_years=(2020, 2021, 2023), others=("plan", "news", "jiedu")),
    dict(slug="jinhua", host="www.jinhua.gov.cn", name="金华市人民政府", reg_level="city", region="浙江省金华市",
         platform="jcms", colid="1229160381", xxgk_colid="1229160350", years=(2016, 2024), per_page=7,
         nav="政府信息公开年报", column_name="政府信息公开年报", titles="A", variants="V1",
         tables=2019, stat_error=2022, publisher="金华市人民政府办公室", unit="金华市", we="我市",
         others=("notice", "news", "jiedu")),
    dict(slug="quzhou", host="www.qz.gov.cn", name="衢州市人民政府", reg_level="city", region="浙江省衢州市",
         platform="jpaas", colid="1229039425", xxgk_colid="1229039400", years=(2015, 2024), per_page=15,
         nav="年度报告", nested=True, column_name="政府信息公开年度报告", titles="AN 2019:B", variants="V2:2018 V1",
         tables=2021, publisher="衢州市人民政府办公室", unit="衢州市", we="我市", others=("plan", "news")),
    dict(slug="taizhou", host="www.zjtz.gov.cn", name="台州市人民政府", reg_level="city", region="浙江省台州市",
         platform="jcms", colid="1229001892", xxgk_colid="1229001850", years=(2014, 2024), per_page=9,
         nav="政府信息公开年报", column_name="政府信息公开年报", titles="A 2014:E 2022:C", variants="V4",
         quirk="web_proxy_only", tables=2019, tables_skip=(2020,), publisher="台州市人民政府办公室", unit="台州市",
         we="我市", others=("plan", "notice", "news", "jiedu")),
    dict(slug="lishui", host="www.lishui.gov.cn", scheme="https",
         name="丽水市人民政府", reg_level="city", region="浙江省丽水市",
         platform="jcms", colid="1229218440", xxgk_colid="1229218400", years=(2015, 2024), missing=(2017,), per_page=5,
         nav="政府信息公开年度报告", column_name="政府信息公开年度报告", titles="B 2015:D 2016:D", variants="-:2018 V1",
         tables=2019, publisher="丽水市人民政府办公室", unit="丽水市", we="我市", others=("plan", "news")),
    # ------------------------------------------------------------------ counties
    dict(slug="yuhang", host="www.yuhang.gov.cn", scheme="https",
         name="杭州市余杭区人民政府", reg_level="county", region="浙江省杭州市余杭区",
         platform="jcms", colid="1532198", xxgk_colid="1532150", years=(2016, 2024), per_page=6,
         nav="政府信息公开年报", nested=True, column_name="政府信息公开年报", titles="A 2017:D", variants="V1",
         tables=2019, publisher="余杭区人民政府办公室", unit="余杭区", we="我区", others=("plan", "notice", "news")),
    dict(slug="deqing", host="www.deqing.gov.cn", name="德清县人民政府", reg_level="county", region="浙江省湖州市德清县",
         platform="jcms", colid="1229513760", xxgk_colid="1229513700", years=(2019, 2024), per_page=5,
         nav="年报", nested=True, column_name="政府信息公开年报", titles="C 2021:A", variants="V2",
         tables=2019, blank_zeros=True, publisher="德清县人民政府办公室", unit="德清县", we="我县",
         others=("plan", "jiedu")),
    dict(slug="anji", host="www.anji.gov.cn", name="安吉县人民政府", reg_level="county", region="浙江省湖州市安吉县",
         platform="jpaas", colid="1229211930", xxgk_colid="1229211900", years=(2016, 2024), per_page=15,
         nav="政府信息公开年度报告", column_name="政府信息公开年度报告", titles="BF 2016:E", variants="V1",
         tables=2020, publisher="安吉县人民政府办公室", unit="安吉县", we="我县", chinese_sig_years=(2016,),
         others=("notice", "news")),
    dict(slug="yiwu", host="www.yw.gov.cn", scheme="https", https_redirect=True,
         name="义乌市人民政府", reg_level="county", region="浙江省金华市义乌市",
         platform="jcms", colid="1229136502", xxgk_colid="1229136480", years=(2015, 2024), per_page=15,
         nav="政府信息公开年报", column_name="政府信息公开年报", titles="A 2018:D 2023:BF", variants="V4:2018 V1",
         tables=2019, publisher="义乌市人民政府办公室", unit="义乌市", we="我市", start="column",
         others=("plan", "news", "jiedu")),
    dict(slug="shengsi", host="www.shengsi.gov.cn", name="嵊泗县人民政府", reg_level="county", region="浙江省舟山市嵊泗县",
         platform="jcms", colid="1229300172", xxgk_colid="1229300150", years=(2014, 2024), per_page=6,
         nav="政府信息公开年报", column_name="政府信息公开年报", titles="E 2019:A 2022:B", variants="V4",
         quirk="repeat_page1", tables=2022, publisher="嵊泗县人民政府办公室", unit="嵊泗县", we="我县",
         others=("plan", "notice", "news", "jiedu")),
    # ------------------------------------------------------------------ departments
    dict(slug="zj_jyt", host="jyt.zj.gov.cn", scheme="https",
         name="浙江省教育厅", reg_level="department", region="浙江省",
         parent="zj_gov", platform="jpaas", colid="1229106823", xxgk_colid="1229106800", years=(2016, 2024), per_page=15,
         nav="政府信息公开年报", column_name="政府信息公开年报", titles="A 2018:D 2022:C", variants="V1",
         tables=2019, publisher="浙江省教育厅办公室", unit="浙江省教育厅", we="我厅", others=("plan", "news")),
    dict(slug="zj_czt", host="czt.zj.gov.cn", name="浙江省财政厅", reg_level="department", region="浙江省",
         parent="zj_gov", platform="jcms", colid="1164176", xxgk_colid="1164150", years=(2014, 2024), per_page=10,
         nav="政府信息公开年度报告", column_name="政府信息公开年度报告", titles="A 2020:BF", variants="V1",
         tables=2019, blank_zeros=True, publisher="浙江省财政厅", unit="浙江省财政厅", we="我厅", start="column",
         abbr="浙财办", doc_years=(2019, 2021), others=("plan", "notice", "jiedu")),
    dict(slug="zj_sthjt", host="sthjt.zj.gov.cn", scheme="https", https_redirect=True,
         name="浙江省生态环境厅", reg_level="department", region="浙江省",
         parent="zj_gov", platform="jpaas", colid="1229263559", xxgk_colid="1229263500", years=(2014, 2024), per_page=15,
         nav="政府信息公开年报", column_name="政府信息公开年报", titles="C 2016:A 2017:A", variants="V2",
         quirk="jpaas_max10", tables=2019, publisher="浙江省生态环境厅", unit="浙江省生态环境厅", we="我厅",
         others=("plan", "notice", "news", "jiedu")),
    dict(slug="nb_fgw", host="fgw.ningbo.gov.cn", name="宁波市发展和改革委员会", reg_level="department", region="浙江省宁波市",
         parent="ningbo", platform="jcms", colid="1229057392", xxgk_colid="1229057350", years=(2016, 2024), per_page=5,
         nav="年度报告", column_name="年度报告", titles="A 2017:D 2021:B", variants="V3:2018 V1",
         tables=2019, publisher="宁波市发展和改革委员会", unit="宁波市发展和改革委员会", we="我委",
         others=("plan", "notice", "news")),
    dict(slug="wz_czj", host="czj.wenzhou.gov.cn", scheme="https",
         name="温州市财政局", reg_level="department", region="浙江省温州市",
         parent="wenzhou", platform="jcms", colid="1321982", xxgk_colid="1321950", years=(2017, 2024), per_page=5,
         nav="政府信息公开年报", column_name="政府信息公开年报", titles="A 2019:C", variants="V4:2018 V2",
         header="date_source", tables=2019, publisher="温州市财政局", unit="温州市财政局", we="我局",
         others=("notice", "news", "jiedu")),
    dict(slug="hz_jyj", host="edu.hangzhou.gov.cn", name="杭州市教育局", reg_level="department", region="浙江省杭州市",
         parent="hangzhou", platform="jcms", colid="1229318012", xxgk_colid="1229317980", years=(2018, 2024), per_page=11,
         nav="政府信息公开年度报告", column_name="政府信息公开年度报告", titles="AN 2022:BF", variants="V1",
         tables=2021, publisher="杭州市教育局", unit="杭州市教育局", we="我局", others=("plan", "news")),
    dict(slug="jx_fgw", host="fgw.jiaxing.gov.cn", scheme="https",
         name="嘉兴市发展和改革委员会", reg_level="department",
         region="浙江省嘉兴市", parent="jiaxing", platform="jpaas", colid="1229448126", xxgk_colid="1229448100",
         years=(2017, 2024), per_page=15, nav="年度报告", column_name="政府信息公开年度报告", titles="C 2018:D 2020:A",
         variants="V1", tables=2019, publisher="嘉兴市发展和改革委员会", unit="嘉兴市发展和改革委员会", we="我委",
         others=("notice", "jiedu")),
]
