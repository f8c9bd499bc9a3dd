"""What a running review app is configured with: one value passed to every layer, no globals."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STATE_DIR = ".guideline-serve"


@dataclass(frozen=True)
class ServeConfig:
    root: Path
    state_dir: Path
    # The origin browsers see (scheme, host, port): WebAuthn binds passkeys to it and CSRF checks compare with it.
    origin: str = "http://localhost:8000"
    rp_id: str = "localhost"
    signing_key: Path | None = None
    # Off by default: a header that names the roster id, trusted only behind an SSO proxy that sets it.
    trusted_header: str | None = None
    session_seconds: int = 30 * 60
    session_max_seconds: int = 8 * 3600
    reauth_seconds: int = 5 * 60
    token_hours: int = 72

    @property
    def secure(self) -> bool:
        return self.origin.startswith("https://")


def default_state_dir(root: Path) -> Path:
    return root / STATE_DIR
