"""guideline export --format fhir: the shipped corpus and the fixture topics as EBM-profiled FHIR R5 Bundles,
checked against the profiles' requirements and compared with the guide's own examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from guideline.cli import main
from guideline.corpus.project import load_project
from guideline.engine.pipeline import load_corpus
from guideline.fhir import codes as c
from guideline.fhir.dosage import bounds, repeat, ucum
from guideline.fhir.export import TopicExport, export_topics
from guideline.fhir.profiles import PROFILE_CHECKS, check_resource
from guideline.fhir.resources import citation
from helpers import REPO_ROOT
from helpers.fixture_topics import fixture_project

GUIDE = REPO_ROOT.parent / "shared" / "fhir" / "ebm-r5" / "examples"
FIXTURE_TOPICS = ("atrial-fibrillation", "community-acquired-pneumonia", "type-2-diabetes")
pytestmark = pytest.mark.skipif(not GUIDE.is_dir(), reason="the EBM guide's examples are not available")


def _export(root: Path) -> list[TopicExport]:
    project = load_project(root)
    return export_topics(project, load_corpus([project.data_dir], project))


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> list[TopicExport]:
    fixtures = fixture_project(tmp_path_factory.mktemp("fhir"), *FIXTURE_TOPICS)
    return _export(REPO_ROOT) + _export(fixtures)


def _resources(exports: list[TopicExport], kind: str, profile: str | None = None) -> list[dict[str, Any]]:
    found = [e["resource"] for done in exports for e in done.bundle["entry"] if e["resource"]["resourceType"] == kind]
    return [r for r in found if profile is None or c.PROFILES[profile] in r.get("meta", {}).get("profile", ())]


def _by_id(exports: list[TopicExport], resource_id: str) -> dict[str, Any]:
    return next(e["resource"] for done in exports for e in done.bundle["entry"] if e["resource"]["id"] == resource_id)


def _guide(profile: str) -> list[dict[str, Any]]:
    found = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(GUIDE.glob("*.json"))]
    return [r for r in found if c.PROFILES[profile] in (r.get("meta") or {}).get("profile", ())]


def _codings(value: Any, key: str) -> set[tuple[str, str]]:
    """(system, code) of every CodeableConcept found under `key` anywhere in value."""
    found: set[tuple[str, str]] = set()
    if isinstance(value, dict):
        for name, item in value.items():
            if name == key and isinstance(item, dict):
                found |= {(x["system"], x["code"]) for x in item.get("coding", ()) if "system" in x}
            found |= _codings(item, key)
    elif isinstance(value, list):
        for item in value:
            found |= _codings(item, key)
    return found


def test_every_topic_exports_and_meets_the_profiles(exports: list[TopicExport]) -> None:
    assert {done.topic for done in exports} == {"osteoporotic-spine-fracture", "af-anticoagulation",
                                                "cap-antibiotics", "t2d-glucose-lowering"}
    assert [str(p) for done in exports for p in done.problems] == []
    for done in exports:
        kinds = {e["resource"]["resourceType"] for e in done.bundle["entry"]}
        assert {"Composition", "ArtifactAssessment", "Group", "PlanDefinition", "ActivityDefinition",
                "Citation"} <= kinds
        ids = [e["resource"]["id"] for e in done.bundle["entry"]]
        assert len(ids) == len(set(ids))


def test_the_checker_accepts_the_guides_own_examples_and_rejects_a_broken_one() -> None:
    checked = 0
    for path in sorted(GUIDE.glob("*.json")):
        resource = json.loads(path.read_text(encoding="utf-8"))
        if any(p in PROFILE_CHECKS for p in (resource.get("meta") or {}).get("profile", ())):
            assert check_resource(resource) == [], path.name
            checked += 1
    assert checked >= 14
    broken = _guide("recommendation")[0]
    broken["section"] = [s for s in broken["section"]
                         if (c.EBM_CODES, "recommendation-specification") not in _codings(s, "code")]
    assert ("Composition.section", "required slice recommendation-specification is missing") in check_resource(broken)
    plan = _guide("plan")[0]
    plan["type"] = c.concept(c.coding(c.PLAN_TYPE, "order-set"))
    assert any(path == "PlanDefinition.type" for path, _ in check_resource(plan))


def test_recommendation_sections_match_the_guides_examples(exports: list[TopicExport]) -> None:
    ours = _resources(exports, "Composition", "recommendation")
    theirs = _guide("recommendation")
    # references: a section the parent profile (EvidenceReportPackage FSH) defines; the examples leave it out.
    assert _codings(ours, "code") <= _codings(theirs, "code") | {(c.EBM_CODES, "references")}
    assert {json.dumps(r["type"], sort_keys=True) for r in ours} == {
        json.dumps({"coding": [{"code": "Recommendation", "display": "Recommendation", "system": c.EBM_CODES}]},
                   sort_keys=True)}
    for resource in ours:
        specification = resource["section"][0]
        assert specification["code"]["coding"][0]["code"] == "recommendation-specification"
        inner = [s["code"]["coding"][0]["code"] for s in specification["section"]]
        assert inner[:3] == ["recommendation-statement", "ratings", "population"]
    guideline = _resources(exports, "Composition", "guideline")
    assert _codings([s for r in guideline for s in r["section"]], "code") <= _codings(_guide("guideline"), "code") | {
        (c.EBM_CODES, "introduction"), (c.EBM_CODES, "references")}


def test_assessments_use_the_guides_codes(exports: list[TopicExport]) -> None:
    justifications = _resources(exports, "ArtifactAssessment", "justification")
    guide_types = _codings(_guide("justification"), "type")
    assert {x for x in _codings(justifications, "type") if x[0] == c.EBM_CODES} <= guide_types
    certainty = _resources(exports, "ArtifactAssessment", "certainty")
    assert {x for x in _codings(certainty, "type")} <= _codings(_guide("certainty"), "type")
    assert {s for s, _ in _codings([x["content"] for x in certainty], "classifier")} <= {
        c.CERTAINTY_RATING, c.CERTAINTY_LEVEL}
    graded = _by_id(exports, "justification-osteoporotic-spine-fracture-31")
    parts = {p["type"]["coding"][0]["code"]: p for p in graded["content"][0]["component"]}
    assert parts["rating-system"]["classifier"][0]["text"] == "AAOS 2010"
    assert parts["strength-of-recommendation"]["classifier"][0]["coding"][0]["code"] == "Strong"
    assert (c.RJCS, "RJCS-2025") in _codings(parts["direction-of-recommendation"], "type") | {
        (x["system"], x["code"]) for x in parts["direction-of-recommendation"]["classifier"][0]["coding"]}
    paradigms = [p for r in justifications for p in r["content"][0]["component"]
                 if p["type"]["coding"][0]["code"] == "ratings"]
    assert {p["classifier"][0]["text"] for p in paradigms} >= {"expert-consensus", "life-threatening"}


def test_against_recommendation_is_do_not_perform(exports: list[TopicExport]) -> None:
    action = _by_id(exports, "activity-osteoporotic-spine-fracture-31-vertebroplasty")
    assert action["doNotPerform"] is True
    assert _by_id(exports, "activity-osteoporotic-spine-fracture-01-calcitonin")["doNotPerform"] is False
    plan = _by_id(exports, "plan-osteoporotic-spine-fracture-31")
    assert plan["action"][0]["definitionCanonical"] == action["url"]
    assert plan["subjectReference"]["reference"] == "Group/population-osteoporotic-spine-fracture-31"
    against = [r for r in _resources(exports, "ActivityDefinition") if r["doNotPerform"]]
    assert len({r["identifier"][0]["value"] for r in against}) >= 4


def test_dosage_units_are_ucum(exports: list[TopicExport]) -> None:
    calcitonin = _by_id(exports, "activity-osteoporotic-spine-fracture-01-calcitonin")["dosage"][0]
    assert calcitonin["doseAndRate"][0]["doseQuantity"] == {"value": 200, "unit": "IU", "system": c.UCUM,
                                                            "code": "[iU]"}
    assert calcitonin["route"]["coding"][0] == {"system": c.SNOMED, "code": "46713006", "display": "Nasal route"}
    assert calcitonin["timing"]["repeat"] == {"frequency": 1, "period": 1, "periodUnit": "d", "boundsDuration": {
        "value": 4, "unit": "weeks", "system": c.UCUM, "code": "wk"}}
    calcium = _by_id(exports, "activity-osteoporotic-spine-fracture-07-calcium")["dosage"][0]
    assert calcium["doseAndRate"][0]["doseRange"]["high"]["value"] == 1200
    alternative = _by_id(exports, "activity-osteoporotic-spine-fracture-03-calcitonin")["dosage"][0]
    assert alternative["timing"]["repeat"] == {"frequency": 1, "period": 2, "periodUnit": "d"}
    assert alternative["additionalInstruction"][0]["coding"][0]["code"] == "alternative"
    quantities = [q for r in _resources(exports, "ActivityDefinition") for d in r.get("dosage", ())
                  for q in _quantities(d["doseAndRate"][0])]
    assert quantities and all(q["system"] == c.UCUM for q in quantities)
    assert [ucum(u) for u in ("mg", "mcg", "mg/day", "mg/kg", "g", "mL", "units", "tablets")] == [
        "mg", "ug", "mg/d", "mg/kg", "g", "mL", "[U]", None]
    assert bounds("3-5 years") == {"boundsRange": {"low": {"value": 3, "unit": "years", "system": c.UCUM,
                                                           "code": "a"},
                                                   "high": {"value": 5, "unit": "years", "system": c.UCUM,
                                                            "code": "a"}}}
    assert repeat("weekly") == {"frequency": 1, "period": 1, "periodUnit": "wk"}
    assert repeat("every 8 hours") == {"frequency": 3, "period": 1, "periodUnit": "d"}


def _quantities(dose: dict[str, Any]) -> list[dict[str, Any]]:
    return [dose["doseQuantity"]] if "doseQuantity" in dose else [dose["doseRange"]["low"], dose["doseRange"]["high"]]


def test_population_is_coded_with_the_vocabulary(exports: list[TopicExport]) -> None:
    group = _by_id(exports, "population-osteoporotic-spine-fracture-01")
    conditions = [x["valueCodeableConcept"] for x in group["characteristic"] if "text" not in x["code"]
                  and x["code"]["coding"][0]["system"] == c.SNOMED]
    assert conditions[0]["coding"][-1] == {"system": c.CONCEPTS, "code": "osteoporotic-vertebral-compression-fracture",
                                           "display": "Osteoporotic vertebral compression fracture"}
    qualifiers = [x["valueCodeableConcept"]["text"] for x in group["characteristic"]
                  if x["code"]["coding"][0]["code"] == "qualifier"]
    assert qualifiers == ["neurologically intact", "acute, 0-5 days"]
    systems = {s for r in _resources(exports, "Group") for s, _ in _codings(r, "valueCodeableConcept")}
    assert "https://meshb.nlm.nih.gov/" in systems
    drugs = {s for r in _resources(exports, "ActivityDefinition") for s, _ in _codings(r, "code")}
    assert {"http://www.whocc.no/atc", "http://www.nlm.nih.gov/research/umls/rxnorm"} <= drugs


def test_identifiers_are_mapped(tmp_path: Path) -> None:
    root = fixture_project(tmp_path)
    (root / "guidelines" / "references").mkdir(exist_ok=True)
    (root / "guidelines" / "references" / "ids.yaml").write_text(
        "references:\n  - id: every-id\n    type: rct\n    title: A trial\n    source: A journal\n    year: 2020\n"
        "    identifiers:\n      pmid: \"12345678\"\n      doi: 10.1000/xyz\n      pmcid: PMC1234567\n"
        "      isbn: \"9780309072809\"\n      nct: NCT01234567\n      url: https://example.org/trial\n",
        encoding="utf-8")
    project = load_project(root)
    record = load_corpus([project.data_dir], project).first("reference", "every-id")
    assert record is not None
    cited = citation(record)["citedArtifact"]
    assert cited["identifier"] == [
        {"system": "https://pubmed.ncbi.nlm.nih.gov", "value": "12345678"},
        {"system": "https://doi.org", "value": "10.1000/xyz"},
        {"system": "https://www.ncbi.nlm.nih.gov/pmc/", "value": "PMC1234567"},
        {"system": "https://clinicaltrials.gov", "value": "NCT01234567"},
        {"type": {"coding": [{"system": c.EBM_CODES, "code": "object-identifier", "display": "Object Identifier"}],
                  "text": "ISBN"}, "value": "9780309072809"}]
    assert cited["webLocation"][0]["url"] == "https://example.org/trial"
    guide_systems = {i.get("system") for r in _guide("journal-article") + _guide("book")
                     for i in r["citedArtifact"].get("identifier", ())}
    assert {"https://pubmed.ncbi.nlm.nih.gov", "https://doi.org", "https://www.ncbi.nlm.nih.gov/pmc/"} <= guide_systems
    assert check_resource(citation(record)) == []


def test_review_state_and_comments(exports: list[TopicExport]) -> None:
    composition = _by_id(exports, "rec-osteoporotic-spine-fracture-01")
    assert composition["status"] == "preliminary"
    assert composition["meta"]["tag"] == [{"system": c.REVIEW_STATE, "code": "submitted"}]


def test_export_is_byte_identical_between_runs(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        assert main(["export", "--format", "fhir", "--root", str(REPO_ROOT), "-o", str(out)], cwd=REPO_ROOT) == 0
    names = sorted(p.name for p in first.iterdir())
    assert names == ["osteoporotic-spine-fracture.fhir.json"]
    assert all((first / n).read_bytes() == (second / n).read_bytes() for n in names)
    text = (first / names[0]).read_text(encoding="utf-8")
    bundle = json.loads(text)
    compact = json.dumps(bundle, sort_keys=True, separators=(",", ":"))
    assert text.replace("\n", "") == compact
    assert len(text.splitlines()) == len(bundle["entry"]) + 2


def test_unknown_topic_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "nope", "--root", str(REPO_ROOT), "-o", str(tmp_path)], cwd=REPO_ROOT) == 2
    assert "unknown topic nope" in capsys.readouterr().err


def test_review_comment_carries_workflow_status_and_disposition() -> None:
    from guideline.corpus.reviews import Comment
    from guideline.fhir.assessments import comment
    resource = comment(Comment("c1", "osteoporotic-spine-fracture-01", "ana@example.org", "2026-11-02",
                               "Cite the trial.", "persuasive"), "rec-osteoporotic-spine-fracture-01")
    assert (resource["workflowStatus"], resource["disposition"]) == ("resolved-change-required", "persuasive")
    assert resource["content"][0]["informationType"] == "comment"
    assert check_resource(resource) == []
    # The EBM Comment profile forbids workflowStatus and disposition (0..0), so the base resource is used.
    assert "meta" not in resource
