"""The scorecard's deduction weights (the config's ``[scorecard]`` table), apart from the
scorecard itself so that reading a config imports no store."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from crawler.errors import DuwangError


class ScorecardError(DuwangError, ValueError):
    """A weight we cannot use; the message names the key."""


@dataclass(frozen=True)
class Weights:
    """Points deducted per finding, by deduction item (the config's ``[scorecard]`` keys)."""

    home_link: float = 1.0  # 首页不可用链接, per link (commonly cited rule)
    other_link: float = 0.1  # 其他页面不可用链接, per link (commonly cited rule)
    wording_serious: float = 1.0  # 错敏词, 严重错误 (duwang's default)
    wording_general: float = 0.5  # 错敏词, 一般错误 and confirmed 疑似错误 (duwang's default)
    privacy: float = 1.0  # 隐私信息 (duwang's default)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_mapping(cls, raw: dict[str, Any]) -> Weights:
        """Weights from a table; the error names the first bad key (``scorecard.home_link``)."""
        for key, value in raw.items():
            if key not in cls.names():
                raise ScorecardError(f"{key}: unknown key (known: {', '.join(cls.names())})")
            if (isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value)
                    or value < 0):
                raise ScorecardError(f"{key}: must be a number of points, 0 or more, got {value!r}")
        return cls(**{k: float(v) for k, v in raw.items()})
