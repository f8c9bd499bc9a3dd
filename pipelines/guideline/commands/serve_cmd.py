"""guideline serve: the board's review web app over this repository, and `serve enrol` for its members."""

from __future__ import annotations

import argparse
from pathlib import Path

from guideline.commands.common import add_root_option
from guideline.corpus.project import find_root
from guideline.errors import EXIT_OK, UsageError

EXAMPLES = """examples:
  guideline serve
      the review app on http://localhost:8000 (loopback only)
  guideline serve --port 8080 --origin https://review.example.org --rp-id review.example.org
      behind a TLS reverse proxy that forwards https://review.example.org to 127.0.0.1:8080
  guideline serve enrol tomas-okafor
      print a one-time enrolment token for the roster member tomas-okafor

Members enrol once with a token (`guideline serve enrol MEMBER-ID`) and a passkey, then sign in with the
passkey. Each decision is committed by the app, signed with git's configured key (gpg.format=ssh,
user.signingkey), which must be the key of a roster entry with role 'service' in guidelines/board.yaml; the
commit names the member in a Decided-by: trailer. Server state (token hashes, passkeys, the audit log) lives in
--state-dir, never in the repository. See docs/review-app.md.

exit codes: 0 stopped or token printed, 2 usage or configuration error."""

ENROL_EXAMPLES = """examples:
  guideline serve enrol tomas-okafor
  guideline serve enrol priya-lindqvist --hours 24

The token is printed once and stored only as a hash; it expires (default 72 hours) and works once. Give it
to the member over a channel you trust; they open /enrol in the app, paste it and register a passkey.

exit codes: 0 token printed, 2 unknown member id or configuration error."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("serve", help="run the board's review web app (passkeys, signed decisions)",
                            description="Serve the review app: each member's queue, the board report of a "
                                        "topic, decisions and comments, history. Binds to loopback.",
                            epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to bind (default: 8000)")
    parser.add_argument("--origin", help="the origin browsers use, e.g. https://review.example.org "
                                         "(default: http://localhost:PORT)")
    parser.add_argument("--rp-id", help="WebAuthn relying party id: the host name of --origin (default)")
    parser.add_argument("--trusted-header", metavar="NAME",
                        help="sign in whoever this request header names (a roster id); ONLY behind an SSO proxy "
                             "that sets it and strips it from clients (off by default; see docs/review-app.md)")
    _common(parser)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    enrol = actions.add_parser("enrol", help="print a one-time enrolment token for a roster member",
                               epilog=ENROL_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    enrol.add_argument("member", metavar="MEMBER-ID", help="the member's id in guidelines/board.yaml")
    enrol.add_argument("--hours", type=int, default=72, help="hours until the token expires (default: 72)")
    _common(enrol)
    parser.set_defaults(run=run)


def _common(parser: argparse.ArgumentParser) -> None:
    add_root_option(parser)
    parser.add_argument("--state-dir", type=Path, help="server state: token hashes, passkeys, audit log "
                                                       "(default: .guideline-serve/ in the project)")


def run(args: argparse.Namespace) -> int:
    from guideline.web.config import ServeConfig, default_state_dir

    root = args.root if args.root else find_root(args.cwd)
    state_dir = (args.state_dir or default_state_dir(root)).absolute()
    if args.action == "enrol":
        return _enrol(root, state_dir, args.member, args.hours)
    origin = (args.origin or f"http://localhost:{args.port}").rstrip("/")
    rp_id = args.rp_id or origin.split("://", 1)[-1].split(":", 1)[0].split("/", 1)[0]
    config = ServeConfig(root, state_dir, origin=origin, rp_id=rp_id, trusted_header=args.trusted_header)
    import uvicorn

    from guideline.web.app import create_app

    print(f"guideline review app for {root} on http://{args.host}:{args.port} (browsers: {origin})")
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level="warning",
                proxy_headers=bool(args.origin and args.origin.startswith("https://")))
    return EXIT_OK


def _enrol(root: Path, state_dir: Path, member_id: str, hours: int) -> int:
    from guideline.corpus.project import load_project
    from guideline.corpus.roster import load_roster
    from guideline.web.auth import Store

    roster = load_roster(load_project(root))
    member = roster.by_id(member_id)
    if member is None or member.service:
        known = ", ".join(m.id for m in roster.members if m.id and not m.service)
        raise UsageError(f"no roster member has the id '{member_id}'", hint=f"members: {known}")
    if hours < 1:
        raise UsageError("--hours must be at least 1")
    token = Store(state_dir).issue_token(member.id, hours)
    print(f"enrolment token for {member.name} ({member.id}), valid {hours} h, usable once:\n\n  {token}\n\n"
          f"It is shown only now. The member opens /enrol in the review app and pastes it.")
    return EXIT_OK
