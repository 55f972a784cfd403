"""The RQ side (issue 17, many machines): the job a worker runs, and the coordinator that
enqueues one job per lane (a site, or the sites of one server: crawler/groups.py), waits,
and ingests each shard as its job finishes.

Redis carries jobs and results only: a job names its seeds and its shards by file name
inside the shard directory, a filesystem every node mounts (each at its own path:
`--shards`). RQ runs each job in a work horse forked from the worker, so each crawl gets a
fresh reactor, and the worker has Scrapy and the text checker loaded already (preload.py).
"""

from __future__ import annotations

import datetime
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from crawler import __version__
from crawler.distributed.ingest import ingest_one
from crawler.distributed.local import CHECK_WORKERS, prepare, result_of
from crawler.distributed.seed import export_seed
from crawler.distributed.shard import crawl_shards, shard_name
from crawler.errors import DuwangError
from crawler.groups import lanes
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


def job_id(night: str, sites: list[str]) -> str:
    """One job per lane and night: enqueuing the night again finds the same jobs."""
    return f"duwang-{night}-{hashlib.sha1(chr(0).join(sites).encode()).hexdigest()[:16]}"


def fingerprint(opts: CrawlOptions) -> str:
    return load_wordlists([Path(d) for d in opts.wordlists]).fingerprint()


def crawl_lane_job(lane: list[CrawlOptions], night: str, seeds: list[str], version: str,
                   wordlists: list[str]) -> list[dict]:
    """The job: crawl a lane's sites (one site, or the sites of one server one after another:
    crawler/groups.py), each into a shard in this worker's shard directory; return their names.

    Runs in RQ's work horse, forked from the worker that preloaded Scrapy and the text
    checker; the shard directory is this worker's (DUWANG_SHARDS, set by `duwang worker
    --shards`).
    """
    import os

    if version != __version__:
        raise JobRefused(f"job from duwang {version}, this worker runs {__version__}: upgrade both alike")
    for opts, theirs in zip(lane, wordlists, strict=True):
        mine = fingerprint(opts)
        if theirs != mine:
            raise JobRefused(f"job made with wordlists {theirs}, this worker has {mine}: "
                             "give every node the same wordlists")
        opts.extra_settings = {**CHECK_WORKERS, **opts.extra_settings}
    shard_dir = Path(os.environ["DUWANG_SHARDS"])
    outcomes = crawl_shards(lane, shard_dir, night, [shard_dir / seed for seed in seeds])
    return [{"site": o.site, "shard": Path(o.shard).name if o.shard else None, "error": o.error,
             "host": os.uname().nodename} for o in outcomes]


@dataclass
class _Active:
    lane: list[int]
    job_id: str


def run_queued(all_opts: list[CrawlOptions], queue_url: str, shards: str, *, retries: int = 0,
               timeout: int = JOB_TIMEOUT, poll: float = 0.5) -> list[SiteResult]:
    """The coordinator: enqueue one job per lane, ingest its shards as the job finishes.

    Lanes never share a host (crawler/groups.py), so every job is enqueued at once and
    two jobs never crawl one host at the same time, whichever workers take them.
    """
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
            active: list[_Active] = []
            for lane in lanes(all_opts):
                names = [sites[i] for i in lane]
                jid = job_id(night, names)
                lane_seeds = []
                for i in lane:
                    seed = f"{shard_name(sites[i], night)}.seed"
                    export_seed(db_path, sites[i], seeds / seed)
                    lane_seeds.append(f"seeds/{seed}")
                try:
                    old = Job.fetch(jid, connection=conn)
                    old.delete()  # a job of tonight from an earlier, stopped coordinator
                except NoSuchJobError:
                    pass
                queue.enqueue_call(
                    crawl_lane_job, args=([all_opts[i] for i in lane], night, lane_seeds, __version__,
                                          [fingerprint(all_opts[i]) for i in lane]),
                    job_id=jid, timeout=timeout * len(lane), result_ttl=RESULT_TTL,
                    failure_ttl=RESULT_TTL, description=f"duwang crawl {', '.join(names)}",
                    meta={"site": ", ".join(names), "sites": names},
                    retry=Retry(max=retries) if retries else None)
                active.append(_Active(lane, jid))
            while active:
                for a in list(active):
                    job = Job.fetch(a.job_id, connection=conn)
                    status = job.get_status()
                    if status == "finished":
                        values = job.return_value() or []
                        for n, i in enumerate(a.lane):
                            value = values[n] if n < len(values) else None
                            results[i] = _ingest(db, shard_dir, sites[i], value)
                    elif status in ("failed", "stopped", "canceled"):  # a retry is queued, not failed
                        for i in a.lane:
                            results[i] = SiteResult(sites[i], None, _why(job))
                    else:
                        continue
                    active.remove(a)
                if active:
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

    from crawler.distributed.preload import preload

    conn = connect(queue_url)
    # RQ forks a work horse per job from this process: load Scrapy and the text checker
    # (the built-in wordlists; a job's extra ones are built in its horse) once, here.
    preload()
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
