"""`duwang serve | mark | recheck | user`: argparse wiring for the review workflow."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import math
import sys

from crawler.errors import DuwangError
from crawler.review.accounts import ADMIN, DEPARTMENT, ROLE_LABELS, ROLES
from crawler.store import open_db
from crawler.store.lifecycle import STATUS_LABELS, STATUSES, WHITELIST_SCOPES, confirm, mark


class ReviewUsageError(DuwangError):
    pass


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add `serve`, `mark`, `recheck` and `user` to the duwang parser."""
    p = subparsers.add_parser(
        "serve", help="the review web UI (读网复查)",
        description="Serve the review UI. Every request needs a login with an account made with "
        "'duwang user add', on any address. --no-login is for one person on this machine: loopback "
        "only, no request through a proxy. A read-only database is served read-only.")
    _db(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 for any free)")
    p.add_argument("--no-login", action="store_true",
                   help="no login, for use on this machine only: loopback addresses only, and every "
                   "request through a proxy is refused")
    p.add_argument("--workers", type=_workers, default=1, metavar="N",
                   help="processes that answer requests, each with its own threads (default: 1; "
                   "one per core serves more clients at once)")
    p.set_defaults(func=cmd_serve)

    p = subparsers.add_parser(
        "mark", help="change the status of findings (with a note)",
        description="Set findings to open (待整改), rectified (已整改), false_positive (误报) or "
        "ignored (忽略). Every change is recorded with who, when and the note.")
    _db(p)
    p.add_argument("ids", nargs="+", type=int, metavar="ID", help="finding id(s)")
    p.add_argument("--status", required=True, choices=STATUSES)
    p.add_argument("--note", default="", help="why, e.g. what was fixed")
    p.add_argument("--whitelist", choices=WHITELIST_SCOPES,
                   help="with --status false_positive: stop flagging this text (or link) on its "
                   "current pages ('page') or anywhere ('everywhere')")
    p.add_argument("--by", default=None, metavar="NAME", help="who made the change (default: your login)")
    p.set_defaults(func=cmd_mark)

    p = subparsers.add_parser(
        "confirm", help="confirm suspect typos (疑似错误) as real errors",
        description="Confirm suspect typos (severity suspect, 疑似错误) as real errors. Until "
        "confirmed, a suspect counts in no report and never in the annual sentence.")
    _db(p)
    p.add_argument("ids", nargs="+", type=int, metavar="ID", help="finding id(s)")
    p.add_argument("--by", default=None, metavar="NAME", help="who confirmed (default: your login)")
    p.set_defaults(func=cmd_confirm)

    p = subparsers.add_parser(
        "recheck", help="re-fetch findings' pages now: 已整改, 疑似未整改 or 页面无法访问",
        description="Fetch each finding's pages again and run the same check. Without IDs, every "
        "finding marked rectified by staff and not yet confirmed by a crawl is rechecked. The result "
        "decides: a rectified finding still there goes back to open (整改未通过), and a department's "
        "fix report (整改反馈) is accepted when the problem is gone or sent back when it is not.")
    _db(p)
    p.add_argument("ids", nargs="*", type=int, metavar="ID", help="finding id(s)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default 10)")
    p.add_argument("--by", default=None, metavar="NAME", help="who asked (default: your login)")
    p.set_defaults(func=cmd_recheck)

    p = subparsers.add_parser("user", help="accounts for the review UI (serve needs one unless --no-login)")
    sub = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    a = sub.add_parser("add", help="create an account (asks for the password)",
                       description="Create an account for 'duwang serve': the web office "
                       "(--role admin, the default) or a department bound to its 责任单位 "
                       "(--role department --department 区司法局), which sees only its own findings.")
    _db(a)
    a.add_argument("name", metavar="NAME")
    a.add_argument("--role", choices=ROLES, default=ADMIN,
                   help="admin (the web office: sees and decides everything; default) or department")
    a.add_argument("--department", metavar="NAME",
                   help="with --role department: the 责任单位 as the site's departments mapping names it")
    a.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    a.add_argument("--replace", action="store_true",
                   help="set a new password (and role and department) for an existing account")
    a.set_defaults(func=cmd_user_add)
    a = sub.add_parser("list", help="list the accounts")
    _db(a)
    a.set_defaults(func=cmd_user_list)


def _db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default="duwang.db", help="SQLite database file (default: duwang.db)")


def _me(name: str | None) -> str:
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"


def _workers(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= 64:
        raise argparse.ArgumentTypeError(f"a whole number from 1 to 64, not {text!r}")
    return n


def cmd_serve(args: argparse.Namespace) -> int:
    from crawler.review.server import serve

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the way to stop it
        serve(args.db, args.host, args.port, no_login=args.no_login, workers=args.workers)
    return 0


def cmd_mark(args: argparse.Namespace) -> int:
    db = open_db(args.db, create=False)
    try:
        events = mark(db, args.ids, args.status, actor=_me(args.by), note=args.note, whitelist=args.whitelist)
    finally:
        db.close()
    for e in events:
        print(f"{e.finding_id}: {STATUS_LABELS[e.from_status]} → {STATUS_LABELS[e.to_status]}")
    return 0


def cmd_confirm(args: argparse.Namespace) -> int:
    db = open_db(args.db, create=False)
    try:
        ids = confirm(db, args.ids, actor=_me(args.by))
    finally:
        db.close()
    for i in ids:
        print(f"{i}: 已确认为错误")
    return 0


def cmd_recheck(args: argparse.Namespace) -> int:
    from crawler.labels import recheck_detail_label
    from crawler.recheck import RESULT_LABELS, recheck  # loads jieba
    from crawler.review.actions import recheck_message, verdicts
    from crawler.store.feedback import apply_rechecks

    if not math.isfinite(args.timeout) or args.timeout <= 0:
        raise ReviewUsageError(f"--timeout must be a positive number of seconds, got {args.timeout}")
    db = open_db(args.db, create=False)
    try:
        ids = args.ids or [r[0] for r in db.execute(
            "SELECT id FROM findings WHERE status = 'rectified' AND status_by != 'machine' "
            "UNION SELECT b.finding_id FROM feedback b JOIN findings f ON f.id = b.finding_id "
            "WHERE b.state = 'pending' AND f.status = 'open' ORDER BY 1"
        ).fetchall()]
        if not ids:
            print("没有需要复核的问题（未给出编号，也没有人工标记为已整改或待复核的问题）。")
            return 0
        me = _me(args.by)
        results = recheck(db, ids, actor=me, timeout=args.timeout)
        # Whoever has the shell and the database is the web office: a gone problem accepts a report.
        decided = apply_rechecks(db, verdicts(results), actor=me, accept_gone=True)
    finally:
        db.close()
    for r in results:
        print(f"{r.finding_id}: {RESULT_LABELS[r.result]}")
        for p in r.pages:
            print(f"    {RESULT_LABELS[p.result]}  {p.url}  {recheck_detail_label(p.detail)}")
    print(recheck_message(results, decided)[0])
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise ReviewUsageError("standard input is not a terminal; use --password-stdin in scripts")
        try:
            password = getpass.getpass(f"{args.name} 的密码: ")
            again = getpass.getpass("再次输入密码: ")
        except EOFError:
            raise ReviewUsageError("no password given; use --password-stdin in scripts") from None
        if password != again:
            raise ReviewUsageError("the two passwords differ")
    db = open_db(args.db)
    try:
        from crawler.review.accounts import add_user

        add_user(db, args.name, password, replace=args.replace, role=args.role, department=args.department)
    finally:
        db.close()
    who = args.department if args.role == DEPARTMENT else ROLE_LABELS[args.role]
    print(f"账号 {args.name}（{who}）已{'更新' if args.replace else '创建'}。")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    db = open_db(args.db, create=False)
    try:
        from crawler.review.accounts import list_users

        for account in list_users(db):
            print("\t".join([account.name, ROLE_LABELS[account.role], *filter(None, [account.department])]))
    finally:
        db.close()
    return 0
