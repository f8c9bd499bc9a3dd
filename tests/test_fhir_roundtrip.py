"""guideline import --from fhir: what `guideline export` writes imports back to equal records (the shipped corpus,
the fixture topics, a generated corpus, a record with every field of the schemas), what records cannot hold is
reported as FHR001, a file that is not a Bundle is one usage error, and the EBM guide's own examples import."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from guideline.cli import main
from guideline.corpus.model import Corpus
from guideline.corpus.project import load_project
from guideline.engine.pipeline import load_corpus
from guideline.fhir import parts
from guideline.fhir.export import export_topics
from guideline.fhir.imports import import_bundle
from guideline.fhir.reader import Tracked
from helpers import REPO_ROOT, make_project
from helpers.fixture_topics import fixture_project

GUIDE = REPO_ROOT.parent / "shared" / "fhir" / "ebm-r5" / "examples"
FIXTURE_TOPICS = ("atrial-fibrillation", "community-acquired-pneumonia", "type-2-diabetes")
SCHEMAS = REPO_ROOT / "schemas"

# One recommendation with every field of recommendation.schema.json (and every key of its mappings), one topic and
# one reference likewise: a field added to a schema without a FHIR mapping fails the round trip below.
FULL_TOPIC = """\
topic:
  id: full
  question: What is a complete record?
  title: Full
  summary: full-summary
  audience:
    - clinicians
    - patients
  last_updated: "2026-01-15"
  last_reviewed: "2026-02-01"
  review_state: superseded
  superseded_by: full-next
  sections:
    - id: acute
      title: Acute <phase> & care
      groups:
        - id: pain
          lead: "For pain:"
    - id: empty
      title: A section nothing is in
  provenance:
    file: article.txt
    line: 1
    method: import
    extracted:
      - title
recommendations:
  - id: full-summary
    section: summary
    statement: Summary of it all
    statement_type: information
    intervention:
      - calcitonin
    citations: []
    review_state: draft
  - id: full-1
    section: acute
    group: pain
    statement: Give calcitonin, not <nothing> & "more"
    statement_type: recommendation
    direction: for
    strength:
      scheme: AAOS
      version: "2010"
      grade: Moderate
      class: conditional
      paradigm: life-threatening
      rationale: Because.
    certainty: not-rated
    population:
      description: Adults
      condition:
        - osteoporotic-vertebral-compression-fracture
      qualifiers:
        - acute, 0-5 days
    intervention:
      - calcitonin
    comparator:
      - vertebroplasty
    dosing:
      - agent: alendronate
        dose: 70
        unit: mg
        route: oral
        frequency: weekly
        duration: 3 to 5 years
        alternative: false
      - agent: calcitonin
        dose: 100
        dose_max: 200.5
        unit: IU
        route: nasal spray
        frequency: daily
        duration: 4 weeks
        qualifier: acute
        criterion: CrCl < 30 mL/min
        alternative: true
    citations:
      - full-ref
      - nowhere-ref
    review_state: superseded
    superseded_by: full-2
    restates:
      source: aaos-2010
      recommendation: "4"
      adaptation: Narrower population.
    last_reviewed: "2026-03-01"
    provenance:
      file: article.txt
      line: 12
      method: manual
    notes: A note.
    change_note: Dose range widened.
"""
FULL_REFERENCES = """\
references:
  - id: full-ref
    type: rct
    title: A trial
    source: A journal
    year: 2020
    authors:
      - Doe J
      - Roe R
    identifiers:
      pmid: "12345678"
      doi: 10.1000/xyz
      pmcid: PMC1234567
      isbn: "9780309072809"
      nct: NCT01234567
      url: https://example.org/trial
    listed_as: Research
    provenance:
      file: article.txt
      line: 40
      method: import
    notes: Listed twice in the article.
"""


def _round_trip(root: Path, tmp_path: Path) -> tuple[Corpus, Corpus, list[dict[str, Any]]]:
    """Export every topic of root with the CLI, import each Bundle with the CLI; both corpora and the output."""
    out, drafts = tmp_path / "export", tmp_path / "drafts"
    assert main(["export", "--root", str(root), "-o", str(out)], cwd=root) in (0, 1)
    shown: list[dict[str, Any]] = []
    for bundle in sorted(out.iterdir()):
        assert main(["import", str(bundle), "--root", str(root), "--out", str(drafts), "--format", "json",
                     "-o", str(tmp_path / f"{bundle.name}.findings.json")], cwd=root) == 0
        shown.extend(json.loads((tmp_path / f"{bundle.name}.findings.json").read_text(encoding="utf-8"))["findings"])
    project = load_project(root)
    return load_corpus([project.data_dir], project), load_corpus([drafts], project), shown


def _assert_equal(before: Corpus, after: Corpus) -> None:
    """Field by field: every valid topic and recommendation, and every reference a recommendation cites."""
    compared = 0
    for record in before.records():
        if record.kind == "reference" and not any(record.id in r.list_of("citations") for r in before.recommendations):
            continue
        if not record.valid or len(before.by_id(record.kind)[record.id]) > 1:
            continue  # an invalid record, or an id used twice (a planted defect of generated corpora)
        again = after.first(record.kind, record.id)
        assert again is not None, f"{record.kind} {record.id} did not come back"
        for name in sorted(set(record.data) | set(again.data)):
            assert again.data.get(name) == record.data.get(name), f"{record.kind} {record.id}: {name}"
        compared += 1
    assert compared


def test_shipped_corpus_and_fixture_topics_round_trip(tmp_path: Path) -> None:
    for name, root in (("shipped", REPO_ROOT), ("fixtures", fixture_project(tmp_path / "f", *FIXTURE_TOPICS))):
        before, after, findings = _round_trip(root, tmp_path / name)
        _assert_equal(before, after)
        assert [f["rule"] for f in findings] == []


def test_a_record_with_every_schema_field_round_trips(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    (root / "guidelines" / "topics").mkdir()
    (root / "guidelines" / "topics" / "full.yaml").write_text(FULL_TOPIC, encoding="utf-8")
    (root / "guidelines" / "references").mkdir()
    (root / "guidelines" / "references" / "full.yaml").write_text(FULL_REFERENCES, encoding="utf-8")
    before, after, _ = _round_trip(root, tmp_path)
    _assert_equal(before, after)
    full = before.first("recommendation", "full-1")
    topic, reference = before.first("topic", "full"), before.first("reference", "full-ref")
    assert full is not None and topic is not None and reference is not None
    for schema, record in (("recommendation", full), ("topic", topic), ("reference", reference)):
        properties = json.loads((SCHEMAS / f"{schema}.schema.json").read_text(encoding="utf-8"))["properties"]
        assert set(properties) == set(record.data), f"{schema}: a field without a round-trip case"
        for name, spec in properties.items():
            if spec.get("type") == "object" and "properties" in spec:
                assert set(spec["properties"]) <= set(record.data[name]) | {"extracted"}, f"{schema}.{name}"
    dose = json.loads((SCHEMAS / "recommendation.schema.json").read_text(encoding="utf-8"))["$defs"]["dose"]
    assert set(dose["properties"]) == {k for d in full.list_of("dosing") for k in d}


def test_a_generated_corpus_round_trips(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(REPO_ROOT / "benchmarks"))
    root = tmp_path / "generated"
    generate(root, 200)
    before, after, _ = _round_trip(root, tmp_path)
    _assert_equal(before, after)


def _path(message: str) -> str:
    return message.split(": ")[1].removesuffix(" is not imported")


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def test_what_records_cannot_hold_is_reported(tmp_path: Path) -> None:
    project = load_project(REPO_ROOT)
    done = export_topics(project, load_corpus([project.data_dir], project))[0]
    bundle = json.loads(done.serialised())
    composition = bundle["entry"][1]["resource"]
    composition["custodian"] = {"display": "A publisher"}
    composition["attester"] = [{"mode": {"text": "professional"}, "party": {"display": "Ana"}}]
    bundle["entry"].append({"resource": {"resourceType": "Patient", "id": "stray"}})
    text = json.dumps(bundle, indent=2)
    result = import_bundle(bundle, text, "b.json", project.vocabulary)
    found = {(f.rule, f.record, _path(f.message)) for f in result.findings}
    record = composition["identifier"][0]["value"]
    assert found == {("FHR001", record, "Composition.custodian"), ("FHR001", record, "Composition.attester"),
                     ("FHR001", None, "Patient")}
    line = next(n for n, t in enumerate(text.splitlines(), 1) if f'"id": "{composition["id"]}"' in t)
    assert {f.line for f in result.findings if f.record == record} == {line}


@pytest.mark.parametrize(("content", "message"), [
    ('{"resourceType": "Bundle", "entry": [\n  {"resource": }\n]}', "bad.json:2:16: not valid JSON"),
    ('{"resourceType": "Composition"}', "bad.json: not a FHIR Bundle (resourceType 'Composition')"),
    ('[1, 2]', "bad.json: not a FHIR Bundle (resourceType None)"),
    ('{"resourceType": "Bundle", "entry": [{"fullUrl": "x"}]}', "bad.json: Bundle.entry must be a list"),
    (b'\xff\xfe', "bad.json: not UTF-8 text"),
])
def test_a_file_that_is_not_a_bundle_is_one_usage_error(content: str | bytes, message: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    drafts = tmp_path / "drafts"
    assert main(["import", str(path), "--root", str(REPO_ROOT), "--out", str(drafts)], cwd=tmp_path) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("error:") == 1
    assert not drafts.exists()


def test_an_article_import_is_unchanged_and_from_fhir_needs_no_suffix(tmp_path: Path) -> None:
    project = load_project(REPO_ROOT)
    done = export_topics(project, load_corpus([project.data_dir], project))[0]
    bundle = tmp_path / "bundle.txt"
    bundle.write_bytes(done.serialised())
    drafts = tmp_path / "drafts"
    assert main(["import", str(bundle), "--from", "fhir", "--root", str(REPO_ROOT), "--out", str(drafts)],
                cwd=tmp_path) == 0
    assert (drafts / "topics" / "osteoporotic-spine-fracture.yaml").is_file()
    assert main(["import", str(bundle), "--from", "fhir", "--root", str(REPO_ROOT), "--out", str(drafts)],
                cwd=tmp_path) == 2
    article = REPO_ROOT.parent / "shared" / "seeds" / "000_ca5c2e48f58b1a8a.txt"
    if article.is_file():
        assert main(["import", str(article), "--root", str(REPO_ROOT), "--out", str(tmp_path / "a"), "--dry-run"],
                    cwd=tmp_path) == 0


def _guide(*names: str) -> list[dict[str, Any]]:
    return [json.loads((GUIDE / f"StructureDefinition-{name}-example.json").read_text(encoding="utf-8"))
            for name in names]


@pytest.mark.skipif(not GUIDE.is_dir(), reason="the EBM guide's examples are not available")
def test_the_guides_examples_import_with_every_element_accounted_for() -> None:
    project = load_project(REPO_ROOT)
    recommendations = _guide("recommendation-ada-obesity-management-reco", "recommendation-ada-obesity-management-reco2",
                             "recommendation-ada-obesity-management-reco3")
    around = _guide("guideline-ada-standards-of-medical-care-ob", "justification-for-recommendation-ada-obesi",
                    "justification-for-recommendation-ada-obesi2", "plandefinition-for-recommendation-ada-obes",
                    "plandefinition-for-recommendation-ada-obes2", "bariatric-surgery-eligibility-group-ada-re",
                    "bariatric-surgery-eligibility-group-ada-re2")
    bundle = _bundle(*around, *recommendations)
    text = json.dumps(bundle, indent=1)
    result = import_bundle(bundle, text, "guide.json", project.vocabulary, "ada-obesity")
    assert result.topic["id"] == "ada-obesity"
    assert result.topic["title"].startswith("Guideline: ADA 2021 Standards of Medical Care")
    assert len(result.recommendations) == 3
    first = result.recommendations[0]
    assert first["statement"].startswith("<8.16 Metabolic surgery should be a recommended option")
    assert (first["direction"], first["review_state"]) == ("for", "draft")
    assert first["population"]["description"].startswith("Inclusion Criteria: [[1]] Adults.")
    assert first["population"]["qualifiers"][:2] == ["Adult", "Diagnosed with type 2 diabetes"]
    assert first["strength"] == {"scheme": "ADA Level of Evidence", "grade": "A"}
    reported = {_path(f.message) for f in result.findings if f.record == first["id"]}
    assert {"Composition.custodian", "Composition.status", "Composition.date", "Composition.author"} <= reported
    # What is not imported is reported by its FHIR path, each path an element the example has.
    for finding in result.findings:
        resource = next(e["resource"] for e in bundle["entry"]
                        if finding.message.startswith(f"{e['resource']['resourceType']}/{e['resource']['id']}:"))
        assert _resolve(resource, _path(finding.message)) is not None, finding.message
    assert {f.record for f in result.findings} >= {r["id"] for r in result.recommendations}


def _resolve(resource: dict[str, Any], path: str) -> Any:
    value: Any = resource
    for step in path.replace("[", ".[").split(".")[1:]:
        value = value[int(step[1:-1])] if step.startswith("[") else value.get(step)
    return value


@pytest.mark.skipif(not GUIDE.is_dir(), reason="the EBM guide's examples are not available")
def test_the_guides_certainty_and_plan_examples_parse_with_the_same_code() -> None:
    project = load_project(REPO_ROOT)
    (certainty,) = _guide("certainty-of-evidence-rating-of-day-mortal")
    assert parts.certainty(Tracked(certainty)) == "low"
    for plan in _guide("plandefinition-for-recommendation-ada-obes", "plandefinition-for-recommendation-ada-obes2"):
        # A plan no Recommendation refers to yields no record, and is reported whole.
        result = import_bundle(_bundle(plan), json.dumps(plan), "plan.json", project.vocabulary, "plans")
        assert result.recommendations == []
        assert [f.message.split(": ")[1] for f in result.findings] == ["PlanDefinition is not imported"]
