"""The report as one self-contained HTML page (figures inlined, no scripts)."""

from __future__ import annotations

import base64
import html
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corridor.reports.document import Report
from corridor.reports.structure import (
    Image,
    Link,
    ListBlock,
    Para,
    Section,
    Sub,
    Table,
    Text,
    footer,
    meta_line,
    safe_href,
)

_CSS = """
:root { color-scheme: light; }
body { margin: 0; background: #fbfaf7; color: #1d1d1f;
  font: 16px/1.55 "Segoe UI", "Helvetica Neue", Arial, "Noto Sans", sans-serif; }
main, footer { max-width: 66rem; margin: 0 auto; padding: 0 1.5rem; }
header { padding: 2rem 0 0.5rem; border-bottom: 3px solid #0072b2; }
h1 { font-size: 1.9rem; line-height: 1.25; margin: 0 0 0.6rem; }
h2 { font-size: 1.35rem; margin: 2.2rem 0 0.6rem; padding-bottom: 0.2rem;
  border-bottom: 1px solid #d8d4cc; }
h3 { font-size: 1.08rem; margin: 1.4rem 0 0.4rem; }
p.lead { font-size: 1.2rem; font-weight: 600; color: #0b3d5c; margin: 0.4rem 0 0.8rem; }
p.note, figcaption, .meta { color: #55524c; font-size: 0.92rem; }
a { color: #005a8c; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 0.8rem 0 1.2rem; font-size: 0.9rem;
  background: #fff; }
caption { text-align: left; color: #55524c; padding: 0 0 0.4rem; font-size: 0.9rem; }
th, td { border: 1px solid #dcd8d0; padding: 0.35rem 0.5rem; vertical-align: top;
  text-align: left; }
th { background: #eef3f7; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
figure { margin: 1rem 0 1.6rem; }
figure img { width: 100%; height: auto; border: 1px solid #dcd8d0; background: #fff; }
ol.sources li { margin-bottom: 0.3rem; }
footer { margin-top: 3rem; padding-top: 0.8rem; padding-bottom: 2rem;
  border-top: 1px solid #d8d4cc; color: #55524c; font-size: 0.88rem; }
@media print { body { background: #fff; } h2 { break-after: avoid; }
  figure, table { break-inside: avoid; } }
"""


def _inline_html(text: Text) -> str:
    parts = text if isinstance(text, tuple) else (text,)
    out = []
    for part in parts:
        if isinstance(part, Link):
            if safe_href(part.href):
                out.append(f'<a href="{html.escape(part.href, quote=True)}">'
                           f"{html.escape(part.text)}</a>")
            else:
                out.append(html.escape(part.text))
        else:
            out.append(html.escape(part))
    return "".join(out)


def _block_html(block: Any) -> str:
    if isinstance(block, Para):
        style = f' class="{block.style}"' if block.style else ""
        return f"<p{style}>{_inline_html(block.text)}</p>"
    if isinstance(block, Sub):
        return f"<h3>{html.escape(block.text)}</h3>"
    if isinstance(block, ListBlock):
        tag = "ol" if block.ordered else "ul"
        style = ' class="sources"' if block.anchor == "src" else ""
        items = "".join(
            (f'<li id="{block.anchor}-{n}">' if block.anchor else "<li>")
            + _inline_html(item) + "</li>\n" for n, item in enumerate(block.items, start=1))
        return f"<{tag}{style}>\n{items}</{tag}>"
    if isinstance(block, Table):
        def cls(i: int) -> str:
            return ' class="num"' if i in block.numeric else ""

        caption = f"<caption>{html.escape(block.caption)}</caption>" if block.caption else ""
        head = "".join(f'<th scope="col"{cls(i)}>{html.escape(h)}</th>'
                       for i, h in enumerate(block.header))
        body = "".join("<tr>" + "".join(f"<td{cls(i)}>{_inline_html(cell)}</td>"
                                        for i, cell in enumerate(row)) + "</tr>\n"
                       for row in block.rows)
        return (f"<table>{caption}\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>"
                "\n</table>")
    if isinstance(block, Image):
        f = block.figure
        data = base64.b64encode(f.png).decode("ascii")
        return (f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(f.title)}">'
                f"<figcaption><strong>{html.escape(f.title)}.</strong> "
                f"{html.escape(f.caption)}</figcaption></figure>")
    raise TypeError(f"unknown block {block!r}")  # pragma: no cover


def render_html(report: Report, sections: list[Section]) -> str:
    body = []
    for section in sections:
        blocks = "\n".join(_block_html(b) for b in section.blocks)
        body.append(f'<section id="{section.key}">\n<h2>{html.escape(section.title)}</h2>\n'
                    f"{blocks}\n</section>")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="corridor {html.escape(report.corridor_version)}">\n'
        f"<title>{html.escape(report.title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        "<body>\n<main>\n<header>\n"
        f"<h1>{html.escape(report.title)}</h1>\n"
        f'<p class="lead">{html.escape(report.question)}</p>\n'
        f'<p class="meta">{html.escape(meta_line(report))}</p>\n</header>\n'
        + "\n".join(body)
        + f"\n</main>\n<footer>\n<p>{html.escape(footer(report))}</p>\n</footer>\n"
        "</body>\n</html>\n"
    )
