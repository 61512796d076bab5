"""Reading the corpus: metadata, cleaning, and one clear reason for every file it skips."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from advice_search import corpus
from advice_search.corpus import (
    CorpusError,
    CorpusFileError,
    decode,
    load_corpus,
    parse_article,
    read_article,
)
from advice_search.listing import Listing

from .sample_corpus import BOUNDARIES, MONEY_TXT, SLEEP, write_corpus

ROOT = Path(__file__).resolve().parent.parent

GOOD = "A Short Article\n\nTalk to your partner when you are both calm. It helps.\n"


def reasons(directory: Path) -> dict[str, str]:
    return {s.path: s.reason for s in load_corpus(directory).skipped}


# ---------------------------------------------------------------- metadata and cleaning


def test_front_matter_fields_become_article_metadata() -> None:
    art = parse_article(BOUNDARIES, path="boundaries.md", article_id="boundaries")
    assert art.title == "Setting Boundaries Without Starting a Fight"
    assert art.author == "Dr. Jane Doe"
    assert art.site == "Calm Couples"
    assert art.date == "2024-03-01"
    assert art.url == "https://example.org/boundaries"
    assert "title:" not in art.body and "---" not in art.body
    assert art.body.startswith("Why boundaries matter\n\nA boundary tells your partner")


def test_plain_text_title_is_the_first_heading_like_line_and_lines_above_it_are_dropped() -> None:
    text = (
        "Accepting new patients, quick appointments available.\n\n"
        "Two friends laughing over coffee.\n\n"
        "How To Apologise Well\n\n"
        "Say what you did, without excuses. Then ask what would help.\n"
    )
    art = parse_article(text, path="apology.txt", article_id="apology")
    assert art.title == "How To Apologise Well"
    assert art.body == "Say what you did, without excuses. Then ask what would help."
    assert "Two friends laughing over coffee." in art.removed


def test_written_by_and_posted_on_lines_become_metadata() -> None:
    art = parse_article(MONEY_TXT, path="money-talks.txt", article_id="money-talks")
    assert art.title == "Talking About Money Without Blame"
    assert art.author == "Alex Kim, CFP"
    assert art.date == "June 5, 2023"
    assert "Written By" not in art.body and "Posted On" not in art.body


def test_page_boilerplate_is_removed_and_advice_sentences_stay() -> None:
    art = parse_article(MONEY_TXT, path="money-talks.txt", article_id="money-talks")
    for chrome in (
        "top of page",
        "bottom of page",
        "Budget Buddies Logo",
        "Related Posts",
        "Leave a Comment",
        "newsletter",
        "contact us here",
    ):
        assert chrome.lower() not in art.body.lower(), chrome
    # The newsletter sentence shared a paragraph with advice: only it went.
    assert "Set a monthly money date. Sit down together" in art.body
    assert "agree on one goal for the next month." in art.body
    assert "Keep a small personal allowance for each partner" in art.body
    assert "Sign up for our newsletter to get more budgeting tips." in art.removed


def test_real_corpus_articles_are_cleaned() -> None:
    loaded = load_corpus(ROOT / "corpus")
    assert loaded.skipped == ()
    by_id = {a.article_id: a for a in loaded.articles}
    gray = by_id["what-to-do-when-your-partner-wont-go-to-couples-therapy"]
    assert gray.author == "Ashley Gray, LCSW, MFTC"
    assert "top of page" not in gray.body and "bottom of page" not in gray.body
    assert "sign up for my newsletter" not in gray.body
    lee = by_id["alone-in-the-room-partner-refuses-therapy"]
    assert "Eroscoaching Logo" not in lee.body and "contact us here" not in lee.body
    assert "Take time for yourself and focus on self-care." in lee.body
    assert lee.date == "2023-12-11"  # front matter wins over the "Posted On" line


def test_article_ids_are_readable_slugs_of_the_file_names(tmp_path: Path) -> None:
    (tmp_path / "What If? (2023).md").write_text(GOOD)
    (tmp_path / "Ça va.txt").write_text(GOOD.replace("calm", "rested"))
    ids = sorted(a.article_id for a in load_corpus(tmp_path).articles)
    assert ids == ["ca-va", "what-if-2023"]
    assert ids == sorted(a.article_id for a in load_corpus(tmp_path).articles)  # stable


def test_same_file_name_in_two_places_gets_two_ids(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "tips.md").write_text(GOOD)
    (tmp_path / "tips.txt").write_text(GOOD.replace("calm", "rested"))
    (tmp_path / "sub" / "tips.md").write_text(GOOD.replace("calm", "fed"))
    (tmp_path / "tips-txt.md").write_text(GOOD.replace("calm", "ready"))
    ids = [a.article_id for a in load_corpus(tmp_path).articles]
    assert len(ids) == 4 and len(set(ids)) == 4, ids


# ---------------------------------------------------------------- decoding


def test_windows_1252_text_is_read_with_a_note(tmp_path: Path) -> None:
    text = "Café Talk\n\nSay \u201cthank you\u201d every day \u2013 it matters. Really.\n"
    (tmp_path / "cafe.txt").write_bytes(text.encode("cp1252"))
    loaded = load_corpus(tmp_path)
    assert loaded.skipped == ()
    (art,) = loaded.articles
    assert art.title == "Café Talk"
    assert "\u201cthank you\u201d every day \u2013 it matters." in art.body
    assert loaded.notes and "Windows-1252" in loaded.notes[0] and "cafe.txt" in loaded.notes[0]


def test_utf16_text_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    (tmp_path / "notepad.txt").write_bytes(GOOD.encode("utf-16"))
    loaded = load_corpus(tmp_path)
    assert [a.title for a in loaded.articles] == ["A Short Article"]
    assert "UTF-16" in loaded.notes[0]


def test_decode_refuses_binary_and_empty_data() -> None:
    with pytest.raises(CorpusFileError, match="binary"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    with pytest.raises(CorpusFileError, match="binary"):
        decode(bytes(range(1, 256)) * 16)  # no NUL byte, but not UTF-8 and not text
    with pytest.raises(CorpusFileError, match="empty"):
        decode(b" \n\t\n")
    assert decode("naïve".encode())[0] == "naïve"
    assert decode("\ufeffBOM first".encode())[0] == "BOM first"


# ---------------------------------------------------------------- bad files


def test_each_bad_file_is_skipped_with_its_reason_and_the_rest_is_loaded(tmp_path: Path) -> None:
    write_corpus(tmp_path)  # three good articles
    (tmp_path / "empty.md").write_text("")
    (tmp_path / "blank.txt").write_text("\n  \n\t\n")
    (tmp_path / "image.md").write_bytes(os.urandom(4096) + b"\x00")
    (tmp_path / "broken-yaml.md").write_text('---\ntitle: "unclosed\nauthor: [\n---\nText here.\n')
    (tmp_path / "rule.md").write_text("----\n")
    (tmp_path / "heading-only.md").write_text("# Just A Heading\n")
    (tmp_path / "sleep2.md").write_text(SLEEP)
    (tmp_path / "linked.md").symlink_to(tmp_path / "boundaries.md")
    (tmp_path / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    os.mkfifo(tmp_path / "pipe.md")  # reading it would block forever
    (tmp_path / "folder.md").mkdir()  # a directory is not an article (and is not listed)
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")  # not a corpus file type

    loaded = load_corpus(tmp_path)
    assert sorted(a.path for a in loaded.articles) == [
        "boundaries.md",
        "money-talks.txt",
        "sleep.md",
    ]
    got = reasons(tmp_path)
    assert set(got) == {
        "empty.md",
        "blank.txt",
        "image.md",
        "broken-yaml.md",
        "rule.md",
        "heading-only.md",
        "sleep2.md",
        "linked.md",
        "dangling.md",
        "pipe.md",
    }
    assert got["empty.md"] == got["blank.txt"] == "empty file"
    assert "binary file" in got["image.md"]
    assert "broken YAML front matter at line" in got["broken-yaml.md"]
    assert "no article text" in got["rule.md"] and "no article text" in got["heading-only.md"]
    assert got["sleep2.md"].startswith("duplicate of sleep.md")
    assert "symbolic link" in got["linked.md"] and "symbolic link" in got["dangling.md"]
    assert "not a regular file" in got["pipe.md"]


def test_the_same_article_as_markdown_and_as_scraped_text_is_a_duplicate(tmp_path: Path) -> None:
    md = BOUNDARIES
    txt = md.split("---\n", 2)[2]  # the same article without front matter...
    txt = "Setting Boundaries Without Starting a Fight\n\nPosted On: March 1, 2024\n" + txt
    (tmp_path / "a-boundaries.md").write_text(md)
    (tmp_path / "b-boundaries.txt").write_text(txt)
    loaded = load_corpus(tmp_path)
    assert [a.path for a in loaded.articles] == ["a-boundaries.md"]
    assert reasons(tmp_path) == {
        "b-boundaries.txt": "duplicate of a-boundaries.md (same text); keep one of them"
    }


def test_a_huge_file_is_skipped_without_being_read(tmp_path: Path) -> None:
    write_corpus(tmp_path)
    line = b"All work and no play makes a dull relationship. " * 20 + b"\n"
    with open(tmp_path / "dump.txt", "wb") as handle:
        for _ in range(50_000_000 // len(line) + 1):
            handle.write(line)
    assert (tmp_path / "dump.txt").stat().st_size >= 50_000_000
    loaded = load_corpus(tmp_path)
    assert len(loaded.articles) == 3
    assert reasons(tmp_path) == {
        "dump.txt": "50 MB is too large for an article (limit 5 MB); split it into separate articles"
    }


def test_a_file_that_vanishes_between_listing_and_reading_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_corpus(tmp_path)
    listed = corpus.list_corpus(tmp_path)

    def list_then_delete(directory: Path) -> Listing:
        (tmp_path / "sleep.md").unlink()  # deleted by someone else right after the listing
        return listed

    monkeypatch.setattr(corpus, "list_corpus", list_then_delete)
    loaded = load_corpus(tmp_path)
    assert [a.path for a in loaded.articles] == ["boundaries.md", "money-talks.txt"]
    assert [(s.path, s.reason) for s in loaded.skipped] == [
        ("sleep.md", "vanished while being read")
    ]


def test_a_yaml_alias_bomb_in_front_matter_does_not_hang(tmp_path: Path) -> None:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    text = "---\n" + "\n".join(levels) + "\ntitle: *i\nauthor: [Ann Lee, Bo Chan]\n---\n"
    art = parse_article(text + "Rest well. Eat well.\n", path="bomb.md", article_id="bomb")
    assert art.title == "Bomb"  # the nested title is ignored, not expanded (9**9 items)
    assert art.author == "Ann Lee, Bo Chan"
    assert art.body == "Rest well. Eat well."


def test_read_article_names_the_problem(tmp_path: Path) -> None:
    (tmp_path / "x.md").write_text("---\ntitle: [a\n---\nBody. Text.\n")
    with pytest.raises(CorpusFileError, match=r"broken YAML front matter at line \d+; fix it"):
        read_article(tmp_path / "x.md", tmp_path)
    (tmp_path / "y.md").write_text("---\n- just\n- a list\n---\nBody. Text.\n")
    with pytest.raises(CorpusFileError, match="front matter is not"):
        read_article(tmp_path / "y.md", tmp_path)


def test_a_missing_corpus_directory_is_a_corpus_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="No corpus directory"):
        load_corpus(tmp_path / "nowhere")
    (tmp_path / "file").write_text(GOOD)
    with pytest.raises(CorpusError, match="No corpus directory"):
        load_corpus(tmp_path / "file")


def test_an_empty_corpus_loads_nothing(tmp_path: Path) -> None:
    loaded = load_corpus(tmp_path)
    assert loaded.articles == () and loaded.skipped == ()


def test_hidden_files_and_link_loops_are_not_walked(tmp_path: Path) -> None:
    write_corpus(tmp_path)
    (tmp_path / ".drafts").mkdir()
    (tmp_path / ".drafts" / "draft.md").write_text(GOOD)
    (tmp_path / "loop").symlink_to(tmp_path)  # a directory link back to the corpus
    loaded = load_corpus(tmp_path)
    assert sorted(a.path for a in loaded.articles) == [
        "boundaries.md",
        "money-talks.txt",
        "sleep.md",
    ]
    assert loaded.skipped == ()


# ---------------------------------------------------------------- hostile files (issue 13)


def test_a_file_name_that_is_not_utf8_is_skipped_with_a_reason(tmp_path: Path) -> None:
    write_corpus(tmp_path)
    (tmp_path / "sub").mkdir()
    for name in (b"caf\xe9 \xff.md", b"sub/\xff.txt"):  # e.g. copied from an old Windows disk
        Path(os.fsdecode(os.fsencode(tmp_path) + b"/" + name)).write_bytes(GOOD.encode())
    loaded = load_corpus(tmp_path)
    assert len(loaded.articles) == 3
    got = reasons(tmp_path)
    assert got == {
        "caf\\xe9 \\xff.md": "the file name is not valid UTF-8; rename it",
        "sub/\\xff.txt": "the file name is not valid UTF-8; rename it",
    }
    for skipped in loaded.skipped:  # printable and storable as JSON text
        skipped.path.encode("utf-8")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("title: yes", "yes"),
        ("title: No", "No"),
        ("title: 1e3", "1e3"),
        ("title: 0x1F", "0x1F"),
        ("title: .inf", ".inf"),
        ("date: 12:30", "12:30"),
        ("date: 2024-03-01", "2024-03-01"),
        ("date: 2024-03-01 10:00:00", "2024-03-01 10:00:00"),
        ("author: 007", "007"),
        ("author: ~", None),
        ("author: null", None),
        ("author:", None),
    ],
)
def test_front_matter_values_are_text_as_written(line: str, expected: str | None) -> None:
    field = line.split(":")[0]
    art = parse_article(f"---\n{line}\n---\n\n{GOOD}", path="x.md", article_id="x")
    if field == "title":
        assert art.title == expected
    else:
        assert getattr(art, field) == expected


def test_control_and_bidi_characters_are_removed_from_metadata() -> None:
    text = (
        "---\n"
        'title: "Safe \\u202eevil\\u202c title\\x1b[31m \\u2066x\\u2069"\n'
        'author: "Ann\\u200f Lee\\x00\\a"\n'
        "site: |\n  Two\n  lines\n"
        "---\n\n" + GOOD
    )
    art = parse_article(text, path="x.md", article_id="x")
    assert art.title == "Safe evil title[31m x"
    assert art.author == "Ann Lee"
    assert art.site == "Two lines"


def test_front_matter_that_never_closes_is_a_skip_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "open.md").write_text("---\ntitle: Forgot to close\nauthor: Ann\n\n" + GOOD)
    (tmp_path / "rule.md").write_text("---\n\nA thematic break first. " + GOOD)
    got = reasons(tmp_path)
    assert got == {
        "open.md": "the front matter opened by --- on line 1 is never closed; add a --- line "
        "after its last field"
    }
    assert [a.path for a in load_corpus(tmp_path).articles] == ["rule.md"]


def test_an_unreadable_sub_folder_is_reported_not_skipped_silently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_corpus(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "hidden-article.md").write_text(GOOD)
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:  # as root, chmod 000 cannot stop a read
        if os.fspath(path) == os.fspath(locked):  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", os.fspath(path))  # type: ignore[arg-type]
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    loaded = load_corpus(tmp_path)
    assert len(loaded.articles) == 3
    assert reasons(tmp_path) == {
        "locked/": "folder cannot be read (Permission denied); fix its permissions"
    }


def test_an_article_too_long_to_embed_in_reasonable_time_is_skipped_unparsed(
    tmp_path: Path,
) -> None:
    write_corpus(tmp_path)
    sentence = "Couples argue about money more than almost anything else and this never ends "
    text = "Title\n\n" + sentence * 60_000  # 4.7 MB in one line
    (tmp_path / "one-line.txt").write_text(text)
    loaded = load_corpus(tmp_path)
    assert len(loaded.articles) == 3
    assert reasons(tmp_path) == {
        "one-line.txt": f"{len(text):,} characters is too long for one article (limit 100,000); "
        "split it into separate articles"
    }


def test_metadata_longer_than_any_real_title_is_ignored() -> None:
    text = "---\ntitle: " + "word " * 2000 + "\nauthor: Ann\n---\n\n" + GOOD
    art = parse_article(text, path="long-title.md", article_id="long-title")
    assert art.title == "A Short Article" and art.author == "Ann"


def test_inline_base64_images_are_not_indexed_as_text() -> None:
    blob = "iVBORw0KGgo" + "A" * 60_000 + "=="
    text = (
        f"# Calm Talks\n\nTalk when you are both calm. ![a photo](data:image/png;base64,{blob})\n\n"
        f"Listen first. <img src='data:image/jpeg;base64,{blob}'> Then answer.\n"
    )
    art = parse_article(text, path="x.md", article_id="x")
    assert "base64" not in art.body and "AAAA" not in art.body
    assert "Talk when you are both calm." in art.body and "Then answer." in art.body


def test_headings_and_separators_without_prose_are_not_an_article() -> None:
    with pytest.raises(CorpusFileError, match="no article text"):
        parse_article("# One\n\n----\n\n## Two\n\n***\n", path="h.md", article_id="h")
    art = parse_article("# One\n\n## Two\n\nBe kind.\n", path="k.md", article_id="k")
    assert art.body == "## Two\n\nBe kind."
