"""Issue 16: the publication gate holds against anyone with commit access. Each attack is made as an editor (or a
board member) with commit access would make it, in a real git repository with real SSH keys, and `guideline
publish` must refuse it with a finding that names the commit or the person and says what to do; the honest
paths publish. Nothing about git or signatures is mocked."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from guideline.checks.approvals import Approvals
from guideline.corpus.article import records_by_topic, topic_records
from guideline.corpus.project import load_project
from guideline.corpus.reviews import NOTICE_REVIEW, Decision, LoggedTransition
from guideline.engine.pipeline import load_corpus
from guideline.workflow.decisions import DecisionRequest, decide
from guideline.workflow.recording import append_review_log
from helpers import FIXED_TODAY, REPO_ROOT, Result, run_cli
from helpers.signing import Person, act_as, commit_all, git, make_people, with_keys

TOPIC = "tiny"
TOPIC_FILE = f"guidelines/topics/{TOPIC}.yaml"
REFS_FILE = f"guidelines/references/{TOPIC}.yaml"
LOG_FILE = f"guidelines/reviews/{TOPIC}.yaml"
RECORDS = (TOPIC, "tiny-00", "tiny-01")
DATA_FILES = ("vocabulary.yaml", "grading-schemes.yaml", "policy.yaml", "workflow.yaml", "publication.yaml",
              "safety-notices.yaml", "waivers.yaml")
CALCITONIN_NOTICES = ("ema-2012-calcitonin", "fda-2014-calcitonin-salmon")

_RECOMMENDATION = """\
  - id: {id}
    section: {section}
{group}    statement: {statement}
    statement_type: recommendation
    direction: for
    strength:
      scheme: UNGRADED
      grade: Not graded
      class: not-graded
    certainty: not-rated
    population:
      description: All patients with an osteoporotic vertebral compression fracture
      condition:
        - osteoporotic-vertebral-compression-fracture
    intervention:
      - calcium
{dosing}    citations:
      - {ref}
    review_state: submitted
"""
DOSING = """\
    dosing:
      - agent: calcium
        dose: 1000
        dose_max: 1200
        unit: mg
        route: oral
        frequency: daily
"""
TOPIC_YAML = f"""\
topic:
  id: {TOPIC}
  question: Which supplements do patients with an osteoporotic spine fracture need?
  title: Supplements After Osteoporotic Spine Fractures
  summary: tiny-00
  audience:
    - clinicians
  last_updated: "2026-01-02"
  review_state: submitted
  sections:
    - id: adjunctive
      title: Essential Adjunctive Therapy
      groups:
        - id: all-patients
          lead: "All patients require:"

recommendations:
""" + _RECOMMENDATION.format(id="tiny-00", section="summary", group="", ref="tiny-ref-1", dosing="",
                             statement="Patients with an osteoporotic vertebral compression fracture need calcium.") \
    + "\n" + _RECOMMENDATION.format(id="tiny-01", section="adjunctive", group="    group: all-patients\n",
                                    ref="tiny-ref-2", dosing=DOSING, statement="Calcium 1000-1200 mg/day")
REFERENCES_YAML = """\
references:
  - id: tiny-ref-1
    type: guideline
    title: First-Line Pharmacologic Therapy for Symptomatic Compression Fractures
    source: Practical Summaries of Clinical Guidelines
    year: 2025
  - id: tiny-ref-2
    type: systematic-review
    title: Calcium supplementation and fracture risk
    source: Journal of Bone Research
    year: 2024
    identifiers:
      pmid: "12345678"
      doi: 10.1000/bone.2024.1
"""
SERVICE_ENTRY = "    - id: review-app\n      name: Review app\n      email: review-app@example.org\n      roles: [service]\n"


# -- the project ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def people(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Person]:
    folder = tmp_path_factory.mktemp("keys")
    found = make_people(folder)
    # Tomas's next key, for the rotation.
    new_key = folder / "tomas-okafor-2024"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "tomas.okafor@example.org", "-f",
                    str(new_key)], check=True, capture_output=True)
    return {**found, "tomas-new": Person("tomas-okafor", found["tomas-okafor"].name, found["tomas-okafor"].email,
                                         new_key)}


@pytest.fixture(scope="module")
def submitted_template(tmp_path_factory: pytest.TempPathFactory, people: dict[str, Person]) -> Path:
    """The small topic, submitted; the roster (with everyone's keys and the review app) in the trust root,
    committed and signed by the editor."""
    root = tmp_path_factory.mktemp("template") / "submitted"
    data = root / "guidelines"
    (data / "topics").mkdir(parents=True)
    (data / "references").mkdir()
    for name in DATA_FILES:
        shutil.copy(REPO_ROOT / "guidelines" / name, data / name)
    board = with_keys((REPO_ROOT / "guidelines" / "board.yaml").read_text(encoding="utf-8") + SERVICE_ENTRY, people)
    (data / "board.yaml").write_text(board, encoding="utf-8")
    (root / TOPIC_FILE).write_text(TOPIC_YAML, encoding="utf-8")
    (root / REFS_FILE).write_text(REFERENCES_YAML, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    act_as(root, people["priya-lindqvist"])
    commit_all(root, "The small topic and its board")
    return root


@pytest.fixture(scope="module")
def approved_template(submitted_template: Path, people: dict[str, Person]) -> Path:
    """The same, approved by Tomas and Mei-Lin through the CLI (two signed commits)."""
    root = submitted_template.parent / "approved"
    shutil.copytree(submitted_template, root)
    approve(root, people["tomas-okafor"], people["mei-lin-castellanos"])
    act_as(root, people["priya-lindqvist"])
    return root


@pytest.fixture
def submitted(tmp_path: Path, submitted_template: Path) -> Path:
    shutil.copytree(submitted_template, tmp_path / "p")
    return tmp_path / "p"


@pytest.fixture
def approved(tmp_path: Path, approved_template: Path) -> Path:
    shutil.copytree(approved_template, tmp_path / "p")
    return tmp_path / "p"


# -- acting ---------------------------------------------------------------------------------------------------

def review(root: Path, person: Person, *args: str) -> Result:
    act_as(root, person)
    return run_cli("review", *args, cwd=root)


def approve(root: Path, *persons: Person, target: str = TOPIC) -> None:
    for person in persons:
        result = review(root, person, "approve", target)
        assert result.returncode == 0, result.stdout + result.stderr


def edit(root: Path, old: str, new: str, path: str = TOPIC_FILE) -> None:
    file = root / path
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    file.write_text(text.replace(old, new), encoding="utf-8")


def line_of(root: Path, text: str, path: str = TOPIC_FILE, after: str | None = None) -> int:
    """1-based line of the first line containing text (after the first line containing `after`)."""
    lines = (root / path).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i + 1 for i in range(start, len(lines)) if text in lines[i])


def state_line(root: Path, record: str) -> int:
    return line_of(root, "review_state:", after=f"id: {record}")


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD")


def claim_approved(root: Path) -> None:
    """The hand edit: every review_state of the topic file says approved."""
    path = root / TOPIC_FILE
    path.write_text(re.sub(r"review_state: [a-z-]+", "review_state: approved", path.read_text(encoding="utf-8")),
                    encoding="utf-8")


def current_hashes(root: Path) -> dict[str, tuple[str, str]]:
    """(content hash, presentation hash) of each record of the topic as it is on disk."""
    project = load_project(root)
    corpus = load_corpus([root / "guidelines"], project)
    approvals = Approvals.open(project, corpus)
    try:
        topic = corpus.first("topic", TOPIC)
        assert topic is not None
        recs = records_by_topic(corpus)[TOPIC]
        return {r.id: approvals.hashes(r, recs) for r in topic_records(topic, recs)}
    finally:
        approvals.close()


def hand_decisions(root: Path, reviewer: str, decision: str = "approve", records: tuple[str, ...] = RECORDS,
                   notice: str | None = None) -> None:
    """Decisions on the records' current content typed into the review log, as a hand edit would."""
    entries = [Decision(record, reviewer, decision, FIXED_TODAY, *hashes, notice=notice)
               for record, hashes in current_hashes(root).items() if record in records]
    append_review_log(root / LOG_FILE, TOPIC, decisions=entries)


def publish(root: Path) -> Result:
    return run_cli("publish", "--format", "json", cwd=root)


def refused(root: Path) -> list[dict[str, Any]]:
    """Publish, expect the refusal, and return its findings."""
    result = publish(root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"publish refused for {TOPIC}" in result.stderr
    assert not (root / "published").exists()
    return json.loads(result.stdout)["findings"]  # type: ignore[no-any-return]


def published(root: Path) -> str:
    """Publish, expect success; the article's Markdown."""
    result = run_cli("publish", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    return (root / "published" / f"{TOPIC}.md").read_text(encoding="utf-8")


def finding(findings: list[dict[str, Any]], rule: str, record: str | None = None, *words: str,
            file: str = TOPIC_FILE, line: int | None = None) -> dict[str, Any]:
    """The one finding of the rule on the record whose message and hint contain every word."""
    matches = [f for f in findings if f["rule"] == rule and f["file"] == file and (record is None or f["record"] == record)
               and (line is None or f["line"] == line)
               and all(w in f["message"] + " " + f.get("hint", "") for w in words)]
    assert len(matches) == 1, (rule, record, words, findings)
    return matches[0]


def rules_of(findings: list[dict[str, Any]]) -> set[tuple[str, str | None]]:
    """The findings an attack must trip. The statement checks (TXT) also object to the dose edits the attacks
    make (a dose the statement does not state); they are left out, so that they are not what stops an attack."""
    return {(f["rule"], f["record"]) for f in findings if not f["rule"].startswith("TXT")}


# -- forged reviewer ------------------------------------------------------------------------------------------

def test_reviewer_flag_is_refused(submitted: Path, people: dict[str, Person]) -> None:
    before = head(submitted)
    result = review(submitted, people["priya-lindqvist"], "approve", TOPIC, "--reviewer", "ingrid.halvorsen@example.org")
    assert result.returncode == 2
    assert "acts only as you" in result.stderr and "ingrid.halvorsen@example.org" in result.stderr
    assert head(submitted) == before and not (submitted / LOG_FILE).exists()


@pytest.mark.parametrize("how", ["signed by the editor", "unsigned, authored as the chair"])
def test_hand_written_chair_approval_does_not_count(submitted: Path, people: dict[str, Person], how: str) -> None:
    approve(submitted, people["tomas-okafor"])
    act_as(submitted, people["priya-lindqvist"])
    hand_decisions(submitted, "ingrid.halvorsen@example.org")
    claim_approved(submitted)
    if how.startswith("unsigned"):
        git(submitted, "add", "-A")
        git(submitted, "-c", "user.name=Dr. Ingrid Halvorsen", "-c", "user.email=ingrid.halvorsen@example.org",
            "commit", "-q", "--no-gpg-sign", "-m", "Approval by the chair")
        signer = "not signed"
    else:
        commit_all(submitted, "Approval by the chair")
        signer = "signed by priya-lindqvist"
    forged = head(submitted)[:10]
    findings = refused(submitted)
    for record in RECORDS:
        finding(findings, "WFL001", record, "1 of 2 valid approvals", "ingrid.halvorsen@example.org", forged,
                signer, "only ingrid-halvorsen's own signed decision counts", "guideline review approve",
                line=state_line(submitted, record))


# -- a change hidden in a merge -------------------------------------------------------------------------------

def test_a_change_in_a_merge_is_authored_by_its_signer(submitted: Path, people: dict[str, Person]) -> None:
    root = submitted
    git(root, "checkout", "-q", "-b", "side")
    edit(root, "dose: 1000\n", "dose: 1100\n")
    commit_all(root, "Calcium 1100 on the side branch")
    git(root, "checkout", "-q", "main")
    edit(root, "dose: 1000\n", "dose: 900\n")
    commit_all(root, "Calcium 900 on main")
    act_as(root, people["tomas-okafor"])
    git(root, "merge", "-q", "side", check=False)
    resolved = re.sub(r"<<<<<<<[^\n]*\n.*?>>>>>>>[^\n]*\n", "        dose: 1500\n",
                      (root / TOPIC_FILE).read_text(encoding="utf-8"), flags=re.DOTALL)
    (root / TOPIC_FILE).write_text(resolved, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-S", "--no-edit")
    merge = head(root)
    assert len(git(root, "rev-list", "--parents", "-n", "1", merge).split()) == 3

    result = review(root, people["tomas-okafor"], "approve", TOPIC)
    assert result.returncode == 1
    assert f"tomas-okafor authored the change (commit {merge[:10]})" in result.stderr
    # Past the command: Tomas types his approval in and signs it; Mei-Lin approves honestly.
    hand_decisions(root, "tomas.okafor@example.org")
    commit_all(root, "My approval")
    approve(root, people["mei-lin-castellanos"])
    findings = refused(root)
    assert rules_of(findings) == {("WFL003", "tiny-01")}
    finding(findings, "WFL003", "tiny-01", "1 of 2 valid approvals", "approval by tomas.okafor@example.org",
            f"tomas-okafor authored the change (commit {merge[:10]})", line=state_line(root, "tiny-01"))


# -- roster self-service --------------------------------------------------------------------------------------

def outsider_entry(outsider: Person) -> str:
    return (f"    - id: olle-outsider\n      signing_keys:\n        - {outsider.public}\n      name: Olle Outsider\n"
            f"      email: {outsider.email}\n      roles: [board-member]\n")


def promote_outsider(root: Path, people: dict[str, Person]) -> None:
    """The editor puts an outsider on the board and makes herself a board member."""
    board = root / "guidelines" / "board.yaml"
    text = board.read_text(encoding="utf-8") + outsider_entry(people["olle-outsider"])
    priya = text.index("- id: priya-lindqvist")
    text = text[:priya] + text[priya:].replace("roles: [editor]", "roles: [board-member]", 1)
    board.write_text(text, encoding="utf-8")


def test_roster_self_service_does_not_count(submitted: Path, people: dict[str, Person]) -> None:
    root = submitted
    promote_outsider(root, people)
    roster_commit = commit_all(root, "Two more board members")
    result = review(root, people["olle-outsider"], "approve", TOPIC)
    assert result.returncode == 2 and "not set up to sign as a member of the board roster" in result.stderr
    for person in (people["olle-outsider"], people["priya-lindqvist"]):
        act_as(root, person)
        hand_decisions(root, person.email)
        claim_approved(root)
        commit_all(root, f"Approval by {person.id}")
    result = publish(root)
    assert result.returncode == 1
    assert "governance not in force: board.yaml changed" in result.stderr
    assert "priya-lindqvist" in result.stderr and roster_commit[:10] in result.stderr
    findings = json.loads(result.stdout)["findings"]
    for record in RECORDS:
        finding(findings, "WFL001", record, "0 of 2 valid approvals",
                "olle.outsider@example.org is not on the board roster",
                "priya.lindqvist@example.org is editor, not a board member or chair", line=state_line(root, record))


def test_roster_commit_with_a_faked_author(submitted: Path, people: dict[str, Person]) -> None:
    root = submitted
    promote_outsider(root, people)
    git(root, "add", "-A")
    git(root, "-c", "user.name=Dr. Ingrid Halvorsen", "-c", "user.email=ingrid.halvorsen@example.org",
        "commit", "-q", "--no-gpg-sign", "-m", "The chair adds a member")
    roster_commit = head(root)
    # Even board approval of the change cannot adopt it: nobody can tell who made it.
    for person in (people["tomas-okafor"], people["mei-lin-castellanos"]):
        result = review(root, person, "approve", "governance")
        assert result.returncode == 0, result.stderr
    act_as(root, people["olle-outsider"])
    hand_decisions(root, people["olle-outsider"].email)
    commit_all(root, "Approval by the new member")
    approve(root, people["rafael-nakamura"])
    result = publish(root)
    assert result.returncode == 1
    assert "governance not in force: board.yaml changed" in result.stderr
    assert f"made by unsigned commit(s) {roster_commit[:10]}" in result.stderr
    findings = json.loads(result.stdout)["findings"]
    for record in RECORDS:
        finding(findings, "WFL003", record, "1 of 2 valid approvals",
                "olle.outsider@example.org is not on the board roster", line=state_line(root, record))


# -- policy edited in the same change -------------------------------------------------------------------------

def test_lowering_the_quorum_takes_no_effect_until_approved(submitted: Path, people: dict[str, Person]) -> None:
    root = submitted
    edit(root, "material_quorum: 2", "material_quorum: 1", "guidelines/policy.yaml")
    edit(root, "dose: 1000\n", "dose: 1500\n")
    change = commit_all(root, "Higher calcium dose; one approval is enough")
    approve(root, people["tomas-okafor"])
    result = publish(root)
    assert result.returncode == 1
    assert "governance not in force: policy.yaml changed (by priya-lindqvist)" in result.stderr
    assert change[:10] in result.stderr and "guideline review approve governance" in result.stderr
    findings = json.loads(result.stdout)["findings"]
    for record in RECORDS:
        finding(findings, "WFL003", record, "under-review", "1 of 2 valid approvals",
                "guideline review approve", line=state_line(root, record))


def test_turning_an_error_rule_off_takes_no_effect_until_approved(approved: Path, people: dict[str, Person]) -> None:
    root = approved
    edit(root, "severity: {}", 'severity:\n    EVD007: "off"', "guidelines/policy.yaml")
    edit(root, "    citations:\n      - tiny-ref-2\n", "    citations:\n      - tiny-ref-2\n    last_reviewed: \"2099-01-01\"\n")
    commit_all(root, "Reviewed in advance; the future-date rule is off")
    result = publish(root)
    assert result.returncode == 1
    assert "governance not in force: policy.yaml changed" in result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert rules_of(findings) == {("EVD007", "tiny-01")}
    finding(findings, "EVD007", "tiny-01", "2099-01-01", "is after today", line=line_of(root, "last_reviewed:"))


# -- meaning changed as "editorial" ---------------------------------------------------------------------------

def test_a_lead_line_is_material(approved: Path, people: dict[str, Person]) -> None:
    root = approved
    edit(root, 'lead: "All patients require:"', 'lead: "No patient should take any of the following:"')
    change = commit_all(root, "Reword the lead")
    findings = refused(root)
    assert rules_of(findings) == {("WFL001", TOPIC)}
    finding(findings, "WFL001", TOPIC, "0 of 2 valid approvals", "approval by tomas.okafor@example.org",
            "stale", change[:10], "priya-lindqvist", "guideline submit", line=state_line(root, TOPIC))


def test_titles_need_an_approval_of_the_exact_text(approved: Path, people: dict[str, Person]) -> None:
    root = approved
    edit(root, "title: Essential Adjunctive Therapy", "title: Optional Extras")
    edit(root, "title: Supplements After Osteoporotic Spine Fractures", "title: Supplements Nobody Needs")
    commit_all(root, "New titles")
    findings = refused(root)
    assert rules_of(findings) == {("WFL001", TOPIC)}
    finding(findings, "WFL001", TOPIC, "0 of 1 approvals cover the current wording and layout (editorial_quorum)",
            "guideline review approve", line=state_line(root, TOPIC))
    # One board member approving the new text is enough: the content (and the other approval) stands.
    approve(root, people["rafael-nakamura"])
    assert "# Supplements Nobody Needs" in published(root)


@pytest.mark.parametrize("author", ["priya-lindqvist", "tomas-okafor"])
def test_swapping_a_cited_reference_makes_approvals_stale(approved: Path, people: dict[str, Person],
                                                          author: str) -> None:
    root = approved
    act_as(root, people[author])
    edit(root, "title: Calcium supplementation and fracture risk",
         "title: Calcium megadoses prevent all fractures", REFS_FILE)
    edit(root, 'pmid: "12345678"', 'pmid: "87654321"', REFS_FILE)
    edit(root, "doi: 10.1000/bone.2024.1", "doi: 10.1000/hype.2024.9", REFS_FILE)
    change = commit_all(root, "A better reference")
    findings = refused(root)
    # Only the record that cites the reference is affected.
    assert rules_of(findings) == {("WFL001", "tiny-01")}
    finding(findings, "WFL001", "tiny-01", "0 of 2 valid approvals", "stale", change[:10], author,
            line=state_line(root, "tiny-01"))
    if author == "tomas-okafor":
        # A board member who swapped the reference is its author: his approval of it would not count.
        result = review(root, people["tomas-okafor"], "approve", "tiny-01")
        assert result.returncode == 1
        assert f"tomas-okafor authored the change (commit {change[:10]})" in result.stderr
        return
    # The honest path: the board re-approves the fixed reference, and it publishes.
    approve(root, people["tomas-okafor"], people["mei-lin-castellanos"], target="tiny-01")
    assert "Calcium megadoses prevent all fractures" in published(root)


# -- safety notices -------------------------------------------------------------------------------------------

def under_notice(root: Path, people: dict[str, Person]) -> None:
    """tiny-01 now also recommends calcitonin (two safety notices), and the board approved that."""
    edit(root, "      - calcium\n    dosing:", "      - calcium\n      - calcitonin\n    dosing:")
    commit_all(root, "Calcitonin too")
    approve(root, people["tomas-okafor"], people["mei-lin-castellanos"])
    act_as(root, people["priya-lindqvist"])


@pytest.mark.parametrize("typed", [FIXED_TODAY, "2099-01-01"])
def test_typing_last_reviewed_clears_no_safety_notice(submitted: Path, people: dict[str, Person], typed: str) -> None:
    root = submitted
    under_notice(root, people)
    edit(root, "    citations:\n      - tiny-ref-2\n", f"    citations:\n      - tiny-ref-2\n    last_reviewed: \"{typed}\"\n")
    commit_all(root, "Reviewed against the notices")
    findings = refused(root)
    expected = {("EVD004", "tiny-01")} | ({("EVD007", "tiny-01")} if typed > FIXED_TODAY else set())
    assert rules_of(findings) == expected
    for notice in CALCITONIN_NOTICES:
        finding(findings, "EVD004", "tiny-01", notice, "no board member has reviewed",
                f"guideline review review-notice tiny-01 --notice {notice}", line=line_of(root, "- calcitonin"))
    if typed > FIXED_TODAY:
        finding(findings, "EVD007", "tiny-01", typed, line=line_of(root, "last_reviewed:"))


def test_a_forged_notice_review_clears_nothing_and_a_signed_one_does(submitted: Path,
                                                                     people: dict[str, Person]) -> None:
    root = submitted
    under_notice(root, people)
    for notice in CALCITONIN_NOTICES:
        hand_decisions(root, "ingrid.halvorsen@example.org", NOTICE_REVIEW, ("tiny-01",), notice)
    forged = commit_all(root, "The chair reviewed the notices")
    findings = refused(root)
    assert rules_of(findings) == {("EVD004", "tiny-01")}
    for notice in CALCITONIN_NOTICES:
        finding(findings, "EVD004", "tiny-01", notice, forged[:10], "priya-lindqvist", "ingrid-halvorsen",
                line=line_of(root, "- calcitonin"))
    for notice in CALCITONIN_NOTICES:
        result = review(root, people["ingrid-halvorsen"], "review-notice", "tiny-01", "--notice", notice,
                        "-m", "Short-term use only")
        assert result.returncode == 0, result.stderr
    published(root)


# -- forged waiver --------------------------------------------------------------------------------------------

WAIVER = """\
waivers:
  - id: wvr-2026-001
    rule: EVD007
    file: {file}
    record: tiny-01
    fingerprint: {fingerprint}
    reason: Reviewed in advance.
    approved_by: ingrid-halvorsen
    approved_on: "2026-11-20"
"""


def test_a_waiver_takes_effect_only_when_approved_as_governance(approved: Path, people: dict[str, Person]) -> None:
    root = approved
    edit(root, "    citations:\n      - tiny-ref-2\n", "    citations:\n      - tiny-ref-2\n    last_reviewed: \"2099-01-01\"\n")
    report = json.loads(run_cli("validate", "--format", "json", cwd=root).stdout)
    error = next(f for f in report["findings"] if f["rule"] == "EVD007")
    (root / "guidelines" / "waivers.yaml").write_text(
        WAIVER.format(file=error["file"], fingerprint=error["fingerprint"]), encoding="utf-8")
    waiver_commit = commit_all(root, "The chair waived it (she said so)")
    result = publish(root)
    assert result.returncode == 1
    assert "governance not in force: waivers.yaml changed (by priya-lindqvist)" in result.stderr
    assert waiver_commit[:10] in result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert rules_of(findings) == {("EVD007", "tiny-01")}
    finding(findings, "EVD007", "tiny-01", "2099-01-01", line=line_of(root, "last_reviewed:"))
    # Approved as governance by two board members, the waiver is in force.
    for person in (people["tomas-okafor"], people["mei-lin-castellanos"]):
        result = review(root, person, "approve", "governance")
        assert result.returncode == 0, result.stderr
    published(root)


# -- a request for changes stands -----------------------------------------------------------------------------

def request_and_override(root: Path, people: dict[str, Person]) -> str:
    """Rafael asks for changes; the editor changes the text, answers and marks his comment resolved herself;
    Tomas and Mei-Lin approve. The comment's id."""
    result = review(root, people["rafael-nakamura"], "request-changes", "tiny-01", "-m", "Cite the dose source")
    assert result.returncode == 0, result.stderr
    comment = f"{TOPIC}-c1"
    act_as(root, people["priya-lindqvist"])
    edit(root, "statement: Calcium 1000-1200 mg/day", "statement: Calcium 1000-1200 mg/day (as in the source)")
    commit_all(root, "Name the source")
    assert run_cli("submit", "tiny-01", cwd=root).returncode == 0
    commit_all(root, "Resubmit")
    result = review(root, people["priya-lindqvist"], "resolve", comment, "--disposition", "persuasive", "-m", "Done")
    assert result.returncode == 0 and "as a response" in result.stdout
    # Past the command: the disposition typed in, naming Rafael as the one who resolved it.
    log = root / LOG_FILE
    text = log.read_text(encoding="utf-8")
    log.write_text(text.replace("by: priya.lindqvist@example.org", "by: rafael.nakamura@example.org")
                   .replace("disposition: unresolved", "disposition: persuasive"), encoding="utf-8")
    commit_all(root, "Resolved")
    approve(root, people["tomas-okafor"], people["mei-lin-castellanos"])
    return comment


def test_an_editor_cannot_override_a_request_for_changes(submitted: Path, people: dict[str, Person]) -> None:
    root = submitted
    comment = request_and_override(root, people)
    findings = refused(root)
    assert rules_of(findings) == {("WFL003", "tiny-01"), ("WFL002", "tiny-01")}
    finding(findings, "WFL003", "tiny-01", "rafael-nakamura requested changes", "the request stands",
            line=state_line(root, "tiny-01"))
    finding(findings, "WFL002", "tiny-01", comment, "rafael.nakamura@example.org", "unresolved",
            f"guideline review resolve {comment}", file=LOG_FILE)


@pytest.mark.parametrize("lift", ["resolve", "approve"])
def test_the_member_lifts_their_own_request(submitted: Path, people: dict[str, Person], lift: str) -> None:
    root = submitted
    comment = request_and_override(root, people)
    if lift == "resolve":
        result = review(root, people["rafael-nakamura"], "resolve", comment, "--disposition",
                        "persuasive-with-modification", "-m", "Source named")
    else:
        result = review(root, people["rafael-nakamura"], "approve", "tiny-01")
    assert result.returncode == 0, result.stderr
    if lift == "resolve":
        # His request lifted, the records approved by the two others move on with any approver's command.
        result = review(root, people["ingrid-halvorsen"], "approve", TOPIC)
        assert result.returncode == 0, result.stderr
    assert "(as in the source)" in published(root)


# -- unsigned changes and lost signatures ---------------------------------------------------------------------

def test_an_unsigned_content_commit_is_refused(approved: Path, people: dict[str, Person]) -> None:
    root = approved
    edit(root, "dose: 1000\n", "dose: 1500\n")
    assert run_cli("submit", TOPIC, cwd=root).returncode == 0
    unsigned = commit_all(root, "Higher dose", sign=False)
    approve(root, people["tomas-okafor"], people["mei-lin-castellanos"])
    findings = refused(root)
    assert rules_of(findings) == {("WFL003", "tiny-01")}
    finding(findings, "WFL003", "tiny-01", f"commit {unsigned[:10]}", "without a signature from a roster key",
            "git commit --amend --no-edit -S", line=state_line(root, "tiny-01"))


@pytest.mark.parametrize("resign", [False, True])
def test_a_rebased_approval_loses_its_signature(submitted: Path, people: dict[str, Person], resign: bool) -> None:
    root = submitted
    git(root, "checkout", "-q", "-b", "review")
    approve(root, people["tomas-okafor"], people["mei-lin-castellanos"])
    git(root, "checkout", "-q", "main")
    act_as(root, people["priya-lindqvist"])
    (root / "README.md").write_text("The guideline.\n", encoding="utf-8")
    commit_all(root, "A read-me")
    git(root, "checkout", "-q", "review")
    git(root, "rebase", "-q", *(["--gpg-sign"] if resign else ["--no-gpg-sign"]), "main")
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "--ff-only", "review")
    tomas, mei = git(root, "log", "--format=%H", "-n", "2").split()[::-1]
    findings = refused(root)
    how = "signed by priya-lindqvist" if resign else "not signed"
    for record in RECORDS:
        finding(findings, "WFL001", record, "0 of 2 valid approvals", tomas[:10], mei[:10], how,
                "only tomas-okafor's own signed decision counts", line=state_line(root, record))


# -- honest paths ---------------------------------------------------------------------------------------------

def publish_and_commit(root: Path, people: dict[str, Person]) -> None:
    published(root)
    shutil.rmtree(root / "published")
    act_as(root, people["priya-lindqvist"])
    commit_all(root, "Published")


def test_two_board_members_approve_an_editors_change(approved: Path, people: dict[str, Person]) -> None:
    root = approved
    publish_and_commit(root, people)
    # An honest change says the same in the statement and in its dose, and tells readers why (WFL010).
    edit(root, "dose: 1000\n", "dose: 1100\n")
    edit(root, "statement: Calcium 1000-1200 mg/day\n",
         "statement: Calcium 1100-1200 mg/day\n    change_note: The source now advises at least 1100 mg.\n")
    assert run_cli("submit", TOPIC, cwd=root).returncode == 0
    commit_all(root, "Calcium from 1100 mg")
    refused(root)
    approve(root, people["tomas-okafor"], people["mei-lin-castellanos"])
    assert "1100" in (root / TOPIC_FILE).read_text(encoding="utf-8")
    published(root)


def test_resubmitted_unchanged_content_publishes(approved: Path, people: dict[str, Person]) -> None:
    root = approved
    publish_and_commit(root, people)
    assert run_cli("submit", TOPIC, cwd=root).returncode == 0
    commit_all(root, "Resubmit as it is")
    result = review(root, people["tomas-okafor"], "approve", TOPIC)
    assert result.returncode == 0, result.stderr
    assert json.loads(run_cli("status", "--format", "json", cwd=root).stdout)["topics"][0]["state"] == "approved"
    published(root)


def test_a_governance_change_approved_by_the_quorum_takes_effect(submitted: Path, people: dict[str, Person]) -> None:
    root = submitted
    edit(root, "material_quorum: 2", "material_quorum: 1", "guidelines/policy.yaml")
    commit_all(root, "One approval is enough")
    result = review(root, people["priya-lindqvist"], "approve", "governance")
    assert result.returncode == 1 and "would not count" in result.stderr
    for person in (people["tomas-okafor"], people["mei-lin-castellanos"]):
        result = review(root, person, "approve", "governance")
        assert result.returncode == 0, result.stderr
    approve(root, people["rafael-nakamura"])
    result = run_cli("publish", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "governance not in force" not in result.stderr


def test_a_rotated_key_counts_once_the_board_approves_the_rotation(submitted: Path, people: dict[str, Person]) -> None:
    root = submitted
    new = people["tomas-new"]
    result = review(root, new, "approve", TOPIC)
    assert result.returncode == 2 and "not set up to sign as a member" in result.stderr
    act_as(root, people["priya-lindqvist"])
    edit(root, people["tomas-okafor"].public, new.public, "guidelines/board.yaml")
    commit_all(root, "Tomas's new key")
    result = review(root, new, "approve", TOPIC)
    assert result.returncode == 2, "the new key counts before the board approved it"
    for person in (people["mei-lin-castellanos"], people["rafael-nakamura"]):
        result = review(root, person, "approve", "governance")
        assert result.returncode == 0, result.stderr
    approve(root, new, people["mei-lin-castellanos"])
    published(root)


# -- the service signer ---------------------------------------------------------------------------------------

def service_decision(root: Path, people: dict[str, Person], on_behalf_of: str | None) -> Any:
    act_as(root, people["review-app"])
    return decide(load_project(root), DecisionRequest("approve", TOPIC, date.fromisoformat(FIXED_TODAY),
                                                      on_behalf_of=on_behalf_of))


def test_the_review_app_attests_a_members_decision(submitted: Path, people: dict[str, Person]) -> None:
    root = submitted
    outcome = service_decision(root, people, "tomas-okafor")
    assert not outcome.refused and outcome.member == "tomas-okafor"
    assert "Decided-by: tomas-okafor" in git(root, "log", "-1", "--format=%B")
    approve(root, people["mei-lin-castellanos"])
    published(root)


def test_a_decided_by_trailer_from_an_editors_key_does_not_count(submitted: Path, people: dict[str, Person]) -> None:
    root = submitted
    act_as(root, people["priya-lindqvist"])
    hand_decisions(root, "tomas.okafor@example.org")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-S", "-m", "Review: approve tiny by tomas-okafor\n\nDecided-by: tomas-okafor")
    forged = head(root)
    approve(root, people["mei-lin-castellanos"])
    findings = refused(root)
    for record in RECORDS:
        finding(findings, "WFL003", record, "1 of 2 valid approvals", forged[:10], "signed by priya-lindqvist",
                "only tomas-okafor's own signed decision counts", line=state_line(root, record))


def test_a_service_key_cannot_decide_for_itself(submitted: Path, people: dict[str, Person]) -> None:
    root = submitted
    result = review(root, people["review-app"], "approve", TOPIC)
    assert result.returncode == 2 and "is a service key" in result.stderr
    outcome = service_decision(root, people, "review-app")
    assert outcome.refused and "review-app is not a board member or chair" in outcome.message
    # Past the API: its own decision typed in and signed by its key, with or without naming itself.
    hand_decisions(root, "review-app@example.org")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-S", "-m", "Review: approve tiny\n\nDecided-by: review-app")
    approve(root, people["mei-lin-castellanos"])
    findings = refused(root)
    for record in RECORDS:
        finding(findings, "WFL003", record, "1 of 2 valid approvals", "review-app@example.org is service",
                line=state_line(root, record))


def test_a_typed_baseline_does_not_hide_an_author(approved: Path, people: dict[str, Person]) -> None:
    root = approved
    act_as(root, people["tomas-okafor"])
    edit(root, "dose: 1000\n", "dose: 1500\n")
    change = commit_all(root, "Tomas raises the dose")
    act_as(root, people["priya-lindqvist"])
    assert run_cli("submit", "tiny-01", cwd=root).returncode == 0
    # A publish transition typed in (and signed) by the editor, as if Tomas's dose had been approved: it would
    # move the start of the change under review past Tomas's commit.
    append_review_log(root / LOG_FILE, TOPIC, transitions=[LoggedTransition(
        "tiny-01", "publish", "approved", "published", people["priya-lindqvist"].email, FIXED_TODAY, None,
        current_hashes(root)["tiny-01"][0])])
    commit_all(root, "Published")
    edit(root, "statement: Calcium 1000-1200 mg/day", "statement: Calcium 1000-1200 mg per day")
    commit_all(root, "Wording")
    result = review(root, people["tomas-okafor"], "approve", "tiny-01")
    assert result.returncode == 1 and f"tomas-okafor authored the change (commit {change[:10]})" in result.stderr
