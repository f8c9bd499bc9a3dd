"""guideline diff: each change kind, the findings delta, review status, and default revisions, in real git repos."""

from __future__ import annotations

import json
import os
from pathlib import Path

import git
import jsonschema
import pytest
from guideline.corpus.cache import CACHE_DIR, FILES, open_cache
from guideline.render.report_json import report_document
from guideline.report.compare import compare
from helpers import REPO_ROOT, run_cli
from helpers.diffs import (
    AS_OF,
    HEAD_DATE,
    REFS,
    TOPIC,
    GitProject,
    change_of,
    field_of,
    rec,
    ref,
    refs_text,
    standard_corpus,
    standard_recs,
    topic_text,
)

REPORT_SCHEMA = json.loads((REPO_ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))


def _check_schema(report: dict[str, object]) -> None:
    jsonschema.Draft202012Validator(REPORT_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(report)


def _edit(project: GitProject, path: str, old: str, new: str) -> None:
    target = project.root / path
    text = target.read_text(encoding="utf-8")
    assert old in text, old
    target.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def based(gitproject: GitProject) -> GitProject:
    standard_corpus(gitproject)
    gitproject.commit("base", tag="base")
    return gitproject


def test_material_statement_change_has_word_diff_and_position(based: GitProject) -> None:
    _edit(based, TOPIC, "Give calcitonin 200 IU daily", "Give calcitonin 100 IU daily")
    report = based.report()
    _check_schema(report)
    change = change_of(report, "spine-01")
    assert (change["kind"], change["change"], change["materiality"], change["material"]) == (
        "recommendation", "modified", "material", True)
    assert change["head"]["file"] == TOPIC
    assert change["head"]["line"] == based.line_of(TOPIC, "- id: spine-01")
    statement = field_of(change, "statement")
    assert statement["category"] == "material"
    assert statement["before"].startswith("Give calcitonin 200 IU")
    assert [(w["op"], w["text"]) for w in statement["words"] if w["op"] != "equal"] == [
        ("delete", "200"), ("insert", "100")]
    assert report["summary"]["modified"] == 1 and report["summary"]["material"] == 1
    assert report["head"]["worktree"] is True and report["head"]["short"] == "worktree"


def test_editorial_change_is_not_material(based: GitProject) -> None:
    _edit(based, TOPIC, "Check dietary intake first.", "Ask about dietary intake first.")
    change = change_of(based.report(findings=False), "spine-03")
    assert (change["change"], change["materiality"], change["material"]) == ("modified", "editorial", False)
    notes = field_of(change, "notes")
    assert (notes["category"], notes["before"], notes["after"]) == (
        "editorial", "Check dietary intake first.", "Ask about dietary intake first.")


def test_reflowed_text_is_no_change(based: GitProject) -> None:
    _edit(based, TOPIC, "statement: Start alendronate to prevent further fractures.",
          "statement: >-\n      Start alendronate to prevent\n      further fractures.")
    report = based.report(findings=False)
    assert report["changes"] == []
    assert [f["path"] for f in report["files"]] == [TOPIC]


def test_added_and_removed_records(based: GitProject) -> None:
    recs = standard_recs()
    recs[3] = rec("spine-05", "Refer patients with neurological deficit to surgery.", section="later",
                  intervention=["bracing"], citations=["ref-3"])
    based.write(TOPIC, topic_text("spine", recs))
    report = based.report()
    _check_schema(report)
    added, removed = change_of(report, "spine-05"), change_of(report, "spine-04")
    assert (added["change"], added["base"], added["head"]["line"]) == (
        "added", None, based.line_of(TOPIC, "- id: spine-05"))
    assert field_of(added, "statement")["after"] == "Refer patients with neurological deficit to surgery."
    assert (removed["change"], removed["head"], removed["base"]["file"]) == ("removed", None, TOPIC)
    assert removed["review"]["status"] == "removed"
    assert report["summary"]["added"] == 1 and report["summary"]["removed"] == 1


def test_renamed_record_is_matched_by_content(based: GitProject) -> None:
    _edit(based, TOPIC, "id: spine-04", "id: spine-04b")
    report = based.report(findings=False)
    change = change_of(report, "spine-04b")
    assert (change["change"], change["renamed_from"], change["materiality"]) == ("renamed", "spine-04", "editorial")
    assert change["fields"] == []
    assert report["summary"]["renamed"] == 1 and report["summary"]["added"] == 0


def test_renamed_with_editorial_change_still_matches(based: GitProject) -> None:
    _edit(based, TOPIC, "id: spine-03", "id: spine-03-calcium")
    _edit(based, TOPIC, "Check dietary intake first.", "Ask about diet.")
    change = change_of(based.report(findings=False), "spine-03-calcium")
    assert (change["change"], change["renamed_from"]) == ("renamed", "spine-03")
    assert [f["name"] for f in change["fields"]] == ["notes"]


def test_moved_between_sections(based: GitProject) -> None:
    text = (based.root / TOPIC).read_text(encoding="utf-8")
    start = text.index("- id: spine-04")
    block = text[start:]
    based.write(TOPIC, text[:start] + block.replace("section: later", "section: acute", 1))
    change = change_of(based.report(findings=False), "spine-04")
    assert change["change"] == "moved" and change["moved"] is True
    assert (change["base"]["section"], change["head"]["section"]) == ("later", "acute")
    assert change["materiality"] == "editorial"
    assert [(f["name"], f["before"], f["after"]) for f in change["fields"]] == [("section", "later", "acute")]


def test_moved_between_files(based: GitProject) -> None:
    other = "guidelines/references/bracing.yaml"
    based.write(REFS, refs_text([ref("ref-1", "Calcitonin for acute vertebral fracture pain"),
                                 ref("ref-2", "Bisphosphonates after fragility fracture")]))
    based.write(other, refs_text([ref("ref-3", "Bracing in vertebral fractures")]))
    report = based.report()
    change = change_of(report, "ref-3")
    assert (change["kind"], change["change"], change["moved"]) == ("reference", "moved", True)
    assert (change["base"]["file"], change["head"]["file"]) == (REFS, other)
    assert change["head"]["line"] == based.line_of(other, "- id: ref-3")
    assert change["cited_by"] == ["spine-04"] and change["topics"] == ["spine"]
    assert change["review"] is None
    # The move carries its findings along: nothing introduced or resolved because of it.
    assert change["findings"]["introduced"] == [] and change["findings"]["resolved"] == []
    assert {f["path"]: f["status"] for f in report["files"]} == {other: "added", REFS: "modified"}


def test_reference_record_and_citation_changes(based: GitProject) -> None:
    _edit(based, REFS, "title: Bisphosphonates after fragility fracture",
          "title: Bisphosphonates after fragility fractures (updated)")
    recs = standard_recs()
    recs[1]["citations"] = ["ref-2", "ref-3"]
    based.write(TOPIC, topic_text("spine", recs))
    report = based.report(findings=False)
    reference = change_of(report, "ref-2")
    assert (reference["kind"], reference["change"]) == ("reference", "modified")
    assert reference["cited_by"] == ["spine-02", "spine-03"]
    title = field_of(reference, "title")
    assert [(w["op"], w["text"]) for w in title["words"] if w["op"] != "equal"] == [
        ("delete", "fracture"), ("insert", "fractures (updated)")]
    citing = change_of(report, "spine-02")
    assert citing["citations"] == {"added": ["ref-3"], "removed": ["ref-1"]}
    assert field_of(citing, "citations")["material"] is True


def test_findings_delta_introduced_resolved_and_open(gitproject: GitProject) -> None:
    standard_corpus(gitproject)
    _edit(gitproject, TOPIC, "- bracing", "- brace")
    gitproject.commit("base with an unknown concept", tag="base")
    _edit(gitproject, TOPIC, "- brace", "- bracing")
    _edit(gitproject, TOPIC, "- alendronate", "- alendronat")
    _edit(gitproject, TOPIC, "Start alendronate", "Start oral alendronate")
    report = gitproject.report()
    _check_schema(report)
    introduced = change_of(report, "spine-02")["findings"]["introduced"]
    assert [(f["rule"], f["file"], f["line"], f["record"]) for f in introduced if f["rule"] == "VOC001"] == [
        ("VOC001", TOPIC, gitproject.line_of(TOPIC, "- alendronat"), "spine-02")]
    resolved = change_of(report, "spine-04")["findings"]["resolved"]
    assert [(f["rule"], f["record"]) for f in resolved if f["rule"] == "VOC001"] == [("VOC001", "spine-04")]
    assert report["summary"]["findings"]["introduced_errors"] >= 1
    assert report["summary"]["findings"]["resolved"] >= 1


def test_findings_on_untouched_records_are_listed_elsewhere(based: GitProject) -> None:
    # Dropping the section 'later' from the topic breaks spine-03 and spine-04, which themselves are unchanged.
    based.write(TOPIC, topic_text("spine", standard_recs(), sections=(("acute", "Acute care"),)))
    report = based.report()
    topic = change_of(report, "spine")
    assert (topic["kind"], topic["material"]) == ("topic", False)
    elsewhere = {(e["record"], f["rule"], f["line"]) for e in report["elsewhere"] for f in e["introduced"]}
    assert ("spine-03", "TOP001", based.line_of(TOPIC, "section: later")) in elsewhere
    assert {e["record"] for e in report["elsewhere"] if any(f["rule"] == "TOP001" for f in e["introduced"])} == {
        "spine-03", "spine-04"}
    assert all(e["topic"] == "spine" for e in report["elsewhere"] if e["record"])


def test_still_open_survives_line_moves(gitproject: GitProject) -> None:
    standard_corpus(gitproject)
    _edit(gitproject, TOPIC, "- bracing", "- brace")
    gitproject.commit("base", tag="base")
    recs = standard_recs()
    recs[3]["intervention"] = ["brace"]
    gitproject.write(TOPIC, topic_text("spine", [rec("spine-00a", "A new first recommendation."), *recs]))
    report = gitproject.report()
    counts = report["summary"]["findings"]
    voc = [f for c in report["changes"] for f in c["findings"]["introduced"] + c["findings"]["resolved"]
           if f["rule"] == "VOC001"]
    assert voc == [] and counts["still_open"] >= 1


def test_worktree_includes_untracked_and_deleted_files(based: GitProject) -> None:
    based.write("guidelines/topics/hip.yaml", topic_text("hip", [rec("hip-01", "Mobilise early.")]))
    based.remove(REFS)
    report = based.report(findings=False)
    files = {f["path"]: f["status"] for f in report["files"]}
    assert files == {"guidelines/topics/hip.yaml": "added", REFS: "removed"}
    kinds = {(c["id"], c["change"]) for c in report["changes"]}
    assert {("hip", "added"), ("hip-01", "added"), ("ref-1", "removed"), ("ref-3", "removed")} <= kinds


def test_head_revision_ignores_worktree(based: GitProject) -> None:
    _edit(based, TOPIC, "Give calcitonin 200 IU", "Give calcitonin 100 IU")
    head = based.commit("lower dose", date=HEAD_DATE, tag="head")
    _edit(based, TOPIC, "Offer calcium", "Offer calcium carbonate")
    report = based.report("base", "head")
    assert [c["id"] for c in report["changes"]] == ["spine-01"]
    assert (report["head"]["commit"], report["head"]["worktree"], report["head"]["date"]) == (
        head, False, "2026-03-09")
    assert report["as_of"] == "2026-11-25"


def test_default_base_is_newest_published_tag(based: GitProject) -> None:
    _edit(based, TOPIC, "Give calcitonin 200 IU", "Give calcitonin 150 IU")
    published = based.commit("first publication", date=HEAD_DATE, tag="published/2026-03")
    _edit(based, TOPIC, "Give calcitonin 150 IU", "Give calcitonin 100 IU")
    report = based.report(None, findings=False)
    assert (report["base"]["commit"], report["base"]["rev"], report["base"]["chosen_as"]) == (
        published, "published/2026-03", "newest published/* tag")
    statement = field_of(change_of(report, "spine-01"), "statement")
    assert (statement["before"][:20], statement["after"][:20]) == ("Give calcitonin 150 ", "Give calcitonin 100 ")


def test_default_base_is_merge_base_with_main(based: GitProject) -> None:
    base_sha = based.repo.head.commit.hexsha
    based.repo.git.checkout("-b", "feature")
    _edit(based, TOPIC, "Give calcitonin 200 IU", "Give calcitonin 100 IU")
    based.commit("feature edit", date=HEAD_DATE)
    report = based.report(None, findings=False)
    assert (report["base"]["commit"], report["base"]["chosen_as"]) == (base_sha, "merge base with main")
    assert [c["id"] for c in report["changes"]] == ["spine-01"]


def test_default_base_on_main_is_first_parent(based: GitProject) -> None:
    base_sha = based.repo.head.commit.hexsha
    _edit(based, TOPIC, "Give calcitonin 200 IU", "Give calcitonin 100 IU")
    based.commit("edit on main", date=HEAD_DATE)
    report = based.report(None, findings=False)
    expected = f"first parent of {report['head']['commit'][:7]}"
    assert (report["base"]["commit"], report["base"]["chosen_as"]) == (base_sha, expected)


def test_review_status_from_workflow(based: GitProject) -> None:
    _edit(based, TOPIC, "Give calcitonin 200 IU", "Give calcitonin 100 IU")
    report = based.report()
    review = change_of(report, "spine-01")["review"]
    assert report["summary"]["review_source"] in ("workflow approvals", "review_state")
    assert review["status"] == "awaiting" and review["state"] == "submitted"


def test_default_output_is_dated_and_reproducible(based: GitProject) -> None:
    _edit(based, TOPIC, "Give calcitonin 200 IU", "Give calcitonin 100 IU")
    based.commit("edit", date=HEAD_DATE, tag="head")
    outputs = []
    for _ in range(2):
        result = run_cli("diff", "--base", "base", "--head", "head", "--format", "md", cwd=based.root)
        assert result.returncode == 0, result.stderr
        written = sorted((based.root / "reports").iterdir())
        shorts = f"{based.repo.commit('base').hexsha[:7]}-{based.repo.commit('head').hexsha[:7]}"
        assert [p.name for p in written] == [f"board-report-{shorts}-2026-03-09.md"]
        assert str(written[0].name) in result.stderr
        outputs.append(written[0].read_bytes())
    assert outputs[0] == outputs[1]


def test_output_to_named_file(based: GitProject, tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    result = run_cli("diff", "--base", "base", "--format", "json", "--output", target, cwd=based.root)
    assert result.returncode == 0, result.stderr
    _check_schema(json.loads(target.read_text(encoding="utf-8")))


def test_docx_goes_to_a_file_not_stdout(based: GitProject) -> None:
    _edit(based, TOPIC, "Give calcitonin 200 IU daily", "Give calcitonin 100 IU daily")
    result = run_cli("diff", "--base", "base", "--no-findings", "--format", "docx", "--output", "-", cwd=based.root)
    assert result.returncode == 2 and "--output FILE.docx" in result.stderr and result.stdout == ""
    result = run_cli("diff", "--base", "base", "--no-findings", "--format", "docx", cwd=based.root)
    assert result.returncode == 0, result.stderr
    [written] = (based.root / "reports").glob("board-report-*-worktree-*.docx")
    assert written.read_bytes().startswith(b"PK")


def test_help_lists_examples(based: GitProject) -> None:
    result = run_cli("diff", "--help", cwd=based.root)
    assert result.returncode == 0
    assert "published/*" in result.stdout and "--output -" in result.stdout


def test_review_status_from_approvals(tmp_path: Path) -> None:
    from helpers.workflow import EDITOR as WORKFLOW_EDITOR
    from helpers.workflow import MEI, TOMAS, commit, edit, make_repo, record_decision

    root = make_repo(tmp_path)
    with git.Repo(root) as repo:
        repo.create_tag("base")
    for reviewer in (TOMAS, MEI):
        record_decision(root, None, reviewer)
    edit(root, "notes: Dose as in the source article.", "notes: Dose as printed in the source article.")
    edit(root, "statement: Calcium 1000-1200 mg/day\n", "statement: Calcium 1000-1500 mg/day\n")
    commit(root, WORKFLOW_EDITOR, "Editorial and material edits after the approvals")
    report = report_document(compare(root, "base", as_of=AS_OF))
    assert report["summary"]["review_source"] == "workflow approvals"
    # The editorial edit keeps the approvals of the content; it waits for one approval of its exact text.
    editorial = change_of(report, "supplements-02")
    assert (editorial["materiality"], editorial["review"]["status"]) == ("editorial", "awaiting")
    assert "(editorial_quorum)" in editorial["review"]["detail"]
    record_decision(root, ["supplements-02"], TOMAS)
    report = report_document(compare(root, "base", as_of=AS_OF))
    editorial, material = change_of(report, "supplements-02"), change_of(report, "supplements-01")
    assert (editorial["materiality"], editorial["review"]["status"]) == ("editorial", "approved")
    assert editorial["review"]["detail"] == "2 valid approval(s) of this content"
    assert (material["materiality"], material["review"]["status"]) == ("material", "stale")
    assert "stale" in material["review"]["detail"]


def test_report_through_the_cache_is_the_same_and_shares_entries_with_validate(based: GitProject) -> None:
    """Both revisions go through the project's cache under the names a validate at the root uses: the report is
    the same cold, warm and without a cache, and validate afterwards finds every file already parsed."""
    _edit(based, TOPIC, "Give calcitonin 200 IU daily", "Give calcitonin 100 IU daily")
    _edit(based, TOPIC, "- alendronate", "- alendronat")
    based.commit("head")
    root = based.root
    without = report_document(compare(root, "base", "HEAD", as_of=AS_OF))
    cold = report_document(compare(root, "base", "HEAD", as_of=AS_OF, cache=open_cache(root)))
    entries = set(os.listdir(open_cache(root).folder / FILES))
    warm = report_document(compare(root, "base", "HEAD", as_of=AS_OF, cache=open_cache(root)))
    assert without == cold == warm
    assert without["summary"]["findings"]["introduced"] >= 1, "the delta should have findings to compare"
    # The topic file and the bibliography at base, and the edited topic file at head: each version parsed once.
    assert len(entries) == 3
    done = run_cli("validate", "--exit-zero", "--no-expectations", cwd=root)
    assert done.returncode == 0, done.stderr
    assert set(os.listdir(open_cache(root).folder / FILES)) == entries, "validate parsed a file the report had"


def test_no_cache_leaves_no_cache(based: GitProject) -> None:
    _edit(based, TOPIC, "Give calcitonin 200 IU daily", "Give calcitonin 100 IU daily")
    done = run_cli("diff", "--base", "base", "--no-cache", "--format", "json", "--output", "-", cwd=based.root)
    assert done.returncode == 0, done.stderr
    assert change_of(json.loads(done.stdout), "spine-01")["materiality"] == "material"
    assert not (based.root / CACHE_DIR).exists()
