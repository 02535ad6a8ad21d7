"""Log lines for items that name the page, not its bytes."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter


class GovcrawlLogFormatter(LogFormatter):
    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any = None) -> dict:
        return {
            "level": logging.INFO,
            "msg": "Dropped %(url)s: %(reason)s",
            "args": {"url": getattr(item, "url", "?"), "reason": exception},
        }

    def scraped(self, item: Any, response: Any, spider: Any = None) -> dict:
        return {
            "level": logging.DEBUG,
            "msg": "Report %(url)s",
            "args": {"url": getattr(item, "url", "?")},
        }
