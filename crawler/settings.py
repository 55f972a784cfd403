"""Scrapy settings for duwang. Our own settings carry the DUWANG_ prefix.

The component stack is trimmed to what a link checker needs: every component in the
per-request path costs on each of tens of thousands of link checks.
"""

from crawler import __version__

BOT_NAME = "duwang"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = f"duwang/{__version__} (+读网 government-portal quality monitor)"

# Operators crawl their own portal, which often disallows all robots for search engines
# only; duwang ignores robots.txt by default (DUWANG docs: --obey-robots turns it on).
ROBOTSTXT_OBEY = False

# Polite defaults for production government servers; --concurrency lifts them.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 10
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
REDIRECT_MAX_TIMES = 10

# Retries are ours (backoff, Retry-After); see crawler.middlewares.
RETRY_TIMES = 2
RETRY_HTTP_CODES = [502, 503, 504, 408, 429, 522, 524]

# The spider de-duplicates before building a Request; skip fingerprinting.
# Our pipeline is synchronous; Scrapy spawns this many tasks per callback for nothing.
CONCURRENT_ITEMS = 1

# Cookies cost on every request and a public portal needs none; session ids that
# end up in URLs instead are stripped (crawler.urls.strip_session).
COOKIES_ENABLED = False

# DownloaderStats serialises every request to measure it; our own counters suffice.
DOWNLOADER_STATS = False

DUPEFILTER_CLASS = "scrapy.dupefilters.BaseDupeFilter"

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,  # external links are checked
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,  # a link, not a redirect
    "scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware": None,
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": None,  # would hide dead links
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.EncodingRepairMiddleware": 595,
}
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.httperror.HttpErrorMiddleware": None,  # the spider sees 4xx/5xx
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,  # TrapGuard bounds length
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,  # the spider tracks depth
}
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scrapy.extensions.remote_control.RemoteControl": None,
    "scrapy.extensions.memdebug.MemoryDebugger": None,
    "scrapy.extensions.feedexport.FeedExporter": None,
    "scrapy.extensions.spiderstate.SpiderState": None,
    "scrapy.extensions.logstats.LogStats": None,
    "crawler.extensions.Progress": 500,
}
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

LOG_LEVEL = "INFO"
LOG_INSTALL_ROOT_HANDLER = True
STATS_DUMP = False

# duwang's own settings (documented in README "Settings").
DUWANG_DB = "duwang.db"
DUWANG_MAX_PAGES = 50_000
DUWANG_MAX_DEPTH = 100
DUWANG_MAX_URL_LENGTH = 1024
DUWANG_MAX_QUERY_VARIANTS = 200
DUWANG_RETRY_AFTER_MAX = 60
DUWANG_BACKOFF_BASE = 1.0
DUWANG_EXTRA_HOSTS: list[str] = []
DUWANG_SOFT404_PATTERNS: list[str] = []
DUWANG_WORDLISTS: list[str] = []
DUWANG_EXCLUDE: list[str] = []  # regexes; matching URLs are neither crawled nor checked
DUWANG_EXTERNAL_CACHE_DAYS = 7  # reuse a live external link's verdict this long; 0 = off
DUWANG_COLUMNS: dict[str, str] = {}  # URL prefix -> 栏目
DUWANG_DEPARTMENTS: dict[str, str] = {}  # URL prefix -> 责任单位
DUWANG_DISK_QUEUE = True  # a big queue spills to disk (a temporary JOBDIR per run)
DUWANG_QUEUE_MEMORY_MAX = 10_000  # requests kept in memory before the queue spills
SCHEDULER = "crawler.scheduler.SpillingScheduler"
DUWANG_PROGRESS_ENABLED = True
DUWANG_TEXTCHECK_ENABLED = True
DUWANG_CHECK_WORKERS = 1  # processes for the text checks; 0 = in the crawl process
