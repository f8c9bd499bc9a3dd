"""The package stays mypy-strict and ruff-clean: type hints are part of how the code explains itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_mypy_strict_on_the_package() -> None:
    result = subprocess.run([str(BIN / "mypy")], cwd=REPO_ROOT, capture_output=True, text=True, check=False,
                            timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_on_the_code() -> None:
    result = subprocess.run([str(BIN / "ruff"), "check", "pipelines", "tests", "benchmarks", "fuzz"],
                            cwd=REPO_ROOT, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
