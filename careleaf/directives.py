"""Tables from data: one-line directives an editor types in Markdown.

    :: side-effects amitriptyline tag=muscle
    :: compare amitriptyline cyclobenzaprine rows=class,main_use,effect_on_muscles

Each line becomes a captioned table built from the (validated) medicine records, so every
page that shows a medicine's side effects says the same thing, and a changed record
changes every page. The table is built as a tree, not as Markdown text: what a record says
is always plain text on the page (it cannot carry HTML, an image or a link), lists stay
lists, emergency rows are marked in words as well as colour, and a side effect tagged
`self-harm` carries the site's crisis line. `parse_directive` is shared with validation,
which reports unknown medicines, rows and filters with their file and line.
"""

from __future__ import annotations

import re
import shlex
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from markdown.blockprocessors import BlockProcessor
from markdown.util import AtomicString

from .schema import Cited, MedicineRecord, SiteConfig, band_note, band_origin

if TYPE_CHECKING:
    from .schema import SideEffect

DIRECTIVE_RE = re.compile(r"^::\s+([a-z-]+)\b(.*)$")
FREQUENCY_ORDER = ["very-common", "common", "uncommon", "rare", "very-rare", "not-known"]
# The EU/MHRA leaflet convention (QRD template) for each band of an SmPC's section 4.8.
FREQUENCY_WORDS = {
    "very-common": "May affect more than 1 in 10 people",
    "common": "May affect up to 1 in 10 people",
    "uncommon": "May affect up to 1 in 100 people",
    "rare": "May affect up to 1 in 1,000 people",
    "very-rare": "May affect up to 1 in 10,000 people",
    "not-known": "Frequency not known (it cannot be estimated from the available data)",
}
ACTION_ORDER = ["emergency", "doctor", "self-care"]
BUILT_IN_ROWS = {
    "class": "Type of medicine",
    "brand_names": "Brand names",
    "availability": "Licensed here?",
    "licensed_uses": "Licensed uses",
    "common_side_effects": "Common side effects",
    "serious_side_effects": "Serious side effects (get help at once)",
    "muscle_side_effects": "Effects on muscles reported",
    "do_not_take": "Do not take it if you",
    "check_first": "Check with a doctor first if you",
    "overdose": "If you take too much",
    "interactions": "Medicines it does not mix well with",
    "pregnancy": "Pregnancy",
    "breastfeeding": "Breastfeeding",
    "driving": "Driving",
    "alcohol": "Alcohol",
    "older_people": "Older people",
    "dependence": "Addiction and withdrawal",
    "stopping": "Stopping",
}
FILTERS = {"tag", "action", "frequency", "caption"}


@dataclass
class Directive:
    name: str
    medicines: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # code, message, hint


def parse_directive(line: str, records: dict[str, MedicineRecord]) -> Directive | None:
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
            directive.problems.append(("unknown-medicine",
                                       f"there is no (valid) medicine record for '{key}'",
                                       f"add content/medicines/{key}.yaml, or fix the errors "
                                       f"in it; medicines with records: {known}"))
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


def _check_filters(directive: Directive, record: MedicineRecord) -> None:
    effects = record.side_effects
    for key, value in directive.options.items():
        if key not in FILTERS:
            directive.problems.append(("directive-filter-unknown", f"unknown filter '{key}'",
                                       f"filters are: {', '.join(sorted(FILTERS))}"))
        elif key == "tag" and not any(value in e.tags for e in effects):
            tags = sorted({t for e in effects for t in e.tags})
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


def _rows_of(records: list[MedicineRecord]) -> set[str]:
    facts = [set(r.facts) for r in records]
    return set(BUILT_IN_ROWS) | (set.intersection(*facts) if facts else set())


def _check_rows(directive: Directive, records: list[MedicineRecord]) -> None:
    if "rows" not in directive.options:
        rows = ", ".join(sorted(_rows_of(records)))
        directive.problems.append(("directive-syntax", "':: compare' needs rows=...",
                                   f"rows you can use here: {rows}"))
        return
    for key in sorted(set(directive.options) - {"rows", "caption"}):
        directive.problems.append(("directive-filter-unknown", f"unknown option '{key}'",
                                   "':: compare' takes rows=... and caption=..."))
    available = _rows_of(records)
    for row in directive.options["rows"].split(","):
        if row not in available:
            directive.problems.append(("directive-row-unknown", f"unknown row '{row}'",
                                       f"rows all these medicines have: "
                                       f"{', '.join(sorted(available))}"))


# building the tables ------------------------------------------------------------------------

Cite = Callable[[etree.Element, Iterable[str]], None]  # appends citation links to an element


def _text(parent: etree.Element, tag: str, text: str, **attrs: str) -> etree.Element:
    """A child element holding `text` as plain text: Markdown never reads it again."""
    child = etree.SubElement(parent, tag, attrs)
    child.text = AtomicString(" ".join(text.split()))
    return child


def _append(element: etree.Element, text: str) -> None:
    """Plain text after the element's last child (or as its text)."""
    text = AtomicString(text)
    if len(element):
        element[-1].tail = AtomicString((element[-1].tail or "") + text)
    else:
        element.text = AtomicString((element.text or "") + text)


def _ids(cited: Cited | SideEffect) -> list[str]:
    """The sources of a statement, each once (two sections of one SmPC are one source)."""
    return list(dict.fromkeys(c.id for c in cited.sources))


@dataclass
class TableBuilder:
    """Builds directive tables for one site (its words for each tier, its crisis line)."""

    config: SiteConfig
    records: dict[str, MedicineRecord]
    cite: Cite

    @property
    def tiers(self) -> dict[str, str]:
        tiers = self.config.action_tiers
        return {"self-care": tiers.self_care, "doctor": tiers.doctor,
                "emergency": tiers.emergency}

    def _table(self, caption: str, headers: list[str], kind: str) -> tuple:
        """A table whose rows become stacked cards on a phone (style.css), each cell
        carrying its column's name for the card's label. The table keeps its native
        semantics: Chromium and Firefox keep a table's rows and cells when their CSS
        display changes. ARIA roles on the rows and cells would be invalid HTML (the Nu
        checker refuses them inside a native table), so only the table states its role,
        for browsers that drop it."""
        table = etree.Element("table", {"class": f"data-table data-table--{kind}",
                                        "role": "table"})
        _text(table, "caption", caption)
        head = etree.SubElement(etree.SubElement(table, "thead"), "tr")
        for header in headers:
            _text(head, "th", header, scope="col")
        return table, etree.SubElement(table, "tbody"), headers

    def side_effects(self, directive: Directive) -> etree.Element:
        record = self.records[directive.medicines[0]]
        effects = list(record.side_effects)
        options = directive.options
        if "tag" in options:
            effects = [e for e in effects if options["tag"] in e.tags]
        if "action" in options:
            effects = [e for e in effects if e.action == options["action"]]
        if "frequency" in options:
            effects = [e for e in effects if e.frequency == options["frequency"]]
        effects.sort(key=lambda e: (ACTION_ORDER.index(e.action),
                                    FREQUENCY_ORDER.index(e.frequency)))
        name = record.name.lower()
        caption = options.get("caption") or (
            f"Side effects of {name} and what to do" if "tag" not in options
            else f"{options['tag'].replace('-', ' ').capitalize()} side effects of {name}")
        table, body, headers = self._table(
            caption, ["Side effect", "How common", "What to do"], "side-effects")
        for effect in effects:
            row = etree.SubElement(body, "tr", {"class": f"tier-{effect.action}"})
            _text(row, "th", effect.name, scope="row")
            own = {source.id: source for source in record.sources}
            origin = band_origin(effect, own, self.config.region.code)
            _text(row, "td", FREQUENCY_WORDS[effect.frequency] + band_note(origin),
                  **{"data-label": headers[1]})
            what = etree.SubElement(row, "td", {"data-label": headers[2]})
            tier = _text(what, "strong", f"{self.tiers[effect.action]}.")
            if effect.action == "emergency":
                tier.set("class", "tier-label tier-label--emergency")
            if effect.advice:
                _append(what, " " + " ".join(effect.advice.split()))
            self.cite(what, _ids(effect))
            if "self-harm" in effect.tags:
                _text(what, "p", self.config.region.crisis_line, **{"class": "crisis-line"})
        return table

    def compare(self, directive: Directive) -> etree.Element:
        chosen = [self.records[k] for k in directive.medicines]
        names = [r.name for r in chosen]
        listed = [names[0], *(n.lower() for n in names[1:])]
        caption = directive.options.get("caption") or (
            " and ".join([", ".join(listed[:-1]), listed[-1]]) + " compared")
        table, body, headers = self._table(caption, ["Feature", *names], "compare")
        for row_key in directive.options["rows"].split(","):
            label = BUILT_IN_ROWS.get(row_key) or chosen[0].facts[row_key].label
            row = etree.SubElement(body, "tr")
            _text(row, "th", label, scope="row")
            for header, record in zip(headers[1:], chosen, strict=True):
                cell = etree.SubElement(row, "td", {"data-label": header})
                self._row(cell, row_key, record)
        return table

    def _statements(self, cell: etree.Element, items: list[Cited] | None,
                    empty: str = "Not stated") -> None:
        items = items or []
        if not items:
            _append(cell, empty)
        elif len(items) == 1:
            _append(cell, " ".join(items[0].text.split()))
            self.cite(cell, _ids(items[0]))
        else:
            listing = etree.SubElement(cell, "ul")
            for item in items:
                self._statements(etree.SubElement(listing, "li"), [item])

    def _names(self, cell: etree.Element, effects: list[SideEffect]) -> None:
        if not effects:
            _append(cell, "None listed")
            return
        listing = etree.SubElement(cell, "ul")
        for effect in effects:
            item = _text(listing, "li", effect.name)
            self.cite(item, _ids(effect))
        if any("self-harm" in e.tags for e in effects):
            _text(cell, "p", self.config.region.crisis_line, **{"class": "crisis-line"})

    def _row(self, cell: etree.Element, row: str, record: MedicineRecord) -> None:
        effects = record.side_effects
        here = record.availability.get(self.config.region.code)
        if row == "class":
            _append(cell, record.drug_class)
        elif row == "brand_names":
            _append(cell, ", ".join(here.brand_names) if here and here.brand_names else
                    "None here" if here and not here.licensed else "Sold under its generic name")
        elif row == "availability":
            if here is None:
                _append(cell, "Not stated")
            else:
                _append(cell, ("Yes" if here.licensed else "No, not licensed") +
                        f" in the {self.config.region.name}" +
                        (f"; {here.controlled}" if here.controlled else ""))
                self.cite(cell, _ids(here))  # type: ignore[arg-type]
        elif row == "licensed_uses":
            self._statements(cell, record.uses.licensed, "None")
        elif row == "common_side_effects":
            self._names(cell, [e for e in effects if e.frequency in ("very-common", "common")])
        elif row == "serious_side_effects":
            self._names(cell, [e for e in effects if e.action == "emergency"])
        elif row == "muscle_side_effects":
            self._names(cell, [e for e in effects if "muscle" in e.tags])
        elif row in ("do_not_take", "check_first"):
            self._statements(cell, getattr(record.who_can_take, row))
        elif row == "overdose":
            overdose = record.how_to_take.overdose
            if overdose is None:
                _append(cell, "Not stated")
            else:
                _text(cell, "strong", f"{self.tiers[overdose.action]}.")
                _append(cell, " " + " ".join(overdose.text.split()))
                self.cite(cell, [c.id for c in overdose.sources])
        elif row == "interactions":
            listing = etree.SubElement(cell, "ul")
            for item in record.interactions:
                entry = _text(listing, "li", f"{item.medicine}: {item.effect}")
                self.cite(entry, [c.id for c in item.sources])
        elif row == "dependence":
            self._statements(cell, (record.dependence.misuse or []) +
                             (record.dependence.withdrawal or []))
        elif row in BUILT_IN_ROWS:
            self._statements(cell, getattr(record, row))
        else:
            fact = record.facts[row]
            _append(cell, " ".join(fact.text.split()))
            self.cite(cell, _ids(fact))  # type: ignore[arg-type]


class DirectiveProcessor(BlockProcessor):
    """A line `:: side-effects ...` or `:: compare ...` becomes its table. A line with a
    problem is left as it is, for validation to report with its line."""

    def __init__(self, parser, builder: Callable[[], TableBuilder]):
        super().__init__(parser)
        self.builder = builder

    def _find(self, block: str) -> tuple[int, Directive] | None:
        builder = self.builder()
        for index, line in enumerate(block.split("\n")):
            directive = parse_directive(line, builder.records)
            if directive is not None and not directive.problems:
                return index, directive
        return None

    def test(self, parent: etree.Element, block: str) -> bool:
        return "::" in block and self._find(block) is not None

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        block = blocks.pop(0)
        found = self._find(block)
        assert found is not None
        index, directive = found
        lines = block.split("\n")
        before, after = "\n".join(lines[:index]), "\n".join(lines[index + 1:])
        if before.strip():
            self.parser.parseBlocks(parent, [before])
        builder = self.builder()
        table = builder.side_effects(directive) if directive.name == "side-effects" \
            else builder.compare(directive)
        parent.append(table)
        if after.strip():
            blocks.insert(0, after)
