"""Runs stopped by a signal: never mistaken for a success.

Scrapy's ``CrawlerProcess`` stops gracefully on a first ``SIGINT``/``SIGTERM`` and stops the reactor at
once on a second; either way ``process.start()`` just returns. :class:`InterruptibleProcess` remembers
that it was interrupted (and how), a signal that arrives before the reactor runs (while the run is being
set up, or a browser started) is remembered by :func:`catch_early_signals` and acted on as soon as the
reactor is up, and :func:`close_leftover_writers` closes the WARC files that a forced stop left open
(every record in them is whole: records are written by the reactor thread, one ``write()`` each).
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from scrapy.crawler import CrawlerProcess

logger = logging.getLogger(__name__)

_PENDING: list[int] = []  # signals received before the reactor's own handlers were installed
SIGNALS = (signal.SIGINT, signal.SIGTERM)


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def pending_interrupt() -> int | None:
    return _PENDING[0] if _PENDING else None


@contextmanager
def catch_early_signals() -> Iterator[None]:
    """Until the crawl's reactor installs its handlers, SIGINT/SIGTERM are noted (not a traceback, not a
    silent death): the run then starts no portal and is recorded as interrupted."""
    _PENDING.clear()

    def note(signum: int, _frame: Any) -> None:
        _PENDING.append(signum)

    previous = {s: signal.signal(s, note) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def exit_status(signum: int) -> int:
    """The shell's convention for a process ended by a signal: 128 + its number (130 for SIGINT)."""
    return 128 + signum


class InterruptibleProcess(CrawlerProcess):
    """A CrawlerProcess that knows whether (and by which signal) it was stopped."""

    def __init__(self, settings: Any, interrupted: int | None = None) -> None:
        super().__init__(settings)
        self.signum: int | None = interrupted
        self.forced = False

    @property
    def interrupted(self) -> str | None:
        if self.signum is None:
            return None
        return signal_name(self.signum) + (", then again: stopped at once" if self.forced else "")

    def _signal_shutdown(self, signum: int, frame: Any) -> None:
        if self.signum is None:
            self.signum = signum
        super()._signal_shutdown(signum, frame)

    def _signal_kill(self, signum: int, frame: Any) -> None:
        self.forced = True
        super()._signal_kill(signum, frame)

    def _setup_reactor(self, install_signal_handlers: bool) -> None:
        super()._setup_reactor(install_signal_handlers)
        from twisted.internet import reactor

        reactor.addSystemEventTrigger("after", "startup", self._early_signals)

    def _early_signals(self) -> None:
        """Signals that came while the reactor was starting: act on them now, as if they came now."""
        for n, signum in enumerate(_PENDING):
            (self._signal_shutdown if n == 0 else self._signal_kill)(signum, None)
        _PENDING.clear()


def close_leftover_writers(crawlers: Iterable[Any]) -> None:
    """Close the WARC files of crawlers the reactor stopped before their spiders closed."""
    for crawler in crawlers:
        manager = getattr(crawler, "extensions", None)
        for extension in getattr(manager, "middlewares", ()):
            writer = getattr(extension, "writer", None)
            if writer is None or not hasattr(writer, "close"):
                continue
            try:
                writer.close()
                for path in writer.closed_files:
                    logger.info("WARC file closed after the interruption: %s", path)
            except Exception as exc:  # the file stays .open: whole records, `govcrawl repair` closes it
                logger.error("could not close %s after the interruption (%s); `govcrawl repair` will",
                             writer.current_path, exc)
