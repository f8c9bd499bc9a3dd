"""SARIF and JUnit against references nobody here wrote (../shared/conformance/): the SARIF 2.1.0 schema,
GitHub code scanning's requirements for uploaded SARIF, and the JUnit schema of Jenkins' xUnit plugin.

File names with a space, '%', a comma and a non-ASCII letter must still give valid URIs; every machine format
names files from the project root, whichever folder the command ran in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest
import xmlschema
from helpers import FIXTURES, REPO_ROOT, make_project, run_cli

CONFORMANCE = REPO_ROOT.parent / "shared" / "conformance"
BROKEN = "topic:\n  id: broken-topic\n  title: Broken\n  title: Broken twice\n"
ODD_NAMES = ("with space.yaml", "100%,done.yaml", "phase-aiguë.yaml")
ODD_URIS = {"guidelines/topics/with%20space.yaml", "guidelines/topics/100%25%2Cdone.yaml",
            "guidelines/topics/phase-aigu%C3%AB.yaml"}
MACHINE_FORMATS = ("sarif", "json", "github", "junit")


def _conformance(name: str) -> Path:
    path = CONFORMANCE / name
    if not path.exists():
        pytest.fail(f"{path} is missing: the shared conformance references must sit beside the repository")
    return path


@pytest.fixture(scope="module")
def odd_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("conformance") / "project")
    shutil.copytree(FIXTURES / "formats" / "guidelines", root / "guidelines", dirs_exist_ok=True)
    for name in ODD_NAMES:
        (root / "guidelines" / "topics" / name).write_text(BROKEN, encoding="utf-8")
    # Three keys on one line: two findings of one rule on one line, which JUnit must still name apart.
    (root / "guidelines" / "topics" / "flow.yaml").write_text("topic: {id: a, id: b, id: c}\n", encoding="utf-8")
    return root


def _validate(root: Path, fmt: str, cwd: Path) -> str:
    result = run_cli("validate", "--format", fmt, "--no-cache", cwd=cwd)
    assert result.returncode == 1, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def sarif_text(odd_project: Path) -> str:
    # Run from deep inside the corpus: locations must still be from the project root.
    return _validate(odd_project, "sarif", odd_project / "guidelines" / "topics")


@pytest.fixture(scope="module")
def sarif_doc(sarif_text: str) -> dict[str, Any]:
    return json.loads(sarif_text)  # type: ignore[no-any-return]


def _sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads(_conformance("sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    # Every format, not only draft 4's: the SARIF schema says uri-reference, which draft 4 does not know.
    checker = jsonschema.FormatChecker()
    assert {"uri", "uri-reference"} <= set(checker.checkers), "install rfc3986-validator (the test extra)"
    return jsonschema.Draft4Validator(schema, format_checker=checker)


def test_sarif_matches_the_schema_with_odd_file_names(sarif_doc: dict[str, Any]) -> None:
    _sarif_validator().validate(sarif_doc)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif_doc["runs"][0]["results"]}
    assert ODD_URIS <= uris


def test_the_schema_check_catches_an_unencoded_uri(sarif_doc: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(sarif_doc))
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "a b%,é.yaml"
    assert not _sarif_validator().is_valid(broken)


def test_sarif_of_the_shipped_corpus_matches_the_schema() -> None:
    result = run_cli("validate", "--format", "sarif", "--no-cache", cwd=REPO_ROOT / "guidelines")
    assert result.returncode in (0, 1), result.stderr
    document = json.loads(result.stdout)
    _sarif_validator().validate(document)
    _check_github_requirements(document)


def test_sarif_meets_github_code_scanning_requirements(sarif_doc: dict[str, Any]) -> None:
    _check_github_requirements(sarif_doc)
    results = sarif_doc["runs"][0]["results"]
    odd = [r for r in results if unquote(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
           == "guidelines/topics/100%,done.yaml"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]) for r in odd] == [
        ("YML002", {"startLine": 4, "startColumn": 3, "endLine": 4, "endColumn": 4})]


def _check_github_requirements(document: dict[str, Any]) -> None:
    """GitHub's "SARIF support for code scanning", field by field (nothing is uploaded)."""
    assert document["version"] == "2.1.0" and document["$schema"].startswith("https://")
    (run,) = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "guideline" and driver["version"]
    assert urlsplit(driver["informationUri"]).scheme == "https"
    rules = driver["rules"]
    assert len({r["id"] for r in rules}) == len(rules)
    for rule in rules:
        assert rule["name"].isidentifier() and rule["name"][0].isupper(), rule["name"]
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"].startswith(rule["fullDescription"]["text"])
        assert rule["help"]["markdown"].startswith(rule["fullDescription"]["text"])
        assert rule["helpUri"].endswith(f"docs/rules.md#{rule['id'].lower()}")
        assert urlsplit(rule["helpUri"]).scheme == "https"
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert 1 <= len(rule["properties"]["tags"]) <= 20
    bases = run["originalUriBaseIds"]
    line_hashes = []
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note") and result["message"]["text"]
        assert 1 <= len(result["locations"]) <= 10
        for location in [*result["locations"], *result.get("relatedLocations", [])]:
            physical = location["physicalLocation"]
            artifact = physical["artifactLocation"]
            assert not urlsplit(artifact["uri"]).scheme and not artifact["uri"].startswith("/"), artifact
            assert artifact["uriBaseId"] in bases
            region = physical["region"]
            assert region["startLine"] >= 1 and region["startColumn"] >= 1
            assert (region["endLine"], region["endColumn"]) > (region["startLine"], region["startColumn"])
        fingerprints = result["partialFingerprints"]
        assert fingerprints["guidelineFingerprint/v1"]
        line_hashes.append(fingerprints["primaryLocationLineHash"])
    assert len(set(line_hashes)) == len(line_hashes), "GitHub would merge results that share a line hash"


def test_line_hashes_survive_a_moved_line(odd_project: Path, tmp_path: Path) -> None:
    moved = tmp_path / "moved"
    shutil.copytree(odd_project, moved)
    target = moved / "guidelines" / "topics" / "demo.yaml"
    target.write_text("# a comment moves every line down\n" + target.read_text(encoding="utf-8"), encoding="utf-8")

    def hashes(root: Path) -> dict[str, str]:
        results = json.loads(_validate(root, "sarif", root))["runs"][0]["results"]
        return {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]:
                (r["locations"][0]["physicalLocation"]["region"]["startLine"],
                 r["partialFingerprints"]["primaryLocationLineHash"]) for r in results if r["ruleId"] == "VOC001"}

    (line, before), (moved_line, after) = (hashes(root)["guidelines/topics/demo.yaml"] for root in (odd_project, moved))
    assert (moved_line, after) == (line + 1, before)


def _locations(fmt: str, output: str) -> list[tuple[str, ...]]:
    """Where each finding (and each related location) is, as the format names it; messages may quote paths as
    the working folder sees them, which is for people."""
    if fmt == "sarif":
        return [(r["ruleId"], json.dumps(loc["physicalLocation"], sort_keys=True))
                for r in json.loads(output)["runs"][0]["results"]
                for loc in [*r["locations"], *r.get("relatedLocations", [])]]
    if fmt == "json":
        return [(f["rule"], loc["file"], str(loc["line"]), str(loc["column"]))
                for f in json.loads(output)["findings"] for loc in [f, *f.get("related", [])]]
    if fmt == "github":
        return [tuple(line.split("::")[1].split(",title=")[:1]) for line in output.splitlines()]
    import xml.etree.ElementTree as ET

    return [(suite.get("name", ""), case.get("classname", ""), case.get("name", ""))
            for suite in ET.fromstring(output.encode("utf-8")).iter("testsuite") for case in suite.iter("testcase")]


@pytest.mark.parametrize("fmt", MACHINE_FORMATS)
def test_machine_formats_name_files_from_the_project_root(odd_project: Path, fmt: str) -> None:
    from_root = _locations(fmt, _validate(odd_project, fmt, odd_project))
    assert any("guidelines/topics/" in " ".join(where) for where in from_root)
    assert _locations(fmt, _validate(odd_project, fmt, odd_project / "guidelines")) == from_root
    assert _locations(fmt, _validate(odd_project, fmt, odd_project / "guidelines" / "topics")) == from_root


def test_text_keeps_paths_from_the_working_folder(odd_project: Path) -> None:
    text = _validate(odd_project, "text", odd_project / "guidelines")
    assert "topics/broken.yaml:4:3: ERROR YML002" in text and "guidelines/topics/broken.yaml" not in text


@pytest.fixture(scope="module")
def junit_text(odd_project: Path) -> str:
    return _validate(odd_project, "junit", odd_project / "guidelines")


def test_junit_matches_the_xunit_schema(junit_text: str) -> None:
    schema = xmlschema.XMLSchema10(str(_conformance("junit-10.xsd")))
    schema.validate(junit_text)


def test_junit_class_and_name_pairs_are_unique(junit_text: str) -> None:
    import xml.etree.ElementTree as ET

    cases = ET.fromstring(junit_text.encode("utf-8")).findall("testsuite/testcase")
    pairs = [(case.get("classname"), case.get("name")) for case in cases]
    assert len(set(pairs)) == len(pairs), sorted(p for p in pairs if pairs.count(p) > 1)
    flow = [name for classname, name in pairs if classname == "guidelines/topics/flow.yaml"
            and name and name.startswith("YML002")]
    assert flow == ["YML002 line 1", "YML002 line 1 column 23"]
