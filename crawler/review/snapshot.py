"""A page as the crawl saw it when a wording or privacy finding was made (快照).

The crawl keeps the HTML of each page where the text checks found something (identity
numbers masked before it is stored). Shown to a reviewer, it is hostile input: this
edits it as a BeautifulSoup tree (scripts, frames and event handlers out, the finding's
words wrapped in <mark>, a banner on top) and writes it back out. One page per view,
so BeautifulSoup's convenience costs nothing that matters; the response also carries
a sandboxing Content-Security-Policy (see views).
"""

from __future__ import annotations

from bs4 import BeautifulSoup, NavigableString, Tag

# Elements that run code, or whose content a browser never shows: removed with it.
_DROP = ("script", "noscript", "template", "iframe")
# Elements that load other documents or redirect, removed but their content kept: an
# <object>'s fallback text is the page's text, and lxml, which does not know <embed> or
# <frame> as void, nests the rest of the page inside them.
_UNWRAP = ("object", "embed", "applet", "param", "base", "frame", "frameset", "portal", "fencedframe")
# Attributes that name a URL; a script or document URL in one is removed.
_URL_ATTRS = frozenset({"href", "src", "action", "formaction", "data", "poster", "background", "xlink:href"})
_BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html", "data:application", "data:image/svg")
_SKIP_TEXT = frozenset({"style", "title", "textarea", "option"})

BANNER_STYLE = (
    "position:sticky;top:0;z-index:2147483647;margin:0;padding:8px 12px;background:#fff3cd;"
    "color:#333;border-bottom:2px solid #e0a800;font:14px/1.5 sans-serif;text-align:left"
)
MARK_STYLE = "background:#ffeb3b;color:#c00;outline:2px solid #c00"


def render(html: str, page_url: str, taken_at: str, words: list[str]) -> tuple[str, int]:
    """(sanitised page with each of `words` marked, how many places were marked)."""
    soup = BeautifulSoup(html, "lxml")
    for tag in soup.find_all(list(_DROP)):
        if not tag.decomposed:  # not already gone with a dropped parent
            tag.decompose()
    for tag in soup.find_all(list(_UNWRAP)):
        tag.unwrap()
    for meta in soup.find_all("meta"):
        if meta.get("http-equiv"):  # refresh, set-cookie, a policy of its own
            meta.decompose()
    for tag in soup.find_all(True):
        _clean_attributes(tag)
    marked = _mark(soup, [w for w in dict.fromkeys(words) if w])
    html_tag = soup.html or soup
    head = soup.head
    if head is None:
        head = soup.new_tag("head")
        html_tag.insert(0, head)
    if page_url.lower().startswith(("http://", "https://")):
        # Images and styles load from the live site, relative to the page.
        head.insert(0, soup.new_tag("base", href=page_url))
    head.insert(0, soup.new_tag("meta", charset="utf-8"))
    body = soup.body
    if body is None:
        body = soup.new_tag("body")
        html_tag.append(body)
    body.insert(0, _banner(soup, page_url, taken_at, marked))
    return str(soup), marked


def _clean_attributes(tag: Tag) -> None:
    for name in list(tag.attrs):
        lowered = name.lower()
        value = tag.attrs[name]
        if lowered.startswith("on") or lowered in ("srcdoc", "ping", "http-equiv"):
            del tag.attrs[name]
        elif lowered in _URL_ATTRS and isinstance(value, str):
            compact = "".join(value.split()).lower()
            if compact.startswith(_BAD_SCHEMES):
                del tag.attrs[name]


def _mark(soup: BeautifulSoup, words: list[str]) -> int:
    """Wrap each occurrence of the words in visible text in <mark>; the longest word first."""
    if not words:
        return 0
    words = sorted(words, key=len, reverse=True)
    count = 0
    for string in list(soup.find_all(string=True)):
        if type(string) is not NavigableString or string.parent is None:
            continue  # comments, doctype, CDATA
        if string.parent.name in _SKIP_TEXT:
            continue
        pieces = _split(str(string), words)
        if not any(is_word for _, is_word in pieces):
            continue
        nodes: list[NavigableString | Tag] = []
        for text, is_word in pieces:
            if is_word:
                mark = soup.new_tag("mark", attrs={"class": "duwang-hit", "style": MARK_STYLE})
                mark.string = text
                nodes.append(mark)
                count += 1
            elif text:
                nodes.append(NavigableString(text))
        string.replace_with(*nodes)
    return count


def _split(text: str, words: list[str]) -> list[tuple[str, bool]]:
    """text cut into (piece, is one of the words), words matched left to right."""
    pieces: list[tuple[str, bool]] = []
    pos = 0
    while True:
        found = [(i, w) for w in words if (i := text.find(w, pos)) != -1]
        if not found:
            break
        start, word = min(found, key=lambda f: (f[0], -len(f[1])))
        pieces += [(text[pos:start], False), (word, True)]
        pos = start + len(word)
    pieces.append((text[pos:], False))
    return [p for p in pieces if p[0] or p[1]]


def _banner(soup: BeautifulSoup, page_url: str, taken_at: str, marked: int) -> Tag:
    div = soup.new_tag("div", attrs={"id": "duwang-snapshot-banner", "style": BANNER_STYLE})
    where = (f"已标出 {marked} 处问题文字。" if marked
             else "未能在快照正文中定位问题文字（可能位于标题、图片说明或被标签分隔）。")
    div.string = (
        f"读网快照：{taken_at} 抓取的 {page_url}。已移除脚本和内嵌框架，身份证号已遮盖；"
        f"图片和样式取自现网。{where}"
    )
    return div
