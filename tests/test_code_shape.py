"""No module in the package over 600 lines and no function over 60: past that a reader cannot hold it whole.

A table of data (patterns, vocabularies) may be longer when splitting it would only scatter it: name it in
LONGER with the reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import REPO_ROOT

PACKAGE = REPO_ROOT / "pipelines" / "guideline"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60
# "path/inside/the/package.py" or "path.py:function" -> why it may be longer.
LONGER: dict[str, str] = {}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def test_no_module_is_too_long() -> None:
    long = [f"{_name(path)}: {lines} lines" for path in _modules()
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
            and _name(path) not in LONGER]
    assert long == []


def test_no_function_is_too_long() -> None:
    long: list[str] = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                lines = (node.end_lineno or node.lineno) - start + 1
                where = f"{_name(path)}:{node.name}"
                if lines > MAX_FUNCTION_LINES and where not in LONGER:
                    long.append(f"{where} (line {node.lineno}): {lines} lines")
    assert long == []

