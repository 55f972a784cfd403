"""The JSON report: the same numbers for other tools (UTF-8, Chinese kept as is)."""

from __future__ import annotations

import json
from typing import Any


def render_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"
