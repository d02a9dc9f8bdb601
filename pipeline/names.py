"""Speaker names, read the way a listener expects.

Which words are names: the words of each speaker's name (so a surname or given name said
alone is found too). How they are read: a cast entry's ``say:`` respelling wins; else a
name whose every word is pinyin (every syllable a valid Mandarin syllable, e.g. Zhu
Xiaoyong, Tian Yuandong, Wu Yi) gets a built-in English respelling (``x`` -> "sh", ``q`` ->
"ch", ``zh`` -> "j", ``c`` -> "ts", ``ui`` -> "way", ``ong`` -> "oong"...), spelled so eSpeak
NG reads it that way (Xiaoyong -> "Sheeyao-yoong", where eSpeak alone reads "zye-oy-ong").
Nothing but speaker names is respelled.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Iterable, Mapping

# Every Mandarin syllable in pinyin (without tones), by initial; "v" stands for ü.
_SYLLABLES = """
a o e ai ei ao ou an en ang eng er
yi ya ye yao you yan yin yang ying yong wu wa wo wai wei wan wen wang weng yu yue yuan yun
ba bo bai bei bao ban ben bang beng bi bie biao bian bin bing bu
pa po pai pei pao pou pan pen pang peng pi pie piao pian pin ping pu
ma mo me mai mei mao mou man men mang meng mi mie miao miu mian min ming mu
fa fo fei fou fan fen fang feng fu
da de dai dei dao dou dan den dang deng dong di die diao diu dian ding du duo dui duan dun
ta te tai tao tou tan tang teng tong ti tie tiao tian ting tu tuo tui tuan tun
na ne nai nei nao nou nan nen nang neng nong ni nie niao niu nian nin niang ning nu nuo nuan nv nve
la le lai lei lao lou lan lang leng long li lia lie liao liu lian lin liang ling lu luo luan lun lv lve
ga ge gai gei gao gou gan gen gang geng gong gu gua guo guai gui guan gun guang
ka ke kai kei kao kou kan ken kang keng kong ku kua kuo kuai kui kuan kun kuang
ha he hai hei hao hou han hen hang heng hong hu hua huo huai hui huan hun huang
ji jia jie jiao jiu jian jin jiang jing jiong ju jue juan jun
qi qia qie qiao qiu qian qin qiang qing qiong qu que quan qun
xi xia xie xiao xiu xian xin xiang xing xiong xu xue xuan xun
zha zhe zhi zhai zhei zhao zhou zhan zhen zhang zheng zhong zhu zhua zhuo zhuai zhui zhuan zhun zhuang
cha che chi chai chao chou chan chen chang cheng chong chu chua chuo chuai chui chuan chun chuang
sha she shi shai shei shao shou shan shen shang sheng shu shua shuo shuai shui shuan shun shuang
re ri rao rou ran ren rang reng rong ru rua ruo rui ruan run
za ze zi zai zei zao zou zan zen zang zeng zong zu zuo zui zuan zun
ca ce ci cai cao cou can cen cang ceng cong cu cuo cui cuan cun
sa se si sai sao sou san sen sang seng song su suo sui suan sun
""".split()
SYLLABLES = frozenset(_SYLLABLES)
_LONGEST = max(map(len, SYLLABLES))

# English given names that happen to be valid pinyin: read as English.
ENGLISH = frozenset("anna ben dan dana gene han jan ken lena mona nan nina tina".split())

_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z",
             "c", "s")
INITIAL_SPELLING = {"zh": "j", "ch": "ch", "sh": "sh", "j": "j", "q": "ch", "x": "sh", "c": "ts"}

# Finals after an initial.  eSpeak reads a consonant + "y" badly ("Shyow" is "shy-ow"), so
# i- finals get "ee" + the y- spelling.
FINAL_SPELLING = {
    "a": "ah", "o": "aw", "e": "uh", "ai": "ai", "ei": "ay", "ao": "ao", "ou": "oh", "an": "ahn", "en": "un",
    "ang": "ahng", "eng": "ung", "ong": "oong", "er": "ar",
    "i": "ee", "ia": "eeyaa", "ie": "eeyeh", "iao": "eeyao", "iu": "eeyo", "ian": "ee-yen", "in": "in",
    "iang": "eeyahng", "ing": "ing", "iong": "eeyoong",
    "u": "oo", "ua": "wah", "uo": "waw", "uai": "wy", "ui": "way", "uan": "wahn", "un": "oon", "uang": "wahng",
    "v": "oo", "ve": "ooeh",
}
# Whole syllables spelled apart from the rules above.
SYLLABLE_SPELLING = {
    "a": "ah", "o": "aw", "e": "uh", "ai": "eye", "ei": "eigh", "ao": "ao", "ou": "oh", "an": "ahn", "en": "un",
    "ang": "ahng", "eng": "ung", "er": "ar",
    "yi": "ee", "ya": "yah", "ye": "yeh", "yao": "yao", "you": "yoh", "yan": "yen", "yin": "yin",
    "yang": "yahng", "ying": "ying", "yong": "yoong", "yu": "yoo", "yue": "yooeh", "yuan": "yooen", "yun": "yoon",
    "wu": "woo", "wa": "wah", "wo": "waw", "wai": "why", "wei": "way", "wan": "wahn", "wen": "wun",
    "wang": "wahng", "weng": "wung",
    "zhi": "jir", "chi": "chir", "shi": "shir", "ri": "rir", "zi": "zuh", "ci": "tser", "si": "suh",
    "ce": "tser", "cen": "tsen", "ceng": "tseng", "chao": "chow", "zheng": "jeng",
}
# After these initials eSpeak garbles a "w" ("hw", "shw", "tsw", "lw"): the w is spelled "oo".
OO_FINALS = {"ua": "oo-ah", "uo": "ooaw", "uai": "ooai", "ui": "ooay", "uan": "ooahn", "uang": "ooahng"}
_OO_BEFORE_W = ("h", "zh", "ch", "sh", "r", "j", "q", "x", "c", "l", "n")


def syllables(word: str) -> list[str] | None:
    """``word`` cut into pinyin syllables (fewest syllables), or None when it is not pinyin.

    A syllable that starts with a, o or e may only start the word (pinyin writes an
    apostrophe before one inside a word: Xi'an)."""
    w = word.lower().replace("ü", "v")
    if not w.isascii() or not w.isalpha():
        return None
    return _cut(w)


@functools.lru_cache(maxsize=4096)
def _cut(w: str) -> list[str] | None:
    best: list[str] | None = None
    for n in range(min(_LONGEST, len(w)), 0, -1):
        head = w[:n]
        if head not in SYLLABLES:
            continue
        if n == len(w):
            return [head]
        if w[n] in "aoe":
            continue
        rest = _cut(w[n:])
        if rest is not None and (best is None or 1 + len(rest) < len(best)):
            best = [head, *rest]
    return best


def is_pinyin(word: str) -> bool:
    """Whether ``word`` reads as a pinyin name: all pinyin, not an English name, and not a bare
    vowel syllable alone ("A", "An", "E", "Er" are English words or labels: "Speaker A")."""
    cut = syllables(word)
    if cut is None or word.lower() in ENGLISH:
        return False
    return not (len(cut) == 1 and cut[0][0] in "aoe")


def respell_syllable(syllable: str) -> str:
    if syllable in SYLLABLE_SPELLING:
        return SYLLABLE_SPELLING[syllable]
    initial = next(i for i in _INITIALS if syllable.startswith(i))
    final = syllable[len(initial):]
    if initial in "jqx" and final.startswith("u"):
        final = "v" + final[1:]                      # ju, que, xuan: the u is ü
    if final == "van":
        spelled = "ooen"
    elif final == "vn":
        spelled = "oon"
    elif initial in _OO_BEFORE_W and final in OO_FINALS:
        spelled = OO_FINALS[final]
    else:
        spelled = FINAL_SPELLING[final]
    return INITIAL_SPELLING.get(initial, initial) + spelled


def respell(word: str) -> str:
    """The English respelling of a pinyin word: syllables joined by hyphens, capitalized."""
    parts = syllables(word)
    if parts is None:
        raise ValueError(f"{word!r} is not pinyin")
    spelled = "-".join(respell_syllable(s) for s in parts)
    return spelled[:1].upper() + spelled[1:]


@dataclass(frozen=True)
class Names:
    """Name (a whole name or one of its words) -> how to say it; longest names first."""

    readings: tuple[tuple[str, str], ...] = ()

    @functools.cached_property
    def pattern(self) -> re.Pattern | None:
        if not self.readings:
            return None
        words = "|".join(re.escape(name) for name, _ in self.readings)
        return re.compile(rf"(?<![\w\[])(?:{words})(?![\w\]])")

    @functools.cached_property
    def table(self) -> dict[str, str]:
        return dict(self.readings)

    def apply(self, text: str) -> str:
        """Replace every whole-word, same-case occurrence of a name by its reading."""
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda m: self.table[m.group(0)], text)


def speaker_names(names: Iterable[str], say: Mapping[str, str] | None = None) -> Names:
    """What to say for each speaker's name and its words.

    ``say`` (speaker -> respelling, from the cast) wins: the whole name is replaced by it,
    and when the respelling has as many words as the name, each word alone by its
    counterpart. Words not covered so, of a name whose every word is pinyin, get the
    built-in respelling.
    """
    say = dict(say or {})
    readings: dict[str, str] = {}
    for name in names:
        words = name.split()
        if name in say:
            spoken = say[name]
            readings[name] = spoken
            parts = spoken.split()
            if len(parts) == len(words) and "[[" not in spoken:
                for word, part in zip(words, parts):
                    readings.setdefault(word, part)
        if words and all(is_pinyin(w) for w in words):
            for word in words:
                readings.setdefault(word, respell(word))
    ordered = sorted(readings.items(), key=lambda item: -len(item[0]))
    return Names(tuple(ordered))
