"""The cache of parsed files and whole runs: same findings as without it, and never stale, never fatal."""

from __future__ import annotations

import json
import pickle
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import git
import pytest
from guideline.corpus import cache as cache_module
from guideline.corpus.cache import CACHE_DIR, FILES, RUNS, Cache, open_cache
from guideline.corpus.loader import Document, pack_positions, packed_position, parse_text, unpack_positions
from guideline.corpus.project import load_project
from guideline.engine import pipeline as engine
from guideline.findings import Finding
from helpers import REPO_ROOT, make_project, run_cli, run_installed, validate_json

TODAY = date(2026, 11, 25)
TOPIC = "guidelines/topics/osteoporotic-spine-fracture.yaml"
NO_GX = ("--no-expectations",)


def _validate(root: Path, cache: Cache | None, *, today: date = TODAY, options: str = "") -> engine.ValidationResult:
    project = load_project(root)
    return engine.validate([root / "guidelines"], project, today=today, cache=cache, options=options)


def _key(findings: list[Finding]) -> list[tuple[Any, ...]]:
    return [(f.rule, f.file, f.line, f.column, f.record, f.message, f.hint, f.related, f.source) for f in findings]


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(raw: bytes, path: str) -> Document:
        raise AssertionError(f"{path} was parsed again")
    monkeypatch.setattr(engine, "parse_text", refuse)


def _entries(root: Path, kind: str) -> list[Path]:
    return sorted((root / CACHE_DIR).glob(f"*/{kind}/*"))


@pytest.fixture
def in_project(shipped_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Findings show paths relative to the working directory, as the command line does."""
    monkeypatch.chdir(shipped_project)
    return shipped_project


def test_second_run_is_answered_from_the_run_cache(in_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _validate(in_project, open_cache(in_project))
    assert not first.cached and first.findings
    _no_parsing(monkeypatch)
    second = _validate(in_project, open_cache(in_project))
    assert second.cached and second.files == first.files
    assert _key(second.findings) == _key(first.findings)


def test_without_the_run_entry_files_come_from_the_file_cache(in_project: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    first = _validate(in_project, open_cache(in_project))
    for entry in _entries(in_project, RUNS):
        entry.unlink()
    _no_parsing(monkeypatch)
    second = _validate(in_project, open_cache(in_project))
    assert not second.cached
    assert _key(second.findings) == _key(first.findings)


def test_cached_documents_keep_every_position(in_project: Path) -> None:
    _validate(in_project, open_cache(in_project))
    project = load_project(in_project)
    corpus = engine.load_corpus([in_project / TOPIC], project, cache=open_cache(in_project))
    doc = corpus.documents[0]
    assert doc.packed is not None or not doc.located, "positions come back packed, or found late from the bytes"
    fresh = parse_text((in_project / TOPIC).read_bytes(), TOPIC)
    assert doc.position(("recommendations", 3, "dosing", 1, "route")) == fresh.position(
        ("recommendations", 3, "dosing", 1, "route"))
    assert doc.positions == fresh.positions


def test_packed_positions_round_trip() -> None:
    doc = parse_text((REPO_ROOT / TOPIC).read_bytes(), TOPIC)
    packed = pack_positions(doc)
    assert packed is not None and len(packed) == 2 * len(doc.positions)
    assert unpack_positions(doc.data, packed) == doc.positions
    lazy = Document(doc.path, doc.data, {}, [], doc.digest, packed)
    assert 3 * len(pickle.dumps(packed)) < len(pickle.dumps(doc.positions))
    assert lazy.location(("recommendations", 0, "statement"), "x") == doc.location(("recommendations", 0, "statement"),
                                                                                   "x")
    assert pack_positions(Document("e.yaml", None, {})) is None


def test_same_findings_with_and_without_cache_and_workers(tmp_path: Path) -> None:
    """A corpus big enough for worker processes: serial, parallel, cold cache, warm cache, file cache agree."""
    root = make_project(tmp_path / "p", with_corpus=True)
    topic = (root / TOPIC).read_text()
    for number in range(12):
        text = topic.replace("osteoporotic-spine-fracture", f"copy{number}-osteoporotic-spine-fracture")
        (root / "guidelines" / "topics" / f"copy{number}.yaml").write_text(text)
    serial = run_installed("validate", "--format", "json", "--no-cache", *NO_GX, cwd=root,
                           env={"GUIDELINE_JOBS": "1"})
    runs = [serial.stdout]
    for _ in range(2):
        runs.append(run_installed("validate", "--format", "json", *NO_GX, cwd=root).stdout)
    for entry in _entries(root, RUNS):
        entry.unlink()
    runs.append(run_installed("validate", "--format", "json", *NO_GX, cwd=root).stdout)
    assert json.loads(serial.stdout)["findings"]
    assert all(run == serial.stdout for run in runs)
    assert len(_entries(root, FILES)) >= 13


def test_an_edited_file_is_checked_again(in_project: Path) -> None:
    validate_json(in_project, extra=NO_GX)
    path = in_project / TOPIC
    text = path.read_text()
    assert "    certainty: high\n" in text
    path.write_text(text.replace("    certainty: high\n", "    certainty: medium\n", 1))
    line = text.splitlines().index("    certainty: high") + 1
    report = validate_json(in_project, extra=NO_GX)
    hits = [(f["file"], f["line"], f["record"]) for f in report["findings"] if f["rule"] == "SCH004"]
    assert (TOPIC, line, "osteoporotic-spine-fracture-05") in hits


def test_a_data_file_change_is_seen(in_project: Path) -> None:
    before = validate_json(in_project, extra=NO_GX)
    assert not [f for f in before["findings"] if f["rule"] == "VOC001"]
    vocabulary = in_project / "guidelines" / "vocabulary.yaml"
    vocabulary.write_text(vocabulary.read_text().replace("  - id: calcitonin\n", "  - id: calcitonin-salmon\n"))
    after = validate_json(in_project, extra=NO_GX)
    assert [f for f in after["findings"] if f["rule"] == "VOC001" and "'calcitonin'" in f["message"]]


def test_date_and_options_are_part_of_the_run_key(in_project: Path) -> None:
    _validate(in_project, open_cache(in_project))
    assert not _validate(in_project, open_cache(in_project), today=date(2031, 1, 1)).cached
    assert not _validate(in_project, open_cache(in_project), options="--other").cached
    assert _validate(in_project, open_cache(in_project)).cached


def test_a_new_commit_is_a_new_run(in_project: Path) -> None:
    repo = git.Repo.init(in_project)
    with repo.config_writer() as config:
        config.set_value("user", "name", "Editor").set_value("user", "email", "editor@example.org")
    repo.index.add(["guidelines"])
    repo.index.commit("corpus")
    _validate(in_project, open_cache(in_project))
    assert _validate(in_project, open_cache(in_project)).cached
    repo.index.commit("nothing changed in the files, but authorship checks read history")
    assert not _validate(in_project, open_cache(in_project)).cached


def test_damaged_entries_are_ignored_and_replaced(in_project: Path) -> None:
    expected = validate_json(in_project, extra=NO_GX)
    entries = _entries(in_project, FILES) + _entries(in_project, RUNS)
    assert entries
    for number, entry in enumerate(entries):
        blob = entry.read_bytes()
        entry.write_bytes(blob[: len(blob) // 2] if number % 2 else blob[:-3] + b"xyz")
    assert validate_json(in_project, extra=NO_GX) == expected
    assert validate_json(in_project, extra=NO_GX) == expected


def test_an_entry_that_unpickles_to_nonsense_is_a_miss(in_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _validate(in_project, open_cache(in_project))
    cache = open_cache(in_project)
    for entry in _entries(in_project, FILES):
        cache.put(FILES, entry.name, pickle.dumps(("not", "an", "entry")))
    for entry in _entries(in_project, RUNS):
        cache.put(RUNS, entry.name, b"\x80\x05garbage")
    assert _key(_validate(in_project, open_cache(in_project)).findings) == _key(first.findings)


def test_a_cache_that_cannot_be_written_is_not_fatal(shipped_project: Path) -> None:
    (shipped_project / CACHE_DIR).write_text("not a folder")
    result = run_cli("validate", "--format", "json", *NO_GX, cwd=shipped_project)
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["findings"]
    assert "Traceback" not in result.stderr


def test_no_cache_reads_and_writes_nothing(shipped_project: Path) -> None:
    result = run_cli("validate", "--no-cache", *NO_GX, cwd=shipped_project)
    assert result.returncode == 1, result.stderr
    assert not (shipped_project / CACHE_DIR).exists()


def test_cache_folder_is_ignored_by_git_and_backups(shipped_project: Path) -> None:
    run_cli("validate", *NO_GX, cwd=shipped_project)
    assert (shipped_project / CACHE_DIR / ".gitignore").read_text() == "*\n"
    assert (shipped_project / CACHE_DIR / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172")


def test_another_tool_version_starts_afresh(in_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _validate(in_project, open_cache(in_project))
    old = open_cache(in_project).folder
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "0" * 32)
    result = _validate(in_project, open_cache(in_project))
    assert not result.cached
    assert not old.exists()
    assert (in_project / CACHE_DIR / ("0" * 32) / RUNS).is_dir()


def test_entries_no_run_uses_are_pruned(in_project: Path) -> None:
    cache = open_cache(in_project)
    for number in range(150):
        cache.put(FILES, f"stale{number:03d}", b"x")
    for number in range(12):
        cache.put(RUNS, f"run{number:02d}", b"x")
    _validate(in_project, open_cache(in_project))
    names = {p.name for p in _entries(in_project, FILES)}
    assert names and not any(name.startswith("stale") for name in names)
    assert len(_entries(in_project, RUNS)) == cache_module.KEEP_RUNS


def test_a_partial_run_prunes_nothing(in_project: Path) -> None:
    cache = open_cache(in_project)
    for number in range(150):
        cache.put(FILES, f"stale{number:03d}", b"x")
    project = load_project(in_project)
    engine.validate([in_project / TOPIC], project, today=TODAY, cache=open_cache(in_project))
    assert len([p for p in _entries(in_project, FILES) if p.name.startswith("stale")]) == 150


@pytest.mark.parametrize("damage", [lambda p: shutil.rmtree(p), lambda p: p.chmod(0o500)])
def test_cache_folder_trouble_mid_way(in_project: Path, damage: Callable[[Path], None]) -> None:
    _validate(in_project, open_cache(in_project))
    folder = open_cache(in_project).folder / RUNS
    damage(folder)
    try:
        assert _validate(in_project, open_cache(in_project)).findings
    finally:
        if folder.exists():
            folder.chmod(0o700)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from helpers.generator import generate
    root = tmp_path_factory.mktemp("generated") / "project"
    generate.generate(root, 1000, seed=5)
    return root


def test_workers_and_one_process_agree_on_a_generated_corpus(generated: Path) -> None:
    """1,500 records: parsing and checks both run on worker processes, and say exactly what one process says."""
    serial = run_installed("validate", "--format", "json", "--no-cache", *NO_GX, cwd=generated,
                           env={"GUIDELINE_JOBS": "1"})
    parallel = run_installed("validate", "--format", "json", "--no-cache", *NO_GX, cwd=generated)
    assert serial.returncode == parallel.returncode == 1, parallel.stderr
    assert parallel.stdout == serial.stdout
    cached = run_installed("validate", "--format", "json", *NO_GX, cwd=generated)
    assert cached.stdout == serial.stdout
    assert list((generated / CACHE_DIR).glob("*/stats/check-seconds"))


def test_a_check_that_fails_on_a_worker_fails_the_run_as_in_one_process(generated: Path, tmp_path: Path) -> None:
    project = tmp_path / "broken"
    shutil.copytree(generated / "guidelines", project / "guidelines")
    (project / "guidelines" / "expectations.yaml").write_text(
        "expectations:\n  - id: EXP901\n    title: x\n    description: x\n    severity: error\n"
        "    frame: nosuch\n    expectation: expect_column_values_to_be_unique\n    kwargs:\n      column: record\n")
    results = [run_installed("validate", "--no-cache", cwd=project, env={"GUIDELINE_JOBS": jobs}) for jobs in "12"]
    assert [r.returncode for r in results] == [2, 2]
    assert results[0].stderr == results[1].stderr
    assert "expectations.yaml" in results[1].stderr and "Traceback" not in results[1].stderr


def test_a_checks_error_keeps_its_hint_across_the_process_boundary(generated: Path) -> None:
    from guideline.checks import Check, Context
    from guideline.errors import ConfigError

    def broken(ctx: Context) -> list[Finding]:
        raise ConfigError("the roster is unreadable", hint="restore guidelines/board.yaml")

    project = load_project(generated)
    corpus = engine.load_corpus([generated / "guidelines"], project)
    assert len(corpus.recommendations) + len(corpus.references) >= engine.PARALLEL_MIN_RECORDS
    with pytest.raises(ConfigError) as raised:
        engine.run_checks(Context(corpus, project, TODAY), checks=(*engine.CHECKS[:2], Check("broken", (), broken)))
    assert str(raised.value) == "the roster is unreadable" and raised.value.hint == "restore guidelines/board.yaml"


def test_packed_position_of_every_key_and_of_missing_ones() -> None:
    """Positions walked to in the packed array equal the unpacked dict's, for every value of the shipped corpus and
    for keys that do not exist (which fall back to the nearest ancestor), however many are asked."""
    for path in sorted((REPO_ROOT / "guidelines").rglob("*.yaml")):
        doc = parse_text(path.read_bytes(), path.name)
        packed = pack_positions(doc)
        if packed is None:
            continue
        keys = [*doc.positions, ("no-such-field",), ("recommendations", 10_000), ("topic", "id", "deeper", 3)]
        for key in keys:
            assert packed_position(doc.data, packed, key) == doc.position(key), (path.name, key)
        lazy = Document(doc.path, doc.data, {}, [], doc.digest, packed)
        assert [lazy.position(key) for key in keys] == [doc.position(key) for key in keys]
        assert lazy.packed is None or len(keys) <= 8, "past a few lookups the positions are unpacked"
