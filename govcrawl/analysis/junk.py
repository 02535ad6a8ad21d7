"""Spam-mirror / junk page signals.

Each signal is a named reason with a weight; the score is the weighted sum and a page is junk when the score reaches
JunkSettings.threshold. Host-based signals need a url. Government hosts get a negative weight, and a page that is an
annual report on a government host is never junk (analysis.py enforces that with `never_junk_gov_report`).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from govcrawl.analysis import text as T


@dataclass(frozen=True)
class JunkSettings:
    threshold: float = 3.0
    w_non_government_host: float = 2.0
    w_government_host: float = -2.0
    w_commerce_navigation: float = 1.0      # per distinct navigation term, capped
    cap_commerce_navigation: float = 3.0
    w_contact_form: float = 1.0
    w_fake_contacts: float = 1.5
    w_keyword_stuffing: float = 1.5
    w_hidden_links: float = 2.0
    w_government_url_layout: float = 2.0
    w_traditional_on_non_government_host: float = 1.5
    w_gambling_adult: float = 1.5           # per distinct term, capped
    cap_gambling_adult: float = 4.0
    w_document_sharing: float = 1.0        # per distinct paywall/document-sharing mark, capped
    cap_document_sharing: float = 3.0
    w_missing_footer_marks: float = 0.5
    w_brand_injection: float = 2.0
    w_pinyin_injection: float = 2.0
    w_template_placeholders: float = 2.0
    never_junk_gov_report: bool = True
    #: hosts of registry portals: official, whatever their domain (a portal on a .com is still the body's own site)
    official_hosts: frozenset[str] = frozenset()


DEFAULT_SETTINGS = JunkSettings()

GOV_SUFFIXES = (".gov.cn", ".政府.cn", "." + "政府".encode("idna").decode("ascii") + ".cn")
# official hosts outside .gov.cn (portals, platforms of government bodies)
KNOWN_GOVERNMENT_HOSTS = frozenset({
    "gov.cn", "www.gov.cn", "zjzwfw.gov.cn", "www.zjzwfw.gov.cn", "zj.gov.cn", "www.zj.gov.cn",
    "npc.gov.cn", "www.npc.gov.cn", "www.court.gov.cn", "www.spp.gov.cn", "www.ccdi.gov.cn",
    "www.cppcc.gov.cn", "www.12371.cn", "www.cac.gov.cn", "www.mee.gov.cn",
    # non-.gov.cn official sites
    "www.chinatax.gov.cn", "www.customs.gov.cn", "www.pbc.gov.cn", "www.csrc.gov.cn", "www.cbirc.gov.cn",
    "www.xinhuanet.com", "www.people.com.cn", "www.cctv.com", "www.cnr.cn", "www.zjol.com.cn",
    "www.cpc.people.com.cn", "www.12345.gov.cn", "www.zjjcmspublic.oss-cn-hangzhou-zwynet-d01-a.internet.cloud.zj.gov.cn",
})
KNOWN_GOVERNMENT_SUFFIXES = (".gov.cn", ".cpc.people.com.cn", ".mil.cn", ".edu.cn")

COMMERCE_TERMS = ("产品中心", "订购", "购物车", "加入购物车", "在线订购", "产品展示", "立即购买", "立即订购", "在线下单",
                  "产品分类", "热销产品", "产品列表", "商品详情", "产品详情", "我的订单", "结算", "包邮", "促销", "批发",
                  "新品上市", "产品介绍", "产品目录", "相关产品", "推荐产品", "客户案例", "在线询价", "询价")
STRONG_COMMERCE = frozenset({"产品中心", "订购", "购物车", "加入购物车", "在线订购", "产品展示", "立即购买", "立即订购",
                             "在线下单", "在线询价", "我的订单", "热销产品"})
GAMBLING_TERMS = ("博彩", "娱乐城", "娱乐场", "威尼斯人", "葡京", "新葡京", "真人娱乐", "真人视讯", "真人荷官", "真人百家乐",
                  "百家乐", "老虎机", "赌场", "赌博网", "时时彩", "六合彩", "北京赛车", "pk10", "pk拾", "开户送", "注册送",
                  "首存", "体育投注", "网上投注", "彩票平台", "彩票网", "购彩", "棋牌游戏", "电子游艺", "捕鱼", "bet365",
                  "金沙", "太阳城", "皇冠体育", "澳门赌", "澳门娱乐", "澳门彩", "澳门银河", "色情", "成人影院", "成人视频",
                  "av在线", "无码", "一夜情", "约炮", "黄色网站", "亚洲色", "日韩",
                  "买球", "足彩", "竞彩", "即时比分", "比分直播", "投注", "下注", "赔率", "盘口", "彩金", "开奖",
                  "特码", "图库", "资料大全", "免费资料", "幸运飞艇", "分分彩", "体育平台", "娱乐平台", "体育官网",
                  "体育app", "电竞竞猜", "棋牌", "365bet", "bt365", "bet365", "188体育", "威廉希尔", "博天堂", "开云", "买足球")
# a government page may talk about 福利彩票/体育彩票, 澳门 (港澳), 成人教育; those are not counted.
GAMBLING_WEAK_RE = re.compile(r"(?<!福利)(?<!体育)(?<!即开型)彩票(?!发行|管理|公益金|销售管理|市场)")

# document-sharing / paywalled copies (文库-style sites): a report excerpt with download vouchers, VIP, ads
DOC_SHARING_RE = re.compile(r"下载券|开通\s*VIP|VIP会员|上传赚钱|上传者|剩余\s*\d+\s*页未读|免费下载全文|下载全文|文档分享|"
                            r"文库|积分下载|代写|范文大全|范文网|付费下载|付费阅读|阅读全文需|下载需\s*\d+", re.I)
# every DOC_SHARING_RE match holds one of these (its alternatives' Chinese parts, which have no case): a text
# without any has no mark, and the regex, which must try every position (re.I), need not run
_DOC_SHARING_WORDS = ("下载", "开通", "会员", "上传", "剩余", "文档分享", "文库", "代写", "范文", "付费", "阅读全文需")
FILE_TITLE_RE = re.compile(r"\.(?:docx?|pdf|wps|pptx?|xlsx?|txt)\s*$", re.I)

FOOTER_MARKS_RE = re.compile(r"网站标识码|ICP备|ICP证|公网安备|SiteIDCode|sitecode|政府网站找错|党政机关", re.I)
ART_LAYOUT_RE = re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html?|/col/col\d+/|/gate/big5/|/art/\d{4}/art_[0-9a-f]{16,}",
                           re.I)
EMBEDDED_GOV_HOST_RE = re.compile(r"(?:^|[/.=_-])((?:[a-z0-9-]+\.)+gov\.cn)(?:[/._-]|$)", re.I)

FAKE_PHONE_RES = (
    re.compile(r"\+86[-\s]?\d{3}[-\s]\d{4}(?!\d)"),          # +86-765-4321: too short for a Chinese number
    re.compile(r"(?<![\d备])(?:123[-\s]?4567|765[-\s]?4321|000[-\s]?0000|400-?000-?0000|"
               r"13800138000|12345678901|1234567890)(?!\d)"),
)
FAKE_EMAIL_RE = re.compile(r"[\w.+-]+@(?:baidu|example|test|domain|yourdomain|yoursite|xxx|qq\.qq|163\.163)\.(?:com|net|cn)",
                           re.I)
FAKE_ADDRESS_RE = re.compile(r"天朝[^\s，。,]{0,6}[路街]|火星[^\s，。,]{0,6}[路街]|天堂路\d*号?|(?:地址|address)\s*[:：]\s*"
                             r"(?:某某|XX|xx|xxx)[^\s，。]{0,10}(?:路|街|号)", re.I)

CONTACT_LABELS = {
    "name": re.compile(r"^(?:姓名|您的姓名|联系人|称呼|名字|your name|name)\s*[:：*]?\s*\*?$", re.I),
    "phone": re.compile(r"^(?:电话|手机|联系电话|手机号码|tel|phone|mobile)\s*[:：*]?\s*\*?$", re.I),
    "email": re.compile(r"^(?:e-?mail|邮箱|电子邮箱|电子邮件)\s*[:：*]?\s*\*?$", re.I),
    "message": re.compile(r"^(?:留言|留言内容|内容|备注|message|订购数量|数量|地址)\s*[:：*]?\s*\*?$", re.I),
}
FORM_FIELD_HINTS = {
    "name": re.compile(r"name|xingming|username|contact", re.I),
    "phone": re.compile(r"tel|phone|mobile|shouji", re.I),
    "email": re.compile(r"mail", re.I),
    "message": re.compile(r"message|content|liuyan|msg|remark|comment", re.I),
}


# a brand glued into a formal text: 365bet(中国)官方网站, 图书馆VIP, …平台 …官网 (in the title or the page's first lines)
# a named app to download (菠萝视频app下载): a bare "APP下载" is a media site's own menu item; a brand's code before
# its 官方网站 (ks8凯发官方网站)
BRAND_RE = re.compile(r"VIP|\d{2,3}bet|bet\d{2,3}|bt\d{3}|[A-Za-z]{1,6}\d{1,4}[\u4e00-\u9fff]{1,6}(?:官方网站|官网)|[(（]中国[)）]\s*(?:官方网站|官网)|官网(?:入口|登录|下载)|"
                      r"[^\s，。|]{2,12}(?:app|APP)下载|网页版|登录入口|[^\s，。]{2,8}(?:体育|娱乐)(?:平台|官网|app)", re.I)
# 政(zheng)府(fu), 當(dāng): pinyin (with tone marks or plain) after every few characters
PINYIN_RE = re.compile(r"[\u4e00-\u9fff][(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]{1,6}[)）]")
# 范文/template placeholders: XX镇, xx省, 20xx年, ××县, 某某局
PLACEHOLDER_RE = re.compile(r"(?:XX|xx|ＸＸ|××|某某)(?:省|市|县|区|镇|乡|街道|局|委|部门|单位|年|条|件|项)|20[xX]{2}年|20\d[xX*]年|201\*")
# a government page's chrome and paths: what a copy keeps of the page it took
GOV_PATH_RE = re.compile(r"/(?:zwgk|xxgk|zfxxgk|zfxxgkzl|xxgkml|gkml|zwgkml|openness|zfgb|zfxxgknb|xxgknb|ndbg|gknb|zfwj|bmxxgk|"
                         r"govinfo|gongkai|xinxigongkai)(?:[/_.]|\d)|/t20\d{6}_\d+|/content/post_\d+|/20\d{4}/[0-9a-f]{32}\.s?html?|"
                         r"/c\d{5,}[a-z]?/|/columns/[0-9a-f-]{36}/|/art/\d{4}/", re.I)
GOV_CHROME_RE = re.compile(r"(?:首页|首頁)\s*[>»›/|]\s*(?:[^\n>»›]{0,12}[>»›/|]\s*)?(?:政府信息公开|政务公开|信息公开|政府信息公開|政務公開)|"
                           r"索\s*引\s*[号號]\s*[:：|]?|主办单位[:：]?\s*\S{2,20}(?:人民政府|办公室|办公厅)|"
                           r"(?:发布机构|發布機構|发布单位|發布單位)\s*[:：|]")
GOV_BODY_RE = re.compile(r"政府信息公开|政务公开|依申请公开|信息公开|政府信息公開|政務公開")
# a government body speaking for itself (我局, 本机关, 现印发给你们, the addressees of a notice, a catalogue's columns):
# what a copy of its page keeps, and what writing about governments (a study, a review, the news) does not
GOV_VOICE_RE = re.compile(r"我(?:局|县|市|区|镇|乡|委|办|厅|署|旗|州|省|街道|单位|部门|中心|院|处|所)|"
                          r"本(?:市|县|区|镇|乡|机关|单位|局|部门|级政府|委|办)|本年度报告|本报告|"
                          r"印发给你们|请结合实际|特此通知|各[^。\n]{0,40}(?:人民政府|部门|单位|机构)[^。\n]{0,20}[:：]|"
                          r"公开事项|公开依据|公开主体")
GOV_ORG_RE = re.compile(r"人民政府|政府办|管委会|管理委员会|[市县区州省]政府|[市县区州省](?:委|局|厅|办)|[市县区]直|乡镇|街道办")
# journalism: original news about government on a media site is not a copy of a government page
MEDIA_TEXT_RE = re.compile(r"本报讯|本报记者|记者\s*[\u4e00-\u9fff]{2,3}|通讯员|新华社|(?:来源|稿源)\s*[:：]\s*\S{0,12}(?:日报|晚报|报社|新闻网|电视台|融媒体)")
MEDIA_HOST_RE = re.compile(r"(?:^|[.-])(?:news|xinwen|epaper|szb|paper|daily|ribao|xinhua|people|cctv|cnr|tv|media|rmt)\d*[.-]|"
                           r"(?:news|xinhuanet|people|daily|ribao)\.", re.I)


def brand_injection(title: str | None, lines: list[str]) -> list[str]:
    """Brand tokens in the title or the page's first lines (a formal document names no shop, app or 官网)."""
    head = "\n".join([title or ""] + lines[:3])
    return sorted({m.group(0) for m in BRAND_RE.finditer(head)})[:4]


def pinyin_injection(text: str) -> int:
    return len(PINYIN_RE.findall(text[:20000]))


def template_placeholders(text: str) -> list[str]:
    return sorted({m.group(0) for m in PLACEHOLDER_RE.finditer(text[:20000])})[:4]


def government_page_evidence(text: str, url: str | None) -> list[str]:
    """What makes a page read as a government body's own page (its path, its chrome, its subject and author)."""
    ev = []
    if url:
        parts = urlsplit(url if "//" in url else "http://" + url)
        m = GOV_PATH_RE.search(unquote(parts.path + ("?" + parts.query if parts.query else "")))
        if m:
            ev.append(f"government path {m.group(0)}")
    m = GOV_CHROME_RE.search(text[:5000])
    if m:
        ev.append(f"government page chrome ({m.group(0).strip()[:12]})")
    head = text[:5000]
    if len(GOV_BODY_RE.findall(head)) >= 2 and GOV_ORG_RE.search(head):
        ev.append("a government body's disclosure text")
    return ev


def media_evidence(text: str, host: str | None) -> str | None:
    """Original news on a media site: a journalist's byline, 本报讯, a newspaper's name as the source, a media host."""
    if host and MEDIA_HOST_RE.search(host):
        return f"media host {host}"
    m = MEDIA_TEXT_RE.search(text[:5000])
    return m.group(0) if m else None


# a public institution (事业单位) publishes its own report on its own site: not a government page
INSTITUTION_RE = re.compile(r"(?:医院|卫生院|保健院|学校|学院|大学|中学|小学|幼儿园|图书馆|博物馆|研究院|研究所)$")


def copy_reason(text: str, url: str | None, is_report: bool, classification: list[str],
                reporting_body: str | None = None) -> str | None:
    """Why a page on a host that is not the government's is a copy of a government page, or None.

    A body's annual report there is always a copy (a mirror, a shop, a 范文 or document-sharing site, a media
    reprint), unless an institution (a hospital, a school) reports for itself. Any other page is a copy when it reads
    as a government body's own page (its chrome; its disclosure text under the page's path or in the body's own
    voice), unless it is original journalism, a scholar's article or a university's report. text: Simplified."""
    host = host_of(url)
    if is_report and reporting_body and INSTITUTION_RE.search(reporting_body) and not GOV_ORG_RE.search(reporting_body):
        return None  # 由淮北市人民医院编制, on the hospital's own host
    if is_report:
        return f"government_report_copy: an annual report on {host}, not a government host"
    if any("university" in r or "journal article" in r for r in classification):
        return None  # an institution's own report, a scholar's article: original writing, not a copy
    ev = government_page_evidence(text, url)
    path = any(e.startswith("government path") for e in ev)
    chrome = any(e.startswith("government page chrome") for e in ev)
    words = any(e.startswith("a government body's") for e in ev)
    # A copy keeps the page's chrome, or its text with the page's path, or its text in the government's own voice.
    # A CMS's path alone (TRS's /t20110406_1812456 serves media sites too) and writing about governments that never
    # speaks as one (a study, a book's blurb, a trade paper's news) are not copies.
    if not (chrome or (words and (path or GOV_VOICE_RE.search(text[:5000])))):
        return None
    media = media_evidence(text, host)
    if media:
        return None
    return f"government_page_copy: {'; '.join(ev)} on {host}, not a government host"


@dataclass
class JunkResult:
    score: float
    reasons: list[str] = field(default_factory=list)
    is_junk: bool = False
    government_host: bool | None = None   # None when no url


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        parts = urlsplit(url if "//" in url else "http://" + url)
        host = (parts.hostname or "").strip(".").lower()
    except ValueError:
        return None
    if not host:
        return None
    try:
        host = host.encode("ascii").decode("idna") if "xn--" in host else host
    except UnicodeError:
        pass
    return host


def is_government_host(host: str | None) -> bool:
    if not host:
        return False
    h = host.lower().strip(".")
    if h in KNOWN_GOVERNMENT_HOSTS:
        return True
    if h.endswith(".政府.cn") or h == "政府.cn" or h.endswith(".政务.cn"):
        return True
    return any(h.endswith(s) or h == s.lstrip(".") for s in GOV_SUFFIXES + KNOWN_GOVERNMENT_SUFFIXES)


def _short_lines(lines: list[str], max_len: int = 14) -> list[str]:
    out = []
    for ln in lines:
        s = ln.strip(" •·*>|-–—»·\t")
        if 0 < len(s) <= max_len:
            out.append(s)
    return out


_CRUMB_RE = re.compile(r"\s[>»›]\s|>\s*$|当前位置|您的位置|所在位置")


def commerce_terms(lines: list[str]) -> list[str]:
    """Commerce terms used as navigation: on short lines (menu items, buttons) or in breadcrumb lines."""
    found: list[str] = []
    short = _short_lines(lines)
    crumbs = "\n".join(ln for ln in lines if len(ln) <= 80 and _CRUMB_RE.search(ln))
    # a term hits a short line it equals or sits in with at most 4 more characters: search the short lines
    # of each length limit joined by newlines (no term holds a newline) instead of every line for every term
    short_upto: dict[int, str] = {}
    for term in COMMERCE_TERMS:
        limit = len(term) + 4
        if limit not in short_upto:
            short_upto[limit] = "\n".join(s for s in short if len(s) <= limit)
        hit = term in short_upto[limit] or term in crumbs
        if hit and term not in found:
            found.append(term)
    # drop terms subsumed by longer ones found (订购 within 在线订购)
    return [t for t in found if not any(t != o and t in o for o in found) or t in STRONG_COMMERCE]


@functools.lru_cache(maxsize=4096)
def _contact_label_kinds(line: str) -> tuple[str, ...]:
    """The CONTACT_LABELS kinds a short line is a label of. Memoised (pure): menu and footer lines recur."""
    return tuple(k for k, rx in CONTACT_LABELS.items() if rx.match(line))


def contact_form(lines: list[str], root=None) -> list[str]:
    kinds = set()
    for s in _short_lines(lines, 16):
        kinds.update(_contact_label_kinds(s))
    if root is not None:
        for form in root.iter("form"):
            fk = set()
            for inp in form.iter("input", "textarea"):
                nm = " ".join(filter(None, [inp.get("name"), inp.get("id"), inp.get("placeholder")]))
                for k, rx in FORM_FIELD_HINTS.items():
                    if rx.search(nm):
                        fk.add(k)
            if len(fk) >= 3:
                kinds |= fk
    return sorted(kinds)


# every match of FAKE_PHONE_RES[1] starts with one of these: a page without any cannot match (a cheap test that
# spares a regex scan that cannot skip ahead, as the pattern opens with a lookbehind)
_FAKE_NUMBER_STARTS = ("123", "765", "000", "400", "138")


def fake_contacts(text: str) -> list[str]:
    hits = []
    for rx in FAKE_PHONE_RES:
        if rx is FAKE_PHONE_RES[1] and not any(d in text for d in _FAKE_NUMBER_STARTS):
            continue
        m = rx.search(text)
        if m:
            hits.append(m.group(0))
    email = fake_email(text)
    if email:
        hits.append(email)
    m = FAKE_ADDRESS_RE.search(text) if _may_hold_fake_address(text) else None
    if m:
        hits.append(m.group(0))
    return hits


def fake_email(text: str, max_at: int = 1000) -> str | None:
    """A placeholder e-mail address, looked for around each '@' only (a local part has at most 64 characters):
    linear in the text, where the regex over the whole text retries every run of word characters before an
    '@' (quadratic on one long unpunctuated paragraph)."""
    at = text.find("@")
    seen = 0
    while at >= 0 and seen < max_at:
        m = FAKE_EMAIL_RE.search(text, max(0, at - 64), at + 40)
        if m:
            return m.group(0)
        seen += 1
        at = text.find("@", at + 1)
    return None


_ADDRESS_WORD_RE = re.compile(r"address", re.I)


def _may_hold_fake_address(text: str) -> bool:
    """False when FAKE_ADDRESS_RE cannot match: each of its alternatives holds one of these words (the
    Latin one case-insensitively, as the regex has re.I). Cheaper than the regex's own scan."""
    return any(w in text for w in ("天朝", "火星", "天堂路", "地址")) or bool(_ADDRESS_WORD_RE.search(text))


def gambling_terms(text: str) -> list[str]:
    low = text.lower()
    found = [t for t in GAMBLING_TERMS if t in low]
    # 彩票 alone counts only next to other gambling words (tested first: the regex scan is the costly part)
    if found and "彩票" not in "".join(found) and GAMBLING_WEAK_RE.search(text):
        found.append("彩票")
    if "澳门" in text and found and "澳门" not in "".join(found):
        found.append("澳门")
    if "真人" in text and found and not any("真人" in f for f in found):
        found.append("真人")
    return found


_KEYWORD_SEP_RE = re.compile(r"[,，|、;；\s_]+")
_TITLE_SEG_SEP_RE = re.compile(r"[_|,，、]+")
_PHRASE_SEP_RE = re.compile(r"[\s,，|、_]+")


def keyword_stuffing(title: str | None, metas: dict[str, str], text: str) -> list[str]:
    ev = []
    kw = metas.get("keywords", "") + "," + metas.get("description", "")
    items = [k.strip() for k in _KEYWORD_SEP_RE.split(kw) if k.strip()]
    if len(items) >= 20:
        ev.append(f"meta keywords x{len(items)}")
    if items:
        from collections import Counter

        c = Counter(items).most_common(1)[0]
        if c[1] >= 3:
            ev.append(f"meta keyword repeated x{c[1]}: {c[0]}")
    if title:
        segs = [s.strip() for s in _TITLE_SEG_SEP_RE.split(title) if s.strip()]
        if len(segs) >= 5:
            ev.append(f"title segments x{len(segs)}")
    # the same short phrase repeated many times in a short span (SEO stuffing lines)
    for ln in text.splitlines():
        if len(ln) < 40:
            continue
        toks = [t for t in _PHRASE_SEP_RE.split(ln) if 2 <= len(t) <= 12]
        if len(toks) >= 8:
            from collections import Counter

            tk, n = Counter(toks).most_common(1)[0]
            if n >= 5 and n / len(toks) >= 0.3:
                ev.append(f"repeated phrase x{n}: {tk}")
                break
    return ev


_ABSOLUTE_HREF_RE = re.compile(r"(?:https?:)?//")


def hidden_links(root, page_host: str | None) -> list[str]:
    """Links inside display:none / visibility:hidden blocks that point away from government hosts."""
    if root is None:
        return []
    out = []
    for el in T.hidden_elements(root):  # (the result is sorted: their order does not matter)
        ext = []
        for a in el.iter("a"):
            href = a.get("href") or ""
            h = host_of(href) if _ABSOLUTE_HREF_RE.match(href) else None
            if h and not is_government_host(h) and h != page_host:
                ext.append(h)
        if len(ext) >= 3:
            out.extend(ext)
    return sorted(set(out))


def document_sharing_marks(text: str) -> list[str]:
    """The distinct DOC_SHARING_RE marks in text, sorted."""
    if not any(w in text for w in _DOC_SHARING_WORDS):
        return []
    return sorted({m.group(0) for m in DOC_SHARING_RE.finditer(text)})


def embedded_gov_layout(url: str | None) -> list[str]:
    if not url:
        return []
    parts = urlsplit(url if "//" in url else "http://" + url)
    path = unquote(parts.path + ("?" + parts.query if parts.query else ""))
    ev = []
    m = ART_LAYOUT_RE.search(path)
    if m:
        ev.append(m.group(0))
    m = EMBEDDED_GOV_HOST_RE.search(path)
    if m:
        ev.append(m.group(1))
    return ev


def junk_signals(text: str, url: str | None = None, root=None, title: str | None = None,
                 metas: dict[str, str] | None = None, is_html: bool = False,
                 settings: JunkSettings = DEFAULT_SETTINGS) -> JunkResult:
    """Named junk signals with their weighted score. text: visible text (any script); root: lxml root if HTML."""
    s = settings
    metas = metas or {}
    simp = T.to_simplified(text)
    lines = T.text_lines(simp)
    reasons: list[str] = []
    score = 0.0
    host = host_of(url)
    gov = (is_government_host(host) or host in s.official_hosts) if host else None

    if host and not gov:
        reasons.append(f"non_government_host: {host}")
        score += s.w_non_government_host
    elif gov:
        score += s.w_government_host

    terms = commerce_terms(lines)
    strong = [t for t in terms if t in STRONG_COMMERCE]
    if strong or len(terms) >= 2:
        w = min(s.cap_commerce_navigation, s.w_commerce_navigation * (len(strong) + 0.5 * (len(terms) - len(strong))))
        reasons.append("commerce_navigation: " + ", ".join(terms))
        score += w

    kinds = contact_form(lines, root)
    if len(kinds) >= 3:
        reasons.append("contact_form: " + ", ".join(kinds))
        score += s.w_contact_form

    fakes = fake_contacts(simp)
    if fakes:
        reasons.append("fake_contacts: " + ", ".join(fakes[:4]))
        score += s.w_fake_contacts

    stuffing = keyword_stuffing(T.to_simplified(title) if title else None,
                                {k: T.to_simplified(v) for k, v in metas.items()}, simp)
    if stuffing:
        reasons.append("keyword_stuffing: " + "; ".join(stuffing[:3]))
        score += s.w_keyword_stuffing

    hl = hidden_links(root, host)
    if hl:
        reasons.append("hidden_links: " + ", ".join(hl[:5]))
        score += s.w_hidden_links

    if host and not gov:
        lay = embedded_gov_layout(url)
        if lay:
            reasons.append("government_url_layout: " + ", ".join(lay))
            score += s.w_government_url_layout
        if T.is_traditional(text):
            reasons.append("traditional_on_non_government_host")
            score += s.w_traditional_on_non_government_host

    gam = gambling_terms(simp + "\n" + (T.to_simplified(title) if title else ""))
    if gam:
        reasons.append("gambling_adult: " + ", ".join(gam[:6]))
        score += min(s.cap_gambling_adult, s.w_gambling_adult * len(gam))

    brands = brand_injection(T.to_simplified(title) if title else None, lines)
    if brands:
        reasons.append("brand_injection: " + ", ".join(brands))
        score += s.w_brand_injection

    pinyin = pinyin_injection(text)
    if pinyin >= 3:
        reasons.append(f"pinyin_injection: x{pinyin}")
        score += s.w_pinyin_injection

    if not gov:
        holders = template_placeholders(simp)
        if holders:
            reasons.append("template_placeholders: " + ", ".join(holders))
            score += s.w_template_placeholders

    docs = document_sharing_marks(simp)
    docs += [f"范文 in navigation: {ln[:20]}" for ln in lines[:15] if "范文" in ln and len(ln) <= 30][:1]
    heading_file = [ln for ln in lines[:30] if FILE_TITLE_RE.search(ln) and len(ln) <= 120]
    if docs or (heading_file and not gov):
        marks = docs + ([f"file-name heading: {heading_file[0][-8:]}"] if heading_file else [])
        reasons.append("document_sharing_site: " + ", ".join(marks[:5]))
        score += min(s.cap_document_sharing, s.w_document_sharing * len(marks))

    if is_html and not gov:
        blob = simp + " " + " ".join(f"{k} {v}" for k, v in metas.items())
        if not FOOTER_MARKS_RE.search(blob):
            reasons.append("missing_footer_marks")
            score += s.w_missing_footer_marks

    score = round(score, 2)
    return JunkResult(score=score, reasons=reasons, is_junk=score >= s.threshold, government_host=gov)
