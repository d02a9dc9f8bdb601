"""A pronunciation lexicon: words or patterns the user wants said another way.

Entries come from the episode config (``lexicon:``) and a lexicon file (``--lexicon``), in
that order. A key is a word (or several), or a regular expression written ``/pattern/`` or
``re:pattern``; its value is a respelling ("Kubernetes": "koo-ber-net-eez") or eSpeak NG
phonemes in double brackets ("nginx": "[['EndZIn'Eks]]"). Matching is whole-word. A word
key written in lower case matches any capitalisation ("nginx", "Nginx", "NGINX"); one with
a capital letter matches that exact spelling ("AGI" but not "agi"). A pattern is matched as
written (add ``(?i)`` to ignore case). At each place in a text the first entry that matches
wins; what an entry put in is not matched again.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Iterator

from .errors import ConfigError

_PHONEMES = re.compile(r"^\[\[[^\[\]]+\]\]$")
_GLOBAL_FLAGS = re.compile(r"^\(\?[aiLmsux]+\)")
_GROUP_REFERENCE = re.compile(r"\\(?:(\d+)|g<(\w+)>)")
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")


@dataclass(frozen=True)
class Entry:
    key: str              # as written: a word, "/pattern/" or "re:pattern"
    say: str              # respelling, or "[[phonemes]]"
    pattern: re.Pattern   # the whole-word matcher: (?<!\w) + body
    body: str             # the pattern after the word boundary before it, ending (?!\w)
    where: str            # "file: lexicon.KEY", for messages
    regex: bool = False   # a pattern: its groups may be used in the reading (\1, \g<name>)


@dataclass(frozen=True)
class Lexicon:
    entries: tuple[Entry, ...] = ()

    def __add__(self, other: Lexicon) -> Lexicon:
        return Lexicon(self.entries + other.entries)

    @functools.cached_property
    def _either(self) -> re.Pattern | None:
        """All entries as one alternation, in order: at the leftmost place where any matches,
        the first alternative that matches is taken, as ``pieces`` requires. None when the
        entries cannot be joined (a pattern's backreference or group name would clash)."""
        if not self.entries or any(_BACKREFERENCE.search(e.body) for e in self.entries):
            return None
        # Before the alternation, the characters a match can start with (known when every entry
        # is a word): the search then skips the other places at once, not trying every entry.
        starts = "" if any(e.regex for e in self.entries) else \
            "(?=[" + "".join(sorted({re.escape(c) for e in self.entries for c in (e.key[0].lower(), e.key[0].upper(),
                                                                             e.key[0])})) + "])"
        either = "|".join(f"(?P<_{i}>{e.body})" for i, e in enumerate(self.entries))
        try:
            return re.compile(rf"(?<!\w){starts}(?:{either})")
        except re.error:
            return None

    def pieces(self, text: str) -> list[tuple[str, bool]]:
        """``text`` cut into (piece, replaced) pairs: replaced pieces hold an entry's reading."""
        out: list[tuple[str, bool]] = []
        pos = 0
        for m, entry in self._matches(text):
            if m.start() > pos:
                out.append((text[pos:m.start()], False))
            out.append((m.expand(entry.say) if entry.regex else entry.say, True))
            pos = m.end()
        if pos < len(text):
            out.append((text[pos:], False))
        return out

    def _matches(self, text: str) -> Iterator[tuple[re.Match, Entry]]:
        """The entries' matches, left to right, not overlapping; at one place the first entry's."""
        either = self._either
        if either is not None:
            for m in either.finditer(text):
                if m.end() > m.start():
                    entry = self.entries[int(m.lastgroup[1:])]
                    yield (entry.pattern.match(text, m.start()) if entry.regex else m), entry
            return
        pos = 0
        while self.entries and pos < len(text):
            best = None
            for entry in self.entries:
                m = entry.pattern.search(text, pos)
                if m and m.end() > m.start() and (best is None or m.start() < best[0].start()):
                    best = (m, entry)
            if best is None:
                return
            yield best
            pos = best[0].end()

    def apply(self, text: str) -> str:
        return "".join(piece for piece, _ in self.pieces(text))


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


def compile_entry(key: Any, value: Any, where: str) -> Entry:
    """One entry, checked: a ConfigError naming ``where`` (file and key) when it is wrong."""
    if not isinstance(key, str) or not key.strip():
        raise ConfigError(f"{where}: a key must be a non-empty word or pattern (quote numbers), "
                          f"got {_describe(key)}")
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected a respelling or [[phonemes]] string, got {_describe(value)}")
    say = " ".join(value.split())
    if not say:
        raise ConfigError(f"{where}: the respelling is empty")
    if "[[" in say or "]]" in say:
        for span in re.findall(r"\[\[.*?\]\]|\[\[.*|.*?\]\]", say):
            if not _PHONEMES.match(span):
                raise ConfigError(f"{where}: unbalanced or empty [[phonemes]] in {value!r}")
    key = key.strip()
    if key.startswith("re:") or (len(key) > 2 and key.startswith("/") and key.endswith("/")):
        source = key[3:] if key.startswith("re:") else key[1:-1]
        try:
            inner = re.compile(source)
        except re.error as exc:
            raise ConfigError(f"{where}: bad regular expression: {exc}") from None
        if inner.fullmatch(""):
            raise ConfigError(f"{where}: the regular expression matches empty text")
        flags = _GLOBAL_FLAGS.match(source)
        scope, body = (flags.group(0)[2:-1], source[flags.end():]) if flags else ("", source)
        body = rf"(?{scope}:{body})(?!\w)"    # (?i)x -> (?i:x): flags kept to the entry's own part
        try:
            pattern = re.compile(rf"(?<!\w){body}")
        except re.error as exc:
            raise ConfigError(f"{where}: bad regular expression: {exc}") from None
        for number, name in _GROUP_REFERENCE.findall(say):
            known = int(number) <= pattern.groups if number else (name in pattern.groupindex
                                                                 or name.isdigit() and int(name) <= pattern.groups)
            if not known:
                raise ConfigError(f"{where}: the reading refers to group {number or name}, "
                                  "which the pattern does not have")
        return Entry(key=key, say=say, pattern=pattern, body=body, where=where, regex=True)
    word = re.escape(key)
    body = rf"(?i:{word})(?!\w)" if key == key.lower() else rf"{word}(?!\w)"
    return Entry(key=key, say=say, pattern=re.compile(rf"(?<!\w){body}"), body=body, where=where)


def compile_lexicon(mapping: Any, source: str, key: str = "lexicon") -> Lexicon:
    """A YAML mapping (word or pattern -> reading) as a Lexicon; ``source`` names the file."""
    if mapping is None:
        return Lexicon()
    if not isinstance(mapping, dict):
        raise ConfigError(f"{source}: {key + ': ' if key else ''}expected a mapping of word or pattern to respelling, "
                          f"got {_describe(mapping)}")
    prefix = f"{key}." if key else ""
    return Lexicon(tuple(compile_entry(k, v, f"{source}: {prefix}{k}") for k, v in mapping.items()))
