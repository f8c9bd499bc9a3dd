"""What both fuzz harnesses share: where libFuzzer keeps its inputs and crashes, and how it is started."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import atheris

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"


def libfuzzer_args(argv: list[str], corpus: Path, seeds: Mapping[str, Path], options: Mapping[str, str]) -> list[str]:
    """Keep what the fuzzer learns in `corpus` (seeded with `seeds`, by file name) and crashes in fuzz/artifacts.

    libFuzzer writes new inputs into the first folder it is given, so it is never handed a project folder."""
    args = list(argv)
    if not any(not a.startswith("-") for a in args[1:]):
        corpus.mkdir(parents=True, exist_ok=True)
        for name, seed in seeds.items():
            target = corpus / name
            if seed.exists() and not target.exists():
                target.write_bytes(seed.read_bytes())
        args.append(str(corpus))
    defaults = {"-artifact_prefix=": f"{ARTIFACTS}/", "-timeout=": "20", **options}
    for option, value in defaults.items():
        if not any(a.startswith(option) for a in args):
            args.insert(1, option + value)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return args


def fuzz(test_one_input: Callable[[bytes], None], corpus: Path, seeds: Mapping[str, Path],
         options: Mapping[str, str]) -> None:
    atheris.Setup(libfuzzer_args(sys.argv, corpus, seeds, options), test_one_input)
    atheris.Fuzz()
