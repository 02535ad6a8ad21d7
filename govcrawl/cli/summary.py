"""The summary a crawl prints: reports per portal and year, each portal's health, drops by reason, WARC files."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

# --- the summary table ---------------------------------------------------------------------


def format_table(headers: list[str], rows: list[list[Any]]) -> str:
    def width(text: str) -> int:  # CJK characters take two columns
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    cells = [[str(c) for c in headers]] + [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [max(width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c + " " * (widths[i] - width(c)) for i, c in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary(db_url: str, warc_dir: str, health: list[dict[str, Any]] | None = None) -> str:
    from govcrawl.store.store import Store

    store = Store(db_url)
    counts, drops = store.report_counts(), store.drop_reasons()  # aggregates: a large archive is never loaded
    store.close()
    out = []
    years = sorted({year for _, year, _ in counts if year})
    per_portal: dict[str, Counter] = defaultdict(Counter)
    for portal, year, n in counts:
        per_portal[portal or "(none)"][year] += n
    rows = [[p, *[per_portal[p][y] or "" for y in years], sum(per_portal[p].values())] for p in sorted(per_portal)]
    out.append(f"Reports in {db_url}: {sum(n for _, _, n in counts)}")
    out.append(format_table(["portal", *[str(y) for y in years], "total"], rows))
    if health:
        out.append("\nCrawl health")
        out.append(
            format_table(
                ["portal", "status", "pages", "list pages", "reports", "new", "changed", "unchanged(304)", "dropped",
                 "attachments", "errors"],
                [
                    [
                        h["portal"],
                        "ok" if h["ok"] else "NOT RUN" if h.get("not_run") else "FAILED",
                        h["responses"],
                        h["list_pages"],
                        h["reports"],
                        h["new"],
                        h["changed"],
                        h["not_modified"],
                        h["dropped"],
                        h.get("attachments", 0),
                        h["errors"],
                    ]
                    for h in health
                ],
            )
        )
    out.append(f"\nDrops: {len(drops)}")
    reasons: Counter = Counter()
    for kind, page_reasons in drops:
        for reason in page_reasons or [kind]:
            # junk reasons are named signals ("name: evidence"); non-report reasons are short already
            reasons[(kind, reason.split(":")[0] if kind == "junk" else reason)] += 1
    out.append(format_table(["kind", "reason", "pages"], [[k, r, n] for (k, r), n in sorted(reasons.items())]))
    files = sorted(Path(warc_dir).glob("*.warc.gz*")) if Path(warc_dir).is_dir() else []
    out.append(f"\nWARC files in {warc_dir}: {len(files)}, {sum(f.stat().st_size for f in files):,} bytes")
    return "\n".join(out)


