"""`duwang check-text` output: one line per hit, or JSONL with the same fields.

Apart from render.py, whose label tables come from the store and the crawl's checks (0.4 s
of imports): a draft's hits are the text checker's own categories.
"""

from __future__ import annotations

import json

from crawler.textcheck.codes import category_label


def render_document_hits(name: str, found: list, fmt: str) -> str:
    """``found``: the Located hits of textcheck.document.check_document."""
    if fmt == "jsonl":
        return "".join(
            json.dumps({"file": name, "line": f.line, "column": f.column, "field": f.hit.field,
                        "kind": f.hit.kind, "category": f.hit.category, "text": f.hit.text,
                        "suggestion": f.hit.suggestion, "context": f.hit.context,
                        "severity": f.hit.severity, "rule": f.hit.rule}, ensure_ascii=False) + "\n"
            for f in found
        )
    lines = []
    for f in found:
        where = f"{name}:{f.line}:{f.column}" + ("" if f.hit.field == "body" else f" ({f.hit.field})")
        fix = f" → {f.hit.suggestion}" if f.hit.suggestion else ""
        lines.append(f"{where}: {category_label(f.hit.category)}「{f.hit.text}」{fix}  …{f.hit.context}…")
    lines.append(f"共发现 {len(found)} 处问题。" if found else "未发现问题。")
    return "\n".join(lines) + "\n"
