"""Nothing half-written: a process killed while writing leaves the old file or the new one; every writing
command goes through fileio.write_atomic; a command never overwrites an editor's file unless told to."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from helpers import REPO_ROOT, run_installed
from helpers.workflow import EDITOR, MEI, TOMAS, TOPIC, as_user, commit, edit, make_repo

PACKAGE = REPO_ROOT / "pipelines" / "guideline"
ARTICLE = Path(__file__).resolve().parent / "fixtures" / "articles" / "aspirin-after-mi.txt"
OLD = b"old content\n" * 1000
NEW_SIZE = 64 << 20

WRITER = textwrap.dedent("""\
    import sys
    from pathlib import Path
    from guideline.fileio import write_atomic
    write_atomic(Path(sys.argv[1]), bytes([65 + int(sys.argv[2]) % 26]) * int(sys.argv[3]))
""")


def _kill_while_writing(target: Path, attempt: int) -> bool:
    """Start a writer, SIGKILL it as soon as its temporary file appears; True if it died mid-write."""
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(target), str(attempt), str(NEW_SIZE)])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and child.poll() is None:
        if any(target.parent.glob(f".{target.name}.*.tmp")):
            # Let it get some way into the payload; the delay grows with each attempt.
            time.sleep(0.002 * attempt)
            break
    mid_write = child.poll() is None
    child.send_signal(signal.SIGKILL)
    child.wait()
    return mid_write and child.returncode == -signal.SIGKILL


def test_a_killed_write_leaves_the_old_or_the_new_file(tmp_path: Path) -> None:
    target = tmp_path / "topic.yaml"
    target.write_bytes(OLD)
    killed_mid_write = 0
    for attempt in range(8):
        previous = target.read_bytes()
        killed_mid_write += _kill_while_writing(target, attempt)
        data = target.read_bytes()
        new = bytes([65 + attempt % 26]) * NEW_SIZE
        assert data in (previous, new), f"torn file after attempt {attempt}: {len(data)} bytes"
        for leftover in tmp_path.glob(".topic.yaml.*.tmp"):
            leftover.unlink()
    assert killed_mid_write, "no attempt was killed while writing; the test proved nothing"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    from guideline.fileio import write_atomic

    target = tmp_path / "topic.yaml"
    target.write_bytes(OLD)

    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == OLD
    assert list(tmp_path.iterdir()) == [target]


# --- every writing command goes through write_atomic ---------------------------------------------------

RECORDER = textwrap.dedent("""\
    import os
    import guideline.fileio as fileio

    _original = fileio.write_atomic

    def write_atomic(path, data, **kwargs):
        with open(os.environ["WRITES_LOG"], "a", encoding="utf-8") as log:
            log.write(str(path.absolute()) + "\\n")
        return _original(path, data, **kwargs)

    fileio.write_atomic = write_atomic
""")


def _snapshot(root: Path) -> dict[Path, tuple[int, int]]:
    skip = (".git", ".guideline-cache")
    return {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*")
            if p.is_file() and not any(part in skip for part in p.relative_to(root).parts)}


def _recorded_run(root: Path, tmp_path: Path, *args: str | Path, env: dict[str, str] | None = None,
                  code: int = 0) -> None:
    """Run a command with write_atomic wrapped; every file it created or changed must have gone through it."""
    hook = tmp_path / "hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(RECORDER, encoding="utf-8")
    log = tmp_path / "writes.log"
    log.write_text("", encoding="utf-8")
    before = _snapshot(root)
    time.sleep(0.01)
    result = run_installed(*args, cwd=root, env={**(env or {}), "PYTHONPATH": str(hook), "WRITES_LOG": str(log)})
    assert result.returncode == code, result.stdout + result.stderr
    after = _snapshot(root)
    changed = {p for p, stamp in after.items() if before.get(p) != stamp}
    atomic = {Path(line) for line in log.read_text(encoding="utf-8").splitlines()}
    assert changed, f"{args} wrote nothing; the test proves nothing"
    assert changed <= atomic, f"written without write_atomic: {sorted(changed - atomic)}"
    assert not [p for p in after if p.name.endswith(".tmp")]


def test_every_writing_command_writes_atomically(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "project")
    _recorded_run(root, tmp_path, "validate", "--output", root / "out" / "findings.json", "--format", "json")
    _recorded_run(root, tmp_path, "import", ARTICLE, "--topic", "aspirin")
    commit(root, EDITOR, "Import aspirin")
    # Each review command writes the log and commits it, signed; the commit touches only .git.
    _recorded_run(root, tmp_path, "review", "comment", f"{TOPIC}-01", "-m", "Which salt?", env=as_user(TOMAS))
    _recorded_run(root, tmp_path, "review", "respond", f"{TOPIC}-c1", "-m", "It does not matter",
                  env=as_user(EDITOR))
    _recorded_run(root, tmp_path, "review", "resolve", f"{TOPIC}-c1", "-d", "not-persuasive", "-m", "No matter",
                  env=as_user(TOMAS))
    _recorded_run(root, tmp_path, "review", "approve", TOPIC, env=as_user(TOMAS))
    _recorded_run(root, tmp_path, "review", "approve", TOPIC, env=as_user(MEI))
    _recorded_run(root, tmp_path, "publish", TOPIC, env=as_user(EDITOR))
    _recorded_run(root, tmp_path, "publish", "--preview")
    commit(root, EDITOR, "Published")
    edit(root, "Calcium 1000-1200 mg/day\n", "Calcium 1000 mg/day\n")
    _recorded_run(root, tmp_path, "submit", f"{TOPIC}-01", env=as_user(EDITOR))
    _recorded_run(root, tmp_path, "diff", "--base", "HEAD", "--output", root / "out" / "report.html",
                  "--no-findings")


WRITES_DIRECTLY = re.compile(r"\.write_(?:text|bytes)\(|\bopen\([^)]*['\"][wax]b?\+?['\"]|os\.(?:replace|rename)\(")
# The cache folder's marker files are tool bookkeeping, recreated when missing, never an editor's file; the
# review app opens its lock file only to lock it (flock), and writes nothing into it.
ALLOWED = {("fileio.py", "os.replace("), ("corpus/cache.py", ".write_text("), ("web/decisions.py", 'open("a"')}


def test_no_module_writes_files_except_through_write_atomic() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = WRITES_DIRECTLY.search(line)
            if match and (path.relative_to(PACKAGE).as_posix(), match.group(0)) not in ALLOWED:
                offenders.append(f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}")
    assert offenders == []


# --- an editor's file is not overwritten unless asked ---------------------------------------------------

def test_import_refuses_to_overwrite_an_edited_file(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "project")
    first = run_installed("import", ARTICLE, "--topic", "aspirin", cwd=root)
    assert first.returncode == 0, first.stderr
    topic = root / "guidelines" / "topics" / "aspirin.yaml"
    topic.write_text(topic.read_text(encoding="utf-8") + "# curated by hand\n", encoding="utf-8")
    before = topic.read_bytes(), os.stat(topic).st_mtime_ns
    again = run_installed("import", ARTICLE, "--topic", "aspirin", cwd=root)
    assert again.returncode == 2
    assert "already exist" in again.stderr and "--update" in again.stderr and "--force" in again.stderr
    assert (topic.read_bytes(), os.stat(topic).st_mtime_ns) == before
    forced = run_installed("import", ARTICLE, "--topic", "aspirin", "--force", cwd=root)
    assert forced.returncode == 0, forced.stderr
    assert not topic.read_text(encoding="utf-8").endswith("# curated by hand\n")
