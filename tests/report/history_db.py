"""A database with a known history, written row by row through the real schema.

All times are local (+08:00). Runs (started → finished, findings carry the finish time):

    R1 09-30 22:00 → 23:00  complete    100 pages
    R2 10-15 22:00 → 23:00  complete    110 pages
    R3 10-31 22:00 → 22:40  incomplete   50 pages (max_pages)
    R4 11-10 22:00 → 23:00  complete    120 pages
    R5 11-20 22:00 → 23:00  complete    120 pages
    R6 11-30 23:30 → 12-01 00:30 complete 125 pages (a November run whose findings are December's)

Findings (M = machine, other actors are staff):

    F1  dead_link http_4xx   found R1  rectified R2 (M)
    F2  dead_link dns        found R2  rectified 11-03 by zhang
    F3  dead_link http_4xx   found R1  rectified R2 (M), reopened R4, rectified R5 (M)
    F4  wording typo         found R4  false positive 11-11 by wang
    F5  wording sensitive    found R5  rectified the same night (23:40) by zhang
    F6  wording outdated     found R2  rectified R6 (M, on 12-01)
    F7  unverified blocked   found R2  rectified R4 (M): not a dead link
    F8  privacy id_number    found R4  rectified R5 (M)
    F9  dead_link http_5xx   found R3 (incomplete) and still open
    F10 wording typo         found R4  rectified 11-12 by li, judged a false positive 12-02 by wang
    F11 dead_link http_4xx   found R2  rectified R4 (M), reopened R5, rectified 11-25 by li
    F12 wording serious      found R6 (12-01 00:30), open
"""

from __future__ import annotations

from pathlib import Path

from crawler.store import open_db

SITE = "www.example.gov.cn"
BASE = f"https://{SITE}"

RUNS = [  # id, started, finished, status, reason, pages
    (1, "2026-09-30T22:00:00+08:00", "2026-09-30T23:00:00+08:00", "complete", "finished", 100),
    (2, "2026-10-15T22:00:00+08:00", "2026-10-15T23:00:00+08:00", "complete", "finished", 110),
    (3, "2026-10-31T22:00:00+08:00", "2026-10-31T22:40:00+08:00", "incomplete", "max_pages", 50),
    (4, "2026-11-10T22:00:00+08:00", "2026-11-10T23:00:00+08:00", "complete", "finished", 120),
    (5, "2026-11-20T22:00:00+08:00", "2026-11-20T23:00:00+08:00", "complete", "finished", 120),
    (6, "2026-11-30T23:30:00+08:00", "2026-12-01T00:30:00+08:00", "complete", "finished", 125),
]
FINISHED = {r[0]: r[2] for r in RUNS}

# id, kind, category, first run, page path (the status follows from the events)
FINDINGS = [
    (1, "dead_link", "http_4xx", 1, "/jyj/a1.html"),
    (2, "dead_link", "dns", 2, "/jyj/a2.html"),
    (3, "dead_link", "http_4xx", 1, "/"),
    (4, "wording", "typo", 4, "/wjw/b1.html"),
    (5, "wording", "sensitive", 5, "/wjw/b2.html"),
    (6, "wording", "outdated", 2, "/jyj/a3.html"),
    (7, "unverified_link", "blocked", 2, "/"),
    (8, "privacy", "id_number", 4, "/wjw/b3.html"),
    (9, "dead_link", "http_5xx", 3, "/jyj/a4.html"),
    (10, "wording", "typo", 4, "/wjw/b4.html"),
    (11, "dead_link", "http_4xx", 2, "/zwgk/c1.html"),
    (12, "wording", "serious", 6, "/zwgk/c2.html"),
]

# finding, at, actor, from, to, run
EVENTS = [
    (1, FINISHED[2], "machine", "open", "rectified", 2),
    (2, "2026-11-03T09:30:00+08:00", "zhang", "open", "rectified", None),
    (3, FINISHED[2], "machine", "open", "rectified", 2),
    (3, FINISHED[4], "machine", "rectified", "open", 4),
    (3, FINISHED[5], "machine", "open", "rectified", 5),
    (4, "2026-11-11T10:00:00+08:00", "wang", "open", "false_positive", None),
    (5, "2026-11-20T23:40:00+08:00", "zhang", "open", "rectified", None),
    (6, FINISHED[6], "machine", "open", "rectified", 6),
    (7, FINISHED[4], "machine", "open", "rectified", 4),
    (8, FINISHED[5], "machine", "open", "rectified", 5),
    (10, "2026-11-12T09:00:00+08:00", "li", "open", "rectified", None),
    (10, "2026-12-02T10:00:00+08:00", "wang", "rectified", "false_positive", None),
    (11, FINISHED[4], "machine", "open", "rectified", 4),
    (11, FINISHED[5], "machine", "rectified", "open", 5),
    (11, "2026-11-25T15:00:00+08:00", "li", "open", "rectified", None),
]

DEPARTMENTS = {
    f"{BASE}/jyj/": "区教育局",
    f"{SITE}/wjw/": "区卫生健康局",
}


def build(path: Path) -> Path:
    db = open_db(path)
    with db.conn:
        for rid, started, finished, status, reason, pages in RUNS:
            db["runs"].insert({"id": rid, "site": SITE, "started_at": started, "finished_at": finished,
                               "status": status, "reason": reason, "pages": pages, "links": pages * 20,
                               "start_urls": f'["{BASE}/"]', "pid": 1})
        last_event = {fid: (at, actor, new) for fid, at, actor, _old, new, _run in EVENTS}
        for fid, kind, category, first_run, page in FINDINGS:
            seen = FINISHED[first_run]
            changed = last_event.get(fid)
            status = changed[2] if changed else "open"
            link = f"{BASE}/missing/{fid}" if kind.endswith("link") else None
            db["findings"].insert({
                "id": fid, "key": f"{kind}:{fid}", "site": SITE, "kind": kind, "category": category,
                "link": link, "target": link, "text": None if link else f"词{fid}",
                "severity": "general", "status": status,
                "status_changed_at": changed[0] if changed else None,
                "status_by": changed[1] if changed else None,
                "first_seen": seen, "last_seen": seen, "first_run": first_run, "last_run": first_run,
            })
            db["occurrences"].insert({"finding_id": fid, "page_url": BASE + page, "element": "a",
                                      "attr": "href", "anchor": "", "is_home": int(page == "/"),
                                      "first_seen": seen, "last_seen": seen, "last_run": first_run})
        for fid, at, actor, old, new, run in EVENTS:
            proven = "read" if actor == "machine" and new == "rectified" else None
            db["events"].insert({"finding_id": fid, "at": at, "actor": actor, "from_status": old,
                                 "to_status": new, "note": "", "run_id": run, "evidence": proven})
    db.close()
    return path
