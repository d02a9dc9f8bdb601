"""Paragraphs cut into units of whole sentences, at places the text itself decides."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SEED
from pipeline import sentences
from pipeline.sentences import LONG_CHARS, MIN_CHARS, pieces
from pipeline.transcript import parse


@pytest.mark.parametrize("text, expected", [
    ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
    ('He said "stop." Then he left.', ['He said "stop."', "Then he left."]),
    ("Dr. Tian and Mr. Wu met at 3 p.m. Monday. Then St. Louis.",
     ["Dr. Tian and Mr. Wu met at 3 p.m. Monday.", "Then St. Louis."]),
    ("J. R. R. Tolkien wrote it. It sold, e.g. 100 copies. Fine.",
     ["J. R. R. Tolkien wrote it.", "It sold, e.g. 100 copies.", "Fine."]),
    ("Version 3.5 is out. it is lower case. 2024 was good.",
     ["Version 3.5 is out. it is lower case.", "2024 was good."]),
    ("GPT2 vs. AGI. RLHF matters.", ["GPT2 vs. AGI.", "RLHF matters."]),
    ("No end", ["No end"]),
])
def test_sentences_end_where_a_reader_would_pause(text, expected):
    assert sentences.sentences(text) == expected


words = st.sampled_from(["the", "model", "API", "we", "Dr.", "talked", "about", "it", "data", "U.S."])
sentence = st.builds(
    lambda ws, end: (" ".join(ws)).capitalize() + end,
    st.lists(words, min_size=1, max_size=30), st.sampled_from([".", "?", "!"]))
paragraph = st.lists(sentence, min_size=1, max_size=25)


@settings(max_examples=200, deadline=None)
@given(paragraph)
def test_pieces_are_runs_of_whole_sentences_and_keep_every_word(parts):
    text = " ".join(parts)
    out = pieces(text)
    assert " ".join(out).split() == text.split()
    assert all(p == p.strip() and p for p in out)
    for piece in out[:-1]:                      # all but the last piece end on a long sentence
        assert len(sentences.sentences(piece)[-1]) >= MIN_CHARS
        assert piece[-1] in ".?!"


@settings(max_examples=200, deadline=None)
@given(paragraph, st.data())
def test_an_edited_sentence_changes_at_most_its_piece_and_one_neighbour(parts, data):
    """Content-defined cutting: the pieces before and after the edit are the same strings, so
    their units keep their keys and cached audio. (Cutting every n sentences would fail this
    for an inserted or deleted sentence.)"""
    i = data.draw(st.integers(0, len(parts) - 1))
    how = data.draw(st.sampled_from(["replace", "insert", "delete"]))
    new = [data.draw(sentence)] if how != "delete" else []
    edited = parts[:i] + new + parts[i + (how != "insert"):]
    before, after = pieces(" ".join(parts)), pieces(" ".join(edited))
    front = _common_prefix(before, after)
    back = min(_common_prefix(before[::-1], after[::-1]), min(len(before), len(after)) - front)
    assert len(before) - front - back <= 2
    assert len(after) - front - back <= 2


def test_an_edit_keeps_the_other_pieces_of_a_long_seed_paragraph():
    script = parse(SEED)
    paragraphs = [p for t in script.turns for p in t.paragraphs]
    assert sum(len(pieces(p)) for p in paragraphs) >= 1.5 * len(paragraphs)
    paragraph = max(paragraphs, key=lambda p: len(pieces(p)))
    parts = sentences.sentences(paragraph)
    assert len(pieces(paragraph)) >= 3
    middle = len(parts) // 2
    edited = " ".join(parts[:middle] + ["This sentence was rewritten after the recording."] + parts[middle + 1:])
    before, after = pieces(paragraph), pieces(edited)
    assert len(set(before) - set(after)) <= 2
    assert len(set(before) & set(after)) >= len(before) - 2


def test_short_sentences_never_end_a_piece():
    assert pieces("Yes. No. Maybe.") == ["Yes. No. Maybe."]
    short = " ".join(f"Sentence {i} is a bit under the length that could end a piece of the text here." for i in range(40))
    assert all(len(x) < MIN_CHARS for x in sentences.sentences(short))
    assert pieces(short) == [short]
    middling = " ".join(f"This is sentence number {i}, which goes on for long enough to end a piece of the text "
                        "when its hash says so, and no longer." for i in range(40))
    assert all(MIN_CHARS <= len(x) < LONG_CHARS for x in sentences.sentences(middling))
    out = pieces(middling)
    assert 8 < len(out) < 32                    # about half of them end a piece


def test_long_sentences_always_end_a_piece():
    long = " ".join(f"This is sentence number {i}, which goes on and on, well past the length at which a "
                    "sentence always ends its piece of the text, whatever its hash may happen to be." for i in range(12))
    assert all(len(x) >= LONG_CHARS for x in sentences.sentences(long))
    assert pieces(long) == sentences.sentences(long)


def _common_prefix(a: list[str], b: list[str]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def test_a_run_without_sentence_ends_is_cut_into_bounded_pieces():
    from pipeline.sentences import MAX_SENTENCE, sentences

    run_on = " ".join(f"clause number {i} goes on," if i % 7 == 0 else f"word{i}" for i in range(3000))
    parts = sentences(run_on)
    assert len(parts) > 5 and all(len(p) <= MAX_SENTENCE for p in parts)
    assert " ".join(parts).split() == run_on.split()                  # nothing lost, nothing added
    assert sum(p.endswith(",") for p in parts) >= len(parts) - 1       # cut after clause marks


def test_a_huge_title_is_cut_for_the_narrator_with_a_warning():
    from pipeline.transcript import parse_text

    script = parse_text("# " + "Title " * 40_000 + "\n\n**Ann:** Hello there.\n\n**Bob:** Hi.\n", "t.md")
    assert len(script.title) <= 201 and script.title.endswith("…")
    assert any("the title is 239999 characters long" in w for w in script.warnings)
    script = parse_text("Opening words " * 20_000 + "\n\nAnn: Hello there.\nBob: Hi.\n", "t.txt")
    assert len(script.intro) <= 3001 and script.intro.endswith("…")
    assert any("the intro reads only its first" in w for w in script.warnings)
