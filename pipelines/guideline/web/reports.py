"""The board report of a topic, as `guideline diff` renders it: computed once per (base, head) pair of commits,
in a forked process at low priority, never while a page waits. Until the report of the current pair is ready,
the newest finished one is shown, saying which commits it compares."""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from guideline.corpus.cache import open_cache
from guideline.engine.parallel import Background
from guideline.errors import GuidelineError
from guideline.git.revisions import Repository
from guideline.report.model import Report

_CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')
Key = tuple[str, str]


@dataclass(frozen=True)
class Shown:
    html: str
    csp: str
    # None when the report compares the current commits; else what it compares and that a newer one is coming.
    note: str | None


def report_key(root: Path) -> Key:
    """(base commit, head commit) as `guideline diff` picks them: a few git calls, no parsing."""
    with Repository(root) as repo:
        head = repo.worktree()
        return repo.default_base(head).commit, head.commit


class Reports:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._latest: tuple[Key, Report] | None = None
        self._rendered: dict[tuple[Key, str], str] = {}
        self._wanted: Key | None = None
        self._running = False
        self.failure: str | None = None

    def shown(self, topic_id: str) -> Shown | None:
        """The report for the topic, or None while the first one is being computed."""
        key = report_key(self.root)
        with self._lock:
            latest = self._latest
            if latest is None or latest[0] != key:
                self._want(key)
            if latest is None:
                return None
            html = self._rendered.get((latest[0], topic_id))
            if html is None:
                html = self._rendered[(latest[0], topic_id)] = _render(latest[1], topic_id)
        match = _CSP_META.search(html)
        csp = (match.group(1) if match else "default-src 'none'") + "; frame-ancestors 'self'"
        note = None if latest[0] == key else (
            f"This report compares {latest[0][0][:10]} with {latest[0][1][:10]}; the report of the current "
            f"commit {key[1][:10]} is being prepared: reload in a minute.")
        return Shown(html, csp, note)

    def _want(self, key: Key) -> None:
        self._wanted = key
        if not self._running:
            self._running = True
            threading.Thread(target=self._work, name="board-report", daemon=True).start()

    def _work(self) -> None:
        """Compute the newest wanted pair; pairs asked for meanwhile collapse into the newest."""
        while True:
            with self._lock:
                key, self._wanted = self._wanted, None
                if key is None:
                    self._running = False
                    return
            try:
                report = Background(partial(_compare, self.root, key)).result()
            except GuidelineError as exc:
                self.failure = str(exc)
                continue
            with self._lock:
                self._latest, self.failure = (key, report), None
                self._rendered = {k: v for k, v in self._rendered.items() if k[0] == key}


def _compare(root: Path, key: Key) -> Report:
    from guideline.report.compare import compare

    # Runs in the forked process: pages keep the cores first.
    os.nice(10)
    return compare(root, key[0], key[1], cache=open_cache(root))


def _render(report: Report, topic_id: str) -> str:
    from guideline.render import report_html

    narrowed = replace(report, changes=tuple(c for c in report.changes if topic_id in c.topics),
                       elsewhere=tuple(e for e in report.elsewhere if e.topic == topic_id))
    return report_html.render(narrowed)
