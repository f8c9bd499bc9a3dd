"""Reference integrity (REF rules) and identifier helpers, on real files through the real CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from guideline.corpus import identifiers
from guideline.corpus.loader import read_file
from helpers import REPO_ROOT, validate_json
from helpers.references import BIB, TOPIC, hits, line_of, rec, ref, references_file, topic_file, write

# Builders for small corpora; the tests find lines by searching the text they wrote.


# Identifier helpers: pure functions, so plain parametrised cases.

@pytest.mark.parametrize(("kind", "value", "expected"), [
    ("pmid", "19657121", "19657121"),
    ("pmid", " 1 ", "1"),
    ("pmid", "123456789", None),
    ("pmid", "PMID 19657121", None),
    ("doi", "10.1056/NEJMoa0900429", "10.1056/nejmoa0900429"),
    ("doi", "https://doi.org/10.1056/nejmoa0900429", "10.1056/nejmoa0900429"),
    ("doi", "doi:10.1016/S0140-6736(97)11096-0", "10.1016/s0140-6736(97)11096-0"),
    ("doi", "https://dx.doi.org/10.1136/bmj.k1551", "10.1136/bmj.k1551"),
    ("doi", "10.1002/(SICI)1097-4636(199706)35:4<505::AID-JBM11>3.0.CO;2-F",
     "10.1002/(sici)1097-4636(199706)35:4<505::aid-jbm11>3.0.co;2-f"),
    ("doi", "10.123/abc", None),
    ("doi", "10.1056 NEJMoa0900429", None),
    ("doi", "NEJMoa0900429", None),
    ("pmcid", "PMC7255293", "PMC7255293"),
    ("pmcid", "pmc7255293", "PMC7255293"),
    ("pmcid", "7255293", None),
    ("isbn", "0-306-40615-2", "0306406152"),
    ("isbn", "0-8044-2957-X", "080442957X"),
    ("isbn", "978-0-306-40615-7", "9780306406157"),
    ("isbn", "978 0 306 40615 7", "9780306406157"),
    ("isbn", "978-0-306-40615-8", None),
    ("isbn", "0-306-40615-3", None),
    ("isbn", "123-0-306-40615-7", None),
    ("nct", "NCT01234567", "NCT01234567"),
    ("nct", "NCT1234567", None),
    ("url", "https://www.ema.europa.eu/en", "https://www.ema.europa.eu/en"),
    ("url", "ftp://example.org/file", None),
    ("url", "javascript:alert(1)", None),
    ("url", "https://example.org/a b", None),
    ("url", "http://[::1", None),
    ("unknown", "x", None),
])
def test_identifier_normalisation(kind: str, value: str, expected: str | None) -> None:
    assert identifiers.normalise(kind, value) == expected


def test_work_keys_and_title_key() -> None:
    keys = identifiers.work_keys({"doi": "https://doi.org/10.1056/NEJMoa0900429", "pmid": "19657121",
                                  "isbn": "0-306-40615-2", "pmcid": "bad"})
    assert keys == {"doi": "10.1056/nejmoa0900429", "pmid": "19657121"}
    assert identifiers.title_key("A Randomized Trial of Vertebroplasty -- Osteoporotic Fractures.") == \
        identifiers.title_key("a randomized trial of vertebroplasty: osteoporotic fractures")
    assert identifiers.title_key("Ostéoporose") == "osteoporose"


# The rules, on one corpus that breaks each of them and one that breaks none.

BUCHBINDER = "A randomized trial of vertebroplasty for painful osteoporotic vertebral fractures"
KALLMES = "A Randomized Trial of Vertebroplasty for Osteoporotic Spinal Fractures"


@pytest.fixture
def bad_report(project: Path) -> tuple[Path, dict]:  # type: ignore[type-arg]
    write(project, TOPIC, topic_file(
        rec("spine-01", citations=("ref-a", "ref-missing", "ref-a")),
        rec("spine-02", citations=()),
        rec("spine-03", citations=("ref-b", "ref-c", "ref-d", "ref-malformed", "ref-edit-1", "ref-edit-2")),
    ))
    write(project, BIB, references_file(
        ref("ref-a"),
        # The same paper (Buchbinder 2009) twice: DOI only, then PMID plus the DOI in another case and as a URL.
        ref("ref-b", title=BUCHBINDER, year=2009, doi="10.1056/NEJMoa0900429"),
        ref("ref-c", title=BUCHBINDER, year=2009, pmid="19657121", doi="https://doi.org/10.1056/nejmoa0900429"),
        # The same paper (Kallmes 2009) twice, linkable only by title and year: DOI only, then PMID only.
        ref("ref-d", title=KALLMES, year=2009, doi="10.1056/NEJMoa0900563"),
        ref("ref-uncited", title=KALLMES.lower() + ".", year=2009, pmid="19657122"),
        ref("ref-malformed", pmid="PMID 19657121", doi="10.1056 NEJMoa", pmcid="PMCabc",
            isbn="978-0-306-40615-8", nct="NCT1234", url="ftp://example.org/paper"),
        # Short generic titles are not compared.
        ref("ref-edit-1", title="Editorial", year=2021),
        ref("ref-edit-2", title="Editorial", year=2021),
    ))
    return project, validate_json(project)


def test_unresolved_citation_points_at_the_citation_item(bad_report: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    project, report = bad_report
    topic = project / TOPIC
    assert hits(report, "REF001") == [(TOPIC, line_of(topic, "- ref-missing"), "spine-01")]
    finding = next(f for f in report["findings"] if f["rule"] == "REF001")
    assert finding["severity"] == "error" and "ref-missing" in finding["message"]


def test_reference_cited_twice(bad_report: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    project, report = bad_report
    topic = project / TOPIC
    second = line_of(topic, "- ref-a", after="- ref-missing")
    assert hits(report, "REF006") == [(TOPIC, second, "spine-01")]
    finding = next(f for f in report["findings"] if f["rule"] == "REF006")
    assert finding["related"][0]["line"] == line_of(topic, "- ref-a", after="id: spine-01")


def test_recommendation_citing_nothing(bad_report: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    project, report = bad_report
    # spine-00 is an information statement with no citation either: exempt.
    assert hits(report, "REF007") == [(TOPIC, line_of(project / TOPIC, "citations: []", after="id: spine-02"),
                                       "spine-02")]


def test_orphan_reference(bad_report: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    project, report = bad_report
    assert hits(report, "REF002") == [(BIB, line_of(project / BIB, "id: ref-uncited"), "ref-uncited")]
    assert next(f for f in report["findings"] if f["rule"] == "REF002")["severity"] == "warning"


def test_same_doi_in_another_form_is_one_work(bad_report: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    project, report = bad_report
    bib = project / BIB
    assert hits(report, "REF003") == [(BIB, line_of(bib, "doi: \"https://doi.org/", after="id: ref-c"), "ref-c")]
    finding = next(f for f in report["findings"] if f["rule"] == "REF003")
    assert finding["related"][0]["record"] == "ref-b"
    assert finding["related"][0]["line"] == line_of(bib, "doi:", after="id: ref-b")


def test_same_title_and_year_without_shared_identifier(bad_report: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    project, report = bad_report
    bib = project / BIB
    # ref-c (already REF003) is not reported again; the "Editorial" pair is too short to compare.
    assert hits(report, "REF004") == [(BIB, line_of(bib, "title:", after="id: ref-uncited"), "ref-uncited")]
    finding = next(f for f in report["findings"] if f["rule"] == "REF004")
    assert finding["related"][0]["record"] == "ref-d"


def test_malformed_identifiers(bad_report: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    project, report = bad_report
    bib = project / BIB
    expected = [(BIB, line_of(bib, f"{name}:", after="id: ref-malformed"), "ref-malformed")
                for name in ("pmid", "doi", "pmcid", "isbn", "nct", "url")]
    assert hits(report, "REF005") == sorted(expected)
    messages = {f["message"] for f in report["findings"] if f["rule"] == "REF005"}
    assert "ISBN '978-0-306-40615-8' is malformed" in messages


def test_clean_corpus_has_no_reference_findings(project: Path) -> None:
    write(project, TOPIC, topic_file(
        rec("spine-01", citations=("ref-b", "ref-d")),
        rec("spine-02", statement_type="good-practice", citations=()),
        rec("spine-03", citations=("ref-e", "ref-f", "ref-ids")),
    ))
    write(project, BIB, references_file(
        ref("ref-b", title=BUCHBINDER, year=2009, doi="10.1056/NEJMoa0900429", pmid="19657121"),
        ref("ref-d", title=KALLMES, year=2009, doi="10.1056/NEJMoa0900563", pmid="19657122"),
        # Same title and year but different DOIs: two works (e.g. a guideline printed in two journals).
        ref("ref-e", title="Joint guideline on the management of spine fractures", year=2020, doi="10.1000/one"),
        ref("ref-f", title="Joint guideline on the management of spine fractures", year=2020, doi="10.1000/two"),
        ref("ref-ids", pmid="12345678", doi="doi:10.1016/S0140-6736(20)31180-6", pmcid="PMC7255293",
            isbn="0-8044-2957-X", nct="NCT01234567", url="https://example.org/paper"),
    ))
    report = validate_json(project)
    assert [f for f in report["findings"] if f["rule"].startswith("REF")] == []


def test_bibliography_resolves_when_only_a_topic_is_checked(project: Path) -> None:
    write(project, TOPIC, topic_file(rec("spine-01", citations=("ref-a", "ref-missing"))))
    write(project, BIB, references_file(ref("ref-a"), ref("ref-uncited")))
    topic_only = validate_json(project, TOPIC)
    assert hits(topic_only, "REF001") == [(TOPIC, line_of(project / TOPIC, "- ref-missing"), "spine-01")]
    # A partial check cannot see every citation: no orphan is reported.
    assert hits(validate_json(project, BIB), "REF002") == []
    assert hits(validate_json(project), "REF002") == [(BIB, line_of(project / BIB, "id: ref-uncited"), "ref-uncited")]


def test_citations_resolve_across_topics_and_bibliography_files(project: Path) -> None:
    write(project, TOPIC, topic_file(rec("spine-01", citations=("ref-a", "ref-b"))))
    write(project, "guidelines/topics/hip.yaml", topic_file(rec("hip-01", citations=("ref-b",)), topic_id="hip"))
    write(project, BIB, references_file(ref("ref-a")))
    write(project, "guidelines/references/more/other.yaml", references_file(ref("ref-b")))
    report = validate_json(project)
    assert hits(report, "REF001") == [] and hits(report, "REF002") == []


def test_shipped_corpus_reports_unresolved_ref_6_and_ref_7(shipped_project: Path) -> None:
    report = validate_json(shipped_project)
    topic_path = "guidelines/topics/osteoporotic-spine-fracture.yaml"
    doc = read_file(REPO_ROOT / topic_path, topic_path)
    expected = []
    for index, item in enumerate(doc.data["recommendations"]):
        for position, citation in enumerate(item["citations"]):
            if citation in ("osteoporotic-spine-fracture-ref-6", "osteoporotic-spine-fracture-ref-7"):
                line = doc.position(("recommendations", index, "citations", position))[0]
                expected.append((topic_path, line, item["id"]))
    assert len(expected) == 7
    assert hits(report, "REF001") == sorted(expected)
    for rule in ("REF002", "REF003", "REF004", "REF005", "REF006", "REF007"):
        assert hits(report, rule) == [], rule


def test_rules_are_documented(guideline, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(REPO_ROOT / "guidelines", tmp_path / "guidelines")
    result = guideline("rules", "REF001", "REF002", "REF003", "REF004", "REF005", "REF006", "REF007", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for rule in ("REF001  error", "REF002  warning", "REF003  error", "REF004  warning", "REF005  error",
                 "REF006  warning", "REF007  error"):
        assert rule in result.stdout


# A file that cannot be read: its own finding, and no cascade from the records that depend on it.

def test_a_typo_in_the_bibliography_gives_one_finding_for_the_citations(project: Path) -> None:
    topic = write(project, TOPIC, topic_file(*(rec(f"spine-{n:02}", citations=("ref-a", "ref-b", "ref-gone"))
                                               for n in range(1, 21))))
    bib = write(project, BIB, references_file(ref("ref-a"), ref("ref-b")).replace("title: \"Title of ref-b\"",
                                                                                  "title: [Title of ref-b"))
    write(project, "guidelines/references/other.yaml", references_file(ref("ref-c")))
    report = validate_json(project)
    broken = line_of(bib, "title: [Title of ref-b") + 1  # libyaml sees the bracket unclosed on the next line
    assert [(f["rule"], f["file"], f["line"]) for f in report["findings"] if f["rule"] != "REF002"] \
        == [("YML001", BIB, broken), ("REF001", TOPIC, line_of(topic, "- ref-a"))]
    note = next(f for f in report["findings"] if f["rule"] == "REF001")
    assert note["message"] == ("citation 'ref-a' and 59 more, in 20 recommendation(s), were not checked: they "
                               f"resolve to no reference read, and {BIB} could not be read")
    assert [(r["file"], r["line"]) for r in note["related"]] == [(BIB, broken)]
    # Every topic file was read: ref-c, in a readable bibliography file, is reported uncited as usual.
    assert hits(report, "REF002") == [("guidelines/references/other.yaml", 2, "ref-c")]


def test_a_typo_in_a_topic_file_hides_no_reference_as_uncited(project: Path) -> None:
    write(project, TOPIC, topic_file(rec("spine-01", citations=("ref-a",))).replace("title: Spine",
                                                                                    "title: [Spine"))
    write(project, BIB, references_file(ref("ref-a"), ref("ref-b")))
    report = validate_json(project)
    assert [(f["rule"], f["file"]) for f in report["findings"]] == [("YML001", TOPIC)]
