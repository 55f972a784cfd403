"""The national inspection's veto items, read from what the crawl stored (no Scrapy).

《政府网站与政务新媒体检查指标》 (国办秘函〔2019〕19号) fails a portal outright on a single
veto item (单项否决). After a complete run, `run.inspect_site` derives from the store:

- columns.py: stale_column (a column not updated within its window, or whose items carry no
  date), empty_column (空白栏目), and stale_home (the home page without a new item);
- backdate.py: backdated items (伪造发稿日期);
- standard.py: page_standard (page tags and footer of 《政府网站发展指引》);
- vetoes.py: each veto item's state and figures for a site, from the open findings (the
  scorecard's source).

The page facts they read are extracted during the crawl by crawler/pagefacts.py. The
findings go through the same lifecycle as the others (crawler/store/finalize.py).

The package itself imports nothing, so reading its labels stays cheap (the CLI's start-up).
"""
