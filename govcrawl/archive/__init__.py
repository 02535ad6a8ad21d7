"""The WARC archive: writing records (``writer``), reading them (``reader``, ``capture``), the digest index
that turns repeated payloads into revisit records (``digests``), and the tools for an archive once written:
``files`` (listing, verification), ``repair``, ``index`` (CDXJ, pages.jsonl) and ``pack`` (WACZ)."""
