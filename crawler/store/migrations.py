"""The schema, by migrations only: every change is a new step, never an edited one."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("duwang")


@migrations()
def m001_initial(db: Database) -> None:
    db["runs"].create(
        {
            "id": int,
            "site": str,
            "started_at": str,
            "finished_at": str,
            "status": str,  # running | complete | incomplete
            "reason": str,  # why it ended: finished, max_pages, shutdown, killed...
            "start_urls": str,  # JSON list
            "pid": int,
            "pages": int,
            "links": int,
            "new_findings": int,
            "stats": str,  # JSON of the run's duwang/* counters
        },
        pk="id",
        defaults={"status": "running", "pages": 0, "links": 0, "new_findings": 0},
    )
    db["pages"].create(
        {
            "url": str,  # url_key of the requested URL
            "site": str,
            "final_url": str,
            "status": int,
            "title": str,
            "content_type": str,
            "encoding": str,
            "depth": int,
            "is_home": int,
            "content_hash": str,
            "etag": str,
            "last_modified": str,
            "first_seen": str,
            "last_seen": str,
            "last_run": int,
        },
        pk="url",
    )
    db["links"].create(
        {
            "url": str,  # url_key of the target
            "site": str,
            "internal": int,
            "outcome": str,  # ok | dead | unverified
            "category": str,
            "http_status": int,
            "error": str,
            "final_url": str,
            "method": str,
            "first_seen": str,
            "last_seen": str,
            "last_run": int,
        },
        pk="url",
    )
    db["outlinks"].create(
        {
            "page_url": str,
            "target": str,  # url_key
            "href": str,  # absolute URL as linked
            "element": str,
            "attr": str,
            "anchor": str,
        },
        pk=("page_url", "target"),
    )
    db["outlinks"].create_index(["target"])
    db["findings"].create(
        {
            "id": int,
            "key": str,  # stable identity, e.g. link:<url_key>
            "site": str,
            "kind": str,  # dead_link | unverified_link | wording | privacy
            "category": str,
            "link": str,  # url_key, link kinds only
            "target": str,  # the URL as linked, before redirects
            "final_url": str,
            "http_status": int,
            "error": str,
            "text": str,
            "suggestion": str,
            "context": str,
            "severity": str,
            "status": str,  # open | rectified | false_positive | ignored
            "status_changed_at": str,
            "status_by": str,
            "first_seen": str,
            "last_seen": str,
            "first_run": int,
            "last_run": int,
        },
        pk="id",
        not_null={"key", "kind", "status"},
        defaults={"status": "open"},
    )
    db["findings"].create_index(["key"], unique=True)
    db["findings"].create_index(["kind", "status"])
    db["findings"].create_index(["last_run"])
    db["occurrences"].create(
        {
            "finding_id": int,
            "page_url": str,
            "element": str,
            "attr": str,
            "anchor": str,
            "is_home": int,
            "first_seen": str,
            "last_seen": str,
            "last_run": int,
        },
        pk=("finding_id", "page_url"),
        foreign_keys=[("finding_id", "findings", "id")],
    )
    db["events"].create(
        {
            "id": int,
            "finding_id": int,
            "at": str,
            "actor": str,  # machine | a user name
            "from_status": str,
            "to_status": str,
            "note": str,
            "run_id": int,
        },
        pk="id",
        foreign_keys=[("finding_id", "findings", "id")],
    )
    db["events"].create_index(["finding_id"])


@migrations()
def m002_page_hits(db: Database) -> None:
    """What the text checks found on each page; replaced whenever the page is checked again."""
    db["page_hits"].create(
        {
            "page_url": str,
            "finding_key": str,  # findings.key (store.keys.text_key)
            "kind": str,
            "category": str,
            "rule": str,
            "text": str,
            "suggestion": str,
            "context": str,
            "severity": str,
            "field": str,  # title | body | alt | meta
        },
        pk=("page_url", "finding_key"),
    )
    db["page_hits"].create_index(["finding_key"])


@migrations()
def m003_sites(db: Database) -> None:
    """Each site's settings as of its last crawl: columns (栏目) and departments (责任单位)."""
    db["sites"].create(
        {
            "name": str,
            "start_urls": str,  # JSON list
            "columns": str,  # JSON {url prefix: 栏目}
            "departments": str,  # JSON {url prefix: 责任单位}
            "updated_at": str,
        },
        pk="name",
    )


@migrations()
def m004_review(db: Database) -> None:
    """The review UI: app settings (the session key), accounts, the whitelist, recheck results."""
    db["settings"].create({"key": str, "value": str}, pk="key")
    db["users"].create({"name": str, "password_hash": str, "created_at": str}, pk="name")
    db["whitelist"].create(
        {
            "id": int,
            "kind": str,  # text (findings.text of wording/privacy) | link (findings.link, a url_key)
            "value": str,
            "page_url": str,  # NULL: everywhere
            "finding_id": int,  # the false positive that created it
            "created_at": str,
            "created_by": str,
            "note": str,
            "revoked_at": str,  # set when the finding leaves false_positive; rows are never deleted
            "revoked_by": str,
        },
        pk="id",
    )
    db["whitelist"].create_index(["value"])
    db["rechecks"].create(
        {
            "id": int,
            "finding_id": int,
            "at": str,
            "actor": str,
            "status": str,  # the finding's status when rechecked
            "result": str,  # gone | still_there | unreachable
            "detail": str,  # JSON list of {url, result, detail} per page (and the link target)
        },
        pk="id",
        foreign_keys=[("finding_id", "findings", "id")],
    )
    db["rechecks"].create_index(["finding_id"])


@migrations()
def m005_incremental(db: Database) -> None:
    """Re-crawl cheaply: which wordlists checked a page, and when a link was really requested."""
    db["pages"].add_column("checked_with", str)  # fingerprint of the wordlists; see textcheck
    db["links"].add_column("checked_at", str)  # last real request (cached verdicts keep it)


@migrations()
def m006_links_per_site(db: Database) -> None:
    """A link's verdict belongs to the site that checked it: two portals sharing a dead
    external link must each keep their own row (one row let a site lose its finding)."""
    db["links"].transform(pk=("site", "url"))
    db["links"].create_index(["url"])


@migrations()
def m007_site_wordlists(db: Database) -> None:
    """The extra wordlist folders a site was crawled with, so a recheck uses the same lists."""
    db["sites"].add_column("wordlists", str)  # JSON list of folders


@migrations()
def m008_snapshots(db: Database) -> None:
    """The last copy of each page on which the text checks found something (快照): the
    evidence a reviewer sees. UTF-8 HTML, identity numbers masked, zlib-compressed."""
    db["snapshots"].create(
        {"page_url": str, "taken_at": str, "run_id": int, "html": bytes},
        pk="page_url",
    )


@migrations()
def m009_evidence(db: Database) -> None:
    """Rectified means fixed: what each run really read of each page; findings keyed by a
    site identity that survives a move to https, to or from "www.", or to another port."""
    db["pages"].add_column("read_full", int)  # 1 when the page was read whole at last_run
    db["pages"].add_column("partial", str)  # why it was not, else NULL
    db["pages"].add_column("checked_run", int)  # the run whose text checks gave its page_hits
    db["pages"].add_column("gone_runs", int, not_null_default=0)  # complete runs in a row 404/410
    db["links"].add_column("prev_outcome", str)  # the verdict of the run before last_run
    db["runs"].add_column("unverified", int, not_null_default=0)  # open findings not verified
    db["sites"].add_column("aliases", str)  # JSON list of hosts that are this site
    # Why the machine rectified (read | gone | alive); NULL on machine rectifications made
    # before this rule by absence alone, which the reports do not count.
    db["events"].add_column("evidence", str)
    db.execute("UPDATE pages SET read_full = 1, checked_run = last_run")
    _rekey_findings(db)


def _rekey_findings(db: Database) -> None:
    """Give old findings the keys this version makes: a default site name without port or
    "www.", link targets by site identity. A key already taken stays as it was."""
    import json

    from crawler.urls import SiteIdentity, default_site_name, netloc_key

    starts: dict[str, list[str]] = {}
    for site, start_urls in db.execute("SELECT site, start_urls FROM runs ORDER BY id").fetchall():
        for url in json.loads(start_urls or "[]"):
            starts.setdefault(site, []).append(url)
    taken = {k for (k,) in db.execute("SELECT key FROM findings").fetchall()}
    for site, urls in starts.items():
        netlocs = list(dict.fromkeys(netloc_key(u) for u in urls))
        name = default_site_name(urls[0]) if site in netlocs else site
        ident = SiteIdentity(netlocs[0], netlocs)
        rows = db.execute("SELECT id, key, kind, link FROM findings WHERE site = ?", [site]).fetchall()
        for fid, key, kind, link in rows:
            if kind in ("dead_link", "unverified_link") and link:
                new = f"link:{name}|{ident(link)}"
            else:
                new = f"text:{name}|{key.partition('|')[2]}"
            if new == key or new in taken:
                continue
            taken.discard(key)
            taken.add(new)
            db.execute("UPDATE findings SET key = ?, site = ? WHERE id = ?", [new, name, fid])
        if name != site:
            for table in ("runs", "pages"):
                db.execute(f"UPDATE {table} SET site = ? WHERE site = ?", [name, site])
            db.execute("UPDATE OR IGNORE links SET site = ? WHERE site = ?", [name, site])
            db.execute("UPDATE OR IGNORE sites SET name = ? WHERE name = ?", [name, site])
            db.execute(
                "UPDATE OR IGNORE page_hits SET finding_key = 'text:' || ? || substr(finding_key, ?) "
                "WHERE finding_key LIKE ?", [name, len(f"text:{site}") + 1, f"text:{site}|%"],
            )


@migrations()
def m010_confirmed_suspects(db: Database) -> None:
    """Staff confirm a suspect typo (疑似错误) as a real error: only then does it count."""
    db["findings"].add_column("confirmed_at", str)
    db["findings"].add_column("confirmed_by", str)


@migrations()
def m011_invalid_url(db: Database) -> None:
    """The category of an href no browser can follow is invalid_url (链接地址无效): it now
    covers hrefs with no host, file: links and redirects off http(s) too, not only hrefs
    that do not parse (malformed_url). Filters and reports key on the code."""
    for table in ("links", "findings"):
        db.execute(f"UPDATE {table} SET category = 'invalid_url' WHERE category = 'malformed_url'")


@migrations()
def m012_roles_feedback(db: Database) -> None:
    """Departments rectify their own list: an account is the web office's (admin) or bound to
    one 责任单位; a department reports a fix (整改反馈) and the web office accepts it (复核通过,
    the finding becomes rectified) or sends it back with a reason (复核不通过)."""
    db["users"].add_column("role", str, not_null_default="admin")  # admin | department
    db["users"].add_column("department", str)  # the 责任单位 of a department account
    db["feedback"].create(
        {
            "id": int,
            "finding_id": int,
            "at": str,
            "actor": str,
            "department": str,
            "note": str,
            "state": str,  # pending | accepted | rejected
            "decided_at": str,
            "decided_by": str,
            "reason": str,  # why it was sent back, or how it was accepted
        },
        pk="id",
        foreign_keys=[("finding_id", "findings", "id")],
    )
    db["feedback"].create_index(["finding_id"])
    db["feedback"].create_index(["state"])


@migrations()
def m013_inspection(db: Database) -> None:
    """The national inspection's veto items (crawler/inspection/): what each page showed of
    the page tags, footer and its own publish date, and the dated items of list pages with
    when duwang first saw each (a date earlier than that is a backdated item)."""
    db["page_facts"].create(
        {
            "page_url": str,  # pages.url
            "site": str,
            "run_id": int,  # the run that parsed the page (an unchanged page keeps its row)
            "tags": str,  # JSON {page tag: content}
            "footer": str,  # JSON list of footer markers (pagefacts.FOOTER_*)
            "site_id": str,  # the 网站标识码 printed in the footer
            "pub_date": str,  # the page's own publish date, ISO
            "items": int,  # list items kept (list_items rows)
            "says_empty": int,  # 1: a column page without items that says 暂无信息
        },
        pk="page_url",
    )
    db["page_facts"].create_index(["site"])
    db["list_items"].create(
        {
            "page_url": str,  # the list page
            "item_url": str,  # url_key of the item's link
            "position": int,  # order on the page
            "date": str,  # the date printed beside it, ISO, else NULL
            "first_seen": str,  # when duwang first saw the item on this list page
            "first_run": int,
        },
        pk=("page_url", "item_url"),
    )
    db["list_items"].create_index(["item_url"])
    # The figures behind an inspection finding (JSON: a column's last update, its window,
    # pages affected ...), for the report and the scorecard.
    db["findings"].add_column("detail", str)


@migrations()
def m014_probes(db: Database) -> None:
    """`duwang watch`: every probe of a watched page (网站可用性), for the availability rule
    (20 visits a day for a week; 5% not open within 15 s fails the site). Kept 35 days."""
    db["probes"].create(
        {
            "id": int,
            "site": str,
            "url": str,  # as watched: the home page or a watch_urls entry
            "at": str,  # ISO 8601 with offset
            "epoch": float,  # the same instant in Unix seconds: windows and pruning
            "result": str,  # ok | slow (not answered in full within the timeout) | failed
            "http_status": int,
            "elapsed": float,  # seconds
            "error": str,
        },
        pk="id",
    )
    db["probes"].create_index(["site", "url", "epoch"])
    db["probes"].create_index(["epoch"])


@migrations()
def m015_template_owner(db: Database) -> None:
    """The 责任单位 of a site's template (公共区域) findings: the `template_owner` site key
    (crawler.store.template); existing sites get the default, 网站管理单位."""
    db["sites"].add_column("template_owner", str)
    db.execute("UPDATE sites SET template_owner = '网站管理单位'")


@migrations()
def m016_login_state(db: Database) -> None:
    """Login that holds (issue 14, part 3). Each account has a session version, carried in its
    sessions and raised by a logout or a password change, which so end every session of the
    account. Failed logins are counted per account and per address (``key``: ``user:NAME`` or
    ``addr:ADDRESS``) for the throttle (crawler/review/throttle.py), in the database so that a
    restart of `duwang serve` does not forget them."""
    db["users"].add_column("session_version", int, not_null_default=0)
    db["login_failures"].create(
        {
            "key": str,
            "failures": int,  # in a row, since the last success or a quiet hour
            "last_at": float,  # Unix seconds of the last failure
            "locked_until": float,  # Unix seconds; no attempt is checked before then
        },
        pk="key",
    )


@migrations()
def m017_attachments_hosts(db: Database) -> None:
    """Attachments (附件) are read like pages, in the pages table: file_kind says which type
    (pdf, docx, xlsx, xls, doc, ofd; NULL for HTML and stylesheets); a file that could not be
    read has read_full = 0 and its reason in partial. external_hosts keeps a baseline per
    external host the site links to (crawler/external.py) and what this run's probe showed."""
    db["pages"].add_column("file_kind", str)
    db["pages"].create_index(["site", "file_kind"])
    db["external_hosts"].create(
        {
            "site": str,
            "host": str,  # netloc_key: host[:port]
            "url": str,  # the URL probed (the host's home page)
            "first_seen": str,
            "last_seen": str,
            "last_run": int,
            "resolved": int,
            "answered": int,
            "http_status": int,
            "final_url": str,
            "final_domain": str,  # registrable domain of final_url
            "title": str,
            "icp": str,
            "parked": int,
            "sensitive": str,  # JSON list of sensitive-list words on its home page
            "error": str,
            # The baseline: the first probe that resolved, from an earlier run than a change.
            "base_run": int,
            "base_resolved": int,
            "base_final_domain": str,
            "base_title": str,
            "base_icp": str,
        },
        pk=("site", "host"),
    )


@migrations()
def m018_review_scope(db: Database) -> None:
    """The review list in SQL (issue 14, part 1): each finding's current page count and home-page
    flag, each page's 责任单位 and 栏目, and each finding's pages per (责任单位, 栏目), kept by
    crawler.store.scope, with the indexes the list's filters, order and search use."""
    from crawler.store import scope

    db["findings"].add_column("current_pages", int, not_null_default=0)
    db["findings"].add_column("on_home", int, not_null_default=0)
    db["page_owners"].create({"site": str, "page_url": str, "department": str, "column": str},
                             pk=("site", "page_url"))
    db["finding_owners"].create({"finding_id": int, "department": str, "column": str, "pages": int},
                                pk=("finding_id", "department", "column"))
    db["finding_owners"].create_index(["department", "column", "finding_id"])
    db["finding_owners"].create_index(["column", "finding_id"])
    db["scope_sites"].create({"site": str, "mapping": str}, pk="site")  # the mapping the rows were made under
    rank = "(CASE severity WHEN 'serious' THEN 0 WHEN 'general' THEN 1 ELSE 2 END)"
    db.execute(f"CREATE INDEX findings_list ON findings(kind, status, {rank}, on_home DESC, id)")
    db.execute(f"CREATE INDEX findings_list_any_status ON findings(kind, {rank}, on_home DESC, id)")
    db.execute("CREATE INDEX findings_site ON findings(site, current_pages)")
    db.execute("CREATE INDEX occurrences_page ON occurrences(page_url, finding_id, last_run)")
    db.execute("CREATE INDEX occurrences_home ON occurrences(finding_id) WHERE is_home = 1")
    db.execute("CREATE INDEX occurrences_anchor ON occurrences(anchor, finding_id, last_run) "
               "WHERE anchor IS NOT NULL AND anchor != ''")
    scope.rebuild(db)


@migrations()
def m019_review_counts(db: Database) -> None:
    """Two counts every list page shows, from an index instead of the table: the open findings
    not verified by their site's last run (本次未核实, read site by site), and the open suspect
    typos not yet confirmed (疑似错误（待确认）)."""
    db.execute("CREATE INDEX findings_unverified ON findings(site, status, last_run)")
    db.execute("CREATE INDEX findings_suspects ON findings(kind) "
               "WHERE severity = 'suspect' AND confirmed_at IS NULL AND status = 'open'")
    # The planner's statistics for the review's tables (it picks these indexes by them).
    db.execute("ANALYZE findings")
    db.execute("ANALYZE finding_owners")


@migrations()
def m020_review_categories(db: Database) -> None:
    """The list's 类别 choices (the categories of a kind) from an index, not the table."""
    db["findings"].create_index(["kind", "category"])
    db.execute("ANALYZE findings")
