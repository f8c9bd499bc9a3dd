"""Record values as the JSON reporters write them."""

from __future__ import annotations

import math
from typing import Any


def json_value(value: Any) -> Any:
    """Record data as JSON-safe values (YAML allows .inf and .nan; JSON does not)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_value(v) for v in value]
    return value
