"""A review database at province size, written with bulk SQL inserts (no crawl): sites with
departments (责任单位) and columns (栏目), their runs and pages, findings of every kind, their
occurrences, status events, 整改反馈 and rechecks.

    python benchmarks/gen_review_db.py /tmp/review.db --findings 200000 --occurrences 2000000

The shape is what a province's nightly crawls leave: most findings are on a handful of pages,
a few hundred (a footer typo, a dead link in the navigation) are on more than half of their
site's pages (template findings, 公共区域), about a third are rectified or closed, and a few
hundred wait for the web office (待复核) or came back (被退回). The schema is made by the
checkout's own `open_db` before the rows go in (its migrations then run on the rows the next
time the database is opened), so the same generator serves the old code and the new.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

TZ = timezone(timedelta(hours=8))
DEPARTMENTS = [
    "区政府办公室",
    "区发展和改革局",
    "区教育局",
    "区公安分局",
    "区民政局",
    "区司法局",
    "区财政局",
    "区人力资源和社会保障局",
    "区自然资源局",
    "区生态环境局",
    "区住房和城乡建设局",
    "区交通运输局",
    "区农业农村局",
    "区商务局",
    "区文化和旅游局",
    "区卫生健康局",
    "区应急管理局",
    "区市场监督管理局",
    "区医疗保障局",
    "区融媒体中心",
]
COLUMNS = ["工作动态", "通知公告", "政策文件", "政策解读", "办事服务", "人事信息", "规划计划", "统计数据"]
WORDS = [
    ("再接再励", "再接再厉", "typo", "general"),
    ("迫不急待", "迫不及待", "typo", "general"),
    ("一愁莫展", "一筹莫展", "typo", "general"),
    ("国土资源局", "自然资源局", "outdated", "general"),
    ("环境保护局", "生态环境局", "outdated", "general"),
    ("非盈利", "非营利", "typo", "general"),
    ("中华人民共合国", "中华人民共和国", "serious", "serious"),
    ("秸杆", "秸秆", "typo", "suspect"),
]
PRIVACY = [
    ("id_number", "3604**********0071"),
    ("mobile", "138****5678"),
    ("bank_card", "6222 **** **** 0123"),
    ("personal_list", "姓名、身份证号名单（12 行）"),
]
LINK_ERRORS = [
    ("http_4xx", 404, "HTTP 404"),
    ("http_5xx", 500, "HTTP 500"),
    ("dns", None, "DNS lookup failed"),
    ("timeout", None, "timed out"),
    ("soft_404", 200, "soft 404"),
    ("blocked_address", None, "duwang: address refused: 169.254.169.254 is link-local"),
]
UNVERIFIED = [
    ("blocked", 403, "HTTP 403"),
    ("rate_limited", 429, "HTTP 429"),
    ("too_large", 200, "too large"),
]
INSPECTION = [
    ("stale_column", "stale"),
    ("empty_column", "empty_column"),
    ("stale_home", "stale"),
    ("backdated", "backdated"),
    ("page_standard", "missing_tag"),
]
TITLE_WORDS = [
    "关于",
    "开展",
    "做好",
    "年度",
    "工作",
    "通知",
    "公告",
    "实施",
    "方案",
    "意见",
    "会议",
    "召开",
    "推进",
    "建设",
    "服务",
    "管理",
    "办法",
    "公示",
    "名单",
    "结果",
    "专项",
    "检查",
    "整治",
    "活动",
]


def _ts(day: datetime) -> str:
    return day.isoformat(timespec="seconds")



def _link(row: dict, kind: str, verdict: tuple, target: str, severity: str, key: str) -> None:
    """A link finding's fields: (category, HTTP status, error) and its target."""
    cat, code, error = verdict
    row.update(kind=kind, category=cat, http_status=code, error=error, target=target,
               link=target.split("://", 1)[1], severity=severity, key=key)

def generate(
    path: Path,
    *,
    findings: int = 200_000,
    occurrences: int = 2_000_000,
    sites: int = 20,
    pages_per_site: int = 5_000,
    seed: int = 14,
    quiet: bool = False,
) -> dict:
    """Write the database at `path` (made fresh); return what was written."""
    sys.path.insert(0, os.environ.get("DUWANG_CODE") or str(REPO))  # the checkout whose schema to make
    from crawler.store import open_db

    started = time.monotonic()
    rng = random.Random(seed)
    path = Path(path)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    open_db(path).close()  # the schema, by the checkout's own migrations
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    now = datetime(2026, 11, 30, 2, 0, tzinfo=TZ)
    run_days = [now - timedelta(days=d) for d in (2, 1, 0)]
    site_names = [f"www.q{n:02d}.gov.cn" for n in range(sites)]
    site_pages: dict[str, list[tuple[str, int]]] = {}
    runs: dict[str, list[int]] = {}
    run_id = 0
    for s, name in enumerate(site_names):
        root = f"http://{name}/"
        depts = {f"{name}/bm{j:02d}/": DEPARTMENTS[(s + j) % len(DEPARTMENTS)] for j in range(10)}
        cols = {f"{name}/bm{j:02d}/lm{k}/": COLUMNS[k] for j in range(10) for k in range(len(COLUMNS))}
        conn.execute(
            "INSERT INTO sites (name, start_urls, columns, departments, wordlists, updated_at, aliases, "
            "template_owner) VALUES (?,?,?,?,?,?,?,?)",
            [
                name,
                json.dumps([root]),
                json.dumps(cols, ensure_ascii=False),
                json.dumps(depts, ensure_ascii=False),
                "[]",
                _ts(now),
                "[]",
                "网站管理单位",
            ],
        )
        ids = []
        for day in run_days:
            run_id += 1
            ids.append(run_id)
            conn.execute(
                "INSERT INTO runs (id, site, started_at, finished_at, status, reason, start_urls, pid, "
                "pages, links, new_findings, stats, unverified) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    run_id,
                    name,
                    _ts(day),
                    _ts(day + timedelta(minutes=40)),
                    "complete",
                    "finished",
                    json.dumps([root]),
                    1,
                    pages_per_site,
                    pages_per_site * 20,
                    0,
                    "{}",
                    0,
                ],
            )
        runs[name] = ids
        pages = [(root, 1)]
        block = max(1, (pages_per_site - 1) // 10)  # each department's pages, column by column
        for n in range(pages_per_site - 1):
            j = min(9, n // block)
            k = min(len(COLUMNS) - 1, (n - j * block) * len(COLUMNS) // block)
            pages.append((f"{root}bm{j:02d}/lm{k}/{n:05d}.html", 0))
        site_pages[name] = pages
        conn.executemany(
            "INSERT INTO pages (url, site, final_url, status, title, content_type, encoding, depth, is_home, "
            "first_seen, last_seen, last_run, read_full, checked_run, gone_runs) "
            "VALUES (?,?,?,200,?,'text/html','utf-8',?,?,?,?,?,1,?,0)",
            (
                (
                    url,
                    name,
                    url,
                    _title(rng, url, home),
                    0 if home else 2,
                    home,
                    _ts(run_days[0]),
                    _ts(now),
                    ids[-1],
                    ids[-1],
                )
                for url, home in pages
            ),
        )

    # How many pages each finding is on: a few template findings on more than half of their
    # site, the rest a long tail (1, 2, 3 ... pages), scaled to the occurrences asked for.
    templates = max(1, findings // 1000)
    per_template = min(pages_per_site, max(pages_per_site // 2 + 100, 1))
    rest = max(findings - templates, 1)
    budget = max(occurrences - templates * per_template, rest)
    mean = budget / rest
    counts = [per_template] * templates + [
        min(pages_per_site // 3, 1 + int(rng.expovariate(1 / max(mean - 1, 0.01)))) for _ in range(rest)
    ]
    scale = budget / max(sum(counts[templates:]), 1)
    counts[templates:] = [max(1, round(c * scale)) for c in counts[templates:]]
    for i in range(templates, templates + max(0, budget - sum(counts[templates:]))):
        counts[i % len(counts) or templates] += 1  # rounding left a few short
    rng.shuffle(counts)

    finding_rows, occ_rows, events, feedback, rechecks = [], 0, [], [], []
    occ_sql = (
        "INSERT INTO occurrences (finding_id, page_url, element, attr, anchor, is_home, first_seen, "
        "last_seen, last_run) VALUES (?,?,?,?,?,?,?,?,?)"
    )
    batch: list[tuple] = []
    for fid in range(1, findings + 1):
        site = site_names[fid % sites]
        ids = runs[site]
        kind_roll = rng.random()
        status_roll = rng.random()
        status = (
            "open"
            if status_roll < 0.62
            else "rectified"
            if status_roll < 0.9
            else "false_positive"
            if status_roll < 0.95
            else "ignored"
        )
        last_run = ids[-1] if status in ("open", "false_positive", "ignored") else ids[rng.randrange(2)]
        if status == "open" and rng.random() < 0.03:
            last_run = ids[-2]  # not seen last night: 本次未核实
        first_run = ids[0] if rng.random() < 0.7 else last_run
        first_seen = run_days[ids.index(first_run)] + timedelta(minutes=rng.randrange(40))
        last_seen = run_days[ids.index(last_run)] + timedelta(minutes=rng.randrange(40))
        row = {
            "id": fid,
            "site": site,
            "status": status,
            "first_run": first_run,
            "last_run": last_run,
            "first_seen": _ts(first_seen),
            "last_seen": _ts(last_seen),
            "status_changed_at": None if status == "open" else _ts(last_seen + timedelta(hours=6)),
            "status_by": None if status == "open" else "网办王",
        }
        element, anchor = "body", None
        if kind_roll < 0.35 or kind_roll >= 0.99:
            cat, code, error = rng.choice(LINK_ERRORS)
            target = (
                f"http://{site}/files/{fid:06d}.pdf"
                if rng.random() < 0.6
                else f"http://ext{fid % 997}.example.cn/p/{fid}"
            )
            _link(row, "dead_link", (cat, code, error), target, "general", f"link:{site}|{fid}")
            element, anchor = (
                "a",
                rng.choice(["附件", "点击下载", "更多", "原文链接", _title(rng, "", 0)[:8]]),
            )
        elif kind_roll < 0.45:
            cat, code, error = rng.choice(UNVERIFIED)
            target = f"http://ext{fid % 499}.example.com/{fid}"
            _link(row, "unverified_link", (cat, code, error), target, "suspect", f"link:{site}|{fid}")
            element, anchor = "a", "相关链接"
        elif kind_roll < 0.87:
            text, suggestion, cat, severity = rng.choice(WORDS)
            context = f"{_title(rng, '', 0)}，{text}，{_title(rng, '', 0)}"
            row.update(
                kind="wording",
                category=cat,
                text=text,
                suggestion=suggestion,
                context=context,
                severity=severity,
                key=f"text:{site}|{fid}",
            )
        elif kind_roll < 0.97:
            cat, text = rng.choice(PRIVACY)
            row.update(
                kind="privacy",
                category=cat,
                text=text,
                context=f"联系人：张某，{text}，地址：某街道",
                severity="serious",
                key=f"text:{site}|{fid}",
            )
        else:
            kind, cat = rng.choice(INSPECTION)
            row.update(
                kind=kind,
                category=cat,
                text=f"{rng.choice(COLUMNS)}",
                context="最近更新 2024-01-02",
                severity="serious",
                key=f"{kind}:{site}|{fid}",
                detail=json.dumps({"days": 40}),
            )
            element = kind
        finding_rows.append(row)
        pages = site_pages[site]
        n = counts[fid - 1]
        if n >= len(pages) // 2:
            chosen = rng.sample(range(len(pages)), n) if n < len(pages) else range(len(pages))
            chosen = sorted(set(chosen) | {0})
        else:
            start = rng.randrange(len(pages))
            step = 1 if rng.random() < 0.8 else rng.choice((7, 13, 499))  # mostly one column's pages
            chosen = sorted({(start + i * step) % len(pages) for i in range(n)})
            if rng.random() < 0.05:
                chosen = [0, *chosen[1:]] if chosen[0] != 0 else chosen
        for p in chosen:
            url, home = pages[p]
            batch.append(
                (
                    fid,
                    url,
                    element,
                    "href" if anchor else None,
                    anchor,
                    home,
                    row["first_seen"],
                    row["last_seen"],
                    last_run,
                )
            )
        occ_rows += len(chosen)
        if len(batch) >= 50_000:
            conn.executemany(occ_sql, batch)
            batch.clear()
        if status != "open":
            events.append((fid, row["status_changed_at"], "网办王", "open", status, "已处理", None, None))
        elif rng.random() < 0.004:
            feedback.append(
                (
                    fid,
                    _ts(now + timedelta(hours=1)),
                    "部门李",
                    DEPARTMENTS[fid % 20],
                    "已整改",
                    "pending",
                    None,
                    None,
                    None,
                )
            )
        elif rng.random() < 0.002:
            feedback.append(
                (
                    fid,
                    _ts(now - timedelta(hours=30)),
                    "部门李",
                    DEPARTMENTS[fid % 20],
                    "已整改",
                    "rejected",
                    _ts(now - timedelta(hours=20)),
                    "网办王",
                    "仍未整改",
                )
            )
        if rng.random() < 0.01:
            rechecks.append(
                (
                    fid,
                    _ts(now + timedelta(hours=2)),
                    "网办王",
                    status,
                    rng.choice(("gone", "still_there", "unreachable")),
                    "[]",
                )
            )
    conn.executemany(occ_sql, batch)
    cols = [
        "id",
        "key",
        "site",
        "kind",
        "category",
        "link",
        "target",
        "http_status",
        "error",
        "text",
        "suggestion",
        "context",
        "severity",
        "status",
        "status_changed_at",
        "status_by",
        "first_seen",
        "last_seen",
        "first_run",
        "last_run",
        "detail",
    ]
    conn.executemany(
        f"INSERT INTO findings ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        ([r.get(c) for c in cols] for r in finding_rows),
    )
    conn.executemany(
        "INSERT INTO events (finding_id, at, actor, from_status, to_status, note, run_id, evidence) "
        "VALUES (?,?,?,?,?,?,?,?)",
        events,
    )
    conn.executemany(
        "INSERT INTO feedback (finding_id, at, actor, department, note, state, decided_at, "
        "decided_by, reason) VALUES (?,?,?,?,?,?,?,?,?)",
        feedback,
    )
    conn.executemany(
        "INSERT INTO rechecks (finding_id, at, actor, status, result, detail) VALUES (?,?,?,?,?,?)", rechecks
    )
    conn.execute("COMMIT")
    derived = 0.0
    try:  # what the end of each run writes beside the occurrences (schema m018 on)
        from crawler.store import scope
    except ImportError:
        scope = None
    if scope is not None:
        from sqlite_utils import Database

        begun = time.monotonic()
        conn.execute("BEGIN")
        scope.rebuild(Database(conn))
        conn.execute("COMMIT")
        derived = round(time.monotonic() - begun, 1)
    conn.execute("ANALYZE")
    conn.close()
    out = {
        "findings": findings,
        "occurrences": occ_rows,
        "pages": sites * pages_per_site,
        "sites": sites,
        "events": len(events),
        "feedback": len(feedback),
        "rechecks": len(rechecks),
        "seconds": round(time.monotonic() - started, 1),
        "derived_seconds": derived,
        "bytes": path.stat().st_size,
    }
    if not quiet:
        print(json.dumps(out), flush=True)
    return out


def _title(rng: random.Random, url: str, home: int) -> str:
    if home:
        return "区人民政府门户网站"
    return "".join(rng.choice(TITLE_WORDS) for _ in range(rng.randrange(4, 9)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("db", type=Path)
    ap.add_argument("--findings", type=int, default=200_000)
    ap.add_argument("--occurrences", type=int, default=2_000_000)
    ap.add_argument("--sites", type=int, default=20)
    ap.add_argument("--pages", type=int, default=5_000, help="pages per site (default 5000)")
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args(argv)
    generate(
        args.db,
        findings=args.findings,
        occurrences=args.occurrences,
        sites=args.sites,
        pages_per_site=args.pages,
        seed=args.seed,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
