"""Work spread over the machine's cores with forked worker processes.

Fork, not spawn: a forked worker starts in milliseconds with every module already imported and the parent's
data already in memory, so only results travel back through a pipe. Where fork is missing (or one core is all
there is) the work runs in this process, with the same results.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import tempfile
import traceback
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import Any, Generic, NoReturn, TypeVar, cast

from guideline.corpus.loader import gc_paused
from guideline.errors import GuidelineError
from guideline.fileio import write_atomic

T = TypeVar("T")
R = TypeVar("R")

JOBS_ENV = "GUIDELINE_JOBS"

# What the workers inherit through fork: set just before the pool starts, read by index in the child.
_shared: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def jobs() -> int:
    """Worker processes to use: $GUIDELINE_JOBS, else the cores this process may run on."""
    env = os.environ.get(JOBS_ENV, "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS
        return os.cpu_count() or 1


def can_fork() -> bool:
    return sys.platform != "win32" and "fork" in multiprocessing.get_all_start_methods()


def _run_chunk(bounds: tuple[int, int]) -> list[Any]:
    assert _shared is not None
    func, items = _shared
    with gc_paused():
        return [func(item) for item in items[bounds[0]:bounds[1]]]


def map_ordered(func: Callable[[T], R], items: Sequence[T], *, workers: int | None = None,
                chunks_per_worker: int = 4) -> Generator[R, None, None]:
    """func over items, results in order, computed by forked workers when that can pay.

    The workers start at once; results stream back as each chunk finishes, so the caller consumes early
    chunks while later ones are made. func and items reach the workers through fork, not through pickling;
    results must pickle."""
    global _shared
    count = workers or jobs()
    if count < 2 or len(items) < 2 or not can_fork():
        return (func(item) for item in items)
    count = min(count, len(items))
    pieces = min(len(items), count * chunks_per_worker)
    bounds = [(len(items) * i // pieces, len(items) * (i + 1) // pieces) for i in range(pieces)]
    _shared = (func, items)
    pool = multiprocessing.get_context("fork").Pool(count)
    results = _drain(pool, pool.imap(_run_chunk, bounds))
    next(results)
    return results


def _drain(pool: Any, chunks: Iterator[list[Any]]) -> Generator[Any, None, None]:
    """Yields None once (so that closing it, even unread, stops the pool), then every result."""
    global _shared
    try:
        yield None
        for chunk in chunks:
            yield from chunk
    finally:
        pool.terminate()
        pool.join()
        _shared = None


class Background(Generic[R]):
    """func() computed by a forked process while this one goes on; result() waits for it (once) and returns
    it, or raises what func raised when that is a GuidelineError. Unlike a pool's workers the process may fork
    workers of its own. Where fork is missing, or one core is all there is, func runs when result() is asked."""

    def __init__(self, func: Callable[[], R]) -> None:
        self._func: Callable[[], R] | None = func
        self._pid = 0
        self._outcome: tuple[bool, Any] | None = None
        if jobs() < 2 or not can_fork():
            return
        with tempfile.NamedTemporaryFile(prefix="guideline-", suffix=".pickle", delete=False) as handle:
            self._path = handle.name
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, whose coverage is not collected
            _run_child(func, self._path)
        self._pid = pid

    def result(self) -> R:
        if self._outcome is None:
            self._outcome = self._wait() if self._pid else _outcome_of(self._func)
            self._func = None
        ok, value = self._outcome
        if ok:
            return cast(R, value)
        if isinstance(value, BaseException):
            raise value
        kind, message, hint = value
        raise kind(message, hint=hint)

    def _wait(self) -> tuple[bool, Any]:
        _, status = os.waitpid(self._pid, 0)
        try:
            with open(self._path, "rb") as handle:
                outcome = pickle.load(handle) if status == 0 else None
        except (OSError, EOFError, pickle.UnpicklingError):
            outcome = None
        finally:
            os.unlink(self._path)
        if outcome is None:
            return False, RuntimeError(f"background process failed (wait status {status}); its traceback is above")
        return cast(tuple[bool, Any], outcome)


def _outcome_of(func: Callable[[], Any] | None) -> tuple[bool, Any]:
    assert func is not None
    try:
        return True, func()
    except GuidelineError as exc:
        # Carried as parts: pickling the exception would drop its hint.
        return False, (type(exc), str(exc), exc.hint)


def _run_child(func: Callable[[], Any], path: str) -> NoReturn:  # pragma: no cover - runs in the child
    status = 1
    try:
        write_atomic(Path(path), pickle.dumps(_outcome_of(func), protocol=pickle.HIGHEST_PROTOCOL), durable=False)
        status = 0
    except BaseException:  # noqa: BLE001 - whatever went wrong, the parent must hear of it and this process end
        traceback.print_exc()
    finally:
        # Not sys.exit: the child must not run the parent's exit handlers or flush its buffered output again.
        os._exit(status)
