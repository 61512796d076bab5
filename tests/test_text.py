"""Sentence spans: what the sentence signal embeds and the page highlights."""

from __future__ import annotations

from advice_search.text import normalise_for_patterns, sentence_spans


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def test_each_list_item_is_its_own_sentence() -> None:
    text = "Couples contact me when;\n\n1. They have communication difficulties,\n\n2. They want more fun,"
    assert _sentences(text) == [
        "Couples contact me when;",
        "1. They have communication difficulties,",
        "2. They want more fun,",
    ]


def test_abbreviations_initials_and_wrapped_lines_do_not_end_sentences() -> None:
    text = "Dr. Lee met J. Smith, i.e. a client.\nShe wrote\nmore. Then she left."
    assert _sentences(text) == [
        "Dr. Lee met J. Smith, i.e. a client.",
        "She wrote\nmore.",
        "Then she left.",
    ]


def test_no_is_a_number_only_before_a_digit() -> None:
    assert _sentences("He said no. Again. It was No. 5 on her list.") == [
        "He said no.",
        "Again.",
        "It was No. 5 on her list.",
    ]


def test_spans_cover_every_visible_character() -> None:
    text = "  One. two three? Four!\n\n  - five six\n\nSeven"
    covered = "".join(text[a:b] for a, b in sentence_spans(text))
    assert "".join(covered.split()) == "".join(text.split())


def test_normalise_for_patterns_drops_apostrophes_accents_and_punctuation() -> None:
    assert normalise_for_patterns("I DON’T feel  safe!") == "i dont feel safe ."
    assert normalise_for_patterns("My fiancée said he'd go.\nThen…") == (
        "my fiancee said hed go . then ."
    )
    assert normalise_for_patterns("he's—“done” with_me?") == "hes done with me ."
