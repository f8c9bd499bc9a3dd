"""parallel.Background: work in a forked process that may fork workers of its own."""

from __future__ import annotations

import os

import pytest
from guideline.engine.parallel import JOBS_ENV, Background, map_ordered
from guideline.errors import ConfigError


def _pid_and_squares() -> tuple[int, list[int]]:
    # A pool inside the background process: only possible because it is not a pool's (daemonic) worker.
    return os.getpid(), list(map_ordered(lambda n: n * n, list(range(40)), workers=2))


def _refuse() -> None:
    raise ConfigError("roster.yaml is missing", hint="add guidelines/roster.yaml")


def _crash() -> None:
    os._exit(7)


def test_result_comes_from_another_process_that_may_fork_workers() -> None:
    pid, squares = Background(_pid_and_squares).result()
    assert pid != os.getpid()
    assert squares == [n * n for n in range(40)]


def test_a_guideline_error_arrives_whole_and_again_on_a_second_ask() -> None:
    work = Background(_refuse)
    for _ in range(2):
        with pytest.raises(ConfigError) as caught:
            work.result()
        assert str(caught.value) == "roster.yaml is missing"
        assert caught.value.hint == "add guidelines/roster.yaml"


def test_a_process_that_dies_is_reported_not_waited_for_forever() -> None:
    work = Background(_crash)
    with pytest.raises(RuntimeError, match="background process failed"):
        work.result()
    with pytest.raises(RuntimeError):
        work.result()


def test_one_core_runs_the_work_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(JOBS_ENV, "1")
    pid, squares = Background(_pid_and_squares).result()
    assert pid == os.getpid()
    assert squares[-1] == 39 * 39
