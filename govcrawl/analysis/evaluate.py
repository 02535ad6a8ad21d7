"""The analysis measured on labelled real pages: ``govcrawl evaluate DIR`` (or ``python -m govcrawl.analysis.evaluate``).

A labelled folder holds ``labels.jsonl`` (one JSON object per page: ``file``, ``url``, ``kind``, ``report_year``,
``publisher``, ``reporting_body``, ``title``, ``written_date``, ``index_no``, ``province``, ``level``, ``note``;
the conventions are in ``tests/fixtures/realpages/README.md``) and the pages it names (visible text as ``.txt``,
or the raw bytes of a page as ``.html``). Every page is analysed as the crawl analyses it, with its URL.

Scores (each with the threshold the corpus test holds it to):

- reports: recall and precision of ``kind == "annual_report"``;
- junk: recall and precision of ``kind == "junk"`` (copies and spam on other hosts);
- fields, on the pages labelled ``annual_report`` whose label gives the field ("where labelled"): the share
  the analysis gets exactly (after Simplified conversion and whitespace/bracket normalisation). A report
  the analysis misclassifies counts as a miss of its report year.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govcrawl.analysis.page import analyze_page
from govcrawl.analysis.text import to_simplified

KINDS = ("annual_report", "other", "junk")
FIELDS = ("report_year", "publisher", "reporting_body", "title", "written_date", "index_no")
#: the scores a change may not take below these (issue 15)
THRESHOLDS = {
    "report_recall": 0.98,
    "report_precision": 0.98,
    "junk_recall": 0.95,
    "junk_precision": 0.99,
    "report_year": 0.97,
    "publisher": 0.95,
    "index_no": 0.97,
    "written_date": 0.97,
}


@dataclass
class Page:
    label: dict[str, Any]
    predicted: dict[str, Any]

    @property
    def name(self) -> str:
        return self.label["file"]


@dataclass
class Result:
    pages: list[Page] = field(default_factory=list)
    scores: dict[str, float | None] = field(default_factory=dict)
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # score -> (hits, total)
    confusion: dict[str, Counter] = field(default_factory=dict)      # label kind -> predicted kinds

    def failures(self, thresholds: dict[str, float] = THRESHOLDS) -> list[str]:
        return [f"{k} {self.scores.get(k)} < {v}" for k, v in thresholds.items()
                if self.scores.get(k) is None or self.scores[k] < v]


def normalise(value: Any) -> Any:
    """Compare as a reader does: Simplified, no spaces, ASCII brackets and digits."""
    if value is None or isinstance(value, int):
        return value
    s = unicodedata.normalize("NFKC", to_simplified(str(value)))
    s = re.sub(r"\s+", "", s).replace("〔", "[").replace("〕", "]").replace("【", "[").replace("】", "]")
    return s or None


def load(folder: str | Path) -> list[tuple[dict[str, Any], Path]]:
    folder = Path(folder)
    labels = folder / "labels.jsonl"
    if not labels.is_file():
        raise FileNotFoundError(f"{labels}: no such file (a labelled folder holds labels.jsonl and its pages)")
    out = []
    for n, line in enumerate(labels.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            label = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"{labels}:{n}: not JSON: {exc}") from None
        if label.get("kind") not in KINDS:
            raise ValueError(f"{labels}:{n}: kind {label.get('kind')!r} is not one of {', '.join(KINDS)}")
        path = folder / label["file"]
        if not path.is_file():
            raise FileNotFoundError(f"{labels}:{n}: {path}: no such page")
        out.append((label, path))
    return out


def analyse(path: Path, url: str | None) -> dict[str, Any]:
    raw = path.read_bytes()
    if path.suffix == ".txt":  # visible text, as the page stores keep it (UTF-8)
        pa = analyze_page(raw.decode("utf-8"), url=url)
    else:  # the page's own bytes: decoded as the crawl decodes them (declared charset, else sniffed)
        pa = analyze_page(raw, url=url)
    return {"kind": pa.kind, "junk_reasons": pa.junk_reasons, "classification_reasons": pa.classification_reasons,
            **{f: getattr(pa, f, None) for f in FIELDS}}


def evaluate(folder: str | Path) -> Result:
    result = Result(confusion={k: Counter() for k in KINDS})
    for label, path in load(folder):
        result.pages.append(Page(label, analyse(path, label.get("url"))))
    for page in result.pages:
        result.confusion[page.label["kind"]][page.predicted["kind"]] += 1

    def ratio(name: str, hits: int, total: int) -> None:
        result.counts[name] = (hits, total)
        result.scores[name] = round(hits / total, 4) if total else None

    for kind, short in (("annual_report", "report"), ("junk", "junk")):
        tp = result.confusion[kind][kind]
        labelled = sum(result.confusion[kind].values())
        predicted = sum(c[kind] for c in result.confusion.values())
        ratio(f"{short}_recall", tp, labelled)
        ratio(f"{short}_precision", tp, predicted)
    reports = [p for p in result.pages if p.label["kind"] == "annual_report"]
    for f in FIELDS:
        labelled = [p for p in reports if p.label.get(f) is not None]
        hits = sum(normalise(p.predicted.get(f)) == normalise(p.label[f]) for p in labelled)
        ratio(f, hits, len(labelled))
    return result


def misses(result: Result) -> list[str]:
    out = []
    for p in result.pages:
        want, got = p.label["kind"], p.predicted["kind"]
        if want != got:
            why = p.predicted["junk_reasons"] if got == "junk" else p.predicted["classification_reasons"]
            out.append(f"{p.name}: kind {want} -> {got} ({'; '.join(why[:4])}) {p.label.get('url')}")
        if want != "annual_report":
            continue
        for f in FIELDS:
            if p.label.get(f) is not None and normalise(p.predicted.get(f)) != normalise(p.label[f]):
                out.append(f"{p.name}: {f} {p.label[f]!r} -> {p.predicted.get(f)!r}")
    return out


def breakdown(result: Result) -> dict[str, Counter]:
    labels = [p.label for p in result.pages]
    return {
        "kind": Counter(x["kind"] for x in labels),
        "province": Counter(x.get("province") or "—" for x in labels),
        "level": Counter(x.get("level") or "—" for x in labels),
        "format": Counter(Path(x["file"]).suffix.lstrip(".") for x in labels),
        "report_year": Counter(str(x["report_year"]) for x in labels if x["kind"] == "annual_report"),
    }


def report_text(result: Result, verbose: bool = False, thresholds: dict[str, float] = THRESHOLDS) -> str:
    lines = [f"{len(result.pages)} labelled pages", "", f"{'score':<18} {'value':>7} {'hits/total':>11}  threshold"]
    for name, value in result.scores.items():
        hits, total = result.counts[name]
        limit = thresholds.get(name)
        mark = "" if limit is None else (f">= {limit}  " + ("ok" if value is not None and value >= limit else "BELOW"))
        shown = "—" if value is None else f"{value:.3f}"
        lines.append(f"{name:<18} {shown:>7} {hits:>5}/{total:<5}  {mark}")
    lines += ["", "confusion (rows: label, columns: analysis)", f"{'':<15}" + "".join(f"{k:>15}" for k in KINDS)]
    for k in KINDS:
        lines.append(f"{k:<15}" + "".join(f"{result.confusion[k][j]:>15}" for j in KINDS))
    if verbose:
        found = misses(result)
        lines += ["", f"misses ({len(found)})"] + [f"  {m}" for m in found]
        for name, counter in breakdown(result).items():
            lines.append(f"\nby {name}: " + ", ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: -kv[1])))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="govcrawl evaluate", description=__doc__.split("\n\n")[0])
    add_arguments(ap)
    return run(ap.parse_args(argv))


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("folder", help="a labelled folder (labels.jsonl + pages), e.g. tests/fixtures/realpages")
    ap.add_argument("--verbose", "-v", action="store_true", help="every miss, and the corpus by kind, province, level")
    ap.add_argument("--json", metavar="FILE", help="write the scores, confusion and misses as JSON ('-': stdout)")


def run(args: argparse.Namespace) -> int:
    """Exit 0 when every score meets its threshold, 1 when one is below, 2 when the folder cannot be read."""
    try:
        result = evaluate(args.folder)
    except (OSError, ValueError) as exc:
        print(f"govcrawl evaluate: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        data = {"scores": result.scores, "counts": result.counts, "thresholds": THRESHOLDS,
                "confusion": {k: dict(v) for k, v in result.confusion.items()}, "misses": misses(result),
                "breakdown": {k: dict(v) for k, v in breakdown(result).items()}}
        text = json.dumps(data, ensure_ascii=False, indent=1)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
    if args.json != "-":
        print(report_text(result, args.verbose))
    return 1 if result.failures() else 0


if __name__ == "__main__":
    sys.exit(main())
