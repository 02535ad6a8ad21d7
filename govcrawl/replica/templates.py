"""HTML/XML/JSON templates of the replica, shaped after tests/fixtures/samples/."""
from __future__ import annotations

import json
from html import escape
from urllib.parse import quote


def esc(s) -> str:
    return escape(str(s), quote=False)


def attr(s) -> str:
    return escape(str(s), quote=True)


# --------------------------------------------------------------------------- chrome
def head(site, title: str, extra_meta: str = "", charset: str | None = None) -> str:
    cs = charset or site.charset_label
    return f"""<!DOCTYPE html>
<html>
<head>
    <meta http-equiv="Content-Type" content="text/html; charset={cs}">
    <meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1">
    <link rel="stylesheet" type="text/css" href="/cms_files/{site.key}/images/hanweb.css">
<script src="/cms_files/default/script/jslib/jquery.js"></script>
<title>{esc(title)}</title>
<meta name="SiteName" content="{attr(site.name)}">
<meta name="SiteDomain" content="{site.host}">
<meta name="SiteIDCode" content="{site.site_id}">
{extra_meta}</head>
"""


def top_nav(site) -> str:
    report = (f'<a href="/col/col{site.colid}/index.html">政府信息公开年报</a>' if site.nav_report_link
              else '<a href="/col/col1229000002/index.html">政务服务</a>')
    return f"""<div class="top w"><div class="logo"><a href="/index.html">{esc(site.name)}</a></div>
<ul class="nav"><li><a href="/index.html">首页</a></li><li><a href="{site.xxgk_path}">政府信息公开</a></li>
<li>{report}</li><li><a href="/module/search/index.jsp">站内搜索</a></li></ul></div>
"""


def footer(site) -> str:
    if site.footer_script:
        # JPaaS: the footer is injected by this script, absent from the raw HTML
        return f'<script src="{site.footer_script}"></script>\n'
    return f"""<div class="footer w" aria-region="true" aria-label="底部区">
<p>主办单位:{esc(site.name)} &nbsp; 网站标识码:{site.site_id}</p>
<p><a href="https://beian.miit.gov.cn/" target="_blank">{site.icp}</a> &nbsp;
<img src="/cms_files/default/images/gongan.png" alt=""><a href="http://www.beian.gov.cn/portal/registerSystemInfo" target="_blank">{site.gongan}</a></p>
</div>
"""


def footer_script_js(site) -> str:
    html = (f'<div class="footer w"><p>主办单位:{site.name} 网站标识码:{site.site_id}</p>'
            f'<p>{site.icp} {site.gongan}</p></div>')
    return f"document.write({json.dumps(html, ensure_ascii=False)});\n"


def zhoushan_side() -> str:
    # navigation text around the body of seed 001
    return """<div class="xxgk-side"><ul>
<li><a href="/col/col1229006550/index.html">申请公开</a></li>
<li><a href="/col/col1229006550/index.html">政府信息</a></li>
<li><a href="http://www.gov.cn/">国家地方部<br>门平台链接</a></li>
</ul></div>
"""


def page(site, title, body, extra_meta="", charset=None) -> str:
    side = zhoushan_side() if site.key == "zhoushan" else ""
    return (head(site, title, extra_meta, charset) +
            f"<body><div id='barrierfree_container'>\n{top_nav(site)}{side}{body}\n{footer(site)}</div></body>\n</html>\n")


def simple_page(site, title: str, links: list[tuple[str, str]], intro: str = "") -> str:
    lis = "\n".join(f'<li><a href="{attr(h)}">{esc(t)}</a></li>' for h, t in links)
    body = f'<div class="main w"><h2>{esc(title)}</h2>{intro}<ul class="links">\n{lis}\n</ul></div>'
    return page(site, title, body, f'<meta name="ColumnName" content="{attr(title)}">\n')


def not_found(site) -> str:
    body = '<div class="main w"><h2>404</h2><p>对不起，您访问的页面不存在或已被删除！</p><p><a href="/">返回首页</a></p></div>'
    return page(site, "404 页面不存在", body)


# --------------------------------------------------------------------------- metadata blocks
LABELS_V1 = ("索引号", "组配分类", "发布机构", "生成日期", "文件编号", "有效性")


def block_html(variant: str, v: dict) -> str:
    """v keys: index_no, category, publisher, written_date, doc_no, validity, open_mode."""
    doc = v.get("doc_no") or ""
    if variant == "V1":
        wlabel = v.get("date_label", "生成日期")
        return f"""<table border="0" width="90%" class="xxgktab">
	<tr>
		<td height="25" align="right">索引号：</td><td>{esc(v['index_no'])}</td>
		<td align="right">组配分类：</td><td>{esc(v.get('category', '政府信息公开年报'))}</td>
	</tr>
	<tr>
		<td height="25" align="right">发布机构：</td><td>{esc(v['publisher'])}</td>
		<td align="right">{wlabel}：</td><td>{esc(v['written_date'])}</td>
	</tr>
	<tr>
		<td height="25" align="right">文件编号：</td><td>{esc(doc)}</td>
		<td align="right">有效性：</td><td>{esc(v.get('validity', '有效'))}</td>
	</tr>
</table>
"""
    if variant == "V2":
        doc_li = f'<li><span class="label">文号：</span><span>{esc(doc)}</span></li>' if doc else ""
        return f"""<div class="xxgk_top"><ul>
<li><span class="label">索引号:</span><span>{esc(v['index_no'])}</span></li>
<li><span class="label">主题分类:</span><span>{esc(v.get('category', '其他'))}</span></li>
<li><span>发布单位：</span>{esc(v['publisher'])}</li>
<li><span class="label">成文日期:</span><span>{esc(v['written_date'])}</span></li>
{doc_li}<li><span class="label">公开方式:</span><span>主动公开</span></li>
</ul></div>
"""
    if variant == "V3":
        # rendered with Simplified labels; the /gate/big5/ view turns them into 索引號, 發布單位...
        return f"""<table class="xxgk_table" width="100%" border="1" cellspacing="0">
<tr><td class="label">索引号:</td><td>{esc(v['index_no'])}</td><td class="label">公开方式:</td><td>{esc(v.get('open_mode', '主动公开'))}</td></tr>
<tr><td class="label">文号:</td><td>{esc(doc)}</td><td class="label">成文日期:</td><td>{esc(v['written_date'])}</td></tr>
<tr><td class="label">发布单位:</td><td>{esc(v['publisher'])}</td><td class="label">主题分类:</td><td>{esc(v.get('category', '其他'))}</td></tr>
</table>
"""
    if variant == "V4":
        doc_part = f"&nbsp;&nbsp;文号：{esc(doc)}" if doc else ""
        return (f'<div class="info">索引号：{esc(v["index_no"])}&nbsp;&nbsp;&nbsp;发布单位：{esc(v["publisher"])}<br>'
                f'成文日期:{esc(v["written_date"])}{doc_part}</div>\n')
    raise ValueError(variant)


# --------------------------------------------------------------------------- article
def body_html(items) -> str:
    out = []
    for it in items:
        if isinstance(it, tuple) and it[0] == "table":
            rows = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>\n" for r in it[1])
            out.append(f'<table class="stat" border="1" cellspacing="0" cellpadding="4" width="100%"><tbody>\n{rows}</tbody></table>')
        elif isinstance(it, tuple) and it[0] == "raw":
            out.append(it[1])
        elif isinstance(it, tuple) and it[0] == "right":
            out.append(f'<p style="text-indent: 2em; text-align: right;">{esc(it[1])}</p>')
        elif it is None or not str(it).strip():
            continue
        else:
            out.append(f'<p style="text-indent: 2em; text-align: justify;">{esc(it)}</p>')
    return "\n".join(out)


def article_page(site, art) -> str:
    metas = (f'<meta name="ColumnName" content="{attr(art.column_name)}">\n'
             f'<meta name="ArticleTitle" content="{attr(art.title)}">\n'
             f'<meta name="PubDate" content="{art.pub}">\n'
             f'<meta name="ContentSource" content="{attr(art.content_source)}">\n'
             f'<meta name="Url" content="{attr(art.path)}">\n')
    if art.header == "date_source":  # seed 000
        hdr = f'<span>日期:{art.pub}</span><span>来源:{esc(art.source)}</span><span>浏览次数:<lable id="artcount"></lable></span>'
    elif art.header == "pubdate":  # seed 001
        hdr = f'<span>发布日期:{art.pub[:10]}</span><span>浏览次数:<lable id="artcount"></lable></span>'
    else:
        hdr = f'<span>发布日期：{art.pub}</span><span>信息来源：{esc(art.source)}</span><span>浏览次数：<lable id="artcount"></lable></span>'
    block = block_html(art.block[0], art.block[1]) if art.block else ""
    att = ""
    body = f"""<div class="position w">当前位置：<a href="/index.html">首页</a> &gt; <a href="{site.xxgk_path}">政府信息公开</a> &gt; <a href="/col/col{site.colid}/index.html">{esc(art.column_name)}</a></div>
<div class="wz-con bt-box-1200" aria-region="true" aria-label="正文区">
<div class="con">
{block}    <p class="con-title">{esc(art.title)}</p>
    <div style="height:3px; background-color:#dbdbdb;"></div>
    <div class="small-title clearfix">
        {hdr}
    </div>
    <div style="clear: both;"></div>
    <div class="main-txt" id="zoom">
{body_html(art.body)}
    </div>{att}
    <div class="main-word"><span class="printer" onclick="window.print()">打印</span> <span class="close" onclick="window.close()">关闭</span></div>
</div>
</div>"""
    return page(site, art.title, body, metas)


# --------------------------------------------------------------------------- lists
def jcms_record(href: str, title: str, date: str) -> str:
    return f'<li><a href="{attr(href)}" target="_blank" title="{attr(title)}">{esc(title)}</a><span>{date}</span></li>'


def jcms_column_page(site, items, per_page: int, proxy_path: str, embed_all: bool = False) -> str:
    """jcms column page with its first list page embedded as <datastore> (items: list of Article);
    ``embed_all``: every record embedded, as old jcms did (jpage then pages on the client)."""
    shown = items if embed_all else items[:per_page]
    recs = "\n".join(f"<record><![CDATA[{jcms_record(a.link, a.title, a.pub[:10])}]]></record>" for a in shown)
    q = (f"page=1&appid=1&webid={site.webid}&path=/&columnid={site.colid}&unitid={site.unitid}"
         f"&webname={site.name}&permissiontype=0")
    body = f"""<div class="position w">当前位置：<a href="/index.html">首页</a> &gt; <a href="{site.xxgk_path}">政府信息公开</a> &gt; <a href="/col/col{site.colid}/index.html">{esc(site.column_name)}</a></div>
<div class="main w"><div class="lm-title">{esc(site.column_name)}</div>
<div class="lm-list">
<div id="{site.unitid}"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="{proxy_path}?{q}"></a>]]></nextgroup><recordset>
{recs}
</recordset></datastore></script><script language="javascript" src="/module/jslib/jquery/jpage/jquery.jpage.js"></script><script>
$(document).ready(function(){{$.jpage({{
    dataStore: null, dataBefore: '<ul class="lm-ul">', dataAfter: '</ul>',
    perPage: {per_page}, totalRecord: {len(items)}, groupSize: 1,
    proxyUrl: '{proxy_path}', appid: '1', webid: '{site.webid}', path: '/', columnid: '{site.colid}',
    unitid: '{site.unitid}', webname: '{site.name}', permissiontype: '0', sourceContentType: '1', col: '1',
    pageType: 'jcms'
}});}});
</script></div>
</div></div>"""
    return page(site, site.column_name, body, f'<meta name="ColumnName" content="{attr(site.column_name)}">\n')


def jcms_dataproxy_xml(site, items, start: int, end: int, per_page: int, proxy_path: str) -> str:
    total = len(items)
    pages = (total + per_page - 1) // per_page if per_page > 0 else 0
    sel = items[max(start, 1) - 1:max(end, 0)] if total else []
    recs = "\n".join(f"<record><![CDATA[{jcms_record(a.link, a.title, a.pub[:10])}]]></record>" for a in sel)
    nextgroup = ""
    if total:
        nextgroup = (f"<a href=\"{proxy_path}?page={pages}&appid=1&webid={site.webid}&path=/&columnid={site.colid}"
                     f"&unitid={site.unitid}&webname={site.name}\"></a>")
    return (f"<datastore>\n<totalrecord>{total}</totalrecord>\n<totalpage>{pages}</totalpage>\n"
            f"<nextgroup><![CDATA[{nextgroup}]]></nextgroup>\n<recordset>\n{recs}\n</recordset>\n</datastore>")


JPAAS_UNIT_URL = "/api-gateway/jpaas-publish-server/front/page/build/unit"


def jpaas_column_page(site) -> str:
    qd = (f"{{'parseType':'bulidstatic','webId':'{site.webid}','tplSetId':'{site.tplsetid}','pageType':'column',"
          f"'tagId':'信息列表','editType':'null','pageId':'{site.colid}'}}")
    body = f"""<div class="position"><div class="position-txt w">当前位置：<a href="/index.html">首页</a> &gt;
<a href="{site.xxgk_path}">政府信息公开</a> &gt; <a href="/col/col{site.colid}/index.html">{esc(site.column_name)}</a></div></div>
<div class="bt-column-y clearfix" aria-region="true" aria-regiontype="5">
  <div class="bt-column-cen">
<script>
var authorizedReadUnitId = "0d3d7ac55f7441b8990ed9fb1bc85a84";
</script><script id="0d3d7ac55f7441b8990ed9fb1bc85a84" src="/cms_files/default/script/AuthorizedRead/unitbuild.js?v=4.5.12.1-ZJSJYH-U45" webId="{site.webid}" parseType="bulidstatic" url="{JPAAS_UNIT_URL}" queryData="{qd}"></script>
  </div>
</div>
<div style="display: none" class="dqwz_name">{esc(site.column_name)}</div>"""
    metas = (f'<meta name="ColId" content="{site.colid}">\n<meta name="ColumnName" content="{attr(site.column_name)}">\n'
             f'<meta name="server" content="{site.host}/col/col{site.colid}/index.html">\n<meta id="pagetype" content="2">\n')
    return page(site, site.column_name, body, metas)


def jpaas_unit_json(site, items, page_no: int, page_size: int) -> str:
    sel = items[(page_no - 1) * page_size: page_no * page_size] if page_no >= 1 else []
    lis = "".join(
        f'\n      <li class="clearfix"><a class="bt-left" title="{attr(a.title)}" href="{attr(a.link)}" target="_blank">'
        f'{esc(a.title if len(a.title) <= 30 else a.title[:30] + "...")}</a><span class="bt-right">{a.pub[:10]}</span></li>\n'
        for a in sel)
    qd = (f"{{'webId':'{site.webid}','pageId':'{site.colid}','parseType':'bulidstatic','pageType':'column',"
          f"'tagId': '信息列表', 'tplSetId': '{site.tplsetid}'}}")
    html = (f'<ul>  <div id="信息列表">\n    <div class="page-content">\n{lis}\n    </div>\n  </div>\n</ul>\n'
            f'<table class="pagination default_pgToolbar" width="100%" border="0" cellpadding="0" cellspacing="0" '
            f'newPagination="1" pagestyle="custom" pagecolor="#1890ff" queryData="{qd}" rows="{page_size}" unitid="信息列表" '
            f'count="{len(items)}" pageNo="{page_no}" unitUrl="{JPAAS_UNIT_URL}">\n  <tbody><tr><td>'
            f'第 <input class="default_pgCurrentPage" type="number" title="页码" /> 页 / 共 <span class="default_pgTotalPage">0</span> 页'
            f'</td></tr></tbody>\n</table>\n<script src="/cms_files/default/script/ajax/page/pageNew.js"></script>\n')
    return json.dumps({"roles": None, "permissions": None, "success": True, "message": "生成成功", "code": "200",
                       "data": {"html": html}, "traceId": "6ca703fecd20455cb0e523a217f80848", "messageType": 2},
                      ensure_ascii=False)


def js_list_page(site, entries, key: int = 7) -> str:
    """Column built only by an inline script; entries: list of (url, title, date), already in the view's script."""
    payload = json.dumps([[u, t, d] for u, t, d in entries], ensure_ascii=False)
    codes = ",".join(str(ord(c) + key) for c in payload)
    body = f"""<div class="position w">当前位置：<a href="/index.html">首页</a> &gt; <a href="{site.xxgk_path}">政府信息公开</a> &gt; {esc(site.column_name)}</div>
<div class="main w"><div class="lm-title">{esc(site.column_name)}</div>
<ul id="report-list"></ul>
<script type="text/javascript">
(function(){{
  var _k = {key}, _c = [{codes}];
  var s = "";
  for (var i = 0; i < _c.length; i++) {{ s += String.fromCharCode(_c[i] - _k); }}
  var d = JSON.parse(s), ul = document.getElementById("report-list"), h = "";
  for (var j = 0; j < d.length; j++) {{
    h += '<li><a href="' + d[j][0] + '" title="' + d[j][1] + '">' + d[j][1] + '</a><span>' + d[j][2] + '</span></li>';
  }}
  ul.innerHTML = h;
}})();
</script>
</div>"""
    return page(site, site.column_name, body, f'<meta name="ColumnName" content="{attr(site.column_name)}">\n')


def xhr_list_page(site, list_url: str) -> str:
    """Column whose list a script fetches as JSON after the page has loaded (the Ucap search service's answer shape:
    ``{data: {results: [{title, url, publishedTimeStr}]}}``), written without jQuery: the page itself holds no
    link to any article, so only a browser that waits for the request sees the list."""
    body = f"""<div class="position w">当前位置：<a href="/index.html">首页</a> &gt; <a href="{site.xxgk_path}">政府信息公开</a> &gt; {esc(site.column_name)}</div>
<div class="main w"><div class="lm-title">{esc(site.column_name)}</div>
<ul id="report-list" class="pagelist"></ul>
<script type="text/javascript">
/* 栏目列表：页面载入后由检索服务返回 JSON，逐条写入 */
window.addEventListener("load", function () {{
  var xhr = new XMLHttpRequest();
  xhr.open("GET", "{list_url}?_isJson=true&page=1", true);
  xhr.onreadystatechange = function () {{
    if (xhr.readyState !== 4 || xhr.status !== 200) {{ return; }}
    var res = JSON.parse(xhr.responseText), h = "";
    for (var j = 0; j < res.data.results.length; j++) {{
      var r = res.data.results[j];
      h += '<li><a href="' + r.url + '" title="' + r.title + '">' + r.title + '</a><span>' + r.publishedTimeStr + '</span></li>';
    }}
    document.getElementById("report-list").innerHTML = h;
  }};
  xhr.send();
}});
</script>
</div>"""
    return page(site, site.column_name, body, f'<meta name="ColumnName" content="{attr(site.column_name)}">\n')


def xhr_list_json(entries) -> str:
    """The answer of :func:`xhr_list_page`'s request; entries: list of (url, title, date)."""
    results = [{"title": t, "url": u, "publishedTimeStr": d} for u, t, d in entries]
    return json.dumps({"data": {"total": len(results), "rows": len(results), "results": results}}, ensure_ascii=False)


def decode_js_list(html: str, key: int = 7) -> list:
    """Helper for tests/spiders: decode the list embedded by :func:`js_list_page`."""
    import re

    m = re.search(r"_k = (\d+), _c = \[([\d,]*)\]", html)
    if not m:
        return []
    k = int(m.group(1))
    return json.loads("".join(chr(int(x) - k) for x in m.group(2).split(",") if x))


# --------------------------------------------------------------------------- spam
def shop_page(host, title: str, report_text: str, breadcrumb: str = "华为手机套") -> str:
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(title)}_{breadcrumb}_湖北手机套淘网</title>
<meta name="keywords" content="{breadcrumb},手机壳,手机套批发,{attr(title)}">
<link rel="stylesheet" href="/templets/default/style/shop.css"></head>
<body>
<div class="top"><span>欢迎光临我们的网站!</span></div>
<div class="nav"><a href="/">网站首页</a> <a href="/chanpin/">产品中心</a> <a href="/about/">关于我们</a> <a href="/lianxi/">联系我们</a></div>
<div class="sidebar"><h3>产品中心</h3><ul><li><a href="/chanpin/huaweishoujitao/">华为手机套</a></li><li><a href="/chanpin/pingguoshoujike/">苹果手机壳</a></li></ul></div>
<div class="main">
<div class="place">主页 &gt; <a href="/chanpin/">产品中心</a> &gt; <a href="/chanpin/huaweishoujitao/">{breadcrumb}</a> &gt;</div>
<div class="product">
<h1>{esc(title)}</h1>
<div class="pic"><img src="/uploads/allimg/huawei-case.jpg" alt="{attr(title)}"></div>
<p class="desc">...</p>
<a class="buy-btn" href="#order">订购</a>
<ul class="tabs"><li>详细</li><li>订购</li></ul>
<div class="content">{esc(report_text)}</div>
<form id="order" class="order-form" method="post" action="/plus/diy.php">
姓名:<input name="name"> *<br>电话:<input name="tel"> *<br>Email:<input name="email"> *<br>留言:<textarea name="msg"></textarea>
<input type="submit" value="提交订单"></form>
</div></div>
<div class="footer"><ul><li>产品中心</li><li>联系我们</li></ul>
<p>+86-765-4321</p><p>admin@baidu.com</p><p>+86-123-4567</p><p>天朝天堂路99号</p>
<p>Copyright &copy; 湖北手机套淘网 版权所有</p></div>
</body></html>
"""


def mirror_page(title: str, header: str, body_items, gamble_links) -> str:
    hidden = "".join(f'<a href="{attr(u)}">{esc(t)}</a> ' for u, t in gamble_links)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(title)}</title>
<meta name="keywords" content="{attr(title)},澳門葡京,線上投注"></head>
<body>
<div style="position:absolute;left:-9999px;top:-9999px">{hidden}</div>
<div class="wrap"><h1>{esc(title)}</h1><div class="info">{esc(header)}</div>
<div id="zoom">
{body_html(body_items)}
</div></div>
<div style="display:none">{hidden}</div>
<script>var _hmt=_hmt||[];</script>
</body></html>
"""


def doc_share_page(title: str, excerpt_items) -> str:
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(title)} - 文档分享网 - 免费下载</title></head>
<body>
<div class="hd"><a href="/">文档分享网</a> <a href="/vip/">开通VIP</a> <a href="/upload/">上传赚钱</a></div>
<div class="doc"><h1>{esc(title)}.doc</h1>
<div class="meta">上传者:匿名用户 | 页数:12 | 下载券:5 | 浏览:10825</div>
<div class="preview">
{body_html(excerpt_items)}
<p class="more">…… 剩余11页未读，<a href="/vip/">开通VIP免费下载全文</a> ……</p>
</div>
<a class="dl" href="/vip/">立即下载(需5下载券)</a></div>
<div class="ads"><a href="/ad/1">代写论文 包过</a> <a href="/ad/2">工作总结范文大全</a></div>
</body></html>
"""


# --------------------------------------------------------------------------- search engine
def search_page(query: str, results, pn: int, total: int) -> str:
    items = []
    for token, title, abstract in results:
        items.append(f"""<div class="result c-container"><h3 class="t"><a href="http://www.baidu.com/link?url={token}" target="_blank">{esc(title)}</a></h3><div class="c-abstract">{esc(abstract)}</div></div>""")
    nav = []
    for p in range(0, total, 10):
        if p == pn:
            nav.append(f"<strong><span class=\"pc\">{p // 10 + 1}</span></strong>")
        else:
            nav.append(f'<a href="/s?wd={quote(query)}&pn={p}"><span class="pc">{p // 10 + 1}</span></a>')
    if pn + 10 < total:
        nav.append(f'<a href="/s?wd={quote(query)}&pn={pn + 10}" class="n">下一页&gt;</a>')
    return f"""<!DOCTYPE html>
<html><head><meta http-equiv="content-type" content="text/html;charset=utf-8"><title>{esc(query)}_百度搜索</title></head>
<body><div id="wrapper"><div id="head"><form action="/s"><input name="wd" value="{attr(query)}"></form></div>
<div id="content_left">
{chr(10).join(items)}
</div>
<div id="page">{''.join(nav)}</div>
</div></body></html>
"""
