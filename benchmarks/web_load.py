"""Load test of the review app: simulated board members browsing and deciding at once, on loopback only.

    python benchmarks/web_load.py --corpus benchmarks/corpora/10k --members 50 --rounds 3

Copies the corpus into a temporary git repository (every topic set to submitted, a roster of N board members
and the app's service entry, git signing with a fresh ssh-keygen key), starts the app under uvicorn on a free
loopback port, signs each member in (sessions made directly: the passkey ceremony is the browser test's), and
runs every member in its own thread: queue, one topic, approve it, history, for a few rounds. It stops by
itself (rounds, and a deadline). Prints p50/p95 page times per page and the decisions recorded, refused and
lost (answered 'recorded' but missing from the review logs afterwards).
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "pipelines"))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from guideline.web.app import create_app  # noqa: E402
from guideline.web.config import ServeConfig  # noqa: E402


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout.strip()


def build(corpus: Path, work: Path, members: int) -> Path:
    root = work / "repo"
    shutil.copytree(corpus / "guidelines", root / "guidelines")
    for topic in (root / "guidelines" / "topics").glob("*.yaml"):
        text = topic.read_text(encoding="utf-8")
        topic.write_text(re.sub(r"review_state: (draft|under-review)", "review_state: submitted", text),
                         encoding="utf-8")
    key = work / "service"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    public = key.with_suffix(".pub").read_text(encoding="utf-8").strip()
    entries = "".join(f"    - id: member-{n:02d}\n      name: Member {n:02d}\n      email: member-{n:02d}@example.org\n"
                      f"      roles: [board-member]\n" for n in range(members))
    entries += (f"    - id: review-app\n      name: Review app\n      email: review-app@example.org\n"
                f"      roles: [service]\n      signing_keys:\n        - {public}\n")
    board = root / "guidelines" / "board.yaml"
    board.write_text(board.read_text(encoding="utf-8").rstrip("\n") + "\n" + entries, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.name=Founder", "-c", "user.email=founder@example.org", "add", "-A")
    git(root, "-c", "user.name=Founder", "-c", "user.email=founder@example.org", "commit", "-q", "-m", "corpus")
    for name, value in (("gpg.format", "ssh"), ("user.signingkey", str(key) + ".pub"),
                        ("user.name", "Review app"), ("user.email", "review-app@example.org")):
        git(root, "config", name, value)
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=REPO_ROOT / "benchmarks" / "corpora" / "10k")
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--deadline", type=float, default=600.0, help="seconds before the run stops anyway")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="web-load-"))
    try:
        return run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path) -> int:
    root = build(args.corpus, work, args.members)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    origin = f"http://localhost:{port}"
    starlette = create_app(ServeConfig(root, work / "state", origin=origin, rp_id="localhost"))
    app = starlette.state.app
    server = uvicorn.Server(uvicorn.Config(starlette, host="127.0.0.1", port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    started = time.perf_counter()
    topics = [v.id for v in app.board.topics()]
    print(f"{len(topics)} topics, {sum(len(v.statuses) for v in app.board.topics())} records; "
          f"first load (parse, statuses) {time.perf_counter() - started:.1f} s")
    times: dict[str, list[float]] = {"queue": [], "topic": [], "decide": [], "history": []}
    outcomes: list[tuple[str, str, int]] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + args.deadline

    def member(n: int) -> None:
        session = app.sessions.sign_in(app.sessions.new(), f"member-{n:02d}", "load")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", cookies={app.cookie: session.id},
                          headers={"Sec-Fetch-Site": "same-origin"}, timeout=120) as client:
            for round_ in range(args.rounds):
                if time.monotonic() > stop_at:
                    return
                topic = topics[(n * args.rounds + round_) % len(topics)]
                timed(client, "queue", "GET", "/queue")
                page = timed(client, "topic", "GET", f"/topics/{topic}")
                found = re.search(r'id="approve-form".*?name="content_hash" value="([0-9a-f]+)"', page.text, re.S)
                if found:
                    result = timed(client, "decide", "POST", f"/topics/{topic}/approve",
                                   data={"csrf": session.csrf, "content_hash": found.group(1)})
                    with lock:
                        outcomes.append((f"member-{n:02d}", topic, result.status_code))
                timed(client, "history", "GET", f"/topics/{topic}/history")

    def timed(client: httpx.Client, name: str, method: str, url: str, **kw: object) -> httpx.Response:
        begin = time.perf_counter()
        response = client.request(method, url, **kw)  # type: ignore[arg-type]
        with lock:
            times[name].append(time.perf_counter() - begin)
        return response

    threads = [threading.Thread(target=member, args=(n,)) for n in range(args.members)]
    begin = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - begin
    server.should_exit = True
    report(times, outcomes, root, elapsed)
    return 0


def report(times: dict[str, list[float]], outcomes: list[tuple[str, str, int]], root: Path, elapsed: float) -> None:
    pages = [t for name in ("queue", "topic", "history") for t in times[name]]
    for name, values in (*times.items(), ("all pages", pages)):
        if values:
            values = sorted(values)
            p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
            print(f"{name:10s} n={len(values):4d}  p50 {statistics.median(values) * 1000:7.1f} ms  "
                  f"p95 {p95 * 1000:7.1f} ms  max {values[-1] * 1000:7.1f} ms")
    recorded = [(m, t) for m, t, status in outcomes if status == 200]
    lost = [(m, t) for m, t in recorded
            if f"reviewer: {m}@example.org" not in (root / "guidelines" / "reviews" / f"{t}.yaml").read_text()]
    commits = int(git(root, "rev-list", "--count", "HEAD")) - 1
    print(f"decisions: {len(outcomes)} attempted, {len(recorded)} recorded, "
          f"{len(outcomes) - len(recorded)} refused, {len(lost)} lost; {commits} signed commits; "
          f"{elapsed:.1f} s in all")


if __name__ == "__main__":
    sys.exit(main())
