"""FHIR R5 required bindings, checked on export against the value sets of hl7.fhir.r5.core 5.0.0 (extracted into
the package): a wrong code is a problem naming the resource, the FHIR path and the record."""

from __future__ import annotations

import json
from typing import Any

from guideline.corpus.project import load_project
from guideline.engine.pipeline import load_corpus
from guideline.fhir.export import export_topics
from guideline.fhir.profiles import check_bundle
from guideline.fhir.terminology import check_bindings
from helpers import REPO_ROOT


def _bundle() -> dict[str, Any]:
    project = load_project(REPO_ROOT)
    bundle: dict[str, Any] = json.loads(export_topics(project, load_corpus([project.data_dir], project))[0].serialised())
    return bundle


def _resource(bundle: dict[str, Any], resource_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == resource_id)
    return found


def test_a_wrong_code_is_a_problem_with_the_record_and_the_fhir_path() -> None:
    bundle = _bundle()
    assert check_bundle(bundle) == []
    _resource(bundle, "rec-osteoporotic-spine-fracture-01")["status"] = "approved"
    activity = _resource(bundle, "activity-osteoporotic-spine-fracture-01-calcitonin")
    activity["dosage"][0]["timing"]["repeat"]["periodUnit"] = "day"
    guideline = _resource(bundle, "guideline-osteoporotic-spine-fracture")
    guideline["section"][1]["section"][1]["section"][0]["text"] = {"status": "written", "div": "<div/>"}
    found = {(p.resource, p.path, p.record) for p in check_bundle(bundle)}
    assert found == {
        ("Composition/rec-osteoporotic-spine-fracture-01", "Composition.status", "osteoporotic-spine-fracture-01"),
        ("ActivityDefinition/activity-osteoporotic-spine-fracture-01-calcitonin",
         "ActivityDefinition.dosage[0].timing.repeat.periodUnit", "osteoporotic-spine-fracture-01"),
        ("Composition/guideline-osteoporotic-spine-fracture", "Composition.section[1].section[1].section[0].text.status",
         "osteoporotic-spine-fracture")}
    problem = next(p for p in check_bundle(bundle) if p.path == "Composition.status")
    assert str(problem) == ("Composition/rec-osteoporotic-spine-fracture-01: Composition.status: 'approved' is not "
                            "in the required value set composition-status (FHIR R5) [osteoporotic-spine-fracture-01]")


def test_codings_and_codes_of_the_core_value_sets() -> None:
    assert list(check_bindings({"resourceType": "Group", "type": "person", "membership": "definitional"})) == []
    assert [p for p, _ in check_bindings({"resourceType": "Group", "type": "people", "membership": "enumerated"})] == [
        "Group.type"]
    plan = {"resourceType": "PlanDefinition", "status": "active", "action": [{"action": [{"participant": [
        {"type": "careteam"}, {"type": "nobody"}]}]}]}
    assert [p for p, _ in check_bindings(plan)] == ["PlanDefinition.action[0].action[0].participant[1].type"]
    citation = {"resourceType": "Citation", "status": "active", "citedArtifact": {"relatesTo": [
        {"type": "cites"}, {"type": "mentions"}]}}
    assert [p for p, _ in check_bindings(citation)] == ["Citation.citedArtifact.relatesTo[1].type"]
