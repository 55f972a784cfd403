"""Personal data in published text: resident identity numbers (GB 11643-1999), mobile
numbers and bank card numbers, each with a validator and a masked form."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator

from .normalize import LONG, code_points

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
# Boundaries are checked in find_ids: a lookbehind here halves the scan speed.
ID_RE = re.compile(r"[0-9]{17}[0-9Xx]")


def check_char(first17: str) -> str:
    return _CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_valid_id(number: str, today: dt.date | None = None) -> bool:
    """True for an 18-character number with a valid check char and a real birth date."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    if check_char(number[:17]) != number[17].upper():
        return False
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return born.year >= 1900 and born <= (today or dt.date.today())


def _runs(text: str, least: int, separators: str = "") -> list[tuple[int, int]]:
    """Spans of ``text`` holding every run of at least ``least`` ASCII digits (and
    ``separators``): where a pattern made of them can match. A long text of Chinese prose has
    few; ID_RE and _CARD_RUN, which begin with a class, not a literal, scan each character
    at some 15 ns, numpy at under 2."""
    if len(text) < LONG:
        return [(0, len(text))]
    import numpy as np  # the crawl process imports this module, not numpy

    codes = code_points(text)
    inside = np.zeros(codes.size + 2, dtype=np.int8)
    digits = (codes - np.uint32(ord("0"))) < 10
    for ch in separators:
        digits |= codes == ord(ch)
    inside[1:-1] = digits
    edges = np.flatnonzero(np.diff(inside))  # where each run starts, then where it ends
    starts, ends = edges[0::2], edges[1::2]
    long = ends - starts >= least
    return list(zip(starts[long].tolist(), ends[long].tolist(), strict=True))


def find_ids(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, number) of each valid identity number in ``text``."""
    for m in (m for lo, hi in _runs(text, 17) for m in ID_RE.finditer(text, lo, hi + 1)):
        start, end = m.span()
        embedded = (start and text[start - 1].isdigit()) or text[end : end + 1].isdigit()
        if not embedded and is_valid_id(m.group()):
            yield m.start(), m.end(), m.group()


def mask_id(number: str) -> str:
    """Keep the area code and the last 4: 360426********0071."""
    return number[:6] + "*" * 8 + number[14:]


# Mobile numbers: 1[3-9] and 9 more digits, not inside a longer number (+86 allowed).
MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
# Bank cards: 16-19 digits, or groups of 4 split by one space or hyphen.
CARD_RE = re.compile(r"[0-9]{16,19}|[0-9]{4}(?:[ -][0-9]{4}){3}(?:[ -]?[0-9]{1,3})?")
# Every card number lies in such a run: found 5x faster than CARD_RE tries each position.
_CARD_RUN = re.compile(r"[0-9][0-9 -]{15,}")
# A number after these is published to be called (联系电话 in a footer, a 联系人 on a notice).
_PUBLIC_PHONE = re.compile(
    r"(联系|咨询|办公|服务|举报|投诉|监督|值班|报名|受理)电话|热线|联系方式|联系人|传真|电话[:：]"
)
_CARD_WORDS = re.compile(r"卡号|银行卡|储蓄卡|信用卡|借记卡|账号|帐号")
# An institution's account for payments is published on purpose: not personal data.
_INSTITUTION_ACCOUNT = re.compile(r"收款|对公|单位|财政|缴款|汇款|开户名称|户名")
_LOOK_BACK = 12  # characters before a number searched for a keyword


def _inside_number(text: str, start: int, end: int) -> bool:
    return (start > 0 and text[start - 1].isdigit()) or (end < len(text) and text[end].isdigit())


def _before(text: str, start: int, width: int = _LOOK_BACK) -> str:
    return text[max(0, start - width) : start]


def find_mobiles(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, number) of each private mobile number: not a published contact number."""
    for m in MOBILE_RE.finditer(text):
        start, end = m.span()
        country_code = text[max(0, start - 3) : start] in ("+86", "086")
        if (start > 0 and text[start - 1].isdigit() and not country_code) or text[end : end + 1].isdigit():
            continue
        if _PUBLIC_PHONE.search(_before(text, start)):
            continue
        yield start, end, m.group()


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def find_cards(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, digits) of each bank card number: Luhn-valid, with a card word just
    before it, not an institution's published account, not an identity number."""
    runs = (run for lo, hi in _runs(text, 16, " -") for run in _CARD_RUN.finditer(text, lo, hi))
    for m in (c for run in runs for c in CARD_RE.finditer(text, *run.span())):
        start, end = m.span()
        if _inside_number(text, start, end):
            continue
        digits = re.sub(r"[ -]", "", m.group())
        if not 16 <= len(digits) <= 19 or not luhn_ok(digits) or is_valid_id(digits):
            continue
        before = _before(text, start, 16)
        if _CARD_WORDS.search(before) and not _INSTITUTION_ACCOUNT.search(before):
            yield start, end, digits


def mask_mobile(number: str) -> str:
    """138****5678."""
    return number[:3] + "****" + number[7:]


def mask_card(text: str) -> str:
    """The first 6 and last 4 digits kept, separators too: 622202******1234."""
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    hidden = set(positions[6:-4])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(text))


def mask_ids(text: str) -> str:
    """``text`` with every ID-shaped number masked, valid or not."""
    return ID_RE.sub(lambda m: mask_id(m.group()), text)


def mask_personal(text: str) -> str:
    """``text`` with every number shaped like personal data masked, valid or not (for
    contexts and snapshots): identity numbers, mobile numbers and card-length numbers.
    Lengths are kept."""
    text = mask_ids(text)
    text = CARD_RE.sub(lambda m: mask_card(m.group()), text)
    return MOBILE_RE.sub(
        lambda m: m.group() if _inside_number(m.string, *m.span()) else mask_mobile(m.group()), text
    )


def id_digest(number: str) -> str:
    return hashlib.sha256(number.upper().encode()).hexdigest()
