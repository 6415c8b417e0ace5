"""Generate a synthetic Careleaf site shaped like the bundled one, for benchmarks.

    python bench/generate.py OUT --articles 1000

Each article has about 1,200 words, two typed tables, one table built from a medicine
record, an FAQ of five questions, six citations and two callouts; there are about N/20
medicine records. The text is varied but meaningless: this is for timing, never for
publishing (every page says so).

    python bench/generate.py OUT --articles 1000 --real

makes a site of the bundled articles instead, copied until there are N of them (see
`generate_real`): real prose, which costs more to convert and check than the synthetic one.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = [
    "medicine", "dose", "tablet", "side", "effect", "doctor", "pharmacist", "nerve", "pain",
    "muscle", "cramp", "sleep", "dizzy", "mouth", "stomach", "kidney", "liver", "heart",
    "blood", "sodium", "serotonin", "review", "evidence", "trial", "people", "week", "month",
    "evening", "morning", "water", "food", "alcohol", "driving", "symptom", "help", "advice",
    "change", "stop", "start", "slowly", "common", "rare", "serious", "mild", "body", "brain",
    "signal", "don't", "it's", "you'll",  # apostrophes, as in real prose (SmartyPants)
]


def sentence(rng: random.Random, words: int = 12) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:]


def paragraph(rng: random.Random, cite: str, sentences: int = 5) -> str:
    return " ".join(sentence(rng) + "." for _ in range(sentences - 1)) + \
        f" {sentence(rng)} [@{cite}]."


PEOPLE = """\
# Synthetic people for benchmarks only: no real person or registration.
- {id: bench-writer, name: Bench writer, role: Writer}
- id: bench-reviewer
  name: Bench reviewer
  role: Pharmacist
  clinical_reviewer: true
  registration: {body: Synthetic register, number: "0000000"}
"""


def medicine_record(key: str, rng: random.Random) -> str:
    effects = []
    for index in range(8):
        effects.append(
            f"  - name: {sentence(rng, 3)} {index}\n"
            f"    frequency: {rng.choice(['very-common', 'common', 'uncommon', 'rare'])}\n"
            f"    seriousness: {rng.choice(['mild', 'serious'])}\n"
            f"    action: {rng.choice(['self-care', 'doctor', 'emergency'])}\n"
            f"    advice: {sentence(rng, 10)}.\n"
            f"    tags: [{rng.choice(['muscle', 'sleep', 'gut'])}]\n"
            f"    sources: [{{id: src-{key}, section: '4.8', checked: 2026-01-01}}]\n"
        )
    cite = f"sources: [src-{key}]"

    def said(words: int = 10) -> str:
        return f"{{text: {sentence(rng, words)}., {cite}}}"

    return (
        f"name: Medicine {key}\nclass: Synthetic class\n"
        f"summary: A synthetic medicine for benchmarks.\n"
        f"author: bench-writer\nreviewed_by: bench-reviewer\n"
        f"last_reviewed: 2026-01-01\nnext_review: 2027-01-01\n"
        f"availability:\n  UK: {{licensed: true, supply: prescription-only, "
        f"brand_names: [Brand {key}], {cite}}}\n"
        f"key_facts:\n  - {said()}\n  - {said()}\n"
        f"uses:\n  licensed:\n    - {{text: Synthetic use, {cite}}}\n"
        f"who_can_take:\n  do_not_take:\n    - {said()}\n  check_first:\n    - {said()}\n"
        f"how_to_take:\n  doses:\n    - {{use: Adults, text: {sentence(rng, 8)}., {cite}}}\n"
        f"  missed_dose: {said()}\n"
        f"  overdose: {{action: emergency, text: {sentence(rng, 8)}., {cite},\n"
        f"             children: {said()}}}\n"
        f"side_effects:\n{''.join(effects)}"
        + "".join(f"{section}:\n  - {said()}\n" for section in (
            "pregnancy", "breastfeeding", "driving", "alcohol", "older_people", "stopping",
            "storage"))
        + f"common_questions:\n  - {{question: {sentence(rng, 5)}?, answer: {sentence(rng)}., "
        f"{cite}}}\n"
        + f"interactions:\n  - {{medicine: Other medicines, effect: {sentence(rng, 6)}., "
        f"advice: {sentence(rng, 6)}., {cite}}}\n"
        f"dependence:\n  misuse:\n    - {said()}\n  withdrawal:\n    - {said()}\n"
        f"facts:\n  main_use: {{label: Main uses, text: Benchmarks., {cite}}}\n"
        f"sources:\n  - {{id: src-{key}, type: smpc, title: Synthetic label {key}, "
        f"publisher: Bench, region: UK}}\n"
    )


def article(index: int, medicine: str, topic: str, rng: random.Random) -> str:
    cites = [f"s{index}-{n}" for n in range(6)]
    sources = "".join(
        f"  - id: {c}\n    type: study\n    title: Synthetic source {c}\n"
        f"    publisher: Bench\n" for c in cites)
    body = [paragraph(rng, cites[0])]
    for section in range(6):
        body.append(f"## Section {section} of article {index}")
        body += [paragraph(rng, cites[(section + k) % 6]) for k in range(3)]
        if section in (1, 3):
            body += [f"Table: Table {section} of article {index}", "",
                     "| Row | First | Second |", "|---|---|---|"]
            body += [f"| Item {r} | {sentence(rng, 4)} | {sentence(rng, 4)} |"
                     for r in range(5)]
            body.append("")
    body += [f":: side-effects {medicine}", "", "## When to get medical help", "",
             "!!! urgent", f"    - {sentence(rng, 8).lower()} [@{cites[1]}]", "",
             "!!! emergency", f"    - {sentence(rng, 8).lower()} [@{cites[2]}]", "",
             "## Frequently asked questions", ""]
    for question in range(5):
        body += [f"### Question {question} about article {index}?", "",
                 paragraph(rng, cites[question % 6], 3), ""]
    return (
        f"---\ntitle: Synthetic article {index}\n"
        f"description: Benchmark article {index}, not for publishing.\n"
        f"medicines: [{medicine}]\ntopics: [{topic}]\n"
        f"summary: Benchmark text.\nkey_points:\n  - Benchmark text only.\n"
        f"author: bench-writer\nreviewed_by: bench-reviewer\npublished: 2026-01-01\n"
        f"last_reviewed: 2026-01-01\nnext_review: 2027-01-01\nsources:\n{sources}---\n\n"
        + "\n\n".join(body) + "\n"
    )


def generate(out: Path, articles: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    for folder in ("templates", "static"):
        shutil.copytree(ROOT / folder, out / folder)
    shutil.copy(ROOT / "site.yaml", out / "site.yaml")
    (out / "site.yaml").write_text((ROOT / "site.yaml").read_text() +
                                   "\nchecks:\n  readability-grade: 'off'\n"
                                   "  link-domain-unknown: 'off'\n")
    content = out / "content"
    shutil.copytree(ROOT / "content" / "pages", content / "pages")  # the nav links to them
    (content / "articles").mkdir(parents=True)
    (content / "medicines").mkdir()
    medicines = [f"m{n:04d}" for n in range(max(2, articles // 20))]
    topics = [f"topic-{n}" for n in range(max(2, articles // 50))]
    for key in medicines:
        (content / "medicines" / f"{key}.yaml").write_text(medicine_record(key, rng))
    (content / "people.yaml").write_text(PEOPLE)
    (content / "topics.yaml").write_text("".join(
        f"{t}:\n  title: Topic {t}\n  description: A synthetic topic.\n" for t in topics))
    for index in range(articles):
        # A medicine belongs to one topic (its class) and a few articles cross over, as in
        # a formulary; random pairs would make every two medicines share a topic and so
        # need a comparison page (124,750 of them at 10,000 articles).
        medicine = rng.choice(medicines)
        home = topics[medicines.index(medicine) % len(topics)]
        topic = home if rng.random() < 0.98 else rng.choice(topics)
        text = article(index, medicine, topic, rng)
        (content / "articles" / f"article-{index:05d}.md").write_text(text)
    return out


SLUG_LINE_RE = re.compile(r"^slug:.*\n", re.MULTILINE)
TITLE_LINE_RE = re.compile(r"^title: (.*)$", re.MULTILINE)


def _numbered(title: str, copy: int) -> str:
    """A YAML title, plain or quoted, with " (copy)" at the end of its text."""
    title = title.strip()
    if title[:1] in "\"'" and title[-1:] == title[:1]:
        return f"{title[:-1]} ({copy}){title[-1]}"
    return f"{title} ({copy})"


def generate_real(out: Path, articles: int, source: Path = ROOT) -> Path:
    """A site made of the bundled site's own articles, copied until there are `articles`:
    real prose, citations, glossary terms, `::` tables, callouts and FAQs. Each copy has
    its own file name (its slug) and title; everything else in content/ is the bundled
    site's, as are site.yaml, the templates and static files."""
    if out.exists():
        shutil.rmtree(out)
    for folder in ("templates", "static"):
        shutil.copytree(source / folder, out / folder)
    shutil.copy(source / "site.yaml", out / "site.yaml")
    shutil.copytree(source / "content", out / "content",
                    ignore=shutil.ignore_patterns("articles"))
    folder = out / "content" / "articles"
    folder.mkdir()
    bundled = sorted((source / "content" / "articles").glob("*.md"))
    for index in range(articles):
        original = bundled[index % len(bundled)]
        copy = index // len(bundled)
        text = SLUG_LINE_RE.sub("", original.read_text(), count=1)  # the file name is the slug
        if copy:
            text = TITLE_LINE_RE.sub(lambda m, n=copy: f"title: {_numbered(m.group(1), n)}",
                                     text, count=1)
            (folder / f"{original.stem}-{copy}.md").write_text(text)
        else:
            (folder / original.name).write_text(text)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--real", action="store_true",
                        help="copies of the bundled articles instead of synthetic ones")
    args = parser.parse_args()
    if args.real:
        generate_real(args.out, args.articles)
    else:
        generate(args.out, args.articles, args.seed)
    print(f"wrote {args.articles} articles to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
