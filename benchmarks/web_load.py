"""Load test of the review app: simulated board members browsing and deciding at once, on loopback only.

    python benchmarks/web_load.py --corpus benchmarks/corpora/10k --members 50 --rounds 2 --think 1

Copies the corpus into a temporary git repository (every topic set to submitted, a roster of N board members
and the app's service entry, git signing with a fresh ssh-keygen key), starts `guideline serve` in its own
process on a free loopback port (members are signed in by the SSO header mode, --trusted-header: the passkey
ceremony is the browser test's), and runs every member in its own thread: queue, one topic, approve it, history,
for a few rounds, pausing a random 0.5-1.5 times --think seconds between pages (0: back to back). It stops by
itself (rounds, and a deadline). Prints p50/p95 per page kind and for decisions, the decisions recorded, refused
and lost (answered 'recorded' but missing from the review logs afterwards), and the server's CPU time.
"""

from __future__ import annotations

import argparse
import os
import random
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

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
HEADER = "X-Load-Member"
PAGES = ("queue", "topic", "history")


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
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between a member's pages")
    parser.add_argument("--deadline", type=float, default=900.0, help="seconds before the run stops anyway")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="web-load-"))
    try:
        return run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def cpu_seconds(pid: int) -> float:
    """User and system time of the process and of every process under it (the decisions worker, the board
    report's forks), from /proc: the children it waited for count in its own figures, the live ones here."""
    stats = {}
    for entry in (e for e in Path("/proc").iterdir() if e.name.isdigit()):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        stats[int(entry.name)] = (int(fields[1]), sum(int(v) for v in fields[11:15]))
    family, total = {pid}, 0
    for candidate in sorted(stats):
        parent = stats[candidate][0]
        while parent not in family and parent in stats and parent > 1:
            parent = stats[parent][0]
        if candidate == pid or parent in family:
            family.add(candidate)
            total += stats[candidate][1]
    return total / os.sysconf("SC_CLK_TCK")


def serve(root: Path, state: Path) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    command = [str(Path(sys.executable).parent / "guideline"), "serve", "--root", str(root), "--state-dir",
               str(state), "--port", str(port), "--trusted-header", HEADER]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=5).status_code == 200:
                return server, port
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def run(args: argparse.Namespace, work: Path) -> int:
    root = build(args.corpus, work, args.members)
    server, port = serve(root, work / "state")
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        first = httpx.get(f"{base}/queue", headers={HEADER: "member-00"}, timeout=300)
        print(f"first queue (parse 10k records, statuses) {time.perf_counter() - started:.1f} s")
        topics = queued_topics(base, first.text)
        print(f"{len(topics)} topics waiting")
        times: dict[str, list[float]] = {name: [] for name in (*PAGES, "decide")}
        outcomes: list[tuple[str, str, int]] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + args.deadline
        cpu_before, begin = cpu_seconds(server.pid), time.perf_counter()
        threads = [threading.Thread(target=member, args=(n, args, base, topics, times, outcomes, lock, stop_at))
                   for n in range(args.members)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed, cpu = time.perf_counter() - begin, cpu_seconds(server.pid) - cpu_before
    finally:
        server.terminate()
        server.wait(30)
    report(times, outcomes, root, elapsed, cpu)
    return 0


def queued_topics(base: str, page: str) -> list[str]:
    """Every topic of the queue, following its pages."""
    found: set[str] = set()
    while True:
        found.update(re.findall(r'data-topic="([^"]+)"', page))
        following = re.search(r'rel="next" href="([^"]+)"', page)
        if following is None:
            return sorted(found)
        page = httpx.get(base + following.group(1), headers={HEADER: "member-00"}, timeout=300).text


def member(n: int, args: argparse.Namespace, base: str, topics: list[str], times: dict[str, list[float]],
           outcomes: list[tuple[str, str, int]], lock: threading.Lock, stop_at: float) -> None:
    rng = random.Random(n)
    name = f"member-{n:02d}"

    def timed(kind: str, method: str, url: str, **kw: object) -> httpx.Response:
        time.sleep(args.think * rng.uniform(0.5, 1.5))
        begin = time.perf_counter()
        response = client.request(method, url, **kw)  # type: ignore[arg-type]
        with lock:
            times[kind].append(time.perf_counter() - begin)
        return response

    with httpx.Client(base_url=base, headers={HEADER: name, "Sec-Fetch-Site": "same-origin"},
                      timeout=600) as client:
        for round_ in range(args.rounds):
            if time.monotonic() > stop_at:
                return
            topic = topics[(n * args.rounds + round_) % len(topics)]
            timed("queue", "GET", "/queue")
            page = timed("topic", "GET", f"/topics/{topic}")
            found = re.search(r'id="approve-form".*?name="csrf" value="([^"]+)".*?name="content_hash" '
                              r'value="([0-9a-f]+)"', page.text, re.DOTALL)
            if found:
                result = timed("decide", "POST", f"/topics/{topic}/approve",
                               data={"csrf": found.group(1), "content_hash": found.group(2)})
                with lock:
                    outcomes.append((name, topic, result.status_code))
            timed("history", "GET", f"/topics/{topic}/history")


def report(times: dict[str, list[float]], outcomes: list[tuple[str, str, int]], root: Path, elapsed: float,
           cpu: float) -> None:
    pages = [t for name in PAGES for t in times[name]]
    for name, values in (*times.items(), ("all pages", pages)):
        if values:
            values = sorted(values)
            p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
            print(f"{name:10s} n={len(values):4d}  p50 {statistics.median(values) * 1000:8.1f} ms  "
                  f"p95 {p95 * 1000:8.1f} ms  max {values[-1] * 1000:8.1f} ms")
    recorded = [(m, t) for m, t, status in outcomes if status == 200]
    lost = [(m, t) for m, t in recorded
            if f"reviewer: {m}@example.org" not in (root / "guidelines" / "reviews" / f"{t}.yaml").read_text()]
    commits = int(git(root, "rev-list", "--count", "HEAD")) - 1
    print(f"decisions: {len(outcomes)} attempted, {len(recorded)} recorded, "
          f"{len(outcomes) - len(recorded)} refused, {len(lost)} lost; {commits} signed commits")
    print(f"load phase: {elapsed:.1f} s wall, server CPU {cpu:.1f} s (its worker and forks included)")


if __name__ == "__main__":
    sys.exit(main())
