"""Diarized JSON and JSON Lines, Podlove segments, and companion files of speaker names."""

from __future__ import annotations

import json

import pytest

from pipeline.errors import ParseError
from pipeline.transcript import load_speaker_map, parse, parse_text

PODLOVE = [
    {"start": "00:00:00.000", "start_ms": 0, "end_ms": 2100, "speaker": "1", "voice": "Lena",
     "text": "Hallo und willkommen zur Sendung."},
    {"start": "00:00:02.100", "start_ms": 2100, "end_ms": 4000, "speaker": "1", "voice": "Lena",
     "text": "Heute geht es um Brot."},
    {"start": "00:00:04.000", "start_ms": 4000, "end_ms": 6000, "speaker": "2", "voice": "Jo",
     "text": "Sauerteig, natürlich."},
]


@pytest.mark.parametrize("document", [PODLOVE, {"version": 1, "transcripts": PODLOVE}])
def test_podlove_segments(document):
    script = parse_text(json.dumps(document, indent=2), source="ep.json")
    assert script.format == "json"
    assert [(t.speaker, t.paragraphs) for t in script.turns] == [
        ("Lena", ("Hallo und willkommen zur Sendung. Heute geht es um Brot.",)),
        ("Jo", ("Sauerteig, natürlich.",)),
    ]
    assert script.turns[0].line == (2 if isinstance(document, list) else 0)


def test_words_with_a_speaker_each_are_grouped_into_turns():
    words = [("A", "Is", 0.0), ("A", "it", 0.2), ("A", "on?", 0.4), ("B", "Yes,", 1.0),
             ("B", "it", 1.2), ("B", "is.", 1.3)]
    text = json.dumps([{"speaker": s, "text": w, "start": t} for s, w, t in words])
    script = parse_text(text)
    assert [(t.speaker, t.paragraphs) for t in script.turns] == [
        ("A", ("Is it on?",)), ("B", ("Yes, it is.",))]


def test_embedded_speaker_map_names_ids():
    document = {"speakers": {"0": "Ines Marr (host)"},
                "segments": [{"speaker": "0", "text": "Hi.", "start": 0},
                             {"speaker": "1", "text": "Hello.", "start": 1}]}
    script = parse_text(json.dumps(document))
    assert [s.name for s in script.speakers] == ["Ines Marr", "1"]
    assert script.speaker("Ines Marr").role == "host"
    assert script.unresolved == ("1",)


def test_jsonl_error_names_the_line(tmp_path):
    path = tmp_path / "talk.jsonl"
    path.write_text('{"speaker": "a", "text": "fine"}\n{"speaker": "b", "text": \n')
    with pytest.raises(ParseError, match=r"talk.jsonl:2: invalid JSON Lines record"):
        parse(path)


def test_json_without_segments_is_a_parse_error():
    with pytest.raises(ParseError, match="x.json: no list of segments"):
        parse_text('{"title": "nothing here"}', source="x.json")


def _meeting(folder):
    records = [{"person_slug": "ana-ruiz", "text": "Call to order.", "start_secs": 0},
               {"person_slug": "li-wei", "text": "Seconded.", "start_secs": 9}]
    path = folder / "council_0412_segments.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return path


def test_sibling_companion_file_names_the_slugs(tmp_path):
    transcript = _meeting(tmp_path)
    (tmp_path / "council_0412_people.jsonl").write_text(
        '{"slug": "ana-ruiz", "name": "Ana Ruiz (Chair)"}\n{"slug": "li-wei", "name": "Li Wei"}\n')
    (tmp_path / "other_people.jsonl").write_text('{"slug": "li-wei", "name": "Wrong Person"}\n')
    script = parse(transcript)
    assert [s.name for s in script.speakers] == ["Ana Ruiz", "Li Wei"]
    assert script.speaker("Ana Ruiz").role == "Chair"
    assert script.speaker("Ana Ruiz").aliases == ("ana-ruiz",)
    assert script.unresolved == ()


def test_without_companion_slugs_stay_labels(tmp_path):
    script = parse(_meeting(tmp_path))
    assert [s.name for s in script.speakers] == ["ana-ruiz", "li-wei"]


def test_speaker_map_from_a_names_file(tmp_path):
    names = tmp_path / "names.yaml"
    names.write_text("ana-ruiz: Ana Ruiz (Chair)\nli-wei: Li Wei\n")
    mapping = load_speaker_map(names)
    assert mapping == {"ana-ruiz": "Ana Ruiz (Chair)", "li-wei": "Li Wei"}
    folder = tmp_path / "meeting"
    folder.mkdir()
    script = parse(_meeting(folder), speakers=mapping)
    assert [(s.name, s.role) for s in script.speakers] == [("Ana Ruiz", "Chair"), ("Li Wei", "")]
