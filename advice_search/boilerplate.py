"""Recognise the parts of a scraped page that are not advice.

Three kinds of non-advice text, handled differently:
- page chrome and calls to action ("bottom of page", "sign up for my newsletter",
  "contact us here"): removed before chunking;
- author bios and legal disclaimers: kept (a reader may want them) but marked, so ranking
  can keep them from crowding out advice;
- metadata lines ("Posted On: ...", "Written By ..."): removed from the body and used to
  fill missing title/author/date fields.
"""

from __future__ import annotations

import re

from .text import split_sentences

# Whole lines that are page furniture.
_CHROME_LINE = re.compile(
    r"""^\s*(?:
        (?:top|bottom)\ of\ (?:the\ )?page
      | related\ (?:posts?|articles?|reading)
      | leave\ a\ (?:comment|reply)
      | (?:share|tweet|pin)\ (?:this|on\ \w+)
        (?:\ (?:post|article|page)(?:\s*:\s*[\w\ ,|/&]{0,40})?)?  # "Share this post: email"
      | (?:previous|next|older|newer)\ (?:post|article|entry)
      | skip\ to\ (?:main\ )?content
      | (?:menu|search|home|back\ to\ top|read\ more)
      | \S.{0,60}\ logo
      | (?:photo|image)\ (?:by|credit|source)\b.*
    )\s*[.!:]?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

# Sentences that sell or steer rather than advise; removed wherever they stand.
_CALL_TO_ACTION = re.compile(
    r"""(?:
        \bnewsletter\b | \bsign[\ -]?up\b | \bsubscribe\b | \bmailbox\b | \binbox\b
      | \bcontact\ (?:us|me|her|him)\ (?:here|today|now|at|by|via|on)\b
      | \bcontact\ (?:us|me|her|him)\ *[.!]
      | \bcontact\ (?:buttons?|form|page)\b
      | \b(?:email|call|text|message)\ (?:us|me|her|him)\ (?:here|today|now|at|on)\b
      | \breach\ out\ (?:to\ (?:us|me|our)|today|now)\b
      | \bclick\ (?:here|this\ link)\b | \bfollow\ this\ link\b | \bget\ started\ here\b
      | \btestimonials?\b | \bfull\ profile\b
      | \b(?:book|schedule)\ (?:an?|your)\ (?:free\ )?(?:appointment|session|consultation|call)\b
      | \baccepting\ new\ (?:patients|clients)\b | \bfree\ (?:initial\ )?consultation\b
      | \bregister\ as\ a\ new\ client\b
      | \(\d{3}\)\s*\d{3}[-.\s]\d{4}
    )""",
    re.IGNORECASE | re.VERBOSE,
)

_DISCLAIMER = re.compile(
    r"""(?:
        for\ (?:educational|informational)(?:\ and\ (?:educational|informational))?\ purposes\ only
      | not\ (?:intended\ to\ be\ )?a\ substitute\ for\ professional
      | solely\ at\ your\ own\ risk
      | (?:medical|psychiatric)\ emergency
    )""",
    re.IGNORECASE | re.VERBOSE,
)

_BIO_START = re.compile(
    r"^(?:this\ (?:post|article|blog)\ (?:is|was)\ written\ by|about\ the\ author\b|written\ by)",
    re.IGNORECASE | re.VERBOSE,
)
# What only an author's bio says: enough on its own for a sentence (``roles``)...
BIO_CUES = re.compile(
    r"""(?:
        \b(?:is|was|has\ been)\ (?:a|an)\ (?:licensed|registered|certified|board[-\ ]certified|
            passionate|practising|practicing)\b
      | \bhas\ been\ a\ .{0,30}since\ \d{4}\b
      | \bhas\ (?:worked|practised|practiced|been\ practicing)\b.{0,60}\bsince\ \d{4}\b
      | \bsince\ \d{4}\b.{0,40}\b(?:she|he|they)\b
      | \bis\ the\ author\ of\b | \bin\ (?:her|his|their)\ free\ time\b
      | \bworks\ with\ (?:her|his|their)\ clients\b
      | \bwith\ a\ (?:doctorate|master['’]?s|phd|degree)\b | \b(?:her|his)\ expertise\b
      | \bthis\ (?:post|article)\ (?:is|was)\ written\ by\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# ...and words a bio uses that advice may use too: a paragraph needs the author's name as well.
_CREDENTIALS = re.compile(r"\b(?:doctorate|masters?\ in|certified|licensed)\b", re.I | re.X)
_ABOUT_HEADING = re.compile(r"^about\s+(?:the\s+author|me|us|(?:dr\.?\s+)?[A-Z][\w.'-]+)", re.I)

_DATE_LINE = re.compile(
    r"^\s*(?:posted|published|updated|last\ updated|date)(?:\ on)?\s*:?\s*(?P<date>.{4,40}?)\s*$",
    re.IGNORECASE | re.VERBOSE,
)
_AUTHOR_LINE = re.compile(r"^\s*(?:written\s+)?by\s*:?\s+(?P<author>[A-Z][^\n]{1,80}?)\s*$", re.I)


def is_chrome_line(line: str) -> bool:
    return bool(_CHROME_LINE.match(line))


def strip_calls_to_action(paragraph: str) -> tuple[str, list[str]]:
    """The paragraph without its call-to-action sentences, and the sentences removed."""
    if not _CALL_TO_ACTION.search(paragraph):
        return paragraph, []
    if paragraph.lstrip().lower().startswith("p.s."):
        return "", [paragraph.strip()]
    kept, removed = [], []
    for sentence in split_sentences(paragraph):
        (removed if _CALL_TO_ACTION.search(sentence) else kept).append(sentence)
    return " ".join(kept), removed


def date_line(line: str) -> str | None:
    """The date of a "Posted On: December 11, 2023" line, else None."""
    match = _DATE_LINE.match(line)
    if match and re.search(r"\d{4}", match["date"]):
        return match["date"].strip()
    return None


def author_line(line: str) -> str | None:
    """The author of a "Written By Ashley Gray, LCSW" line, else None."""
    match = _AUTHOR_LINE.match(line)
    return match["author"].strip() if match else None


def about_heading_name(line: str) -> str | None:
    """The person named by an "About Dr. Jane Doe" heading, else None."""
    match = re.match(
        r"^\s*[Aa]bout\s+((?:[Dd]r\.?\s+)?[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){1,3})\s*$", line
    )
    return match[1] if match else None


def is_bio_heading(heading: str) -> bool:
    return bool(_ABOUT_HEADING.match(heading.strip()))


def paragraph_kind(paragraph: str, *, author: str | None = None) -> str:
    """ "disclaimer", "bio" or "advice" for one paragraph of body text."""
    if _DISCLAIMER.search(paragraph):
        return "disclaimer"
    if _BIO_START.match(paragraph.strip()):
        return "bio"
    if author and (BIO_CUES.search(paragraph) or _CREDENTIALS.search(paragraph)):
        surname = author.split(",")[0].split()[-1]
        first = author.split(",")[0].replace("Dr.", "").split()[0]
        if re.search(rf"\b(?:{re.escape(surname)}|{re.escape(first)})\b", paragraph):
            return "bio"
    return "advice"
