"""Language: which language each turn is in, detected (py3langid) or given.

Short turns ("Yes.", "Right, right.") cannot be told apart reliably, so detection works
by vote: each turn's guess counts with its length times its confidence. The episode's
language is the vote over all turns; a speaker's language is the vote over their turns
(their own only when there is enough text and it is clear); a turn is in another language
than its speaker's only when it is long enough and the detector is sure of it. What is given
wins: ``--language``, then the config's ``language:``, fix the episode's (and every turn's);
a cast entry's ``language:`` fixes one speaker's.

Guesses are cached per turn text in the cache folder, so an edit detects only what changed.
The detector's model takes 0.6 s and some 85 MB to load, so text that is plainly English
(ASCII letters, at least a quarter of its words English function words, almost none of
another language's) is called English without it, and a turn too short to leave its
speaker's language is not detected at all: an English transcript never loads the model.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from .errors import ConfigError
from .fsutil import read_json_dict, update_json_dict

# ISO 639-1 code -> (ISO 639-2 code for ID3 TLAN, English name). The languages detection
# chooses among: those both py3langid and eSpeak NG know. Any eSpeak language can be given.
LANGUAGES: dict[str, tuple[str, str]] = {
    "af": ("afr", "Afrikaans"), "ar": ("ara", "Arabic"), "bg": ("bul", "Bulgarian"),
    "bn": ("ben", "Bengali"), "ca": ("cat", "Catalan"), "cs": ("ces", "Czech"),
    "cy": ("cym", "Welsh"), "da": ("dan", "Danish"), "de": ("deu", "German"),
    "el": ("ell", "Greek"), "en": ("eng", "English"), "eo": ("epo", "Esperanto"),
    "es": ("spa", "Spanish"), "et": ("est", "Estonian"), "eu": ("eus", "Basque"),
    "fa": ("fas", "Persian"), "fi": ("fin", "Finnish"), "fr": ("fra", "French"),
    "ga": ("gle", "Irish"), "he": ("heb", "Hebrew"), "hi": ("hin", "Hindi"),
    "hu": ("hun", "Hungarian"), "id": ("ind", "Indonesian"), "is": ("isl", "Icelandic"),
    "it": ("ita", "Italian"), "ja": ("jpn", "Japanese"), "ka": ("kat", "Georgian"),
    "ko": ("kor", "Korean"), "lt": ("lit", "Lithuanian"), "lv": ("lav", "Latvian"),
    "mk": ("mkd", "Macedonian"), "ms": ("msa", "Malay"), "nl": ("nld", "Dutch"),
    "no": ("nor", "Norwegian"), "pl": ("pol", "Polish"), "pt": ("por", "Portuguese"),
    "ro": ("ron", "Romanian"), "ru": ("rus", "Russian"), "sk": ("slk", "Slovak"),
    "sl": ("slv", "Slovenian"), "sq": ("sqi", "Albanian"), "sr": ("srp", "Serbian"),
    "sv": ("swe", "Swedish"), "sw": ("swa", "Swahili"), "ta": ("tam", "Tamil"),
    "th": ("tha", "Thai"), "tr": ("tur", "Turkish"), "uk": ("ukr", "Ukrainian"),
    "ur": ("urd", "Urdu"), "vi": ("vie", "Vietnamese"), "zh": ("zho", "Chinese"),
}
DEFAULT = "en"               # when there is nothing to detect
LOW_CONFIDENCE = 0.6         # below this, inspect and render warn that detection is unsure
TURN_SURE = 0.9              # a turn leaves its speaker's language only this sure ...
TURN_MIN_CHARS = 40          # ... and this long (letters; CJK characters count 5 each)
SPEAKER_MIN_CHARS = 80       # a speaker gets a language of their own from this much text ...
SPEAKER_SURE = 0.7           # ... and a vote this clear
SAMPLE_CHARS = 4000          # of a turn, what is given to the detector (it is linear in length)
CACHE_NAME = "languages.json"
CACHE_ENTRIES = 20000        # turns whose guesses are kept (about 1 MB)
PLAIN_ENGLISH = 0.25         # share of English function words in plainly English text ...
FOREIGN_AT_MOST = 0.05       # ... with at most this share of other languages' function words
PLAIN_CONFIDENCE = 0.99      # what a plainly English text is taken to be sure of
_ENGLISH_WORDS = frozenset("""
    the a an and or but of to in on at for with from by as is are was were be been being it its it's this
    that these those i you he she we they me him her us them my your his our their not no do does did have
    has had will would can could should there here what which who how why when so if then than just very
    about all also more one out up i'm that's don't we're they're you're there's can't isn't""".split())
# Function words of German, Dutch, French, Spanish, Italian and Portuguese that are no English words.
_FOREIGN_WORDS = frozenset("""
    und der die das ist nicht ich mit auf ein eine sich auch es wir sie dem den des zu von wie aber oder
    het een van niet zijn ook maar dat wat voor naar bij nog wel er ze je hij zij en
    le la les et est une des pas que qui dans pour sur avec ce il elle nous vous ils sont du au
    el los las y una por para con es del lo se su al como pero muy
    il che di non per sono della alla gli anche ma come questo
    os um uma com não mais ao pelo pela são isso""".split())
_ASCII_TEXT = re.compile(r"[^\x00-\x7f\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0]")
_WORD = re.compile(r"[a-z']+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Guess:
    language: str
    confidence: float   # 0..1; 1.0 when the language was given
    weight: float = 0.0  # letters of text the guess was made on (CJK characters count 5)


@dataclass(frozen=True)
class Languages:
    """The episode's language and each speaker's and turn's."""

    episode: str = DEFAULT
    confidence: float = 1.0
    source: str = "default"                         # "detected", "--language", "config", "default"
    speakers: tuple[tuple[str, str], ...] = ()      # speaker name -> language
    turns: tuple[str, ...] = ()                     # language of each turn, in script order
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def of_speaker(self, name: str) -> str:
        return dict(self.speakers).get(name, self.episode)

    def of_turn(self, index: int) -> str:
        return self.turns[index] if 0 <= index < len(self.turns) else self.episode



def base(language: str) -> str:
    """The ISO 639-1 code of a language tag: "de-AT", "de_at", "DE" -> "de"; a three-letter code
    of the table ("deu", also "ger") and eSpeak's "cmn" (Mandarin) too: "cmn", "zh-Hans" -> "zh"."""
    code = re.split(r"[-_]", (language or "").strip(), maxsplit=1)[0].lower()
    if len(code) == 3:
        return _MACROLANGUAGE.get(code) or language_code(code) or code
    return code


_MACROLANGUAGE = {"cmn": "zh"}   # a language of the table named by one of its members


def check(language: str, where: str) -> str:
    """A language as given by the user: an ISO 639-1 code (with a region, kept), else ConfigError."""
    text = language.strip() if isinstance(language, str) else ""
    if not re.fullmatch(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*", text):
        raise ConfigError(f"{where}: expected a language code such as en, de or zh-CN, got {language!r}")
    return text.replace("_", "-")


def name(language: str) -> str:
    return LANGUAGES.get(base(language), ("", language))[1]


def iso639_2(language: str) -> str:
    """The three-letter code ID3's TLAN frame takes ("deu"); "und" when unknown."""
    return LANGUAGES.get(base(language), ("und", ""))[0]


def language_code(tlan: str) -> str:
    """An ID3 TLAN value ("deu", also the bibliographic "ger") as ISO 639-1 ("de"); "" if unknown."""
    code = (tlan or "").strip().lower()[:3]
    code = _BIBLIOGRAPHIC.get(code, code)
    return next((short for short, (long, _) in LANGUAGES.items() if long == code), "")


_BIBLIOGRAPHIC = {"ger": "deu", "fre": "fra", "chi": "zho", "dut": "nld", "cze": "ces", "gre": "ell",
                  "per": "fas", "ice": "isl", "geo": "kat", "mac": "mkd", "may": "msa", "rum": "ron",
                  "slo": "slk", "alb": "sqi", "wel": "cym", "baq": "eus"}


def is_english(language: str) -> bool:
    return base(language) == "en"


# ---- detection

_lock = threading.Lock()
_identifier = None


def _detector():
    """py3langid's identifier, restricted to LANGUAGES, loaded once per process."""
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            identifier.set_languages([code for code in LANGUAGES if code in identifier.nb_classes])
            _identifier = identifier
        return _identifier


def weight(text: str) -> float:
    """How much text a guess rests on: letters, a CJK character counting as five."""
    cjk = len(_CJK.findall(text))
    return float(len(_LETTER.findall(text)) - cjk + 5 * cjk)


def words(text: str) -> int:
    """Words of ``text``: what spaces separate, each CJK character counting as one."""
    cjk = len(_CJK.findall(text))
    return len(_CJK.sub(" ", text).split()) + cjk


def plainly_english(text: str) -> bool:
    """ASCII text of 8 words or more whose words are at least PLAIN_ENGLISH English function
    words and at most FOREIGN_AT_MOST other languages' (py3langid agrees on every such turn of
    the seed and the corpus; anything less plain goes to it)."""
    if _ASCII_TEXT.search(text):
        return False
    tokens = _WORD.findall(text.lower().replace("\u2019", "'"))
    if len(tokens) < 8:
        return False
    english = sum(t in _ENGLISH_WORDS for t in tokens)
    foreign = sum(t in _FOREIGN_WORDS for t in tokens)
    return english >= PLAIN_ENGLISH * len(tokens) and foreign <= FOREIGN_AT_MOST * len(tokens)


def detect(text: str) -> Guess:
    """The language of ``text``, with the detector's confidence (plainly English text: English,
    without the detector)."""
    sample = text[:SAMPLE_CHARS]
    amount = weight(sample)
    if amount == 0:
        return Guess(DEFAULT, 0.0, 0.0)
    if plainly_english(sample):
        return Guess("en", PLAIN_CONFIDENCE, amount)
    language, confidence = _detector().classify(sample)
    return Guess(str(language), round(float(confidence), 4), amount)


def _key(text: str) -> str:
    return hashlib.sha256(text[:SAMPLE_CHARS].encode("utf-8", "surrogatepass")).hexdigest()[:24]


def detect_all(texts: Sequence[str], cache_dir: str | Path | None = None) -> list[Guess]:
    """``detect`` of each text; with ``cache_dir``, guesses are kept there (``languages.json``,
    the latest CACHE_ENTRIES) and only texts not seen before are given to the detector."""
    path = Path(cache_dir) / CACHE_NAME if cache_dir else None
    known = read_json_dict(path)
    keys = [_key(t) for t in texts]
    guesses, fresh = [], {}
    for text, key in zip(texts, keys):
        entry = known.get(key)
        if isinstance(entry, list) and len(entry) == 3 and entry[0] in LANGUAGES:
            guesses.append(Guess(entry[0], float(entry[1]), float(entry[2])))
        else:
            guesses.append(detect(text))
            fresh[key] = [guesses[-1].language, guesses[-1].confidence, guesses[-1].weight]
    if path is not None and fresh:
        try:
            update_json_dict(path, fresh, keep=CACHE_ENTRIES)
        except OSError:
            pass          # a cache that cannot be written only costs time
    return guesses


def vote(guesses: Iterable[Guess]) -> Guess:
    """The language most of the text is in: each guess counts with weight x confidence. The
    confidence is how sure the detector was, on average, of the text it put in that language
    (a transcript in two languages is no less certain than one in one)."""
    tally: dict[str, float] = {}
    amount: dict[str, float] = {}
    for g in guesses:
        tally[g.language] = tally.get(g.language, 0.0) + g.weight * g.confidence
        amount[g.language] = amount.get(g.language, 0.0) + g.weight
    total = sum(amount.values())
    if total == 0:
        return Guess(DEFAULT, 0.0, 0.0)
    language = max(sorted(tally), key=lambda k: tally[k])
    return Guess(language, round(tally[language] / amount[language], 4), total)


def languages(turns: Sequence[tuple[str, str]], *, given: str | None = None, given_by: str = "",
              speakers: Mapping[str, str] | None = None, cache_dir: str | Path | None = None) -> Languages:
    """The languages of a script's turns, given as (speaker, text) pairs. ``given`` fixes the
    episode's (``given_by`` says where it was set); ``speakers`` fixes some speakers'."""
    fixed = dict(speakers or {})
    if given:
        return Languages(
            episode=given, confidence=1.0, source=given_by or "given",
            speakers=tuple(fixed.items()),
            turns=tuple(fixed.get(s, given) for s, _ in turns),
        )
    # a turn too short to leave its speaker's language is not detected (it could not say much)
    long = [i for i, (_, text) in enumerate(turns) if weight(text[:SAMPLE_CHARS]) >= TURN_MIN_CHARS]
    guesses: list[Guess | None] = [None] * len(turns)
    for i, g in zip(long, detect_all([turns[i][1] for i in long], cache_dir)):
        guesses[i] = g
    episode = vote(g for g in guesses if g is not None)
    unsure = "give language: in the config or --language to be sure"
    if episode.weight == 0:
        warning = f"the turns are too short to tell the transcript's language: {name(DEFAULT)} is assumed; {unsure}"
        return Languages(confidence=0.0, source="detected", speakers=tuple(fixed.items()),
                         turns=tuple(fixed.get(s, DEFAULT) for s, _ in turns),
                         warnings=(warning,) if any(text.strip() for _, text in turns) else ())
    own: dict[str, str] = {}
    for speaker in dict.fromkeys(s for s, _ in turns):
        if speaker in fixed:
            own[speaker] = fixed[speaker]
            continue
        theirs = vote(g for (s, _), g in zip(turns, guesses) if s == speaker and g is not None)
        clear = theirs.weight >= SPEAKER_MIN_CHARS and theirs.confidence >= SPEAKER_SURE
        own[speaker] = theirs.language if clear else episode.language
    per_turn = []
    for (speaker, _), g in zip(turns, guesses):
        language = own[speaker]
        if g is not None and speaker not in fixed and g.language != language and g.confidence >= TURN_SURE:
            language = g.language
        per_turn.append(language)
    warnings = []
    if episode.confidence < LOW_CONFIDENCE:
        warnings.append(f"the transcript's language is unclear: {name(episode.language)} ({episode.language}) at "
                        f"confidence {episode.confidence:.2f}; {unsure}")
    return Languages(
        episode=episode.language, confidence=episode.confidence, source="detected",
        speakers=tuple((s, l) for s, l in own.items() if l != episode.language),
        turns=tuple(per_turn), warnings=tuple(warnings),
    )
