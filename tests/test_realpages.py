"""The analysis on real pages nobody here made (tests/fixtures/realpages): the scores may not fall below
their thresholds (govcrawl.analysis.evaluate.THRESHOLDS), and the corpus keeps its breadth."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from govcrawl.analysis.evaluate import FIELDS, KINDS, THRESHOLDS, evaluate, normalise

CORPUS = Path(__file__).parent / "fixtures" / "realpages"
LABELS = [json.loads(line) for line in (CORPUS / "labels.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def result():
    return evaluate(CORPUS)


def test_every_score_meets_its_threshold(result):
    assert result.failures() == [], "\n".join(result.failures())


@pytest.mark.parametrize("name", sorted(THRESHOLDS))
def test_score(result, name):
    hits, total = result.counts[name]
    assert total >= 6, f"{name}: only {total} labelled pages measure it"
    assert result.scores[name] >= THRESHOLDS[name], (name, result.scores[name])


def test_the_corpus_keeps_its_breadth():
    kinds = Counter(x["kind"] for x in LABELS)
    assert len(LABELS) >= 250 and kinds["junk"] >= 60 and kinds["other"] >= 60, kinds
    assert len({x["province"] for x in LABELS if x["province"]}) >= 25
    levels = Counter(x["level"] for x in LABELS)
    assert {"province", "city", "county", "department", "township", "development_zone"} <= set(levels), levels
    years = {x["report_year"] for x in LABELS if x["report_year"]}
    assert min(years) <= 2008 and max(years) >= 2025
    assert {Path(x["file"]).suffix for x in LABELS} == {".txt", ".html"}
    for x in LABELS:  # one label per page, every page labelled, with its source URL and provenance
        assert x["kind"] in KINDS and x["url"].startswith("http") and x["source"], x["file"]
        assert (CORPUS / x["file"]).is_file(), x["file"]
        if x["kind"] != "annual_report":
            assert all(x.get(f) is None for f in ("report_year", "publisher", "reporting_body")), x["file"]
    assert len({x["file"] for x in LABELS}) == len({x["url"] for x in LABELS}) == len(LABELS)
    assert sorted(p.name for p in (CORPUS / "pages").iterdir()) == sorted(Path(x["file"]).name for x in LABELS)


def test_normalise_compares_as_a_reader_does():
    assert normalise("淮北市妇幼保健院（市妇幼保健院）") == normalise("淮北市妇幼保健院(市妇幼保健院)")
    assert normalise(" 縣統計局 ") == "县统计局"
    assert normalise(2021) == 2021 and normalise(None) is None and set(FIELDS) >= {"publisher", "reporting_body"}


def test_evaluate_command(tmp_path):
    folder = tmp_path / "one"
    (folder / "pages").mkdir(parents=True)
    (folder / "pages" / "a.txt").write_text((CORPUS / "pages" / "p031.txt").read_text(encoding="utf-8"), encoding="utf-8")
    label = next(x for x in LABELS if x["file"] == "pages/p031.txt")
    (folder / "labels.jsonl").write_text(json.dumps({**label, "file": "pages/a.txt"}, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "govcrawl", "evaluate", str(folder), "-v", "--json", str(tmp_path / "s.json")],
                         capture_output=True, text=True, timeout=120)
    # one report, no junk page: the junk scores are undefined, so the thresholds are not all met
    assert run.returncode == 1 and "report_recall" in run.stdout and "confusion" in run.stdout
    data = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert data["scores"]["report_recall"] == 1.0 and data["scores"]["publisher"] == 1.0
    missing = subprocess.run([sys.executable, "-m", "govcrawl", "evaluate", str(tmp_path / "nowhere")],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr


def test_inspect_prints_the_reporting_body():
    page = CORPUS / "pages" / "p007.txt"  # "本年度报告由天津市发展改革委编制…": no title, the first sentence names it
    run = subprocess.run([sys.executable, "-m", "govcrawl", "inspect", str(page), "--url",
                          next(x["url"] for x in LABELS if x["file"] == "pages/p007.txt")],
                         capture_output=True, text=True, timeout=120)
    data = json.loads(run.stdout)
    assert data["kind"] == "annual_report" and data["reporting_body"] == "天津市发展改革委"
    assert data["sources"]["reporting_body"] == "body" and data["publisher"] == "天津市发展改革委"
