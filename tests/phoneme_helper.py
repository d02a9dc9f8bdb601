"""eSpeak NG's phoneme mnemonics for a text: what ``espeak-ng -q -x TEXT`` prints.

libespeak-ng comes from the ``espeakng-loader`` wheel, loaded with ctypes' default mode
(RTLD_LOCAL) in a process of its own (a test process may hold another eSpeak; two eSpeaks
initialized in one process hang). One process answers a whole list of texts.
"""

from __future__ import annotations

import ctypes
import functools
import json
import subprocess
import sys

AUDIO_OUTPUT_RETRIEVAL = 1   # no sound device
CHARS_UTF8 = 1
MNEMONICS = 0                # phonememode 0: ASCII mnemonics, as ``espeak-ng -x``


def _serve(voice: str, texts: list[str]) -> list[str]:
    import espeakng_loader

    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
    lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
    if lib.espeak_Initialize(AUDIO_OUTPUT_RETRIEVAL, 0, espeakng_loader.get_data_path().encode(), 0) <= 0:
        raise RuntimeError("espeak_Initialize failed")
    if lib.espeak_SetVoiceByName(voice.encode()) != 0:
        raise RuntimeError(f"eSpeak has no voice {voice!r}")
    out = []
    for text in texts:
        buffer = ctypes.create_string_buffer(text.encode("utf-8"))
        pointer = ctypes.c_void_p(ctypes.addressof(buffer))
        clauses = []
        while pointer.value:
            got = lib.espeak_TextToPhonemes(ctypes.byref(pointer), CHARS_UTF8, MNEMONICS)
            if got:
                clauses.append(got.decode("utf-8", "replace").strip())
        out.append(" ".join(c for c in clauses if c))
    return out


def phonemes_of(texts: list[str], voice: str = "en-us") -> list[str]:
    """The phonemes of each text, from one eSpeak process."""
    done = subprocess.run([sys.executable, __file__, voice], input=json.dumps(texts), capture_output=True,
                          text=True, encoding="utf-8", check=True)
    return json.loads(done.stdout)


@functools.lru_cache(maxsize=None)
def phonemes(text: str, voice: str = "en-us") -> str:
    return phonemes_of([text], voice)[0]


if __name__ == "__main__":
    json.dump(_serve(sys.argv[1], json.loads(sys.stdin.read())), sys.stdout)
