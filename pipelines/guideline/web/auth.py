"""Who is signed in: one-time enrolment tokens (stored only as hashes, with an expiry), passkeys (WebAuthn
registration and authentication), and short-lived server-side sessions. State lives in the state directory,
never in the content repository."""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guideline.errors import UsageError
from guideline.fileio import write_atomic
from guideline.web.config import ServeConfig

TOKENS_FILE = "enrolment-tokens.json"
CREDENTIALS_FILE = "credentials.json"
MAX_SESSIONS = 5000


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Store:
    """Enrolment token hashes and registered passkeys, each kept in one JSON file replaced atomically."""

    def __init__(self, state_dir: Path, clock: Any = time.time) -> None:
        self.state_dir = state_dir
        self.clock = clock
        self._lock = threading.Lock()

    def _read(self, name: str) -> Any:
        path = self.state_dir / name
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def _write(self, name: str, data: Any) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(self.state_dir / name, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8"),
                     private=True)

    def issue_token(self, member_id: str, hours: int) -> str:
        """A new one-time token for the member; only its hash is stored, so it is shown once."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            tokens = {h: t for h, t in self._read(TOKENS_FILE).items() if t["expires"] > self.clock()}
            tokens[_hash(token)] = {"member": member_id, "expires": self.clock() + hours * 3600}
            self._write(TOKENS_FILE, tokens)
        return token

    def token_member(self, token: str) -> str | None:
        entry = self._read(TOKENS_FILE).get(_hash(token))
        return str(entry["member"]) if entry and entry["expires"] > self.clock() else None

    def use_token(self, token: str) -> str | None:
        """Consume the token: the member it was issued to, or None when unknown, used or expired."""
        with self._lock:
            tokens = self._read(TOKENS_FILE)
            entry = tokens.pop(_hash(token), None)
            if entry is None:
                return None
            self._write(TOKENS_FILE, tokens)
        return str(entry["member"]) if entry["expires"] > self.clock() else None

    def credentials(self) -> dict[str, dict[str, Any]]:
        return dict(self._read(CREDENTIALS_FILE))

    def add_credential(self, credential_id: str, member_id: str, public_key: str, sign_count: int) -> None:
        with self._lock:
            data = self._read(CREDENTIALS_FILE)
            data[credential_id] = {"member": member_id, "public_key": public_key, "sign_count": sign_count,
                                   "created": int(self.clock())}
            self._write(CREDENTIALS_FILE, data)

    def update_sign_count(self, credential_id: str, sign_count: int) -> None:
        with self._lock:
            data = self._read(CREDENTIALS_FILE)
            if credential_id in data:
                data[credential_id]["sign_count"] = sign_count
                self._write(CREDENTIALS_FILE, data)


@dataclass
class Session:
    id: str
    csrf: str
    created: float
    last_seen: float
    member: str | None = None
    credential: str | None = None
    authenticated_at: float = 0.0
    # Seconds between the previous request and this one: what re-authentication looks at.
    idle: float = 0.0
    ceremony: dict[str, Any] = field(default_factory=dict)


class Sessions:
    """Sessions in memory only: a restart signs everyone out, which a short-lived session allows."""

    def __init__(self, config: ServeConfig, clock: Any = time.time) -> None:
        self.config = config
        self.clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def new(self) -> Session:
        now = self.clock()
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now, now)
        with self._lock:
            if len(self._sessions) >= MAX_SESSIONS:
                oldest = sorted(self._sessions.values(), key=lambda s: s.last_seen)[:MAX_SESSIONS // 10]
                for old in oldest:
                    self._sessions.pop(old.id, None)
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session, touched; None when unknown, idle too long, or past its maximum age."""
        now = self.clock()
        with self._lock:
            session = self._sessions.get(session_id or "")
            if session is None:
                return None
            if now - session.last_seen > self.config.session_seconds or \
                    now - session.created > self.config.session_max_seconds:
                del self._sessions[session.id]
                return None
            session.idle = now - session.last_seen
            session.last_seen = now
            return session

    def sign_in(self, old: Session, member_id: str, credential: str | None) -> Session:
        """A fresh session id and CSRF token at sign-in, so a session planted before it is worth nothing."""
        with self._lock:
            self._sessions.pop(old.id, None)
        session = self.new()
        session.member, session.credential = member_id, credential
        session.authenticated_at = self.clock()
        return session

    def sign_out(self, session: Session) -> None:
        with self._lock:
            self._sessions.pop(session.id, None)

    def needs_reauth(self, session: Session) -> bool:
        """A decision after a few idle minutes (or long after signing in) asks for the passkey again."""
        since = self.clock() - session.authenticated_at
        return session.idle > self.config.reauth_seconds or since > self.config.session_max_seconds


# --- WebAuthn ceremonies ----------------------------------------------------------------------------------

def registration_options(config: ServeConfig, member_id: str, member_name: str,
                         existing: list[str]) -> tuple[str, bytes]:
    from webauthn import generate_registration_options, options_to_json
    from webauthn.helpers import base64url_to_bytes
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    options = generate_registration_options(
        rp_id=config.rp_id, rp_name="Guideline review", user_name=member_id, user_display_name=member_name,
        user_id=member_id.encode("utf-8"),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in existing])
    return options_to_json(options), options.challenge


def verify_registration(config: ServeConfig, credential: dict[str, Any], challenge: bytes) -> tuple[str, str, int]:
    """(credential id, public key, sign count), both base64url; raises UsageError when it does not verify."""
    from webauthn import verify_registration_response
    from webauthn.helpers import bytes_to_base64url
    from webauthn.helpers.exceptions import InvalidRegistrationResponse

    try:
        verified = verify_registration_response(credential=credential, expected_challenge=challenge,
                                                expected_rp_id=config.rp_id, expected_origin=config.origin,
                                                require_user_verification=True)
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"the passkey could not be registered: {exc}") from None
    return (bytes_to_base64url(verified.credential_id), bytes_to_base64url(verified.credential_public_key),
            verified.sign_count)


def authentication_options(config: ServeConfig) -> tuple[str, bytes]:
    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers.structs import UserVerificationRequirement

    options = generate_authentication_options(rp_id=config.rp_id,
                                              user_verification=UserVerificationRequirement.REQUIRED)
    return options_to_json(options), options.challenge


def verify_authentication(config: ServeConfig, credential: dict[str, Any], challenge: bytes,
                          stored: dict[str, Any]) -> int:
    """The new sign count; raises UsageError when the assertion does not verify."""
    from webauthn import verify_authentication_response
    from webauthn.helpers import base64url_to_bytes
    from webauthn.helpers.exceptions import InvalidAuthenticationResponse

    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=config.rp_id,
            expected_origin=config.origin, credential_public_key=base64url_to_bytes(stored["public_key"]),
            credential_current_sign_count=int(stored["sign_count"]), require_user_verification=True)
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"the passkey did not verify: {exc}") from None
    return verified.new_sign_count
