"""Tables from data: one-line directives an editor types in Markdown.

    :: side-effects amitriptyline tag=muscle
    :: compare amitriptyline cyclobenzaprine rows=class,main_use,effect_on_muscles

Each line becomes a captioned pipe table built from the medicine records, so every page
that shows a medicine's side effects says the same thing, and a changed record changes
every page. The table then goes through the same accessible table markup as any other.
`parse_directive` is shared by the Markdown preprocessor and by validation, which reports
unknown medicines, rows and filters with their file and line.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

DIRECTIVE_RE = re.compile(r"^::\s+([a-z-]+)\b(.*)$")
FREQUENCY_ORDER = ["very-common", "common", "uncommon", "rare", "very-rare", "not-known"]
FREQUENCY_WORDS = {
    "very-common": "May affect more than 1 in 10 people",
    "common": "May affect up to 1 in 10 people",
    "uncommon": "May affect up to 1 in 100 people",
    "rare": "May affect up to 1 in 1,000 people",
    "very-rare": "May affect up to 1 in 10,000 people",
    "not-known": "Not known",
}
ACTION_ORDER = ["emergency", "doctor", "self-care"]
BUILT_IN_ROWS = {
    "class": "Type of medicine",
    "brand_names": "Brand names",
    "licensed_uses": "Licensed uses",
    "common_side_effects": "Common side effects",
    "serious_side_effects": "Serious side effects (get help at once)",
    "muscle_side_effects": "Effects on muscles reported",
    "stopping": "Stopping",
}
FILTERS = {"tag", "action", "frequency", "caption"}


@dataclass
class Directive:
    name: str
    medicines: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # code, message, hint


def parse_directive(line: str, records: dict[str, dict[str, Any]]) -> Directive | None:
    """The directive on `line`, with any problems found against `records`; None if the
    line is not a directive."""
    match = DIRECTIVE_RE.match(line.strip())
    if not match:
        return None
    directive = Directive(match.group(1))
    try:
        words = shlex.split(match.group(2))
    except ValueError as exc:
        directive.problems.append(("directive-syntax", f"cannot read the directive: {exc}",
                                   'put values with spaces in quotes: caption="..."'))
        return directive
    for word in words:
        key, eq, value = word.partition("=")
        if eq:
            directive.options[key] = value
        else:
            directive.medicines.append(word)
    if directive.name not in ("side-effects", "compare"):
        directive.problems.append(("directive-unknown", f"unknown directive ':: {directive.name}'",
                                   "directives are ':: side-effects MEDICINE [tag=...]' and "
                                   "':: compare MEDICINE MEDICINE ... rows=..."))
        return directive
    for key in directive.medicines:
        if key not in records:
            known = ", ".join(sorted(records)) or "(none)"
            directive.problems.append(("unknown-medicine", f"unknown medicine '{key}'",
                                       f"medicines with records: {known}"))
    wanted = 1 if directive.name == "side-effects" else 2
    if (directive.name == "side-effects" and len(directive.medicines) != 1) or \
            len(directive.medicines) < wanted:
        directive.problems.append((
            "directive-syntax",
            f"':: {directive.name}' needs {'one medicine' if wanted == 1 else 'two or more'}",
            ":: side-effects amitriptyline   or   :: compare amitriptyline gabapentin "
            "rows=class,main_use"))
    if directive.problems:
        return directive
    if directive.name == "side-effects":
        _check_filters(directive, records[directive.medicines[0]])
    else:
        _check_rows(directive, [records[k] for k in directive.medicines])
    return directive


def _check_filters(directive: Directive, record: dict[str, Any]) -> None:
    effects = record.get("side_effects") or []
    for key, value in directive.options.items():
        if key not in FILTERS:
            directive.problems.append(("directive-filter-unknown", f"unknown filter '{key}'",
                                       f"filters are: {', '.join(sorted(FILTERS))}"))
        elif key == "tag" and not any(value in (e.get("tags") or []) for e in effects):
            tags = sorted({t for e in effects for t in e.get("tags") or []})
            directive.problems.append(("directive-filter-unknown",
                                       f"no side effect of this medicine has tag '{value}'",
                                       f"its tags are: {', '.join(tags)}"))
        elif key == "action" and value not in ACTION_ORDER:
            directive.problems.append(("directive-filter-unknown", f"unknown action '{value}'",
                                       f"actions are: {', '.join(ACTION_ORDER)}"))
        elif key == "frequency" and value not in FREQUENCY_ORDER:
            directive.problems.append(("directive-filter-unknown",
                                       f"unknown frequency '{value}'",
                                       f"frequencies are: {', '.join(FREQUENCY_ORDER)}"))


def _rows_of(records: list[dict[str, Any]]) -> set[str]:
    common = set(BUILT_IN_ROWS)
    facts = [set((r.get("facts") or {}).keys()) for r in records]
    return common | (set.intersection(*facts) if facts else set())


def _check_rows(directive: Directive, records: list[dict[str, Any]]) -> None:
    if "rows" not in directive.options:
        rows = ", ".join(sorted(_rows_of(records)))
        directive.problems.append(("directive-syntax", "':: compare' needs rows=...",
                                   f"rows you can use here: {rows}"))
        return
    unknown_options = set(directive.options) - {"rows", "caption"}
    for key in sorted(unknown_options):
        directive.problems.append(("directive-filter-unknown", f"unknown option '{key}'",
                                   "':: compare' takes rows=... and caption=..."))
    available = _rows_of(records)
    for row in directive.options["rows"].split(","):
        if row not in available:
            directive.problems.append(("directive-row-unknown", f"unknown row '{row}'",
                                       f"rows all these medicines have: "
                                       f"{', '.join(sorted(available))}"))


def _cell(text: str, sources: list[str] | None = None) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    cites = "; ".join(f"@{s}" for s in sources or [])
    return f"{text} [{cites}]" if cites else text


def _cited_list(items: list[dict[str, Any]], key: str = "name") -> str:
    if not items:
        return "None listed"
    texts = [str(i[key]) for i in items]
    names = ", ".join([texts[0], *(t[:1].lower() + t[1:] for t in texts[1:])])
    sources = list(dict.fromkeys(s for i in items for s in i.get("sources") or []))
    return _cell(names, sources)


def side_effects_table(directive: Directive, records: dict[str, dict[str, Any]],
                       tiers: dict[str, str]) -> str:
    key = directive.medicines[0]
    record = records[key]
    effects = list(record.get("side_effects") or [])
    options = directive.options
    if "tag" in options:
        effects = [e for e in effects if options["tag"] in (e.get("tags") or [])]
    if "action" in options:
        effects = [e for e in effects if e.get("action") == options["action"]]
    if "frequency" in options:
        effects = [e for e in effects if e.get("frequency") == options["frequency"]]
    effects.sort(key=lambda e: (ACTION_ORDER.index(e["action"]),
                                FREQUENCY_ORDER.index(e["frequency"])))
    name = record["name"]
    caption = options.get("caption") or (
        f"Side effects of {name.lower()} and what to do" if "tag" not in options
        else f"{options['tag'].replace('-', ' ').capitalize()} side effects of {name.lower()}")
    lines = [f"Table: {caption}", "", "| Side effect | How common | What to do |", "|---|---|---|"]
    for effect in effects:
        what = f"{tiers[effect['action']]}. {effect.get('advice') or ''}"
        lines.append(f"| {_cell(effect['name'])} | {FREQUENCY_WORDS[effect['frequency']]} | "
                     f"{_cell(what, effect.get('sources'))} |")
    return "\n".join(lines)


def _row(row: str, record: dict[str, Any]) -> str:
    effects = record.get("side_effects") or []
    if row == "class":
        return _cell(record["class"])
    if row == "brand_names":
        return _cell(", ".join(record.get("brand_names") or []) or "None")
    if row == "licensed_uses":
        uses = (record.get("uses") or {}).get("licensed") or []
        return _cited_list(uses, "text") if uses else "None"
    if row == "common_side_effects":
        return _cited_list([e for e in effects if e["frequency"] in ("very-common", "common")])
    if row == "serious_side_effects":
        return _cited_list([e for e in effects if e["action"] == "emergency"])
    if row == "muscle_side_effects":
        return _cited_list([e for e in effects if "muscle" in (e.get("tags") or [])])
    if row == "stopping":
        stopping = record.get("stopping") or {}
        return _cell(stopping.get("text", "Not stated"), stopping.get("sources"))
    fact = record["facts"][row]
    return _cell(fact["text"], fact.get("sources"))


def compare_table(directive: Directive, records: dict[str, dict[str, Any]]) -> str:
    chosen = [records[k] for k in directive.medicines]
    names = [r["name"] for r in chosen]
    listed = [names[0], *(n.lower() for n in names[1:])]
    caption = directive.options.get("caption") or (
        " and ".join([", ".join(listed[:-1]), listed[-1]]) + " compared")
    lines = [f"Table: {caption}", "", "| Feature | " + " | ".join(names) + " |",
             "|---" * (len(names) + 1) + "|"]
    for row in directive.options["rows"].split(","):
        label = BUILT_IN_ROWS.get(row) or chosen[0]["facts"][row]["label"]
        lines.append(f"| {label} | " + " | ".join(_row(row, r) for r in chosen) + " |")
    return "\n".join(lines)


def expand(text: str, records: dict[str, dict[str, Any]], tiers: dict[str, str]) -> str:
    """The Markdown with every valid directive line replaced by its table (invalid ones
    are left for validation to report)."""
    out = []
    for line in text.split("\n"):
        directive = parse_directive(line, records)
        if directive is None or directive.problems:
            out.append(line)
        elif directive.name == "side-effects":
            out.append("\n" + side_effects_table(directive, records, tiers) + "\n")
        else:
            out.append("\n" + compare_table(directive, records) + "\n")
    return "\n".join(out)
