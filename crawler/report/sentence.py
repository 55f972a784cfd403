"""The ready-made sentence of the 政府信息公开工作年度报告, exact and 余-rounded.

余 rounding (README "Report counting rules"): below 10 the number is exact; from 10 to 999 it
is rounded down to its leading digit (937 -> 900余, 48 -> 40余); from 1,000 on, to its two
leading digits (1,234 -> 1200余, 25,678 -> 25000余), so no more than a tenth is dropped at
that size. A number that rounding leaves unchanged (900, 40) takes no 余, which means "more
than".
"""

from __future__ import annotations


def round_yu(n: int) -> str:
    """`n` rounded down for prose: 937 -> '900余', 48 -> '40余', 7 -> '7', 900 -> '900'."""
    if n < 0:
        raise ValueError(f"a count cannot be negative: {n}")
    if n < 10:
        return str(n)
    keep = 1 if n < 1000 else 2
    unit = 10 ** (len(str(n)) - keep)
    floor = n // unit * unit
    return str(floor) if floor == n else f"{floor}余"


def annual_sentence(wording_rectified: int, dead_links_cleared: int) -> dict[str, str]:
    """Both forms of "全年整改错敏词N个，清除错链、死链M条"."""
    return {
        "exact": f"全年整改错敏词{wording_rectified}个，清除错链、死链{dead_links_cleared}条",
        "rounded": f"全年整改错敏词{round_yu(wording_rectified)}个，"
        f"清除错链、死链{round_yu(dead_links_cleared)}条",
    }
