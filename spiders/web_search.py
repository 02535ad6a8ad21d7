"""Web search results for 政府信息公开工作年度报告: a discovery channel where genuine reports and spam
copies on any host come in (registry: [[channel]] web_search)."""

from govcrawl.platforms import SearchResultsSpider


class WebSearchSpider(SearchResultsSpider):
    name = "web_search"
