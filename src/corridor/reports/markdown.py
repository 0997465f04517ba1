"""The report as Markdown, with its figures as files beside it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

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

_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|#])")


def _md_escape(text: str) -> str:
    text = _MD_SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", text))
    return re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", text)


def _inline_md(text: Text) -> str:
    parts = text if isinstance(text, tuple) else (text,)
    out = []
    for part in parts:
        if isinstance(part, Link):
            if part.href.startswith("#"):
                out.append(_md_escape(part.text))  # Markdown has no portable anchors
            elif safe_href(part.href):
                out.append(f"<{part.href}>" if part.text == part.href
                           else f"[{_md_escape(part.text)}]({part.href})")
            else:
                out.append(_md_escape(part.text))
        else:
            out.append(_md_escape(part))
    return "".join(out)


def _block_md(block: Any, folder: str) -> str:
    if isinstance(block, Para):
        text = _inline_md(block.text)
        return f"*{text}*" if block.style == "note" and text else text
    if isinstance(block, Sub):
        return f"### {_md_escape(block.text)}"
    if isinstance(block, ListBlock):
        return "\n".join((f"{n}. " if block.ordered else "- ") + _inline_md(item)
                         for n, item in enumerate(block.items, start=1))
    if isinstance(block, Table):
        head = "| " + " | ".join(_md_escape(h) or " " for h in block.header) + " |"
        rule = "|" + "|".join("---:" if i in block.numeric else "---"
                              for i in range(len(block.header))) + "|"
        rows = ["| " + " | ".join(_inline_md(c) or " " for c in row) + " |"
                for row in block.rows]
        caption = [f"*{_md_escape(block.caption)}*", ""] if block.caption else []
        return "\n".join([*caption, head, rule, *rows])
    if isinstance(block, Image):
        f = block.figure
        return (f"![{_md_escape(f.title)}]({quote(folder)}/{quote(f.name)}.png)\n\n"
                f"*{_md_escape(f.title)}.* {_md_escape(f.caption)}")
    raise TypeError(f"unknown block {block!r}")  # pragma: no cover


def render_markdown(report: Report, sections: list[Section], folder: str) -> str:
    out = [f"# {_md_escape(report.title)}", "", f"**{_md_escape(report.question)}**", "",
           f"*{_md_escape(meta_line(report))}*", ""]
    for section in sections:
        out += [f"## {_md_escape(section.title)}", ""]
        for block in section.blocks:
            out += [_block_md(block, folder), ""]
    out += ["---", "", _md_escape(footer(report)), ""]
    return "\n".join(out)
