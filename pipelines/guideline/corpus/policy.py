"""Editorial policy values that checks need, read from policy.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from guideline.corpus.loader import DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class Policy:
    review_interval_days: int = 730
    evidence_max_age_years: int = 10
    max_file_bytes: int = DEFAULT_MAX_BYTES
    material_quorum: int = 2
    editorial_quorum: int = 1
    chair_required: bool = False
    require_signed_changes: bool = True
    max_strong_low_certainty_share: float = 0.1
    severity: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Any) -> Policy:
        body = data.get("policy") if isinstance(data, dict) else None
        if not isinstance(body, dict):
            return cls()
        raw_approval = body.get("approval")
        approval: dict[str, Any] = raw_approval if isinstance(raw_approval, dict) else {}
        defaults = cls()
        return cls(
            review_interval_days=_whole(body, "review_interval_days", defaults.review_interval_days),
            evidence_max_age_years=_whole(body, "evidence_max_age_years", defaults.evidence_max_age_years),
            max_file_bytes=_whole(body, "max_file_bytes", defaults.max_file_bytes),
            material_quorum=_whole(approval, "material_quorum", defaults.material_quorum),
            editorial_quorum=_whole(approval, "editorial_quorum", defaults.editorial_quorum),
            chair_required=approval.get("chair_required") is True,
            require_signed_changes=approval.get("require_signed_changes") is not False,
            max_strong_low_certainty_share=_number(body, "max_strong_low_certainty_share",
                                                   defaults.max_strong_low_certainty_share),
            severity={str(k): str(v) for k, v in (body.get("severity") or {}).items()},
        )


def _whole(source: dict[str, Any], name: str, default: int) -> int:
    value = source.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _number(source: dict[str, Any], name: str, default: float) -> float:
    value = source.get(name)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default
