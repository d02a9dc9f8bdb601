"""The narrator's phrases in the episode's language: the intro, the outro, the chapter titles of
both, and the sentence a voice's pitch is measured on.

Everything a language needs is one entry of ``PHRASES`` (data, not code): the sentences as
``str.format`` templates and the few typographic choices that differ between languages (how a
list of people is joined, the full stop, how the "; " inside a role is read). English is exactly
what panelcast has always said, with one fix: a title that already ends with sentence punctuation
("Under Attack!") gets no second full stop ("Under Attack!." before).

Choices made per language:
- Lists join as the language does ("A, B und C", "A, B et C", "A、B和C"); when anybody in the list
  has a role, people are separated by semicolons so that a role's own commas do not split it
  ("A, Professorin; B, Journalist; und C"). English keeps its "A, role; B; C" without "and".
- Sentences that would make a name agree with a verb or take a grammatical case are built so that
  the names stand alone (German "Moderation: A.", Polish "...udział biorą: A, B i C."): a name
  from a transcript cannot be declined.
- Japanese is written in kana, words separated by spaces as kana-only text is: eSpeak NG's
  Japanese voice reads no kanji (each is read out in English as "Chinese letter"), and it reads
  the particle は as "ha", so the sentences avoid it. Names get "さん", roles come first with "の".
- Chinese uses full-width punctuation with no spaces; the outro names the title in 《》.
"""

from __future__ import annotations

import re
from typing import Sequence

from .language import base

ENGLISH = "en"

# A language's entry:
#   title, panel (two or more guests), conversation (one guest), hosts (hosts_many: two or more),
#   outro: sentence templates; {title} is the title, {title_stop} the title as a sentence (the
#       language's full stop added unless it ends with sentence punctuation), {people} a list.
#   person, person_role: one person in a list ({name}, {role}).
#   role_semicolon: (pattern, replacement) read for "; " inside a role.
#   sep, last: between people and before the last one; sep_roles, last_roles: when one has a role.
#   stop: the full stop; chapter_intro, chapter_outro: chapter titles; measure: ~5 s of neutral
#   speech. Optional: hosts_many; before_i: (and, and before an "i" sound).
PHRASES: dict[str, dict[str, object]] = {
    "en": {
        "title": "{title_stop}",
        "panel": "A panel discussion with {people}.",
        "conversation": "A conversation with {people}.",
        "hosts": "Moderated by {people}.",
        "outro": "That was {title_stop} Thanks for listening.",
        "person": "{name}", "person_role": "{name}, {role}", "role_semicolon": (";", ","),
        "sep": "; ", "last": "; ", "sep_roles": "; ", "last_roles": "; ", "stop": ".",
        "chapter_intro": "Intro", "chapter_outro": "Outro",
        "measure": ("The committee will publish its findings on Thursday morning, "
                    "and everyone who took part is invited to listen."),
    },
    "de": {
        "title": "{title_stop}",
        "panel": "Eine Podiumsdiskussion mit {people}.",
        "conversation": "Ein Gespräch mit {people}.",
        "hosts": "Moderation: {people}.",
        "outro": "Das war {title_stop} Danke fürs Zuhören.",
        "person": "{name}", "person_role": "{name}, {role}", "role_semicolon": (";", ","),
        "sep": ", ", "last": " und ", "sep_roles": "; ", "last_roles": "; und ", "stop": ".",
        "chapter_intro": "Intro", "chapter_outro": "Outro",
        "measure": ("Der Ausschuss veröffentlicht seine Ergebnisse am Donnerstagmorgen, "
                    "und alle, die mitgemacht haben, sind zum Zuhören eingeladen."),
    },
    "fr": {
        "title": "{title_stop}",
        "panel": "Une table ronde avec {people}.",
        "conversation": "Un entretien avec {people}.",
        "hosts": "Animation : {people}.",
        "outro": "C'était {title_stop} Merci de votre écoute.",
        "person": "{name}", "person_role": "{name}, {role}", "role_semicolon": (";", ","),
        "sep": ", ", "last": " et ", "sep_roles": " ; ", "last_roles": " ; et ", "stop": ".",
        "chapter_intro": "Introduction", "chapter_outro": "Conclusion",
        "measure": ("Le comité publiera ses conclusions jeudi matin, "
                    "et tous ceux qui ont participé sont invités à venir les écouter."),
    },
    "es": {
        "title": "{title_stop}",
        "panel": "Una mesa redonda con {people}.",
        "conversation": "Una conversación con {people}.",
        "hosts": "Modera {people}.", "hosts_many": "Moderan {people}.",
        "outro": "Esto fue {title_stop} Gracias por escucharnos.",
        "person": "{name}", "person_role": "{name}, {role}", "role_semicolon": (";", ","),
        "sep": ", ", "last": " y ", "sep_roles": "; ", "last_roles": "; y ", "stop": ".",
        "before_i": (" y ", " e "),      # "y" is "e" before an "i" sound: "Ana e Inés"
        "chapter_intro": "Introducción", "chapter_outro": "Cierre",
        "measure": ("El comité publicará sus conclusiones el jueves por la mañana, "
                    "y todos los que participaron están invitados a escucharlas."),
    },
    "it": {
        "title": "{title_stop}",
        "panel": "Una tavola rotonda con {people}.",
        "conversation": "Una conversazione con {people}.",
        "hosts": "Modera {people}.", "hosts_many": "Moderano {people}.",
        "outro": "Avete ascoltato {title_stop} Grazie per l'ascolto.",
        "person": "{name}", "person_role": "{name}, {role}", "role_semicolon": (";", ","),
        "sep": ", ", "last": " e ", "sep_roles": "; ", "last_roles": "; e ", "stop": ".",
        "chapter_intro": "Introduzione", "chapter_outro": "Chiusura",
        "measure": ("Il comitato pubblicherà i risultati giovedì mattina, "
                    "e tutti quelli che hanno partecipato sono invitati ad ascoltarli."),
    },
    "pt": {
        "title": "{title_stop}",
        "panel": "Uma mesa-redonda com {people}.",
        "conversation": "Uma conversa com {people}.",
        "hosts": "Moderação de {people}.",
        "outro": "Este foi {title_stop} Obrigado por nos ouvir.",
        "person": "{name}", "person_role": "{name}, {role}", "role_semicolon": (";", ","),
        "sep": ", ", "last": " e ", "sep_roles": "; ", "last_roles": "; e ", "stop": ".",
        "chapter_intro": "Introdução", "chapter_outro": "Encerramento",
        "measure": ("A comissão vai publicar as suas conclusões na quinta-feira de manhã, "
                    "e todos os que participaram estão convidados a ouvir."),
    },
    "nl": {
        "title": "{title_stop}",
        "panel": "Een paneldiscussie met {people}.",
        "conversation": "Een gesprek met {people}.",
        "hosts": "Gespreksleiding: {people}.",
        "outro": "Dat was {title_stop} Bedankt voor het luisteren.",
        "person": "{name}", "person_role": "{name}, {role}", "role_semicolon": (";", ","),
        "sep": ", ", "last": " en ", "sep_roles": "; ", "last_roles": "; en ", "stop": ".",
        "chapter_intro": "Inleiding", "chapter_outro": "Afsluiting",
        "measure": ("De commissie publiceert haar bevindingen donderdagochtend, "
                    "en iedereen die heeft meegedaan is uitgenodigd om te luisteren."),
    },
    "pl": {
        "title": "{title_stop}",
        "panel": "Dyskusja panelowa, w której udział biorą: {people}.",
        "conversation": "Naszym gościem jest {people}.",
        "hosts": "Prowadzenie: {people}.",
        "outro": "Słuchaliście: {title_stop} Dziękujemy za uwagę.",
        "person": "{name}", "person_role": "{name}, {role}", "role_semicolon": (";", ","),
        "sep": ", ", "last": " i ", "sep_roles": "; ", "last_roles": "; i ", "stop": ".",
        "chapter_intro": "Wstęp", "chapter_outro": "Zakończenie",
        "measure": ("Komisja opublikuje swoje wnioski w czwartek rano, "
                    "a wszyscy, którzy wzięli udział, są zaproszeni do wysłuchania."),
    },
    "ru": {
        "title": "{title_stop}",
        "panel": "Панельная дискуссия. Участники: {people}.",
        "conversation": "Наш гость — {people}.",
        "hosts": "Модератор: {people}.", "hosts_many": "Модераторы: {people}.",
        "outro": "Это был выпуск «{title}». Спасибо, что слушали.",
        "person": "{name}", "person_role": "{name}, {role}", "role_semicolon": (";", ","),
        "sep": ", ", "last": " и ", "sep_roles": "; ", "last_roles": "; и ", "stop": ".",
        "chapter_intro": "Вступление", "chapter_outro": "Заключение",
        "measure": ("Комиссия опубликует свои выводы в четверг утром, "
                    "и все, кто принимал участие, приглашены их послушать."),
    },
    "zh": {
        "title": "{title_stop}",
        "panel": "本期圆桌讨论的嘉宾有{people}。",
        "conversation": "本期访谈的嘉宾是{people}。",
        "hosts": "主持人是{people}。",
        "outro": "以上就是《{title}》。感谢收听。",
        "person": "{name}", "person_role": "{name}，{role}", "role_semicolon": (r";\s*", "，"),
        "sep": "、", "last": "和", "sep_roles": "；", "last_roles": "；以及", "stop": "。",
        "chapter_intro": "开场", "chapter_outro": "结束语",
        "measure": "委员会将在星期四上午公布调查结果，欢迎所有参与者前来收听。",
    },
    "ja": {
        "title": "{title_stop}",
        "panel": "{people}による パネルディスカッションです。",
        "conversation": "{people}との たいだんです。",
        "hosts": "{people}が しかいを つとめます。",
        "outro": "いじょう、「{title}」でした。おききいただき、ありがとうございました。",
        "person": "{name}さん", "person_role": "{role}の{name}さん", "role_semicolon": (r";\s*", "、"),
        "sep": "、", "last": "と", "sep_roles": "、", "last_roles": "、そして", "stop": "。",
        "chapter_intro": "オープニング", "chapter_outro": "エンディング",
        "measure": ("いいんかいが もくようびの あさに けっかを はっぴょうします。"
                    "さんかした みなさんも ぜひ おききください。"),
    },
}

LANGUAGES: tuple[str, ...] = tuple(PHRASES)
_ENDS_SENTENCE = re.compile(r"[.!?…。！？][\"'”’»」』)）]*\s*$")


def has_templates(language: str) -> bool:
    """Whether ``language`` has phrases of its own (else the English ones are used)."""
    return base(language) in PHRASES


def _phrases(language: str) -> dict:
    return PHRASES.get(base(language), PHRASES[ENGLISH])


def _sentence(title: str, phrases: dict) -> str:
    return title if _ENDS_SENTENCE.search(title) else title + phrases["stop"]


def _people(people: Sequence[tuple[str, str]], phrases: dict) -> str:
    pattern, comma = phrases["role_semicolon"]
    items = [phrases["person_role"].format(name=name, role=re.sub(pattern, comma, role)) if role
             else phrases["person"].format(name=name) for name, role in people]
    roles = any(role for _, role in people)
    sep, last = (phrases["sep_roles"], phrases["last_roles"]) if roles else (phrases["sep"], phrases["last"])
    if len(items) < 2:
        return "".join(items)
    if "before_i" in phrases and re.match(r"(?i)h?[ií](?![aeoáéóú])", items[-1]):
        last = last.replace(*phrases["before_i"])
    return sep.join(items[:-1]) + last + items[-1]


def intro(title: str, guests: Sequence[tuple[str, str]], hosts: Sequence[tuple[str, str]],
          language: str) -> list[str]:
    """The intro's paragraphs: the title, the guests (name, role), the hosts. Roles may be ""."""
    phrases = _phrases(language)
    paragraphs = [phrases["title"].format(title=title, title_stop=_sentence(title, phrases))]
    if guests:
        kind = "panel" if len(guests) > 1 else "conversation"
        paragraphs.append(phrases[kind].format(people=_people(guests, phrases)))
    if hosts:
        kind = "hosts_many" if len(hosts) > 1 and "hosts_many" in phrases else "hosts"
        paragraphs.append(phrases[kind].format(people=_people(hosts, phrases)))
    return paragraphs


def outro(title: str, language: str) -> str:
    """The outro's one paragraph: the title and thanks for listening."""
    phrases = _phrases(language)
    return phrases["outro"].format(title=title, title_stop=_sentence(title, phrases))


def chapter_title(kind: str, language: str) -> str:
    """The chapter title of the intro or the outro (``kind`` "intro" or "outro")."""
    if kind not in ("intro", "outro"):
        raise ValueError(f"no chapter title for {kind!r}: expected 'intro' or 'outro'")
    return _phrases(language)[f"chapter_{kind}"]


def measure_text(language: str) -> str:
    """One neutral sentence, about 5 s of speech, that a voice's pitch is measured on."""
    return _phrases(language)["measure"]
