"""Chapter placement and titles (logic only; end-to-end checks are in test_render_e2e)."""

from __future__ import annotations

import pytest

from pipeline.cast import cast_voices
from pipeline.chapters import MAX_CHAPTERS, chapter_marks, find_moderator, short_title
from pipeline.config import ChapterSettings, Config
from pipeline.model import Script, Speaker, Turn
from pipeline.plan import make_plan


def script(turns, moderator=None, n_speakers=2) -> Script:
    names = [f"P{i}" for i in range(n_speakers)]
    speakers = tuple(Speaker(n, moderator=(n == moderator)) for n in names)
    return Script(title="T", speakers=speakers, turns=tuple(Turn(s, (t,)) for s, t in turns), source="t.txt")


def plan_of(s: Script):
    return make_plan(s, cast_voices(s), Config(), lambda voice: {"engine": "test"}, {"encoder": "test"})


def test_short_title_prefers_the_question_and_cuts_at_a_word():
    assert short_title("Thanks. So what comes next?") == "So what comes next?"
    long = "Regarding the issue of interpretability, how difficult is it really for anyone today?"
    title = short_title(long)
    assert len(title) <= 60 and title.endswith("…") and long.startswith(title[:-1])
    assert not title[:-1].endswith(" ")


def test_moderator_from_header_or_inferred():
    flagged = script([("P0", "Hi?"), ("P1", "Yes.")], moderator="P1")
    assert find_moderator(flagged) == "P1"
    asked = script([("P0", "Why?"), ("P1", "Because."), ("P0", "And then?"), ("P1", "Then this.")])
    assert find_moderator(asked) == "P0"
    assert find_moderator(asked, configured="P1") == "P1"
    assert find_moderator(script([("P0", "Fine."), ("P1", "Good.")])) is None


def test_topics_mode_marks_each_moderator_turn():
    s = script([("P0", "First question?"), ("P1", "Answer."), ("P0", "Second question?"), ("P1", "More.")],
               moderator="P0")
    marks, warnings = chapter_marks(s, plan_of(s), ChapterSettings(), "P0")
    assert [m.title for m in marks] == ["Intro", "First question?", "Second question?", "Outro"]
    assert warnings == []


def test_turns_mode_and_title_overrides():
    s = script([("P0", "Hello there."), ("P1", "Hi.")])
    marks, _ = chapter_marks(s, plan_of(s), ChapterSettings(mode="turns", titles=((1, "Opening"), (9, "x"))), None)
    assert [m.title for m in marks] == ["Intro", "Opening", "P1: Hi.", "Outro"]


def test_no_moderator_falls_back_to_turns_with_a_warning():
    s = script([("P0", "Fine."), ("P1", "Good.")])
    marks, warnings = chapter_marks(s, plan_of(s), ChapterSettings(), None)
    assert len(marks) == 4 and "no moderator" in warnings[0]


def test_more_than_255_chapters_are_thinned_with_a_warning():
    s = script([(f"P{i % 2}", f"Turn number {i}.") for i in range(400)])
    marks, warnings = chapter_marks(s, plan_of(s), ChapterSettings(mode="turns"), None)
    assert len(marks) == MAX_CHAPTERS
    assert marks[0].title == "Intro" and marks[-1].title == "Outro"
    assert [m.unit for m in marks] == sorted(m.unit for m in marks)
    assert any("402 chapters exceed the 255" in w for w in warnings)


@pytest.mark.parametrize("mode", ["topics", "turns"])
def test_marks_point_at_first_units_of_turns(mode):
    s = Script(title="T", speakers=(Speaker("A", moderator=True), Speaker("B")),
               turns=(Turn("A", ("Q one?", "more")), Turn("B", ("a", "b", "c")), Turn("A", ("Q two?",))),
               source="t.txt")
    plan = plan_of(s)
    marks, _ = chapter_marks(s, plan, ChapterSettings(mode=mode), "A")
    for m in marks[1:-1]:
        unit = plan.units[m.unit]
        assert unit.kind == "turn" and unit.ident.endswith(":0")
