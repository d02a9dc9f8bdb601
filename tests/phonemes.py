"""eSpeak NG's phoneme mnemonics for a text: what ``espeak-ng -q -x TEXT`` prints.

The reading tests compare the phonemes of panelcast's spoken text with the phonemes of a
hand-written reading, so a test fails when what is heard is wrong, not when a string changes.

libespeak-ng comes from the ``espeakng-loader`` wheel and is loaded with ctypes' default mode
(RTLD_LOCAL), in a process of its own: a test process may also hold pyttsx3's eSpeak (loaded
globally) or Piper's, and two eSpeaks initialized in one process hang or crash (DESIGN.md).
``phonemes()`` starts that process on first use and keeps it for the session; requests are
JSON lines, so many texts cost one start-up.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import subprocess
import sys
import threading

AUDIO_OUTPUT_RETRIEVAL = 1       # espeak_AUDIO_OUTPUT: no sound device, nothing played
ESPEAK_CHARS_UTF8 = 1            # espeakCHARS_UTF8
PHONEMES_MNEMONICS = 0           # phonememode 0: ASCII mnemonics, as ``espeak-ng -x``


class _Library:
    """libespeak-ng in this process (only ever used inside the worker process)."""

    def __init__(self):
        import espeakng_loader

        lib = ctypes.CDLL(espeakng_loader.get_library_path())          # RTLD_LOCAL
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        data = espeakng_loader.get_data_path().encode()
        if lib.espeak_Initialize(AUDIO_OUTPUT_RETRIEVAL, 0, data, 0) <= 0:
            raise RuntimeError("espeak_Initialize failed")
        self.lib = lib
        self.voice = None

    def clauses(self, text: str, voice: str) -> list[str]:
        if voice != self.voice:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise RuntimeError(f"eSpeak has no voice {voice!r}")
            self.voice = voice
        buffer = ctypes.create_string_buffer(text.encode("utf-8"))
        pointer = ctypes.c_void_p(ctypes.addressof(buffer))
        clauses = []
        while pointer.value:
            out = self.lib.espeak_TextToPhonemes(ctypes.byref(pointer), ESPEAK_CHARS_UTF8, PHONEMES_MNEMONICS)
            if out:
                clauses.append(out.decode("utf-8", "replace").strip())
        return [c for c in clauses if c]


def _serve() -> None:
    """Worker loop: one JSON request per line in, one JSON answer per line out."""
    library = _Library()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = {"clauses": [library.clauses(t, request["voice"]) for t in request["texts"]]}
        except Exception as error:    # reported to the caller, which raises
            answer = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


class _Worker:
    def __init__(self):
        self.process = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, encoding="utf-8")
        self.lock = threading.Lock()
        atexit.register(self.close)

    def ask(self, texts: list[str], voice: str) -> list[list[str]]:
        with self.lock:
            self.process.stdin.write(json.dumps({"texts": texts, "voice": voice}) + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the eSpeak phoneme process ended (code {self.process.poll()})")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer["clauses"]

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=10)


_worker: _Worker | None = None


def clauses_many(texts: list[str], voice: str = "en-us") -> list[list[str]]:
    """eSpeak's phoneme mnemonics for each text, clause by clause (a clause ends where eSpeak pauses:
    at a comma, a full stop...); one round trip for all of them."""
    global _worker
    if _worker is None or _worker.process.poll() is not None:
        _worker = _Worker()
    return _worker.ask(list(texts), voice)


def phonemes_many(texts: list[str], voice: str = "en-us") -> list[str]:
    """eSpeak's phoneme mnemonics for each text (one round trip for all of them)."""
    return [" ".join(clauses) for clauses in clauses_many(texts, voice)]


def phonemes(text: str, voice: str = "en-us") -> str:
    """eSpeak's phoneme mnemonics for ``text``, clauses joined by a space (as ``espeak-ng -q -x``)."""
    return phonemes_many([text], voice)[0]


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    _serve()
