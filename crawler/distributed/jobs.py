"""The RQ side (issue 17, many machines): the job a worker runs, and the coordinator that
enqueues one job per site, waits, and ingests each shard as its job finishes.

Redis carries jobs and results only: a job names its seed and its shard by file name inside
the shard directory, a filesystem every node mounts (each at its own path: `--shards`).
RQ runs each job in a freshly forked work horse, so each crawl gets a fresh reactor.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from crawler import __version__
from crawler.distributed.ingest import ingest_one
from crawler.distributed.local import prepare, result_of, site_hosts
from crawler.distributed.seed import export_seed
from crawler.distributed.shard import crawl_shard, shard_name
from crawler.errors import DuwangError
from crawler.runner import CrawlError, CrawlOptions, SiteResult
from crawler.store import open_db
from crawler.store.lock import crawl_lock
from crawler.textcheck import load_wordlists

QUEUE = "duwang"
JOB_TIMEOUT = 6 * 3600  # seconds a site's crawl may take before RQ kills its work horse
RESULT_TTL = 7 * 24 * 3600


class JobRefused(DuwangError):
    """The worker will not run this job (another duwang version or other wordlists)."""


class QueueError(DuwangError):
    """Redis could not be reached, or went away."""


def connect(url: str):
    """A Redis connection for `url` (redis://, rediss://, unix://), checked with a PING."""
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        conn = Redis.from_url(url, socket_connect_timeout=10, socket_timeout=30)
        conn.ping()
    except (RedisError, ValueError, OSError) as exc:
        raise QueueError(f"cannot reach the queue at {_shown(url)}: {exc}") from None
    return conn


def _shown(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" in url:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def job_id(night: str, site: str) -> str:
    """One job per site and night: enqueuing the night again finds the same jobs."""
    return f"duwang-{night}-{hashlib.sha1(site.encode()).hexdigest()[:16]}"


def fingerprint(opts: CrawlOptions) -> str:
    return load_wordlists([Path(d) for d in opts.wordlists]).fingerprint()


def crawl_site_job(opts: CrawlOptions, night: str, seed: str, version: str, wordlists: str) -> dict:
    """The job: crawl one site into a shard in this worker's shard directory; return its name.

    Runs in RQ's work horse; the shard directory is this worker's (DUWANG_SHARDS, set by
    `duwang worker --shards`).
    """
    import os

    if version != __version__:
        raise JobRefused(f"job from duwang {version}, this worker runs {__version__}: upgrade both alike")
    mine = fingerprint(opts)
    if wordlists != mine:
        raise JobRefused(f"job made with wordlists {wordlists}, this worker has {mine}: "
                         "give every node the same wordlists")
    shard_dir = Path(os.environ["DUWANG_SHARDS"])
    outcome = crawl_shard(opts, shard_dir, night, shard_dir / seed)
    return {"site": outcome.site, "shard": Path(outcome.shard).name if outcome.shard else None,
            "error": outcome.error, "host": os.uname().nodename}


@dataclass
class _Active:
    index: int
    job_id: str
    hosts: set[str]


def run_queued(all_opts: list[CrawlOptions], queue_url: str, shards: str, *, retries: int = 0,
               timeout: int = JOB_TIMEOUT, poll: float = 0.5) -> list[SiteResult]:
    """The coordinator: enqueue one job per site, ingest each shard as its job finishes."""
    from redis.exceptions import RedisError
    from rq import Queue, Retry
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    shard_dir = Path(shards)
    if not shard_dir.is_dir():
        raise CrawlError(f"--shards: folder {shards} does not exist")
    db_path, sites = prepare(all_opts)
    conn = connect(queue_url)
    queue = Queue(QUEUE, connection=conn)
    night = datetime.date.today().isoformat()
    seeds = shard_dir / "seeds"
    seeds.mkdir(exist_ok=True)
    db = open_db(db_path)
    results: dict[int, SiteResult] = {}
    try:
        with crawl_lock(db_path):
            pending = list(range(len(all_opts)))
            active: list[_Active] = []
            while pending or active:
                busy = set().union(*(a.hosts for a in active)) if active else set()
                for i in list(pending):
                    hosts = site_hosts(all_opts[i])
                    if hosts & busy:
                        continue  # politeness: one job per host at a time
                    jid = job_id(night, sites[i])
                    seed = f"{shard_name(sites[i], night)}.seed"
                    export_seed(db_path, sites[i], seeds / seed)
                    try:
                        old = Job.fetch(jid, connection=conn)
                        old.delete()  # a job of tonight from an earlier, stopped coordinator
                    except NoSuchJobError:
                        pass
                    queue.enqueue_call(
                        crawl_site_job, args=(all_opts[i], night, f"seeds/{seed}", __version__,
                                              fingerprint(all_opts[i])),
                        job_id=jid, timeout=timeout, result_ttl=RESULT_TTL, failure_ttl=RESULT_TTL,
                        description=f"duwang crawl {sites[i]}", meta={"site": sites[i]},
                        retry=Retry(max=retries) if retries else None)
                    active.append(_Active(i, jid, hosts))
                    busy |= hosts
                    pending.remove(i)
                for a in list(active):
                    job = Job.fetch(a.job_id, connection=conn)
                    status = job.get_status()
                    if status == "finished":
                        results[a.index] = _ingest(db, shard_dir, sites[a.index], job.return_value())
                    elif status in ("failed", "stopped", "canceled"):  # a retry is queued, not failed
                        results[a.index] = SiteResult(sites[a.index], None, _why(job))
                    else:
                        continue
                    active.remove(a)
                time.sleep(poll)
    except RedisError as exc:
        raise QueueError(f"lost the queue at {_shown(queue_url)}: {exc}") from None
    finally:
        db.close()
    return [results[i] for i in range(len(all_opts))]


def _why(job) -> str:
    result = job.latest_result()
    info = ((result.exc_string if result else "") or "").strip().splitlines()
    last = info[-1] if info else job.get_status()
    if "JobTimeoutException" in last:
        return "the crawl job timed out; its findings stay as they were"
    return f"the crawl job failed ({last}); its findings stay as they were"


def _ingest(db, shard_dir: Path, site: str, value: dict | None) -> SiteResult:
    if not value or not value.get("shard"):
        return SiteResult(site, None, (value or {}).get("error") or "the job published no shard")
    done = ingest_one(db, shard_dir / value["shard"])
    if not done.ingested:
        return SiteResult(site, None, done.error)
    return result_of(site, done.summary, done.error)


def run_worker(queue_url: str, shards: str, slots: int, burst: bool) -> int:
    """`duwang worker`: `slots` RQ workers (processes) on the duwang queue. Returns jobs done."""
    import multiprocessing
    import os
    import signal

    if slots < 1:
        raise CrawlError(f"--slots must be at least 1, got {slots}")
    if not Path(shards).is_dir():
        raise CrawlError(f"--shards: folder {shards} does not exist")
    connect(queue_url)
    os.environ["DUWANG_SHARDS"] = str(Path(shards).resolve())
    if slots == 1:
        return _work(queue_url, burst)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_work, args=(queue_url, burst)) for _ in range(slots)]
    for p in procs:
        p.start()

    def forward(signum, frame) -> None:
        # systemd (KillMode=mixed) signals this process only: each RQ worker then finishes
        # its current job (a warm shutdown) instead of being killed mid-site.
        for p in procs:
            if p.pid and p.is_alive():
                os.kill(p.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for p in procs:
        p.join()
    return 0


def _work(queue_url: str, burst: bool) -> int:
    from rq import Queue, Worker

    conn = connect(queue_url)
    worker = Worker([Queue(QUEUE, connection=conn)], connection=conn)
    worker.work(burst=burst, logging_level="WARNING")
    return worker.successful_job_count


def queue_status(queue_url: str) -> list[tuple[str, str, str, str]]:
    """`duwang status`: (state, site, worker, when) of every job the queue knows, by state."""
    from rq import Queue
    from rq.job import Job
    from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry

    conn = connect(queue_url)
    queue = Queue(QUEUE, connection=conn)
    groups = [("queued", queue.get_job_ids()),
              ("running", StartedJobRegistry(queue=queue).get_job_ids()),
              ("finished", FinishedJobRegistry(queue=queue).get_job_ids()),
              ("failed", FailedJobRegistry(queue=queue).get_job_ids())]
    rows = []
    for state, ids in groups:
        for job in Job.fetch_many(ids, connection=conn):
            if job is None:
                continue
            when = job.ended_at or job.started_at or job.enqueued_at
            rows.append((state, job.meta.get("site", job.id), job.worker_name or "",
                         when.isoformat(timespec="seconds") if when else ""))
    return rows
