"""The HTML report in headless Chromium: no console errors, and the charts are drawn."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from crawler.report import build_report, parse_month, parse_year
from crawler.report.render_html import render_html

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]

# Draw a PNG into a canvas and measure it: the share of pixels that are not background,
# and how many distinct colours there are.
_MEASURE = """async (src) => {
  const img = new Image();
  img.src = src;
  await img.decode();
  const c = document.createElement('canvas');
  c.width = img.width; c.height = img.height;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let ink = 0; const colours = new Set();
  for (let i = 0; i < d.length; i += 4) {
    if (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235) ink++;
    colours.add((d[i] >> 4) * 256 + (d[i + 1] >> 4) * 16 + (d[i + 2] >> 4));
  }
  return {ink: ink / (d.length / 4), colours: colours.size, width: c.width, height: c.height};
}"""


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _open(browser, path: Path, screenshot: Path):
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    page.screenshot(path=str(screenshot), full_page=True)
    return page, errors, requests


def _measure(browser, png: bytes) -> dict:
    probe = browser.new_page()
    try:
        return probe.evaluate(_MEASURE, "data:image/png;base64," + base64.b64encode(png).decode())
    finally:
        probe.close()


@pytest.mark.parametrize("period", ["2026", "2026-11"])
def test_charts_render_without_errors(browser, history_db, tmp_path: Path, period: str):
    p = parse_year(period) if len(period) == 4 else parse_month(period)
    html = tmp_path / f"{period}.html"
    html.write_text(render_html(build_report(history_db, p, current_day="2026-12-31")), encoding="utf-8")
    page, errors, requests = _open(browser, html, tmp_path / f"{period}.png")
    try:
        assert errors == []
        assert requests == [html.as_uri()]  # works offline: nothing else is fetched
        assert (tmp_path / f"{period}.png").stat().st_size > 10_000
        for chart in ("trend", "backlog", "category", "department"):
            figure = page.locator(f"#chart-{chart}")
            box = figure.bounding_box()
            assert box and box["width"] > 600 and box["height"] > 150, chart
            m = _measure(browser, figure.screenshot())
            assert m["ink"] > 0.02, (chart, m)  # bars, lines, axes and labels are drawn
            assert m["colours"] >= 4, (chart, m)  # the series colours, not just text
        # Every series is drawn: bars for found and rectified, the backlog line.
        assert page.locator("#chart-trend .series .rect").count() > 0
        assert page.locator("#chart-backlog .series path.line").count() > 0
    finally:
        page.close()


def test_print_layout_renders(browser, history_db, tmp_path: Path):
    html = tmp_path / "print.html"
    html.write_text(render_html(build_report(history_db, parse_year("2026"), current_day="2026-12-31")),
                    encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto(html.as_uri())
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    finally:
        page.close()
