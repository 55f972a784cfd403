"""When an outdated name is history, not an error.

An outdated name (过时表述) is flagged because a page uses it as if the body still existed.
It is a correct mention when

1. it is the former name: 原国土资源局, 前国土资源局, 原威海市国土资源局 (``former_name``);
2. its sentence states the change (``states_change``), by one of these rules:

   ========  ===========================================  ==================================
   rule      the name ...                                 example
   ========  ===========================================  ==================================
   abolish   is listed right after 不再保留/不再设立/撤销/   不再保留文化部、国家旅游局
             撤并
   rename    is followed by 更名为/改名为/更名/改称          国家旅游局于2018年更名为…
   merge     is followed by 并入/划入/合并, or by its        将国家旅游局的职责划入…,
             职责/职能 being 整合/划入/划归/划转              国家测绘地理信息局职责并入…
   reform    is listed after 整合, and 组建 follows in the   整合国土资源局、规划局，组建…
             same sentence (the name after 组建 is new)
   ========  ===========================================  ==================================

   A rule reads only the clause around the name (up to ，。；：！？ or a line break; the
   reform rule the sentence), so a later sentence that uses the old name as current is
   still flagged: 不再保留国家旅游局。国家旅游局发布通知 flags the second one;
3. the page was published before the change (``before_change``): the entry's ``since`` date
   (``since=`` in the wordlist: when the name went out of use) is later than the page's date.
   This one holds for any entry with a date (a serious or custom term may carry one too).

The text is the normalised simplified text the matcher scans, offsets into it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from .segment import is_word
from .wordlists import Entry

if TYPE_CHECKING:
    import jieba

_HAN = r"\u4e00-\u9fff"
# A place before a local body's name: 撤销县国土资源局, 撤销威海市国土资源局. Short, and
# without the words that join a clause (由区国土资源局 负责 is no place).
_PLACE = f"(?:(?:(?![的由对在将把被后从向给为和与及])[{_HAN}]){{0,6}}[省市县区州盟旗])?"

# 原国土资源局, 前国土资源局, 原区国土资源局, 原威海市国土资源局: the former name, correctly.
# jieba can't settle 原 here (原文登区 reads as 原文/登/区), so only its left side is checked.
_FORMER = re.compile(f"(?:[原前]|原[{_HAN}]{{0,10}}[省市县区州盟旗])$")
_FORMER_LOOKBACK = 13

_CLAUSE_END = "，,。；;：:！？!?\n"
_SENTENCE_END = "。；;！？!?\n"
_LIST_SEP = "(?:、|和|及|与|以及)"
_IN_CLAUSE = f"[^{_CLAUSE_END}]"
_LOOKBACK = 60
_LOOKAHEAD = 60

# abolish/reform: the trigger, perhaps other list items, a separator, a place, then the name.
_ABOLISH_BEFORE = re.compile(
    f"(?:不再保留|不再设立|撤销|撤并)了?(?:{_IN_CLAUSE}{{0,40}}?{_LIST_SEP})?{_PLACE}$"
)
_REFORM_BEFORE = re.compile(f"整合(?:{_IN_CLAUSE}{{0,40}}?{_LIST_SEP})?{_PLACE}$")
# rename/merge: perhaps other list items, words of time and manner, then the verb.
_GAP = (
    r"(?:正式|已经|已|均|分别|被|予以|整体|全部|的|牌子|"
    r"[于在]?[0-9]{4}年(?:[0-9]{1,2}月)?(?:[0-9]{1,2}日)?|机构改革[中后时]?)*"
)
_CHANGE_AFTER = re.compile(
    f"(?:{_LIST_SEP}{_IN_CLAUSE}{{1,40}}?)?{_GAP}"
    r"(?:更名为|更名|改名为|改称|不再保留|不再设立|被撤销|予以撤销|并入|划入|合并"
    r"|(?:职责|职能)(?:和编制)?(?:全部|部分|整体)?(?:整合|划入|并入|划归|划转|划给|交由))"
)
_REFORM_AFTER = re.compile(f"[^{_SENTENCE_END}]*?组建")


def former_name(tokenizer: jieba.Tokenizer, text: str, start: int) -> bool:
    """Whether the name at ``start`` follows 原/前 standing alone, not the end of a word (太原, 目前)."""
    m = _FORMER.search(text, max(0, start - _FORMER_LOOKBACK), start)
    if not m:
        return False
    at = m.start()
    return at == 0 or not is_word(tokenizer, text[at - 1 : at + 1])


def states_change(text: str, start: int, end: int) -> bool:
    """Whether the sentence around text[start:end] states that the body was abolished, renamed,
    merged or reorganised (the rules in the module docstring)."""
    lo = max(0, start - _LOOKBACK)
    for ch in _CLAUSE_END:
        lo = max(lo, text.rfind(ch, lo, start) + 1)
    before = text[lo:start]
    if _ABOLISH_BEFORE.search(before):
        return True
    hi = min(len(text), end + _LOOKAHEAD)
    after = text[end:hi]
    cut = min((i for i in (after.find(ch) for ch in _CLAUSE_END) if i >= 0), default=len(after))
    # The verb must sit in the name's own clause: a cut clause fails to reach it.
    if _CHANGE_AFTER.match(after[:cut]):
        return True
    return bool(_REFORM_BEFORE.search(before) and _REFORM_AFTER.match(after))


def before_change(entry: Entry, published: dt.date | None) -> bool:
    """Whether a page published on ``published`` predates the change that made ``entry`` wrong."""
    return published is not None and entry.since is not None and published < entry.since
