"""Near-duplicates of reports held from government hosts (MinHash signatures, LSH bands).

A spam mirror often pastes a genuine report whole or in part; when a page on a non-government host
is a near-duplicate of a report already held from a government host, the junk filter says so and
names the original. Texts are compared as sets of character 5-grams (Chinese has no spaces), with
whitespace and punctuation removed, so markup and conversions around the text do not matter.

The shingle hash is a 64-bit mix of the 5 code points computed for all shingles at once with numpy,
instead of one SHA-1 call per shingle. It is a fixed function (no per-process seed), and the MinHash
itself is datasketch's (its default affine32 permutations, seed 1, min per permutation: drawn here the same way,
without importing datasketch and the scipy it pulls in), so the share
of agreeing minima stays the usual unbiased estimate of the shingle sets' Jaccard index.

A crawl keeps the signatures in its database (``near_duplicate_signatures``, with the ``SCHEME`` that
made them, and ``near_duplicate_bands``): memory stays flat however many reports it holds, and a later
run recognises copies of earlier runs' reports without recomputing anything. Candidates are found by
LSH: 16 bands of 8 minima, each band hashed to a key; texts sharing a key are compared in full.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from typing import Any

SHINGLE = 5
NUM_PERM = 128
MIN_CHARS = 300  # shorter texts say too little to call anything a copy
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
# What makes two signatures comparable: shingles (character 5-grams of the text without whitespace and
# punctuation), their hash (code points packed, MurmurHash3 fmix64, high 32 bits) and the permutations
# (datasketch's affine32, seed 1, NUM_PERM of them). Anything that keeps signatures must keep this with them
# and compare only signatures of the same scheme; change it whenever one of those changes.
SCHEME = f"char{SHINGLE}-fmix64hi32-affine32-seed1-{NUM_PERM}"


class MinHash:
    """A MinHash signature: ``hashvalues``, one 32-bit minimum per permutation (numpy uint32)."""

    __slots__ = ("hashvalues",)

    def __init__(self, hashvalues: Any) -> None:
        self.hashvalues = hashvalues

    def jaccard(self, other: "MinHash") -> float:
        """The estimated Jaccard index of the two texts' shingle sets (as datasketch's ``MinHash.jaccard``)."""
        import numpy as np

        return float(np.count_nonzero(self.hashvalues == other.hashvalues)) / len(self.hashvalues)


@functools.lru_cache(maxsize=1)
def _permutations() -> tuple[Any, Any]:
    """datasketch's affine32 permutations for seed 1 (``MinHash(num_perm=NUM_PERM)._init_permutations``), drawn
    the same way: odd ``a`` and any ``b`` from numpy's RandomState(1). Drawn here, not by datasketch, whose
    import pulls in scipy (~70 MB in every process that makes a signature); a test keeps them equal."""
    import numpy as np

    gen = np.random.RandomState(1)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


_C1, _C2 = 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53  # MurmurHash3's fmix64 multipliers
_GOLDEN = 0x9E3779B97F4A7C15


def _fmix64(h):
    """MurmurHash3's 64-bit finalizer, in place on a numpy uint64 array (every input bit affects every output
    bit); returns h."""
    import numpy as np  # imported when used, like datasketch

    h ^= h >> np.uint64(33)
    h *= np.uint64(_C1)
    h ^= h >> np.uint64(33)
    h *= np.uint64(_C2)
    h ^= h >> np.uint64(33)
    return h


def shingle_hashes(compact: str):
    """32-bit hashes of the distinct character SHINGLE-grams of compact (numpy uint32 array).

    Code points are below 2**21: the first three of a shingle pack into 63 bits without loss, the last two
    into 42; the two halves are mixed with MurmurHash3's finalizer and the high 32 bits kept."""
    import numpy as np

    cp = np.frombuffer(compact.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(cp) - SHINGLE + 1
    head = cp[0:n] << np.uint64(42)
    head |= cp[1:n + 1] << np.uint64(21)
    head |= cp[2:n + 2]
    tail = cp[3:n + 3] << np.uint64(21)
    tail |= cp[4:n + 4]
    tail += np.uint64(_GOLDEN)
    head ^= _fmix64(tail)
    _fmix64(head)
    head >>= np.uint64(32)
    return np.unique(head.astype(np.uint32))


def signature(text: str) -> Any:
    """The text's MinHash, or None when it is too short to call anything a copy."""
    import numpy as np

    compact = _NOISE.sub("", text)
    if len(compact) < MIN_CHARS:
        return None
    a, b = _permutations()
    # datasketch's affine32 update, with our hashes in place of SHA-1's: h * a + b mod 2**32 per permutation
    # (uint32 arithmetic wraps), the minimum over the shingles (datasketch starts from 2**32 - 1, which no
    # minimum exceeds). In place: numpy's own elision of the temporary costs more than the sum on a large array.
    values = shingle_hashes(compact)[:, None] * a
    values += b
    return MinHash(values.min(axis=0).astype(np.uint32))


# LSH banding, fixed so that stored band keys never depend on the threshold: a pair is a candidate with
# probability 1 - (1 - J**8)**16 -- 0.95 at J = 0.8, 0.99996 at 0.9, 6% at 0.5 (reports of one template).
BANDS, ROWS = 16, 8


def band_keys(values: Any) -> list[int]:
    """One signed 64-bit key per LSH band: texts sharing a key are candidate near-duplicates."""
    packed = unpack(values)
    keys = []
    for band in range(BANDS):
        chunk = bytes([band]) + packed[band * ROWS : (band + 1) * ROWS].tobytes()
        keys.append(int.from_bytes(hashlib.blake2b(chunk, digest_size=8).digest(), "little", signed=True))
    return keys


def signature_record(text: str) -> tuple[str, bytes, list[int]] | None:
    """(SCHEME, packed signature, band keys) of a text, as the database keeps them; None when too short."""
    sig = signature(text)
    if sig is None:
        return None
    return SCHEME, pack(sig.hashvalues), band_keys(sig.hashvalues)


def pack(values: Any) -> bytes:
    return unpack(values).tobytes()


def unpack(data: bytes | Any) -> Any:
    """A signature's values (numpy uint32) from its packed bytes, or as they are."""
    import numpy as np

    if isinstance(data, (bytes, bytearray, memoryview)):
        return np.frombuffer(data, dtype="<u4")
    return np.asarray(data, dtype="<u4")


def similarity(a: bytes | Any, b: bytes | Any) -> float:
    """Estimated Jaccard similarity of two signatures: the share of permutations whose minimum agrees."""
    import numpy as np

    return float(np.count_nonzero(unpack(a) == unpack(b))) / NUM_PERM


class NearDuplicateIndex:
    """Reports from government hosts, searchable for near-duplicates (Jaccard ≥ ``threshold``): their MinHash
    signatures, bucketed by LSH band keys.

    In memory by default; given a ``Store``, kept in its database (tables ``near_duplicate_signatures`` and
    ``near_duplicate_bands``), so memory stays flat however many reports a crawl holds and later runs
    find copies of reports of earlier runs without recomputing anything.
    """

    def __init__(self, threshold: float = 0.8, store: Any = None) -> None:
        self.threshold = threshold
        self.store = store
        self._signatures: dict[str, bytes] = {}  # in memory: url -> packed signature
        self._buckets: dict[int, set[str]] = {}  # in memory: band key -> urls
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self.store.count_signatures(SCHEME) if self.store is not None else len(self._signatures)

    def add(self, url: str, text: str) -> None:
        record = signature_record(text)
        if record is None:
            return
        _, packed, keys = record
        if self.store is not None:
            self.store.save_signature(url, *record)
            return
        with self._lock:
            old = self._signatures.get(url)
            if old is not None:
                for key in band_keys(unpack(old)):
                    self._buckets.get(key, set()).discard(url)
            self._signatures[url] = packed
            for key in keys:
                self._buckets.setdefault(key, set()).add(url)

    def originals(self, text: str, exclude: str | None = None) -> list[tuple[str, float]]:
        """Held reports this text nearly duplicates, best first, with their estimated Jaccard similarity."""
        sig = signature(text)
        if sig is None:
            return []
        keys = band_keys(sig.hashvalues)
        if self.store is not None:
            candidates = self.store.near_duplicate_candidates(SCHEME, keys)
        else:
            with self._lock:
                urls = set().union(*(self._buckets.get(k, set()) for k in keys))
                candidates = [(u, self._signatures[u]) for u in urls]
        found = [(url, similarity(sig.hashvalues, other)) for url, other in candidates if url != exclude]
        return sorted((f for f in found if f[1] >= self.threshold), key=lambda f: (-f[1], f[0]))


_SHARED: dict[tuple[str, float], NearDuplicateIndex] = {}
_SHARED_LOCK = threading.Lock()


def shared_index(store: Any, threshold: float) -> NearDuplicateIndex:
    """The database's index (one per database and process). Reports held from government hosts before
    signatures were kept, or under another scheme, get theirs on first use, once."""
    from govcrawl.analysis.junk import host_of, is_government_host

    key = (getattr(store, "url", ""), threshold)
    with _SHARED_LOCK:
        if key not in _SHARED:
            index = NearDuplicateIndex(threshold, store=store)
            for url, text in store.reports_without_signature(SCHEME):
                if is_government_host(host_of(url)):
                    index.add(url, text)
            _SHARED[key] = index
        return _SHARED[key]
