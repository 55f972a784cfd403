"""Province scale (issue 17): one crawl per site in its own process, into its own shard
database, and one writer that ingests the shards into the central review database.

- slices.py   which rows of the central database belong to one site (no Scrapy)
- seed.py     a site's slice copied out of the central database, to start a shard from
- shard.py    crawl one site into a shard on local disk, then publish it (VACUUM INTO, rename)
- ingest.py   copy a finished shard run into the central database and end the run there
- local.py    `duwang crawl --workers N`: N site processes on one machine, no Redis
"""
