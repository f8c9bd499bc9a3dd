"""The benchmark's corpus generator (benchmarks/generate.py), loaded as a module: `generate.generate(...)`."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from helpers import REPO_ROOT


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_generate", REPO_ROOT / "benchmarks" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


generate = _load_generator()
