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
# Scrapy's own downloader lets a host see more than that at once (crawler/downloader.py).
DOWNLOADER = "crawler.downloader.PoliteDownloader"
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

# Our pipeline is synchronous; Scrapy spawns this many tasks per callback for nothing.
CONCURRENT_ITEMS = 1

# The spider de-duplicates before building a Request; skip fingerprinting.
DUPEFILTER_CLASS = "scrapy.dupefilters.BaseDupeFilter"

# Scrapy parses a callback's source for this warning on every call (its cache is keyed by
# bound methods, which are new each time).
WARN_ON_GENERATOR_RETURN_VALUE = False

# The whole component stack is named here, in the *_BASE settings, rather than switching
# Scrapy's defaults off one by one: Scrapy imports every listed component, even a disabled
# one (RemoteControl alone pulls in aiohttp), which cost a start-up of 1.5 s.
DOWNLOADER_MIDDLEWARES_BASE = {
    "crawler.middlewares.AddressGuardMiddleware": 50,  # before anything is sent (crawler/addresses.py)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": 100,  # only with --obey-robots
    "scrapy.downloadermiddlewares.downloadtimeout.DownloadTimeoutMiddleware": 350,
    "scrapy.downloadermiddlewares.defaultheaders.DefaultHeadersMiddleware": 400,
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": 500,
    "crawler.middlewares.BackoffRetryMiddleware": 550,  # Scrapy's RetryMiddleware, with backoff
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": 590,
    "crawler.middlewares.EncodingRepairMiddleware": 595,
    "crawler.middlewares.NoRefererRedirectMiddleware": 600,
}
# Left out: downloader stats (they serialise every request; our counters suffice),
# offsite (external links are checked), meta refresh (a link, not a redirect), cookies
# (they cost on every request and a public portal needs none; session ids in URLs are
# stripped instead, crawler.urls.strip_session), HTTP auth and proxy, and the HTTP cache
# (it would hide dead links).
DOWNLOADER_MIDDLEWARES: dict[str, int] = {}
TWISTED_DNS_RESOLVER = "crawler.middlewares.GuardedResolver"
# Private addresses that may be requested (besides those the start URLs resolve to, which
# the runner adds): addresses or CIDR networks. Link-local and metadata ones never are.
DUWANG_ALLOWED_ADDRESSES: list[str] = []

# Every spider middleware wraps each yielded item in two more async generators. Left out:
# HttpError (the spider sees 4xx/5xx), UrlLength (TrapGuard bounds length), Depth (the
# spider tracks depth), Referer (no Referer, as other link checkers: hotlink protection
# passes an empty one), start-request marking and the meta-copy warning (development aids).
SPIDER_MIDDLEWARES_BASE: dict[str, int] = {}
SPIDER_MIDDLEWARES: dict[str, int] = {}

EXTENSIONS_BASE = {
    "scrapy.extensions.corestats.CoreStats": 0,
    "scrapy.extensions.logcount.LogCount": 0,
    "scrapy.extensions.memusage.MemoryUsage": 0,
    "scrapy.extensions.closespider.CloseSpider": 0,
    "scrapy.extensions.throttle.AutoThrottle": 0,
    "crawler.extensions.Progress": 500,
}
# Left out: the telnet console and RemoteControl (nobody steers a nightly job), feed
# export, spider state, memory debugger and LogStats (Progress reports instead).
EXTENSIONS: dict[str, int] = {}
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}

STATS_CLASS = "crawler.extensions.StatsCollector"

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
DUWANG_ALIASES: list[str] = []  # other hosts that are this site (an old domain): same findings
DUWANG_MIN_PAGES_RATIO = 0.5  # fewer pages than this share of the last complete run: incomplete
DUWANG_PLACEHOLDER_PATTERNS: list[str] = []  # a start page matching one is a maintenance page
DUWANG_SOFT404_PATTERNS: list[str] = []
DUWANG_WORDLISTS: list[str] = []
DUWANG_EXCLUDE: list[str] = []  # regexes; matching URLs are neither crawled nor checked
DUWANG_EXTERNAL_CACHE_DAYS = 7  # reuse a live external link's verdict this long; 0 = off
DUWANG_COLUMNS: dict[str, str] = {}  # URL prefix -> 栏目
DUWANG_DEPARTMENTS: dict[str, str] = {}  # URL prefix -> 责任单位
DUWANG_TEMPLATE_OWNER = "网站管理单位"  # 责任单位 of template (公共区域) findings
DUWANG_DISK_QUEUE = True  # a big queue spills to disk (a temporary JOBDIR per run)
DUWANG_QUEUE_MEMORY_MAX = 10_000  # requests kept in memory before the queue spills
SCHEDULER = "crawler.scheduler.SpillingScheduler"
# Breadth-first: a page's depth is its shortest distance from the start, so the depth
# bound stops traps, not long pagination chains (depth-first order once took 85 pages
# of a 20,000-page portal past depth 100); and the home page's links are checked first.
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
DUWANG_PROGRESS_ENABLED = True
DUWANG_TEXTCHECK_ENABLED = True
DUWANG_CHECK_WORKERS = 1  # processes for the text checks; 0 = in the crawl process
DUWANG_ATTACHMENTS_ENABLED = True  # download internal attachments (PDF, DOCX ...) and check their text
DUWANG_ATTACHMENT_MAX_MB = 20  # larger attachments are checked as links only, listed as not read
DUWANG_ATTACHMENT_TIME_LIMIT = 20  # seconds of text extraction per attachment
DUWANG_HIDDEN_LINKS_ENABLED = True  # hidden spam links (暗链) on every page
DUWANG_HIDDEN_LINK_ALLOW: list[str] = []  # domains whose links may be hidden, besides gov.cn, conac.cn
DUWANG_CLOAKING_ENABLED = True  # fetch the home page again as Baiduspider (cloaking)
DUWANG_EXTERNAL_HOSTS_ENABLED = True  # probe each external host's home page (external_changed)
