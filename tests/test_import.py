"""`guideline import` through the real entry point: the sample article against the hand-curated corpus,
articles of other topics with planted defects, validation of the drafts, re-import and the publish round trip."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from guideline.corpus.loader import read_file
from guideline.engine.pipeline import check_document
from helpers import REPO_ROOT, make_project, rule_hits, run_cli, validate_json

ARTICLES = Path(__file__).resolve().parent / "fixtures" / "articles"
SEED = Path(__file__).resolve().parent / "fixtures" / "seed" / "000_ca5c2e48f58b1a8a.txt"
SPINE = "osteoporotic-spine-fracture"
# Fixture article -> topic id given with --topic.
TOPICS = {"atrial-fibrillation.txt": "af", "statin-primary-prevention.txt": "statins",
          "strep-pharyngitis.txt": "strep", "type-2-diabetes.txt": "t2d", "aspirin-after-mi.txt": "aspirin"}
DEFECT_LEVELS = ("error", "warning")
Run = Callable[..., subprocess.CompletedProcess[str]]

# Curated fields that legitimately differ from the import (docs/import.md explains each).
CURATED_DIFFERENCES: dict[str, set[str]] = {
    "00": {"dosing"}, "07": {"dosing"}, "08": {"dosing"},
    "01": {"strength"}, "09": {"strength"}, "10": {"strength"}, "18": {"strength"}, "31": {"strength"},
    "11": {"strength", "intervention"},
    "12": {"statement_type"}, "25": {"statement_type"}, "26": {"statement_type"}, "32": {"statement_type"},
    "16": {"statement_type", "direction", "strength", "certainty"},
    "33": {"statement_type", "strength", "certainty"},
    "19": {"intervention"}, "20": {"intervention"}, "21": {"intervention"}, "22": {"intervention"},
    "27": {"comparator"},
    "30": {"statement_type", "intervention"},
}
COMPARED = ("statement_type", "direction", "strength", "certainty", "intervention", "comparator", "dosing")


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """1-based number of the line holding `needle` (its n-th occurrence), counting lines as editors do."""
    seen = 0
    text = path.read_bytes().decode("utf-8", errors="replace")
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in {path}")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def hits(report: dict[str, Any], levels: tuple[str, ...] = DEFECT_LEVELS) -> set[tuple[str, int, str | None]]:
    return {(f["rule"], f["line"], f["record"]) for f in report["findings"] if f["severity"] in levels}


@dataclass
class Batch:
    base: Path
    project: Path
    out: Path
    seed: Path
    reports: dict[str, tuple[int, dict[str, Any], str]]
    validation: dict[str, Any]


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """Every article imported into one folder outside the project, then validated once (validate is slow)."""
    base = tmp_path_factory.mktemp("imports")
    project = make_project(base / "project")
    seeds = base / "shared" / "seeds"
    seeds.mkdir(parents=True)
    seed = Path(shutil.copy(SEED, seeds / SEED.name))
    out = base / "drafts"
    reports = {}
    for article, topic in [(seed, SPINE), *((ARTICLES / name, topic) for name, topic in TOPICS.items())]:
        result = run_cli("import", article, "--topic", topic, "--out", out, "--format", "json", cwd=project)
        assert result.returncode == 0, result.stderr
        reports[article.name] = (result.returncode, json.loads(result.stdout), result.stderr)
    return Batch(base, project, out, seed, reports, validate_json(project, out))


def source(batch: Batch, article: Path, line: int) -> dict[str, Any]:
    return {"file": Path(os.path.relpath(article, batch.project)).as_posix(), "line": line}


# The sample article -------------------------------------------------------------------------------------

def test_sample_article_gives_the_curated_records(batch: Batch) -> None:
    curated = load(REPO_ROOT / "guidelines" / "topics" / f"{SPINE}.yaml")
    imported = load(batch.out / "topics" / f"{SPINE}.yaml")
    for key in ("id", "question", "title", "summary", "audience", "last_updated"):
        assert imported["topic"][key] == curated["topic"][key], key
    assert imported["topic"]["review_state"] == "draft"
    assert imported["topic"]["provenance"] == {**curated["topic"]["provenance"], "method": "import",
                                               "extracted": ["question", "title", "audience", "last_updated"]}
    assert [(s["id"], s["title"]) for s in imported["topic"]["sections"]] == [
        (s["id"], s["title"]) for s in curated["topic"]["sections"]]
    assert [[g["lead"] for g in s.get("groups", [])] for s in imported["topic"]["sections"]] == [
        [g["lead"] for g in s.get("groups", [])] for s in curated["topic"]["sections"]]

    def lead_of(topic: dict[str, Any], rec: dict[str, Any]) -> str | None:
        section = next((s for s in topic["sections"] if s["id"] == rec["section"]), {})
        return next((g["lead"] for g in section.get("groups", []) if g["id"] == rec.get("group")), None)

    pairs = list(zip(curated["recommendations"], imported["recommendations"], strict=True))
    for cur, imp in pairs:
        assert (imp["id"], imp["section"], imp["statement"], imp["citations"]) == (
            cur["id"], cur["section"], cur["statement"], cur["citations"])
        assert lead_of(imported["topic"], imp) == lead_of(curated["topic"], cur), cur["id"]
        assert imp["provenance"]["file"] == cur["provenance"]["file"]
        assert imp["provenance"]["line"] == cur["provenance"]["line"]
        assert imp["review_state"] == "draft"
        differs = CURATED_DIFFERENCES.get(cur["id"].rsplit("-", 1)[1], set())
        for name in COMPARED:
            if name not in differs:
                assert imp.get(name) == cur.get(name), (cur["id"], name)
            else:
                assert imp.get(name) != cur.get(name), (cur["id"], name, "listed as differing but equal")
        assert imp.get("population", {}).get("condition") == cur["population"]["condition"], cur["id"]

    curated_refs = load(REPO_ROOT / "guidelines" / "references" / f"{SPINE}.yaml")["references"]
    imported_refs = load(batch.out / "references" / f"{SPINE}.yaml")["references"]
    assert [{k: v for k, v in r.items() if k != "provenance"} for r in imported_refs] == [
        {k: v for k, v in r.items() if k != "provenance"} for r in curated_refs]
    assert [(r["provenance"]["file"], r["provenance"]["line"]) for r in imported_refs] == [
        (r["provenance"]["file"], r["provenance"]["line"]) for r in curated_refs]


def test_sample_article_defects_are_reported_at_the_article_lines(batch: Batch) -> None:
    code, report, stderr = batch.reports[SEED.name]
    article = str(batch.seed)
    assert code == 0
    assert "imported topic 'osteoporotic-spine-fracture': 34 record(s), 5 reference(s)" in stderr
    assert {(f["file"], f["line"], f["record"]) for f in report["findings"] if f["rule"] == "IMP001"} == {
        (article, 68, f"{SPINE}-17"), (article, 75, f"{SPINE}-19"), (article, 76, f"{SPINE}-20"),
        (article, 77, f"{SPINE}-21"), (article, 78, f"{SPINE}-22"), (article, 79, f"{SPINE}-23"),
        (article, 98, f"{SPINE}-29")}
    assert {f["rule"] for f in report["findings"] if f["severity"] in DEFECT_LEVELS} == {"IMP001"}
    unresolved = [f for f in report["findings"] if f["rule"] == "IMP001" and f["record"] == f"{SPINE}-23"]
    assert unresolved[0]["column"] == 159 and "citation 7" in unresolved[0]["message"]


def test_validate_reports_the_unresolved_references_with_their_article_lines(batch: Batch) -> None:
    topic_file = (batch.out / "topics" / f"{SPINE}.yaml").as_posix()
    unresolved = [f for f in batch.validation["findings"] if f["rule"] == "REF001" and f["file"] == topic_file]
    assert sorted((f["record"], f["source"]["line"]) for f in unresolved) == [
        (f"{SPINE}-17", 68), (f"{SPINE}-19", 75), (f"{SPINE}-20", 76), (f"{SPINE}-21", 77), (f"{SPINE}-22", 78),
        (f"{SPINE}-23", 79), (f"{SPINE}-29", 98)]
    assert all(f["source"]["file"] == f"../shared/seeds/{SEED.name}" for f in unresolved)
    drafts = load(batch.out / "topics" / f"{SPINE}.yaml")["recommendations"]
    line = next(i for i, text in enumerate((batch.out / "topics" / f"{SPINE}.yaml").read_text().splitlines(), 1)
                if text.strip() == f"- {SPINE}-ref-7")
    assert (topic_file, line, f"{SPINE}-23") in rule_hits(batch.validation, "REF001")
    assert drafts[23]["citations"] == [f"{SPINE}-ref-7"]


def test_drafts_are_valid_records(batch: Batch) -> None:
    """Only the fields an article did not provide are missing; everything written has the schema's form."""
    structural = [(f["rule"], Path(f["file"]).name, f["line"], f["message"]) for f in batch.validation["findings"]
                  if f["rule"][:3] in ("YML", "SCH", "FIL", "ID0", "TOP", "VOC", "GRD") and f["rule"] != "GRD008"]
    topic = (batch.out / "topics" / "statins.yaml").read_text().splitlines()
    bibliography = (batch.out / "references" / "statins.yaml").read_text().splitlines()
    assert sorted(structural) == sorted([
        ("SCH002", "statins.yaml", topic.index("topic:") + 1, "missing required field 'last_updated'"),
        ("SCH002", "statins.yaml", bibliography.index("  - id: statins-ref-3") + 1,
         "missing required field 'year'"),
    ])


# Articles of other topics ----------------------------------------------------------------------------------

def test_atrial_fibrillation_article_defects(batch: Batch) -> None:
    path = ARTICLES / "atrial-fibrillation.txt"
    _, report, _ = batch.reports[path.name]
    assert hits(report) == {
        ("IMP001", line_of(path, "mechanical heart valves"), "af-03"),
        ("IMP002", line_of(path, "coagulation monitoring 2,, 3"), "af-04"),
        ("IMP002", line_of(path, "every 6 months 0"), "af-10"),
        ("IMP003", line_of(path, "Systematic review"), None),
        ("IMP004", line_of(path, "Systematic review"), None),
    }
    duplicate = next(f for f in report["findings"] if f["rule"] == "IMP004")
    assert duplicate["related"][0]["line"] == line_of(path, "Systematic Review")
    records = {r["id"]: r for r in load(batch.out / "topics" / "af.yaml")["recommendations"]}
    # Near misses: a number before the citation list, a threshold, a maximum are not citations or doses.
    assert records["af-11"]["statement"].endswith("more often when CrCl is below 60")
    assert records["af-11"]["citations"] == ["af-ref-1"]
    assert records["af-04"]["citations"] == ["af-ref-2", "af-ref-3"]
    assert records["af-04"]["statement_type"] == "information"
    assert "dosing" not in records["af-05"] and records["af-05"]["direction"] == "against"
    assert records["af-02"]["dosing"] == [{
        "agent": "apixaban", "dose": 2.5, "unit": "mg", "frequency": "twice daily",
        "criterion": "in patients with at least two of: age 80 years or older, weight 60 kg or less, serum "
                     "creatinine 1.5 mg/dL or more"}]
    assert records["af-00"]["comparator"] == ["warfarin"]
    assert records["af-09"]["certainty"] == "moderate"
    refs = load(batch.out / "references" / "af.yaml")["references"]
    assert [r["type"] for r in refs] == ["guideline", "systematic-review", "guideline", "systematic-review",
                                         "guideline"]
    assert refs[3]["notes"].startswith("Listed twice in the article: the same work as af-ref-2")
    assert ("REF001" in {f["rule"] for f in batch.validation["findings"]})
    af_unresolved = [f for f in batch.validation["findings"] if f["rule"] == "REF001" and f["record"] == "af-03"]
    assert [f["source"] for f in af_unresolved] == [source(batch, path, line_of(path, "mechanical heart valves"))]


def test_statin_article_defects(batch: Batch) -> None:
    path = ARTICLES / "statin-primary-prevention.txt"
    _, report, _ = batch.reports[path.name]
    assert hits(report, ("error", "warning", "info")) - {h for h in hits(report, ("info",)) if h[0] == "IMP010"} == {
        ("IMP006", 1, None),
        ("IMP001", line_of(path, "Check a lipid panel"), "statins-05"),
        ("IMP011", line_of(path, "Cohort Study"), None),
        ("IMP003", line_of(path, "Evidence Digest"), None),
        ("IMP009", line_of(path, "Evidence Digest"), None),
    }
    topic = load(batch.out / "topics" / "statins.yaml")
    assert "last_updated" not in topic["topic"]
    assert topic["topic"]["question"] == "Should adults without heart disease take a statin?"
    assert topic["topic"]["title"] == "Statins for Primary Prevention of Cardiovascular Disease"
    records = {r["id"]: r for r in topic["recommendations"]}
    assert records["statins-00"]["strength"] == {"scheme": "USPSTF", "grade": "B", "class": "moderate"}
    assert records["statins-01"]["strength"] == {"scheme": "USPSTF", "grade": "C", "class": "conditional"}
    assert records["statins-03"]["direction"] == "none"
    assert records["statins-04"]["statement_type"] == "information" and "certainty" not in records["statins-04"]
    assert records["statins-04"]["citations"] == ["statins-ref-3"]
    assert records["statins-06"]["direction"] == "against"
    assert records["statins-07"]["citations"] == ["statins-ref-3"]
    refs = load(batch.out / "references" / "statins.yaml")["references"]
    assert [(r["type"], r["listed_as"], r.get("year")) for r in refs] == [
        ("guideline", "Guideline", 2022), ("rct", "Randomized Controlled Trial", 2008),
        ("cohort", "Cohort Study", None), ("other", "Evidence Digest", 2021)]


def test_crlf_and_unicode_punctuation_import_cleanly(batch: Batch) -> None:
    path = ARTICLES / "type-2-diabetes.txt"
    assert b"\r\n" in path.read_bytes() and "\u00a0".encode() in path.read_bytes()
    _, report, _ = batch.reports[path.name]
    assert hits(report) == {("IMP007", line_of(path, "Aim for an HbA1c below 7"), "t2d-04"),
                            ("IMP002", line_of(path, "Hold metformin"), "t2d-08")}
    text = (batch.out / "topics" / "t2d.yaml").read_text(encoding="utf-8")
    assert "\r" not in text and "\u00a0" not in text
    topic = yaml.safe_load(text)
    assert topic["topic"]["title"] == "First-Line Pharmacotherapy for Type 2 Diabetes"
    assert topic["topic"]["last_updated"] == "2026-02-05"
    records = {r["id"]: r for r in topic["recommendations"]}
    assert records["t2d-00"]["statement"].endswith("or heart failure.")
    assert records["t2d-00"]["citations"] == ["t2d-ref-1", "t2d-ref-2"]
    assert records["t2d-02"]["statement"] == "Metformin is \u201cweight neutral\u201d and rarely causes hypoglycaemia"
    assert records["t2d-07"]["statement"].startswith("Empagliflozin 10\u201325 mg daily")
    assert records["t2d-07"]["strength"] == {"scheme": "GRADE", "grade": "Strong", "class": "strong"}
    assert records["t2d-07"]["certainty"] == "high"
    assert records["t2d-03"]["direction"] == "against" and "dosing" not in records["t2d-03"]
    assert records["t2d-09"]["statement"] == "Watch for genital mycotic infections with SGLT2 inhibitors"
    assert records["t2d-09"]["citations"] == ["t2d-ref-2"]
    refs = load(batch.out / "references" / "t2d.yaml")["references"]
    assert refs[0]["title"] == "Standards of Care in Diabetes\u20142025: \u2018Pharmacologic Approaches to Glycemic " \
                               "Treatment\u2019"
    assert [r["type"] for r in refs] == ["guideline", "systematic-review", "label"]


def test_missing_references_block_and_final_newline(batch: Batch) -> None:
    path = ARTICLES / "strep-pharyngitis.txt"
    assert not path.read_bytes().endswith(b"\n")
    _, report, _ = batch.reports[path.name]
    assert hits(report) == {("IMP005", line_of(path, "Treat confirmed group A"), "strep-00")}
    assert not (batch.out / "references" / "strep.yaml").exists()
    records = load(batch.out / "topics" / "strep.yaml")["recommendations"]
    assert [r["id"] for r in records] == [f"strep-0{n}" for n in range(5)]
    assert records[-1]["statement"] == "Paracetamol or ibuprofen can be used for pain"
    assert records[-1]["citations"] == ["strep-ref-3"]
    assert records[0]["dosing"][0] == {"agent": "amoxicillin", "dose": 50, "unit": "mg/kg", "frequency": "daily",
                                       "duration": "10 days"}
    assert len(records[0]["dosing"]) == 1
    unresolved = {(f["record"], f["source"]["line"]) for f in batch.validation["findings"]
                  if f["rule"] == "REF001" and (f["record"] or "").startswith("strep-")}
    assert unresolved == {("strep-00", 10), ("strep-01", 16), ("strep-02", 17), ("strep-03", 18),
                          ("strep-04", 22)}


def test_clean_article_has_no_defects(batch: Batch) -> None:
    _, report, _ = batch.reports["aspirin-after-mi.txt"]
    assert hits(report) == set()
    records = {r["id"]: r for r in load(batch.out / "topics" / "aspirin.yaml")["recommendations"]}
    assert records["aspirin-02"]["direction"] == "against" and "dosing" not in records["aspirin-02"]
    assert records["aspirin-06"]["direction"] == "for"
    assert records["aspirin-01"]["provenance"]["extracted"] == [
        "statement", "citations", "statement_type", "direction", "strength", "certainty", "intervention", "dosing"]


# Writing -------------------------------------------------------------------------------------------------

def test_an_existing_topic_needs_update_or_force(project: Path, guideline: Run, tmp_path: Path) -> None:
    article = ARTICLES / "aspirin-after-mi.txt"
    dry = guideline("import", article, "--topic", "mi", "--dry-run", cwd=project)
    assert dry.returncode == 0 and "would write topic 'mi'" in dry.stdout
    assert not (project / "guidelines" / "topics" / "mi.yaml").exists()
    first = guideline("import", article, "--topic", "mi", cwd=project)
    assert first.returncode == 0, first.stderr
    topic = project / "guidelines" / "topics" / "mi.yaml"
    assert first.stdout.splitlines()[1:3] == ["wrote guidelines/references/mi.yaml", "wrote guidelines/topics/mi.yaml"]
    assert topic.read_text().startswith("# yaml-language-server: $schema=../../schemas/topic-file.schema.json\n")
    topic.write_text(topic.read_text() + "# edited\n")
    again = guideline("import", article, "--topic", "mi", cwd=project)
    assert again.returncode == 2
    assert "guidelines/topics/mi.yaml and guidelines/references/mi.yaml already exist" in again.stderr
    assert "--update" in again.stderr and topic.read_text().endswith("# edited\n")
    forced = guideline("import", article, "--topic", "mi", "--force", cwd=project)
    assert forced.returncode == 0 and not topic.read_text().endswith("# edited\n")
    assert not list(topic.parent.glob(".*.tmp"))


def test_update_keeps_curated_fields_and_reports_changes(project: Path, guideline: Run, tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    shutil.copy(ARTICLES / "aspirin-after-mi.txt", article)
    assert guideline("import", article, "--topic", "mi", cwd=project).returncode == 0
    topic = project / "guidelines" / "topics" / "mi.yaml"
    text = topic.read_text()
    # An editor confirms the strength of 01 (removing it from extracted), edits 04's direction without
    # unlisting it, and adds a comment.
    text = text.replace("recommendations:\n", "# Reviewed by the board in July.\nrecommendations:\n")
    start = text.index("  - id: mi-01")
    block = text[start:text.index("  - id: mi-02")]
    edited = block.replace("      scheme: UNGRADED\n      grade: Not graded\n      class: not-graded\n",
                           "      scheme: GRADE\n      grade: Strong\n      class: strong\n")
    edited = edited.replace("        - strength\n", "")
    text = text.replace(block, edited)
    start = text.index("  - id: mi-04")
    block = text[start:text.index("  - id: mi-05")]
    text = text.replace(block, block.replace("    direction: for\n", "    direction: against  # board\n"))
    topic.write_text(text)

    words = article.read_text()
    words = words.replace("Last updated: June 30, 2025", "Last updated: August 1, 2025")
    words = words.replace("  • Start atorvastatin 80 mg daily as soon as possible 2",
                          "  • Start atorvastatin 40 mg daily as soon as possible 2, 4")
    words = words.replace("  • Do not stop aspirin before minor dental procedures 3\n",
                          "  • Do not stop aspirin before minor dental procedures 3\n"
                          "  • Avoid aspirin doses above 325 mg daily 1\n")
    words = words.replace("  • Low-dose aspirin reduces recurrent vascular events by about a quarter 3\n", "")
    # A new first reference shifts every number; citations keep pointing at the same works.
    words = re.sub(r"(?m)(?<= )(\d(?:, \d)*)$", lambda m: ", ".join(str(int(n) + 1) for n in m.group(1).split(", ")),
                   words)
    words = words.replace("above 325 mg daily 2", "above 325 mg daily 1")
    words = words.replace("References\n\n", "References\n\nGuideline\n\nAspirin Dosing Update\n\nPraxis, 2025\n\n")
    article.write_text(words)

    result = guideline("import", article, "--topic", "mi", "--update", cwd=project)
    assert result.returncode == 0, result.stderr
    changes = [line for line in result.stdout.splitlines() if line.startswith("guidelines/")]
    assert [c.split(": ", 1)[1] if c.startswith("guidelines/topics") else c for c in changes] == [
        "guidelines/references/mi.yaml: added mi-ref-5",
        "mi-04: statement updated from the article",
        "mi-04: citations updated from the article",
        "mi-04: kept edited direction",
        "mi-04: dosing updated: [{'agent': 'atorvastatin', 'dose': 40, 'unit': 'mg', 'frequency': 'daily'}]",
        f"added mi-07 (article line {line_of(article, 'Avoid aspirin doses above 325')})",
        "mi-03 is no longer in the article; kept (retire or delete it)",
        "provenance line updated for 3 record(s) that moved in the article",
        "topic last_updated updated: '2025-08-01'",
    ]
    merged = topic.read_text()
    assert "# Reviewed by the board in July.\nrecommendations:\n" in merged
    assert "    direction: against  # board\n" in merged
    records = {r["id"]: r for r in yaml.safe_load(merged)["recommendations"]}
    assert records["mi-01"]["strength"] == {"scheme": "GRADE", "grade": "Strong", "class": "strong"}
    assert records["mi-04"]["statement"] == "Start atorvastatin 40 mg daily as soon as possible"
    assert records["mi-04"]["citations"] == ["mi-ref-2", "mi-ref-4"]
    assert records["mi-04"]["direction"] == "against"
    assert records["mi-07"]["direction"] == "against"
    assert records["mi-07"]["citations"] == ["mi-ref-5"]
    assert records["mi-00"]["citations"] == ["mi-ref-1", "mi-ref-2"]
    assert records["mi-05"]["provenance"]["line"] == line_of(article, "Statins have moderate-certainty")
    assert "mi-03" in records
    assert "\n\n  - id: mi-07\n" in merged
    doc = read_file(topic, "mi.yaml")
    assert doc.ok and check_document(doc) == []

    again = guideline("import", article, "--topic", "mi", "--update", cwd=project)
    assert again.returncode == 0 and "mi-04: kept edited direction" in again.stdout
    assert "wrote" not in again.stdout and topic.read_text() == merged


def test_update_of_the_curated_corpus_changes_nothing(shipped_project: Path, guideline: Run) -> None:
    seeds = shipped_project.parent / "shared" / "seeds"
    seeds.mkdir(parents=True)
    shutil.copy(SEED, seeds / SEED.name)
    result = guideline("import", f"../shared/seeds/{SEED.name}", "--topic", SPINE, "--update", cwd=shipped_project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == "no changes"
    for kind in ("topics", "references"):
        assert (shipped_project / "guidelines" / kind / f"{SPINE}.yaml").read_bytes() == (
            REPO_ROOT / "guidelines" / kind / f"{SPINE}.yaml").read_bytes()


# Bad input -----------------------------------------------------------------------------------------------

def test_unrecognised_layout_writes_nothing(project: Path, guideline: Run, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping:\n\n\n")
    result = guideline("import", notes, "--format", "json", cwd=project)
    assert result.returncode == 1
    assert [(f["rule"], f["line"]) for f in json.loads(result.stdout)["findings"]
            if f["rule"] == "IMP008"] == [("IMP008", 1)]
    assert "nothing imported" in result.stderr
    assert not (project / "guidelines" / "topics").exists()


@pytest.mark.parametrize(("args", "message"), [
    (("missing.txt",), "no such article: missing.txt"),
    ((str(ARTICLES / "aspirin-after-mi.txt"), "--topic", "Not An Id"), "is not a valid id"),
    ((str(ARTICLES / "aspirin-after-mi.txt"), "--update", "--force"), "not allowed with argument"),
])
def test_usage_errors(project: Path, guideline: Run, args: tuple[str, ...], message: str) -> None:
    result = guideline("import", *args, cwd=project)
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_an_article_that_is_not_utf8_is_read_as_windows_1252(project: Path, guideline: Run,
                                                              tmp_path: Path) -> None:
    text = (ARTICLES / "aspirin-after-mi.txt").read_text().replace(
        "Low-dose aspirin reduces", "Low-dose \u201cbaby\u201d aspirin reduces")
    article = tmp_path / "cp1252.txt"
    article.write_bytes(text.encode("cp1252", errors="replace"))
    result = guideline("import", article, "--topic", "mi", "--format", "json", cwd=project)
    assert result.returncode == 0
    # The first byte that is not UTF-8 is the bullet of the boilerplate line.
    assert hits(json.loads(result.stdout)) == {("IMP012", line_of(article, "Educational purpose only"), None)}
    records = load(project / "guidelines" / "topics" / "mi.yaml")["recommendations"]
    assert records[3]["statement"].startswith("Low-dose \u201cbaby\u201d aspirin")


def test_rules_lists_the_import_rules(project: Path, guideline: Run) -> None:
    result = guideline("rules", "IMP001", "IMP013", "--format", "json", cwd=project)
    assert result.returncode == 0
    assert [(r["id"], r["severity"]) for r in json.loads(result.stdout)] == [("IMP001", "error"),
                                                                            ("IMP013", "warning")]


# Round trip through publish ------------------------------------------------------------------------------

class _ArticleText(HTMLParser):
    """The page's text as a browser copies it: one block per line, list items as bullets."""

    BLOCKS = frozenset({"h1", "h2", "h3", "p", "li", "ul", "ol", "section", "header", "footer", "article", "main"})

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = [""]
        self.skip = 0
        self.lists: list[str] = []

    def _break(self) -> None:
        if self.lines[-1].strip():
            self.lines += ["", ""]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = dict(attrs).get("class") or ""
        if tag in ("style", "head", "title", "script"):
            self.skip += 1
        if tag in ("ul", "ol"):
            self.lists.append(tag)
        if tag in self.BLOCKS or (tag == "span" and "ref-" in classes):
            self._break()
        if tag == "cite":
            self._break()
        if tag == "li" and self.lists and self.lists[-1] == "ul":
            self.lines[-1] += "  \u2022 "
        if tag == "sup":
            self.lines[-1] += " "

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "head", "title", "script"):
            self.skip -= 1
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        if tag in self.BLOCKS or tag in ("span", "cite"):
            self._break()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.lines[-1] += " ".join(data.split()) if data.strip() else ""

    def text(self) -> str:
        out: list[str] = []
        for line in self.lines:
            if line.strip() or (out and out[-1].strip()):
                out.append(line.rstrip())
        return "\n".join(out).replace("  \u2022 \n\n", "  \u2022 ") + "\n"


def test_round_trip_through_publish(project: Path, guideline: Run, tmp_path: Path) -> None:
    if guideline("publish", "--help", cwd=project).returncode != 0:
        pytest.skip("guideline publish is not available")
    for data_file in (REPO_ROOT / "guidelines").glob("*.yaml"):
        shutil.copy(data_file, project / "guidelines" / data_file.name)
    article = ARTICLES / "aspirin-after-mi.txt"
    assert guideline("import", article, "--topic", "mi", cwd=project).returncode == 0
    published = guideline("publish", "mi", "--preview", "--out", tmp_path / "site", cwd=project)
    assert published.returncode == 0, published.stderr
    parser = _ArticleText()
    parser.feed((tmp_path / "site" / "mi.html").read_text(encoding="utf-8"))
    copied = tmp_path / "copied.txt"
    copied.write_text(parser.text(), encoding="utf-8")
    again = guideline("import", copied, "--topic", "mi", "--out", tmp_path / "again", "--format", "json",
                      cwd=project)
    assert again.returncode == 0, again.stderr
    assert hits(json.loads(again.stdout)) == set()
    first = load(project / "guidelines" / "topics" / "mi.yaml")
    second = load(tmp_path / "again" / "topics" / "mi.yaml")
    # The published article is dated by its latest publication (render/article.py), not the topic's last_updated.
    for key in ("question", "title", "summary", "sections"):
        assert second["topic"][key] == first["topic"][key], key
    strip = ("provenance",)
    assert [{k: v for k, v in r.items() if k not in strip} for r in second["recommendations"]] == [
        {k: v for k, v in r.items() if k not in strip} for r in first["recommendations"]]
    first_refs = load(project / "guidelines" / "references" / "mi.yaml")["references"]
    second_refs = load(tmp_path / "again" / "references" / "mi.yaml")["references"]
    assert [{k: v for k, v in r.items() if k not in strip} for r in second_refs] == [
        {k: v for k, v in r.items() if k not in strip} for r in first_refs]
