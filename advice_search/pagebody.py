"""trafilatura's article tree -> the Markdown our corpus reader understands.

One block per paragraph; headings as "## ", list items as "- " or "1. " (nested ones
indented); tables as one line per row. No emphasis, link or image syntax: the page shows
article text literally, so markup would only add noise to passages.
"""

from __future__ import annotations

from typing import Any

_BLOCK_TAGS = {"p", "head", "quote", "list", "item", "table", "row", "cell", "code"}


def structure_markers(tree: Any) -> dict[str, str]:
    """The Markdown marker of each heading and list item of the page, by its text.

    When trafilatura finds no article container it returns flat paragraphs; a paragraph
    whose text is exactly a heading or a list item of the page gets its marker back.
    """
    markers: dict[str, str] = {}
    for heading in tree.xpath("//h2 | //h3 | //h4 | //h5 | //h6"):
        markers.setdefault(_text(heading), "#" * int(heading.tag[1]) + " ")
    for listing in tree.xpath("//ol | //ul"):
        number = int(listing.get("start", "1")) if listing.get("start", "1").isdigit() else 1
        for item in listing.xpath("./li"):
            marker = f"{number}. " if listing.tag == "ol" else "- "
            markers.setdefault(_text(item, skip=("ol", "ul")), marker)
            number += 1
    markers.pop("", None)
    return markers


def markdown_blocks(body: Any, structure: dict[str, str]) -> list[str]:
    """trafilatura's article tree as plain Markdown blocks: paragraphs, headings, lists."""
    for br in body.iter("lb"):
        br.tail = " " + (br.tail or "")
    blocks: list[str] = []
    for element in body:
        _block(element, blocks, depth=0)
        if element.tag == "p" and blocks and blocks[-1] in structure:
            blocks[-1] = structure[blocks[-1]] + blocks[-1]
    return [b for b in blocks if b.strip()]


def _block(element: Any, blocks: list[str], *, depth: int) -> None:
    tag = element.tag
    if tag == "head":
        level = element.get("rend", "h2")[1:]
        hashes = "#" * (int(level) if level.isdigit() and 1 < int(level) < 7 else 2)
        blocks.append(f"{hashes} {_text(element)}")
    elif tag == "list":
        lines = []
        _list(element, lines, depth=depth)
        blocks.append("\n".join(lines))
    elif tag == "table":
        for row in element.iter("row"):
            cells = [_text(cell) for cell in row if _text(cell)]
            if cells:
                blocks.append(" | ".join(cells))
    elif tag != "graphic":
        blocks.append(_text(element))


def _list(element: Any, lines: list[str], *, depth: int) -> None:
    ordered = element.get("rend") == "ol"
    number = 0
    for item in element:
        if item.tag != "item":
            continue
        number += 1
        marker = f"{number}." if ordered else "-"
        text = _text(item, skip=("list",))
        if text:
            lines.append(f"{'   ' * depth}{marker} {text}")
        for sub in item.iter("list"):
            if sub.getparent() is item or sub.getparent().getparent() is item:
                _list(sub, lines, depth=depth + 1)


def _text(element: Any, *, skip: tuple[str, ...] = ()) -> str:
    """The element's text, whitespace collapsed; ``skip`` leaves out nested elements."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag not in skip:  # comments are not text
            inner = _text(child, skip=skip)
            parts.append(f" {inner} " if child.tag in _BLOCK_TAGS else inner)
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())
