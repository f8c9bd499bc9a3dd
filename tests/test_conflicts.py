"""Conflicts between recommendations (CON rules) and dose units: fixture topics through the real CLI, the
shipped corpus, and small corpora for single behaviours."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from guideline.checks import CHECKS, Context, conflicts
from guideline.checks.conflicts import directions
from guideline.checks.conflicts import scopes as conflict_scopes
from guideline.corpus import units
from guideline.corpus.project import load_project
from guideline.engine.pipeline import validate
from guideline.findings import Finding
from helpers import REPO_ROOT, make_project, validate_json
from helpers.fixture_topics import SHIPPED, TODAY, TOPICS, fixture_project, line_of, run_checks

FIXTURE_TOPICS = ("atrial-fibrillation", "type-2-diabetes", "community-acquired-pneumonia")


def hits(report: dict[str, Any], rules: tuple[str, ...]) -> set[tuple[str, str, int, str, str, int, str]]:
    """(rule, file, line, record, related file, line, record) of each finding of these rules."""
    out = set()
    for f in report["findings"]:
        if f["rule"] in rules:
            related = f["related"][0]
            out.add((f["rule"], f["file"], f["line"], f["record"], related["file"], related["line"],
                     related["record"]))
    return out


Case = tuple[str, str, tuple[str | int, ...], str, tuple[str | int, ...]]


def expected(topic: str, cases: list[Case]) -> set[tuple[str, str, int, str, str, int, str]]:
    path = Path("guidelines/topics") / topic / "topic.yaml"
    source = TOPICS / topic / "topic.yaml"
    return {(rule, path.as_posix(), line_of(source, record, *where), record, path.as_posix(),
             line_of(source, other, *other_where), other)
            for rule, record, where, other, other_where in cases}


CON_RULES = ("CON001", "CON002", "CON003", "CON004", "CON005")
DOSE, DIRECTION, STRENGTH, STATEMENT = ("dosing", 0, "dose"), ("direction",), ("strength",), ("statement",)
ROUTE = ("dosing", 0, "route")
PLANTED = {
    "atrial-fibrillation": [
        ("CON005", "af-06", DOSE, "af-05", DOSE),
        ("CON002", "af-07", STRENGTH, "af-05", STRENGTH),
        ("CON004", "af-08", STATEMENT, "af-01", STATEMENT),
    ],
    "type-2-diabetes": [
        ("CON001", "t2d-02", DIRECTION, "t2d-01", DIRECTION),
        ("CON003", "t2d-04", DIRECTION, "t2d-03", DIRECTION),
        ("CON002", "t2d-05", DIRECTION, "t2d-01", DIRECTION),
    ],
    "community-acquired-pneumonia": [
        ("CON005", "cap-04", ROUTE, "cap-01", ROUTE),
        ("CON002", "cap-06", DIRECTION, "cap-05", DIRECTION),
    ],
}


@pytest.fixture(scope="module")
def fixture_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """All three fixture topics in one project, checked once through the real CLI: no cross-topic noise."""
    root = fixture_project(tmp_path_factory.mktemp("conflicts") / "project", *FIXTURE_TOPICS)
    return validate_json(root)


@pytest.mark.parametrize("topic", FIXTURE_TOPICS)
def test_fixture_topic_reports_exactly_the_planted_conflicts(fixture_report: dict[str, Any],
                                                              topic: str) -> None:
    in_topic = {hit for hit in hits(fixture_report, CON_RULES) if f"/{topic}/" in hit[1]}
    assert in_topic == expected(topic, PLANTED[topic])


def test_fixture_findings_name_the_pair_and_keep_a_stable_key(fixture_report: dict[str, Any]) -> None:
    finding = next(f for f in fixture_report["findings"] if f["rule"] == "CON001")
    assert "t2d-01" in finding["message"] and "'against' here but 'for'" in finding["message"]
    assert finding["related"][0]["record"] == "t2d-01"
    assert finding["severity"] == "error" and finding["hint"]
    disagreement = next(f for f in fixture_report["findings"] if f["rule"] == "CON003")
    assert disagreement["severity"] == "info"


def test_near_misses_in_fixture_topics_stay_silent(fixture_report: dict[str, Any]) -> None:
    reported = {f["record"] for f in fixture_report["findings"] if f["rule"] in CON_RULES}
    # Renal dose with a criterion, mcg/b.i.d. and mg/day spellings of the same dose, an alternative regimen,
    # a retired record, information statements, qualifier sets that do not nest.
    for quiet in ("af-00", "af-02", "af-03", "af-04", "af-09", "t2d-00", "t2d-06", "t2d-14", "cap-00",
                  "cap-02", "cap-03", "cap-07", "cap-08"):
        assert quiet not in reported, quiet
    assert fixture_report["summary"]["by_rule"].get("CON005") == 2


def test_a_record_is_reported_once_per_conflicting_group(fixture_report: dict[str, Any]) -> None:
    # cap-01 and cap-02 dose amoxicillin identically (1 g oral tid = 1000 mg po every 8 hours): one finding at
    # cap-04 against the earlier of them, naming the other.
    finding = next(f for f in fixture_report["findings"] if f["rule"] == "CON005" and f["record"] == "cap-04")
    assert "in cap-01" in finding["message"] and "and 1 other record" in finding["message"]
    assert "route differs" in finding["message"]


# --- the shipped corpus -------------------------------------------------------------------------------------


def pair(finding: Finding) -> tuple[str, int, str | None, int, str | None]:
    other = finding.related[0]
    return finding.rule, finding.line, finding.record, other.line, other.record


def test_shipped_corpus_conflicts(shipped_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    findings = run_checks(shipped_project, conflicts.CHECKS, monkeypatch)
    topic = shipped_project / SHIPPED
    assert {f.file for f in findings} == {SHIPPED}

    def at(record: str, other: str) -> tuple[str, int, str, int, str]:
        mine, theirs = f"osteoporotic-spine-fracture-{record}", f"osteoporotic-spine-fracture-{other}"
        return ("CON002", line_of(topic, mine, "direction"), mine, line_of(topic, theirs, "direction"),
                theirs)

    assert {pair(f) for f in findings} == {
        at("16", "15"),  # kyphoplasty for, vertebroplasty strong against: siblings, tension not contradiction
        at("17", "16"),  # against augmentation over conservative care vs kyphoplasty over vertebroplasty
        at("18", "15"),  # cannot recommend for or against any treatment vs strong against vertebroplasty
        at("18", "16"),
        at("18", "17"),
        at("31", "16"),
        at("31", "18"),
    }


def test_shipped_calcitonin_doses_do_not_conflict(shipped_project: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # -01 (200 IU intranasal or rectal daily, neurologically intact, acute) and -03 (100 IU sc/im every other
    # day, alternative) differ in qualifiers and -03 is an alternative: no dose conflict either way.
    assert run_checks(shipped_project, conflicts.CHECKS[1:], monkeypatch) == []


def test_information_statements_take_no_part(shipped_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    findings = run_checks(shipped_project, conflicts.CHECKS, monkeypatch)
    involved = {f.record for f in findings} | {loc.record for f in findings for loc in f.related}
    assert not involved & {"osteoporotic-spine-fracture-02", "osteoporotic-spine-fracture-04",
                           "osteoporotic-spine-fracture-06"}


def test_checks_are_registered() -> None:
    names = {check.name for check in CHECKS}
    assert {"conflicts", "dose-conflicts", "grade-paradigms", "grade-wording", "statement-fields",
            "waivers"} <= names


# --- small corpora for single behaviours ------------------------------------------------------------------

def rec(rec_id: str, *, direction: str = "for", intervention: str = "alendronate",
        qualifiers: tuple[str, ...] = (), comparator: str | None = None, strength: str = "Strong",
        statement: str | None = None,
        condition: str = "osteoporotic-vertebral-compression-fracture", dosing: tuple[str, ...] = (),
        review_state: str = "draft", statement_type: str = "recommendation") -> str:
    klass = {"Strong": "strong", "Conditional": "conditional"}[strength]
    text = statement or f"Statement of {rec_id}"
    lines = [f"  - id: {rec_id}", "    section: care", f"    statement: {text}",
             f"    statement_type: {statement_type}", f"    direction: {direction}", "    strength:",
             "      scheme: GRADE", f"      grade: {strength}", f"      class: {klass}",
             "    certainty: moderate",
             "    population:", "      description: Patients"]
    if condition:
        lines += ["      condition:", f"        - {condition}"]
    if qualifiers:
        lines += ["      qualifiers:", *(f"        - {q}" for q in qualifiers)]
    lines += ["    intervention:", f"      - {intervention}"]
    if comparator:
        lines += ["    comparator:", f"      - {comparator}"]
    if dosing:
        lines += ["    dosing:", *dosing]
    lines += ["    citations: []", f"    review_state: {review_state}"]
    return "\n".join(lines) + "\n"


def dose(agent: str, amount: float, unit: str, route: str = "oral", frequency: str | None = "daily",
         **extra: str) -> str:
    lines = [f"      - agent: {agent}", f"        dose: {amount}", f"        unit: {unit}",
             f"        route: {route}", *([f"        frequency: {frequency}"] if frequency else []),
             *(f"        {k}: {v}" for k, v in extra.items())]
    return "\n".join(lines)


def topic(*recs: str, topic_id: str = "spine") -> str:
    return (f"topic:\n  id: {topic_id}\n  question: What helps?\n  title: Spine\n  summary: {topic_id}-00\n"
            f"  audience:\n    - clinicians\n  last_updated: \"2026-01-01\"\n  review_state: draft\n"
            f"  sections:\n    - id: care\n      title: Care\nrecommendations:\n  - id: {topic_id}-00\n"
            f"    section: summary\n    statement: Summary.\n    statement_type: information\n"
            f"    citations: []\n    review_state: draft\n" + "".join(recs))


def check_text(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[Finding]]:
    root = make_project(tmp_path / "project")
    path = root / "guidelines" / "topics" / "spine.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path, run_checks(root, conflicts.CHECKS, monkeypatch)


def test_is_a_contradiction_and_its_comparator_near_miss(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path, findings = check_text(tmp_path, topic(
        rec("a1", intervention="bisphosphonate"),
        rec("a2", direction="against", intervention="alendronate"),
        rec("b1", intervention="kyphoplasty", comparator="vertebroplasty"),
        rec("b2", direction="against", intervention="vertebral-augmentation",
            comparator="conservative-management"),
    ), monkeypatch)
    assert {pair(f) for f in findings} == {
        ("CON001", line_of(path, "a2", "direction"), "a2", line_of(path, "a1", "direction"), "a1"),
        ("CON002", line_of(path, "b2", "direction"), "b2", line_of(path, "b1", "direction"), "b1"),
    }
    assert "different comparators" in findings[1].message


def test_subgroup_disagreement_and_unrelated_conditions(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path, findings = check_text(tmp_path, topic(
        rec("c1", direction="against", intervention="bracing"),
        rec("c2", intervention="bracing", qualifiers=("severe ongoing pain",)),
        rec("c3", direction="against", intervention="bracing", condition="atrial-fibrillation",
            qualifiers=("severe ongoing pain",)),
    ), monkeypatch)
    assert [pair(f) for f in findings] == [
        ("CON003", line_of(path, "c2", "direction"), "c2", line_of(path, "c1", "direction"), "c1")]


def test_superseded_and_retired_records_take_no_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, findings = check_text(tmp_path, topic(
        rec("d1", intervention="calcitonin"),
        rec("d2", direction="against", intervention="calcitonin", review_state="retired"),
    ), monkeypatch)
    assert findings == []


def test_redundancy_and_its_near_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, findings = check_text(tmp_path, topic(
        rec("e1", intervention="calcium", statement="Give calcium 1000 mg daily to all patients"),
        rec("e2", intervention="calcium", statement="Give calcium 1000mg daily to all patients."),
        rec("e3", intervention="calcium", statement="Calcium supplements lower fracture risk in older women"),
        rec("e4", intervention="calcium", statement="Give calcium 1000 mg daily to all patients",
            qualifiers=("on dialysis",)),
    ), monkeypatch)
    assert [pair(f) for f in findings] == [
        ("CON004", line_of(path, "e2", "statement"), "e2", line_of(path, "e1", "statement"), "e1")]
    assert "100% similar" in findings[0].message


def test_dose_conflicts_compare_normalised_units(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, findings = check_text(tmp_path, topic(
        rec("f1", intervention="vitamin-d", dosing=(dose("vitamin-d", 800, "IU"),)),
        rec("f2", intervention="vitamin-d", dosing=(dose("vitamin-d", 20, "mcg"),)),
        rec("g1", intervention="calcium", dosing=(dose("calcium", 1, "g"),)),
        rec("g2", intervention="calcium", dosing=(dose("calcium", 1000, "mg/day", frequency=None),)),
        rec("g3", intervention="calcium", dosing=(dose("calcium", 500, "mg", frequency="twice daily"),)),
        rec("h1", intervention="alendronate", dosing=(dose("alendronate", 70, "mg", frequency="weekly"),)),
        rec("h2", intervention="alendronate", dosing=(dose("alendronate", 70, "mg", frequency="daily"),)),
        rec("h3", intervention="alendronate",
            dosing=(dose("alendronate", 35, "mg", frequency="weekly", criterion="CrCl 35 mL/min or less"),)),
    ), monkeypatch)
    unit_at = ("dosing", 0, "unit")
    frequency_at = ("dosing", 0, "frequency")
    assert {pair(f) for f in findings} == {
        # IU is not converted to a mass: 800 IU and 20 mcg must be written in one unit to compare.
        ("CON005", line_of(path, "f2", *unit_at), "f2", line_of(path, "f1", *unit_at), "f1"),
        # 1 g once a day and 500 mg twice a day: the same daily total, but not the same regimen. 1000 mg/day
        # with no frequency agrees with both.
        ("CON005", line_of(path, "g3", *frequency_at), "g3", line_of(path, "g1", *frequency_at), "g1"),
        ("CON005", line_of(path, "h2", *frequency_at), "h2", line_of(path, "h1", *frequency_at), "h1"),
    }


def test_a_restricted_population_is_a_subgroup_not_a_contradiction(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # "Offer warfarin in atrial fibrillation" next to "do not use warfarin" with no condition (a restriction the
    # importer could not place), and next to "do not use warfarin in pregnancy" (a qualifier, no condition).
    path, findings = check_text(tmp_path, topic(
        rec("r1", intervention="warfarin", condition="atrial-fibrillation"),
        rec("r2", direction="against", intervention="warfarin", condition=""),
        rec("r3", direction="against", intervention="warfarin", condition="", qualifiers=("pregnancy",)),
        rec("r4", direction="against", intervention="warfarin", condition="atrial-fibrillation",
            qualifiers=("pregnancy",)),
    ), monkeypatch)
    assert {pair(f) for f in findings} == {
        # r1 (AF) is a subgroup of r2 (everyone).
        ("CON003", line_of(path, "r2", "direction"), "r2", line_of(path, "r1", "direction"), "r1"),
        # r4 (AF in pregnancy) is a subgroup of r1 (AF); r3 (pregnancy) and r1 (AF) do not nest: silent.
        ("CON003", line_of(path, "r4", "direction"), "r4", line_of(path, "r1", "direction"), "r1"),
    }


def test_same_population_contradiction_is_still_found_without_conditions(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, findings = check_text(tmp_path, topic(
        rec("s1", intervention="warfarin", condition="", qualifiers=("pregnancy",)),
        rec("s2", direction="against", intervention="warfarin", condition="", qualifiers=("Pregnancy",)),
    ), monkeypatch)
    assert [pair(f) for f in findings] == [
        ("CON001", line_of(path, "s2", "direction"), "s2", line_of(path, "s1", "direction"), "s1")]


def test_doses_conflict_only_within_one_population(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, findings = check_text(tmp_path, topic(
        rec("p1", intervention="apixaban", condition="atrial-fibrillation",
            dosing=(dose("apixaban", 5, "mg", frequency="twice daily"),)),
        # The same agent, route and population: a conflict.
        rec("p2", intervention="apixaban", condition="atrial-fibrillation",
            dosing=(dose("apixaban", 10, "mg", frequency="twice daily"),)),
        # A dose for a named subgroup (qualifier) or for no named condition is that population's own.
        rec("p3", intervention="apixaban", condition="atrial-fibrillation", qualifiers=("pregnancy",),
            dosing=(dose("apixaban", 2.5, "mg", frequency="twice daily"),)),
        rec("p4", intervention="apixaban", condition="",
            dosing=(dose("apixaban", 2.5, "mg", frequency="twice daily"),)),
        # Another route for the same population: a conflict in route.
        rec("p5", intervention="apixaban", condition="atrial-fibrillation",
            dosing=(dose("apixaban", 5, "mg", route="intravenous", frequency="twice daily"),)),
    ), monkeypatch)
    dose_at, route_at = ("dosing", 0, "dose"), ("dosing", 0, "route")
    assert {pair(f) for f in findings} == {
        ("CON005", line_of(path, "p2", *dose_at), "p2", line_of(path, "p1", *dose_at), "p1"),
        ("CON005", line_of(path, "p5", *route_at), "p5", line_of(path, "p1", *route_at), "p1"),
        ("CON005", line_of(path, "p5", *route_at), "p5", line_of(path, "p2", *route_at), "p2"),
    }


def test_units_normalise() -> None:
    assert units.quantity(1, None, "g") == units.quantity(1000, None, "mg")
    assert units.quantity(5000, None, "mcg") == units.quantity(5, None, "mg")
    assert units.quantity(800, None, "IU") == units.Quantity(800, 800, "IU")
    assert units.quantity(800, None, "IU") != units.quantity(20, None, "mcg")
    assert units.quantity(10, None, "mg/day") == units.Quantity(10, 10, "mg", per_day=True)
    assert units.quantity(10, None, "mg daily").per_day
    assert units.quantity(1000, 1200, "mg").overlaps(units.quantity(1.1, None, "g"))
    assert not units.quantity(1000, 1200, "mg").overlaps(units.quantity(1.5, None, "g"))
    assert units.canonical_unit("furlongs") is None
    assert str(units.quantity(1000, 1200, "mg/day")) == "1000-1200 mg/day"


@pytest.mark.parametrize(("left", "right"), [
    ("b.i.d.", "twice daily"), ("every 8 hours", "TID"), ("once a day", "daily"), ("q12h", "2 times a day"),
    ("every other day", "qod"), ("once weekly", "every 7 days"),
])
def test_frequency_spellings_agree(left: str, right: str) -> None:
    assert units.frequency(left).same_as(units.frequency(right))


@pytest.mark.parametrize(("left", "right"),
                         [("daily", "twice daily"), ("weekly", "monthly"), ("daily", "at bedtime x")])
def test_frequency_spellings_differ(left: str, right: str) -> None:
    assert not units.frequency(left).same_as(units.frequency(right))


def test_route_aliases() -> None:
    assert units.route("PO") == units.route("by mouth") == "oral"
    assert units.route("nasal spray") == "intranasal"
    assert units.route("s.c.") == units.route("subcutaneous")
    assert units.route("intrathecal") == "intrathecal"


def test_validate_runs_the_conflict_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = fixture_project(tmp_path / "project", "type-2-diabetes")
    monkeypatch.chdir(root)
    result = validate([root / "guidelines"], load_project(root), today=TODAY)
    assert ("CON001", "t2d-02") in {(f.rule, f.record) for f in result.findings}


# --- scale ------------------------------------------------------------------------------------------------

def test_candidate_pairs_grow_with_the_records_not_their_square() -> None:
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    try:
        import conflicts_scale
    finally:
        sys.path.remove(str(REPO_ROOT / "benchmarks"))
    counts = []
    for size in (200, 2000):
        project, corpus, _ = conflicts_scale.synthetic(size)
        scopes = conflict_scopes.build_scopes(Context(corpus, project, TODAY))
        concepts = conflict_scopes.Concepts(project.vocabulary)
        counts.append(sum(1 for _ in directions.class_pairs(directions.fact_classes(scopes), concepts)))
    # All pairs would be 100 times more at ten times the records; indexed candidates stay far below that.
    assert counts[1] < 15 * counts[0]
    assert counts[1] < 2000 * 2000 / 2 / 100
