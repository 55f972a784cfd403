"""The self-check scorecard (指标自检): each veto item's state, and the deductions duwang can measure.

《政府网站与政务新媒体检查指标》 (国办秘函〔2019〕19号) fails a site outright on any veto item
(单项否决); otherwise it deducts points from 100, and a site under 60 fails. The scorecard
reads the store only (no network, no Scrapy), for `duwang report scorecard`, the review UI's
/scorecard page, the monthly report and the webhook summary:

- veto items: the column, empty-column, home-page and backdating counts of the last complete
  crawl (crawler.inspection.vetoes), availability from `duwang watch`'s probes
  (crawler.store.availability), and 严重表述错误 / 敏感内容 (a serious wording error is a
  security incident, itself a veto item);
- deductions: unusable links (不可用链接) on the home page and on other pages, 错敏词 by
  severity and personal data (隐私信息), each count times a weight from the config's
  ``[scorecard]`` table. The rules fix no weights; the defaults for links are the commonly
  cited older rule (−1 a home-page link, −0.1 another), the others are duwang's.

The score covers only what duwang measures: it is an upper bound of the inspection's.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlite_utils import Database

from crawler.inspection.policy import HOME_WARN_AT, HOME_WINDOW
from crawler.inspection.vetoes import FAILING, OK, WARNING, VetoItem, veto_items
from crawler.inspection.weights import Weights
from crawler.store import availability as av
from crawler.store.db import now
from crawler.textcheck.codes import category_label

NO_DATA = "no_data"  # the item cannot be judged yet: no complete crawl, or too few probes
STATES = (OK, WARNING, FAILING, NO_DATA)
STATE_LABELS = {OK: "正常", WARNING: "预警", FAILING: "不合格", NO_DATA: "数据不足"}
VERDICT_LABELS = {OK: "合格", WARNING: "预警", FAILING: "不合格", NO_DATA: "数据不足"}
_RANK = {OK: 0, NO_DATA: 0, WARNING: 1, FAILING: 2}
FULL_MARKS, PASS_MARK = 100.0, 60.0
SETTING = "scorecard_weights"  # settings row: the weights of the config the last crawl ran with
SHOWN_IDS = 20  # finding ids a line of text shows; the JSON and the UI have them all


def save_weights(db: Database, weights: Weights) -> None:
    """Keep the config's weights in the database, for the review UI and the reports."""
    db.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
               "value = excluded.value", [SETTING, json.dumps(asdict(weights))])


def stored_weights(db: Database) -> Weights:
    """The weights the last `crawl --config` saved, else the defaults."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [SETTING]).fetchone()
    if row is None:
        return Weights()
    try:
        return Weights.from_mapping(json.loads(row[0]))
    except (ValueError, TypeError, AttributeError):
        return Weights()  # written by another version: the defaults, not a broken page


@dataclass
class Veto:
    code: str  # stale_columns | long_stale_columns | empty_columns | stale_home | backdated |
    #            availability | serious_wording
    label: str
    state: str  # ok | warning | failing | no_data
    figures: str  # the figures behind the state, in Chinese
    count: int  # over the line (columns, findings; availability: failed and slow probes)
    line: int  # the count that fails the site (availability: the share, in percent)
    rule: str
    finding_ids: list[int] = field(default_factory=list)
    warnings: int = 0  # near the line (columns and home page due)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass
class Deduction:
    code: str  # home_links | other_links | wording_serious | wording_general | privacy
    label: str
    count: int
    weight: float  # points per finding
    rule: str
    kind: str  # the findings' kind, for the review list's filter
    filters: dict[str, str] = field(default_factory=dict)  # the review list's other filters
    finding_ids: list[int] = field(default_factory=list)

    @property
    def points(self) -> float:
        return round(self.count * self.weight, 2)


@dataclass
class Scorecard:
    site: str
    generated_at: str
    last_complete: str | None  # finished_at of the site's last complete crawl
    vetoes: list[Veto]
    deductions: list[Deduction]
    weights: Weights
    unconfirmed_suspects: int = 0  # open 疑似错误 not yet confirmed: not deducted

    @property
    def deducted(self) -> float:
        return round(sum(d.points for d in self.deductions), 2)

    @property
    def score(self) -> float:
        return round(max(0.0, FULL_MARKS - self.deducted), 2)

    @property
    def verdict(self) -> str:
        """failing: a veto item failing, or a score under 60; warning: a veto item near its
        line; no_data: nothing could be judged; else ok."""
        if any(v.state == FAILING for v in self.vetoes) or self.score < PASS_MARK:
            return FAILING
        if any(v.state == WARNING for v in self.vetoes):
            return WARNING
        if all(v.state == NO_DATA for v in self.vetoes):
            return NO_DATA
        return OK

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    def failing(self) -> list[Veto]:
        return [v for v in self.vetoes if v.state == FAILING]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: `duwang report scorecard --json`, the monthly report, the webhook."""
        return {
            "site": self.site, "generated_at": self.generated_at, "last_complete": self.last_complete,
            "verdict": self.verdict, "verdict_label": self.verdict_label,
            "score": self.score, "deducted": self.deducted, "pass_mark": PASS_MARK,
            "vetoes": [{"code": v.code, "label": v.label, "state": v.state, "state_label": v.state_label,
                        "figures": v.figures, "count": v.count, "line": v.line, "warnings": v.warnings,
                        "rule": v.rule, "findings": v.finding_ids} for v in self.vetoes],
            "deductions": [{"code": d.code, "label": d.label, "count": d.count, "weight": d.weight,
                            "points": d.points, "rule": d.rule, "findings": d.finding_ids}
                           for d in self.deductions],
            "weights": asdict(self.weights),
            "unconfirmed_suspects": self.unconfirmed_suspects,
        }


_COLUMN_RULE = "检查指标：栏目不更新（单项否决）"


def _column_veto(item: VetoItem, rule: str) -> Veto:
    figures = f"{item.count} 个（否决线 {item.line} 个）"
    if item.warnings:
        figures += f"，临近更新期限 {item.warnings} 个"
    return Veto(item.code, item.label, item.state, figures, item.count, item.line, rule,
                item.finding_ids, item.warnings)


def _home_veto(item: VetoItem) -> Veto:
    lines = f"（预警 {HOME_WARN_AT} 天，否决线 {HOME_WINDOW} 天）"
    if not item.figures:
        figures = f"未发现首页超过 {HOME_WARN_AT} 天未更新{lines}"
    else:
        d = item.figures[0]
        figures = f"首页最近一条信息发布于 {d.get('latest', '—')}，已 {d.get('age_days', '—')} 天{lines}"
    return Veto(item.code, item.label, item.state, figures, item.count, item.line,
                "检查指标：首页2周未更新（单项否决）", item.finding_ids, item.warnings)


def _availability_veto(site: av.SiteAvailability, rule: av.Rule) -> Veto:
    """The figures of the URL that decides the site's state (the first of the worst), in the
    words `duwang watch` uses for its findings."""
    state = {av.STATE_OK: OK, av.STATE_WARNING: WARNING, av.STATE_FAILING: FAILING}.get(site.state, NO_DATA)
    worst = next((f for f in site.urls if f.state == site.state), None)
    if worst is None:
        figures = (f"近 {rule.window_days} 天没有访问记录：用 duwang watch 监测首页"
                   f"（预警线 {rule.warn:.0%}，否决线 {rule.veto:.0%}）")
    else:
        figures = worst.sentence() + (f"（{worst.url}）" if len(site.urls) > 1 else "")
    return Veto("availability", "网站无法访问", state, figures, site.failed + site.slow,
                round(rule.veto * 100), "检查指标：网站无法访问（单项否决）", list(site.findings))


def _serious_wording_veto(rows: list[tuple[int, str]]) -> Veto:
    """`rows`: (id, category) of the site's open 错敏词 of severity 严重错误."""
    by_category: dict[str, int] = {}
    for _, category in rows:
        by_category[category] = by_category.get(category, 0) + 1
    parts = "、".join(f"{category_label(c)} {n} 个" for c, n in sorted(by_category.items()))
    figures = f"严重错误 {len(rows)} 个（{parts}），待人工核实" if rows else "未发现严重错误"
    return Veto("serious_wording", "严重表述错误、违法有害内容", FAILING if rows else OK, figures,
                len(rows), 1, "检查指标：安全、保密事故（严重表述错误，发布违法有害信息）（单项否决）",
                [r[0] for r in rows])


def _ids(db: Database, sql: str, params: list) -> list[int]:
    return [r[0] for r in db.execute(sql, params).fetchall()]


def _deductions(db: Database, site: str, w: Weights, serious: list[int]) -> list[Deduction]:
    home_sql = ("SELECT DISTINCT f.id FROM findings f JOIN occurrences o ON o.finding_id = f.id "
                "AND o.last_run = f.last_run AND o.is_home = 1 WHERE f.site = ? AND f.kind = 'dead_link' "
                "AND f.status = 'open' ORDER BY f.id")
    home = _ids(db, home_sql, [site])
    links = _ids(db, "SELECT id FROM findings WHERE site = ? AND kind = 'dead_link' AND status = 'open' "
                 "ORDER BY id", [site])
    homes = set(home)
    other = [i for i in links if i not in homes]
    general = _ids(db, "SELECT id FROM findings WHERE site = ? AND kind = 'wording' AND status = 'open' "
                   "AND (severity = 'general' OR (severity = 'suspect' AND confirmed_at IS NOT NULL)) "
                   "ORDER BY id", [site])
    privacy = _ids(db, "SELECT id FROM findings WHERE site = ? AND kind = 'privacy' AND status = 'open' "
                   "ORDER BY id", [site])
    link_rule = "检查指标：不可用链接（首页链接扣分重于其他页面；分值以常见旧规为默认，可配置）"
    own = "检查指标未规定分值，duwang 默认，可配置"
    return [
        Deduction("home_links", "首页不可用链接", len(home), w.home_link, link_rule, "dead_link",
                  {"home": "1"}, home),
        Deduction("other_links", "其他页面不可用链接", len(other), w.other_link, link_rule, "dead_link",
                  {}, other),
        Deduction("wording_serious", "错敏词（严重错误）", len(serious), w.wording_serious, own, "wording",
                  {"severity": "serious"}, serious),
        Deduction("wording_general", "错敏词（一般错误）", len(general), w.wording_general, own, "wording",
                  {"severity": "general"}, general),
        Deduction("privacy", "隐私信息", len(privacy), w.privacy, own, "privacy", {}, privacy),
    ]


def sites_of(db: Database) -> list[str]:
    """Every site the store knows: crawled, with findings, or watched."""
    return sorted({r[0] for r in db.execute(
        "SELECT site FROM runs WHERE site IS NOT NULL UNION SELECT site FROM findings "
        "WHERE site IS NOT NULL UNION SELECT site FROM probes").fetchall()})


def build_scorecard(db: Database, site: str, weights: Weights | None = None) -> Scorecard:
    """The scorecard of `site` from what the store holds now."""
    weights = weights or stored_weights(db)
    row = db.execute("SELECT max(finished_at) FROM runs WHERE site = ? AND status = 'complete'",
                     [site]).fetchone()
    last_complete = row[0] if row else None
    vetoes = []
    for item in veto_items(db, site):
        if item.code == "stale_home":
            veto = _home_veto(item)
        elif item.code == "backdated":
            veto = Veto(item.code, item.label, item.state, f"{item.count} 条", item.count, item.line,
                        "检查指标：伪造发稿日期（单项否决）", item.finding_ids)
        elif item.code == "long_stale_columns":
            veto = _column_veto(item, "检查指标：应更新栏目长期未更新（单项否决）")
        elif item.code == "empty_columns":
            veto = _column_veto(item, "检查指标：空白栏目（单项否决）")
        else:
            veto = _column_veto(item, _COLUMN_RULE)
        if last_complete is None:
            veto.state, veto.figures = NO_DATA, "尚无完整巡检"
        vetoes.append(veto)
    rule = av.stored_rule(db)
    vetoes.append(_availability_veto(av.availability(db, site, rule=rule)[site], rule))
    serious = db.execute(
        "SELECT id, category FROM findings WHERE site = ? AND kind = 'wording' AND status = 'open' "
        "AND severity = 'serious' ORDER BY id", [site]).fetchall()
    wording = _serious_wording_veto(serious)
    if last_complete is None and not wording.finding_ids:
        wording.state, wording.figures = NO_DATA, "尚无完整巡检"
    vetoes.append(wording)
    suspects = db.execute("SELECT count(*) FROM findings WHERE site = ? AND kind = 'wording' "
                          "AND severity = 'suspect' AND confirmed_at IS NULL AND status = 'open'",
                          [site]).fetchone()[0]
    deductions = _deductions(db, site, weights, [r[0] for r in serious])
    return Scorecard(site, now(), last_complete, vetoes, deductions, weights, suspects)


def build_scorecards(db: Database, site: str | None = None,
                     weights: Weights | None = None) -> list[Scorecard]:
    """One scorecard per site (or only `site`), in name order."""
    names = [site] if site is not None else sites_of(db)
    return [build_scorecard(db, name, weights) for name in names]
