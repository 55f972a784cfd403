"""Stable category and severity codes, mapped to the Chinese labels users see.

Filters, reports and allowlists key on the code, never on the label.
"""

from __future__ import annotations

SENSITIVE = "sensitive"
SERIOUS = "serious"
OUTDATED = "outdated"
TYPO = "typo"
ID_NUMBER = "id_number"
MOBILE = "mobile"
BANK_CARD = "bank_card"
PERSONAL_LIST = "personal_list"  # a table of names beside identity or mobile numbers
WHITELIST = "whitelist"

WORDING = "wording"
PRIVACY = "privacy"

DEFAULT_CATEGORIES = (SENSITIVE, SERIOUS, OUTDATED, TYPO)

CATEGORY_LABELS: dict[str, str] = {
    SENSITIVE: "敏感词",
    SERIOUS: "严重表述错误",
    OUTDATED: "过时表述",
    TYPO: "错别字",
    ID_NUMBER: "身份证号",
    MOBILE: "手机号码",
    BANK_CARD: "银行卡号",
    PERSONAL_LIST: "个人信息名单",
}

SEVERITY_SERIOUS = "serious"
SEVERITY_GENERAL = "general"

SEVERITY_LABELS: dict[str, str] = {
    SEVERITY_SERIOUS: "严重错误",
    SEVERITY_GENERAL: "一般错误",
}

# Custom categories are "general" (see severity_of).
SEVERITY: dict[str, str] = {
    SENSITIVE: SEVERITY_SERIOUS,
    SERIOUS: SEVERITY_SERIOUS,
    ID_NUMBER: SEVERITY_SERIOUS,
    MOBILE: SEVERITY_SERIOUS,
    BANK_CARD: SEVERITY_SERIOUS,
    PERSONAL_LIST: SEVERITY_SERIOUS,
    OUTDATED: SEVERITY_GENERAL,
    TYPO: SEVERITY_GENERAL,
}

def category_label(category: str) -> str:
    """The Chinese label of a category; a custom category is shown by its own name."""
    return CATEGORY_LABELS.get(category, category)


def severity_of(category: str) -> str:
    return SEVERITY.get(category, SEVERITY_GENERAL)
