"""Every real transcript in the shared corpus parses, with the speakers and turns it has.

The expectations below were written by reading each source file, not from parser output.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.transcript import parse

CORPUS = Path("/work/shared/corpus/real")

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")

# file name -> format, speakers in order, turns (speaker, first words) that occur in this
# order, labels left unresolved, and extra checks by name.
EXPECTED: dict[str, dict] = {
    "bracket_ts_oxide_friends_mr_leventhal_whisper.txt": dict(
        format="bracket",
        speakers=["Bryan", "Speaker 3", "Speaker 5", "Speaker 2", "Speaker 4", "Speaker 6"],
        turns=[("Bryan", "If you've heard of a speed"),           # "If" + next fragment
               ("Speaker 3", "I had a quick question"),
               ("Bryan", "that? Yeah. So, formal correctness"),
               ("Speaker 5", "very hard."),
               ("Speaker 2", "Yeah. The actually, we've done, 2 papers"),
               ("Speaker 4", "Yep. Same time next week."),
               ("Speaker 2", "Yeah. And if people want to")],
        unresolved={"Speaker 2", "Speaker 3", "Speaker 4", "Speaker 5", "Speaker 6"},
    ),
    "inline_initials_hardwrap_intergalactic_express_02.md": dict(
        format="inline",
        title="Intergalactic Express 02",
        speakers=["S", "C", "A", "All", "Speaker 2", "Speaker 0", "Speaker 1"],
        turns=[("S", "Hello and welcome aboard the intergalactic expressed a wild route"),
               ("C", "Hello!"),
               ("S", "And also by Alex"),
               ("A", "Hullo"),
               ("S", "Who has very offset tones."),
               ("A", "Yeah."),                                   # "Speaker 2: A Yeah."
               ("S", "So what."),                                # "Speaker 2: S So what."
               ("C", "It's a narra— a fictional documentary"),
               ("All", "Oh yeah."),
               ("C", "Um I'm gonna— basically the same stuff"),  # "Speaker 2: C: Um..."
               ("C", "Yeah yeah exactly like you're being lead to do."),
               ("Speaker 2", "And your attic well look")],
        unresolved={"Speaker 0", "Speaker 1", "Speaker 2"},
        intro_starts="This is a very rough transcript of Intergalactic Express 02, a podcast",
        first_heading="01: 0.00",
    ),
    "inline_zh_fullwidth_tabconf_covenants.zh.md": dict(
        format="inline",
        title="Covenants",
        speakers=["Jeremy Rubin", "Andrew Poelstra", "Shaun Apps", "Q"],
        turns=[("Shaun Apps", "我先做个开场吧。"),
               ("Andrew Poelstra", "当然。如 Shaun 所说"),
               ("Jeremy Rubin", "那也是我所知最早的。"),
               ("Andrew Poelstra", "有两种类型的限制条款"),
               ("Q", "我想听听你们对保险柜应用的看法。"),
               ("Shaun Apps", "好的，我们到这里就结束了。")],
        unresolved={"Q"},
        aliases={"Shaun Apps": {"SA", "Shaun Apps（SA）"},
                 "Jeremy Rubin": {"JR", "Jeremy Rubin（JR）"}},
        intro_starts="根据 “苏格拉底村” 规则",
        first_heading="限制条款的概念",
    ),
    "json_words_speaker_strato_in_crypto_we_trust_hackathon_assemblyai.json": dict(
        format="json",
        speakers=["SPEAKER_00", "SPEAKER_01", "SPEAKER_02"],
        turns=[("SPEAKER_00", "So we want a distributed incentivized"),
               ("SPEAKER_01", "We have a market that is"),
               ("SPEAKER_00", "Application allows you to uh, upload"),
               ("SPEAKER_02", "Using the Google Glass, uh, it"),
               ("SPEAKER_01", "Huffball is a distributed publishing platform"),
               ("SPEAKER_00", "Have you ever heard of this")],
        turn_count=6,
        unresolved={"SPEAKER_00", "SPEAKER_01", "SPEAKER_02"},
    ),
    "jsonl_segments_gbos_girdwood_meeting_curated.jsonl": dict(
        format="json",
        speakers=["Mike Edgington", "Jennifer Wingard", "Cathy Giessel", "Zac Johnson",
                  "Nick Crews"],                                # companion order
        turns=[("Mike Edgington", "Subject to the Alaska Open Meetings Act"),
               ("Cathy Giessel", "Well you know yes we are going to see"),
               ("Nick Crews", "Hey Zach."),
               ("Zac Johnson", "Well, title 23"),
               ("Mike Edgington", "Just to editorialize briefly"),
               ("Jennifer Wingard", "my initial thought")],
        turn_count=6,
        unresolved=set(),
        roles={"Cathy Giessel": "State Senator", "Zac Johnson": "Anchorage Assembly",
               "Mike Edgington": "GBOS co-chair"},
    ),
    "md_bold_changelog_jsparty72_live_panel.md": dict(
        format="markdown",
        speakers=["Kevin Ball", "Mike Grabowski", "Vladimir Novick", "Kitze",
                  "Andrey Okonetchnikov", "Michel Weststrate", "Audience member"],
        turns=[("Kevin Ball", "Hello, everybody! I'm Kevin (Kball)."),
               ("Mike Grabowski", "Hello, everyone."),
               ("Kitze", "No, I'm just a vlogger."),
               ("Kevin Ball", "I'm gonna kick things off"),            # after \[04:11\]
               ("Michel Weststrate", "I think the interesting thing in state management"),
               ("Audience member", "A question more about new possibilities"),
               ("Audience member", "Hi. My name is Isha, software developer. I'm a .NET"),
               ("Kevin Ball", "We do have to wrap up, it is now lunch time")],
        unresolved={"Audience member"},
    ),
    "otter_txt_ladybug_67_cryptography.md": dict(
        format="otter",
        speakers=["Emma", "Kelly", "Ali", "Unknown Speaker"],
        turns=[("Emma", "cryptography is the method of protecting information"),
               ("Kelly", "Welcome to the ladybug podcast. I'm Kelly."),
               ("Ali", "I'm city. I'm Allie."),
               ("Emma", "And I'm Emma."),
               ("Emma", "We alley What about you? Yeah, pretty"),
               ("Ali", "much the same."),
               ("Unknown Speaker", "Yeah, okay. Agreed"),
               ("Emma", "noise. Well, if you liked this episode")],
        unresolved={"Unknown Speaker"},
    ),
    "ownline_bitcoinexplained_ep49_attack.md": dict(
        format="ownline",
        title="Bitcoin Was Under ATTACK!",
        speakers=["Sjors Provoost", "Aaron van Wirdum"],
        turns=[("Sjors Provoost", "Say, did you know that Bitcoin was attacked?"),
               ("Aaron van Wirdum", "Oh, that's a much better angle."),
               ("Sjors Provoost", "And that the media is hiding this from us"),
               ("Aaron van Wirdum", "Yeah. We have a-"),            # one sentence per line
               ("Aaron van Wirdum", "All right, so Sjors, I think I'm just going to give"),
               ("Aaron van Wirdum", "There you go.")],
        turn_count=98,
        unresolved=set(),
        headings={"The attack of fake peers": "Aaron van Wirdum",
                  "The attack severity": None, "Countermeasures": None},
    ),
    "ownline_speakerN_ts_brink_mempool_policy.md": dict(
        format="ownline",
        title="Mempool Policy",
        speakers=["Speaker 0", "Speaker 1"],
        turns=[("Speaker 0", "Hi Gloria."),
               ("Speaker 1", "Hi John."),
               ("Speaker 0", "We're here to talk about Bitcoin."),
               ("Speaker 1", "Let's do it again sometime. Bye-bye.")],
        turn_count=78,
        unresolved={"Speaker 0", "Speaker 1"},
        headings={"What is a mempool and why have one?": None,
                  "Denial of service protection": None, "What is mempool policy?": None},
    ),
    "ownline_ts_stephanlivera_opvault.md": dict(
        format="ownline",
        title="OP_Vault - A New Way to HODL?",
        speakers=["Stephan Livera", "James O’Beirne", "Speaker A"],
        turns=[("Stephan Livera", "James, welcome back to the show."),
               ("James O’Beirne", "Hey, Stephan, it's great to be back."),
               ("Stephan Livera", "Damn. Yeah, well, in terms of on the show"),
               ("James O’Beirne", "Yeah, sure. So I think everybody knows"),  # "James  00:03:12:"
               ("James O’Beirne", "Yeah, right. I know. Yeah. With Jeremy and CTV"),  # "James-"
               ("James O’Beirne", "Hey, man, it's always a pleasure."),
               ("Speaker A", "So if you found that discussion useful")],
        turn_count=71,
        unresolved={"Speaker A"},
        aliases={"Stephan Livera": {"Stephan", "Stephan-"},
                 "James O’Beirne": {"James", "James-"}},
    ),
    "qa_talk_sfbitcoin_bram_cohen_merkle_sets.md": dict(
        format="qa",
        title="Merkle Set Data Structures for Scaling Bitcoin",
        speakers=["Bram Cohen", "Q"],
        turns=[("Bram Cohen", "There's been a fair amount of talk about putting UTXO commitments"),
               ("Bram Cohen", "Okay, so. Merkle set."),
               ("Q", "Why do you.. not.. hash.. mechanism.. under a merkle tree?"),
               ("Bram Cohen", "What do you mean by the skip hash?"),
               ("Bram Cohen", "Any more questions? Okay, something that I am fairly sure"),
               ("Q", "But we already have linear amount of data")],
        unresolved={"Q"},
        headings={"Introduction": "Bram Cohen", "TXO bitfields": "Bram Cohen"},
        not_in_text=["Other links", "gnusha.org", "code:"],
    ),
    "vtt_voice_ableplayer_blocks4all_captions_en.vtt": dict(
        format="vtt",
        speakers=["Boon's Mom", "Boon's Dad", "Boon", "Richard Ladner", "Lauren Milne",
                  "Adults in the background"],
        turns=[("Boon's Mom", "Boon, he's very excited about the world. He's up for almost"),
               ("Boon's Dad", "He's a thinker and he likes to explore."),
               ("Boon", "I like computer programming."),
               ("Boon's Mom", "I don't know I guess if it's so important"),
               ("Richard Ladner", "I'm Richard Ladner, professor emeritus")],
        unresolved=set(),
        aliases={"Boon's Mom": {"Boon's mom"}, "Richard Ladner": {"Richard"},
                 "Lauren Milne": {"Lauren"}},
        not_in_text=["jaunty piano"],
    ),
    "vtt_voice_teams_export_docling_example_03.vtt": dict(
        format="vtt",
        speakers=["Speaker A", "Speaker B"],
        turns=[("Speaker A", "OK, I think now we should be recording properly. Good. Yeah."),
               ("Speaker B", "I was also thinking. Would be maybe good to create items,"),
               ("Speaker A", "Yeah, I mean I think you went even more than"),   # 150-0
               ("Speaker B", "But we preserved the atoms."),                  # 119-0 sorted
               ("Speaker A", "than me. I just opened the format."),
               ("Speaker B", "Okay, talk to you later."),
               ("Speaker A", "See you.")],
        turn_count=7,
        unresolved={"Speaker A", "Speaker B"},
    ),
    "vtt_zoom_name_prefix_ethereum_acdc174.vtt": dict(
        format="vtt",
        speakers=["Mario Havel", "Pooja Ranjan", "stokes", "Marco Munizaga", "Daniel Knopik",
                  "ashah", "Dustin", "Matthew Keil", "Barnabas", "Justin Traglia", "Potuz",
                  "Raúl Kripalani", "soispoke", "Leo", "Ansgar Dietrichs"],
        turns=[("Mario Havel", "Hey, Pooja. What are you doing?"),
               ("Pooja Ranjan", "Mario, good, good. So, if you would like"),
               ("stokes", "Hello, everyone. Let's see… Yeah, GM."),
               ("Raúl Kripalani", "Not specifically, just wanted to… to send it over here."),
               ("Ansgar Dietrichs", "Everyone.")],
        unresolved=set(),
    ),
}

TRANSCRIPTS = sorted(p.name for p in CORPUS.glob("*")
                     if p.name != "SOURCES.md" and "_companion" not in p.name) \
    if CORPUS.is_dir() else []

_LEFTOVER = re.compile(
    r"\d{1,2}:\d{2}"                          # timestamps
    r"|[\[\]]|\\"                             # [stage directions], Markdown escapes
    r"|\((?:laugh|applause|inaudible|crosstalk)"
    r"|</?v\b|<[a-z]+[ >]|&(?:[a-z]+|#\d+);"  # caption tags, HTML entities
    r"|\*\*\w",                               # Markdown bold
    re.IGNORECASE,
)


@pytest.fixture(scope="module", params=TRANSCRIPTS)
def case(request):
    return request.param, parse(CORPUS / request.param), EXPECTED.get(request.param)


def test_every_transcript_has_expectations():
    assert sorted(EXPECTED) == TRANSCRIPTS


def test_format_and_speakers(case):
    name, script, expected = case
    assert script.format == expected["format"]
    assert [s.name for s in script.speakers] == expected["speakers"]
    assert {t.speaker for t in script.turns} == set(expected["speakers"])
    assert set(script.unresolved) == expected["unresolved"]
    if "title" in expected:
        assert script.title == expected["title"]
    if "turn_count" in expected:
        assert len(script.turns) == expected["turn_count"]


def test_turns_in_order(case):
    name, script, expected = case
    position = 0
    for speaker, words in expected["turns"]:
        while position < len(script.turns) and not _is(script.turns[position], speaker, words):
            position += 1
        assert position < len(script.turns), f"{name}: no turn {speaker}: {words!r} in order"
        position += 1


def _is(turn, speaker, words) -> bool:
    return turn.speaker == speaker and turn.paragraphs[0].startswith(words)


def test_no_timestamps_or_stage_directions_in_speech(case):
    name, script, _ = case
    for turn in script.turns:
        assert turn.paragraphs and all(turn.paragraphs)
        for paragraph in turn.paragraphs:
            match = _LEFTOVER.search(paragraph)
            assert match is None, f"{name}:{turn.line}: {paragraph[:120]!r}"
            assert paragraph == paragraph.strip() and "  " not in paragraph


def test_consecutive_turns_have_different_speakers(case):
    _, script, _ = case
    for before, after in zip(script.turns, script.turns[1:]):
        assert before.speaker != after.speaker or after.heading is not None


def test_turn_lines_increase_for_text_formats(case):
    _, script, expected = case
    if expected["format"] in ("vtt", "json"):               # cues are sorted by time
        return
    lines = [t.line for t in script.turns]
    assert all(line > 0 for line in lines) and lines == sorted(lines)


def test_extra_expectations(case):
    name, script, expected = case
    for speaker, aliases in expected.get("aliases", {}).items():
        assert aliases <= set(script.speaker(speaker).aliases)
    for speaker, role in expected.get("roles", {}).items():
        assert script.speaker(speaker).role == role
    for heading, speaker in expected.get("headings", {}).items():
        turns = [t for t in script.turns if t.heading == heading]
        assert len(turns) == 1, heading
        assert speaker is None or turns[0].speaker == speaker
    if "first_heading" in expected:
        assert script.turns[0].heading == expected["first_heading"]
    if "intro_starts" in expected:
        assert script.intro.startswith(expected["intro_starts"])
    text = " ".join(p for t in script.turns for p in t.paragraphs)
    for fragment in expected.get("not_in_text", []):
        assert fragment not in text
