"""Near-duplicates of reports held from government hosts (MinHash LSH, datasketch).

A spam mirror often pastes a genuine report whole or in part; when a page on a non-government host
is a near-duplicate of a report already held from a government host, the junk filter says so and
names the original. Texts are compared as sets of character 5-grams (Chinese has no spaces), with
whitespace and punctuation removed, so markup and conversions around the text do not matter.
"""

from __future__ import annotations

import re
import threading

from typing import Any

SHINGLE = 5
NUM_PERM = 128
MIN_CHARS = 300  # shorter texts say too little to call anything a copy
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def signature(text: str) -> Any:
    """The text's MinHash, or None when it is too short to call anything a copy."""
    from datasketch import MinHash  # imported when used: it pulls in scipy (~0.6 s)

    compact = _NOISE.sub("", text)
    if len(compact) < MIN_CHARS:
        return None
    m = MinHash(num_perm=NUM_PERM)
    m.update_batch([compact[i : i + SHINGLE].encode("utf-8") for i in range(len(compact) - SHINGLE + 1)])
    return m


class NearDuplicateIndex:
    """Reports from government hosts, searchable for near-duplicates (Jaccard ≥ ``threshold``)."""

    def __init__(self, threshold: float = 0.8) -> None:
        from datasketch import MinHashLSH

        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._signatures: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._signatures)

    def add(self, url: str, text: str) -> None:
        sig = signature(text)
        if sig is None:
            return
        with self._lock:
            if url in self._signatures:
                self._lsh.remove(url)
            self._signatures[url] = sig
            self._lsh.insert(url, sig)

    def originals(self, text: str, exclude: str | None = None) -> list[tuple[str, float]]:
        """Held reports this text nearly duplicates, best first, with their estimated Jaccard similarity."""
        sig = signature(text)
        if sig is None:
            return []
        with self._lock:
            found = [(url, sig.jaccard(self._signatures[url])) for url in self._lsh.query(sig) if url != exclude]
        return sorted((f for f in found if f[1] >= self.threshold), key=lambda f: -f[1])


_SHARED: dict[tuple[str, float], NearDuplicateIndex] = {}
_SHARED_LOCK = threading.Lock()


def shared_index(store: object, threshold: float) -> NearDuplicateIndex:
    """One index per database and process, loaded once from the reports held from government hosts."""
    from govcrawl.junk import host_of, is_government_host

    key = (getattr(store, "url", ""), threshold)
    with _SHARED_LOCK:
        if key not in _SHARED:
            index = NearDuplicateIndex(threshold)
            for report in store.reports():
                if report.body_text and is_government_host(host_of(report.url)):
                    index.add(report.url, report.body_text)
            _SHARED[key] = index
        return _SHARED[key]
