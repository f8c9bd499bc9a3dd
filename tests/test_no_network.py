"""No network at run time: validate (with the expectation suite), diff, publish --preview and import run with
networking blocked, exit as they do normally, and nothing even tries to connect."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import git
import pytest
from helpers import GUIDELINE, run_installed
from helpers.workflow import EDITOR, commit, edit

ARTICLE = Path(__file__).resolve().parent / "fixtures" / "articles" / "aspirin-after-mi.txt"

# Records every attempt to resolve a name or open a connection, then refuses it.
GUARD = textwrap.dedent("""\
    import os
    import socket

    def _refuse(what):
        def refuse(*args, **kwargs):
            with open(os.environ["NETWORK_LOG"], "a", encoding="utf-8") as log:
                log.write(f"{what} {args[1:] if what.startswith('socket.') else args!r}\\n")
            raise OSError(101, "network blocked by test_no_network")
        return refuse

    socket.socket.connect = _refuse("socket.connect")
    socket.socket.connect_ex = _refuse("socket.connect_ex")
    socket.socket.sendto = _refuse("socket.sendto")
    socket.getaddrinfo = _refuse("getaddrinfo")
    socket.gethostbyname = _refuse("gethostbyname")
    socket.create_connection = _refuse("create_connection")
""")


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False).returncode == 0


UNSHARE = _unshare_works()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped corpus in a git repository with one committed change, so diff has something to report."""
    from helpers import make_project

    root = make_project(tmp_path_factory.mktemp("offline") / "project", with_corpus=True)
    git.Repo.init(root)
    commit(root, EDITOR, "The shipped corpus")
    topic = "guidelines/topics/osteoporotic-spine-fracture.yaml"
    text = (root / topic).read_text(encoding="utf-8")
    old = next(line for line in text.splitlines() if line.strip().startswith("statement:"))
    edit(root, old + "\n", old.rstrip('"') + (' today"' if old.endswith('"') else " today") + "\n", topic)
    commit(root, EDITOR, "A change")
    return root


COMMANDS = [
    ("validate",),
    ("diff", "--base", "HEAD~1", "--head", "HEAD", "--format", "md", "--output", "-"),
    ("publish", "--preview", "--out", "{tmp}/preview"),
    ("import", str(ARTICLE), "--topic", "aspirin", "--out", "{tmp}/imported"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_runs_offline(project: Path, tmp_path: Path, command: tuple[str, ...]) -> None:
    args = [a.format(tmp=tmp_path / "normal") for a in command]
    normal = run_installed(*args, cwd=project)
    assert normal.returncode in (0, 1), normal.stderr

    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    log = tmp_path / "network.log"
    log.write_text("", encoding="utf-8")
    env = {"PYTHONPATH": str(hook), "NETWORK_LOG": str(log)}
    args = [a.format(tmp=tmp_path / "offline") for a in command]
    if UNSHARE:
        # A user and network namespace with no interface but loopback (down): the real thing.
        offline = subprocess.run(["unshare", "-rn", str(GUIDELINE), *args], cwd=project, text=True, check=False,
                                 capture_output=True, timeout=600,
                                 env={**_base_env(), **env})
    else:
        offline = run_installed(*args, cwd=project, env=env)
    assert offline.returncode == normal.returncode, offline.stderr
    assert "Traceback" not in offline.stderr
    assert offline.stdout == normal.stdout.replace(str(tmp_path / "normal"), str(tmp_path / "offline"))
    assert log.read_text(encoding="utf-8") == ""


def _base_env() -> dict[str, str]:
    import os

    from helpers import FIXED_TODAY

    env = {**os.environ, "GUIDELINE_TODAY": FIXED_TODAY, "GX_ANALYTICS_ENABLED": "false", "NO_COLOR": "1"}
    env.pop("CI", None)
    return env


def test_the_guard_catches_a_connection(tmp_path: Path) -> None:
    """The recorder itself works: a connection attempt is logged and refused."""
    import sys

    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    log = tmp_path / "network.log"
    log.write_text("", encoding="utf-8")
    code = "import socket\ntry:\n    socket.create_connection(('example.org', 80))\nexcept OSError:\n    pass\n"
    subprocess.run([sys.executable, "-c", code], env={**_base_env(), "PYTHONPATH": str(hook),
                                                       "NETWORK_LOG": str(log)}, check=True)
    assert log.read_text(encoding="utf-8").startswith("create_connection")
