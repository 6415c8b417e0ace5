"""The declared schemas of everything an editor writes: site.yaml, articles, pages,
medicine records, topics and the shared bibliography.

These models are the single declaration: validation (with file:line errors, see
`validate.py`) and the JSON Schemas shipped in `schemas/` both come from them.
Unknown keys are rejected so a typo never passes silently.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, field_validator

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SOURCE_ID_PATTERN = r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$"


def _iso_date(value: Any) -> Any:
    """Accept a YAML date or an ISO `YYYY-MM-DD` string, nothing looser.

    Pydantic would otherwise read a bare number as a Unix timestamp, so `published: 2026`
    would silently become 1 January 1970.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("must be a date written as YYYY-MM-DD, for example 2026-11-21")


Date = Annotated[dt.date, BeforeValidator(_iso_date)]
Text = Annotated[str, Field(min_length=1)]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, populate_by_name=True)


class Source(Model):
    """One reference: an article's own `sources` entry or a bibliography entry."""

    id: Annotated[str, Field(pattern=SOURCE_ID_PATTERN, description="Cited as [@id].")]
    title: Text
    publisher: Text
    url: Annotated[str | None, Field(pattern=r"^https?://\S+$")] = None
    date: Annotated[
        str | None, Field(description="Year or date of the version consulted, e.g. 2024.")
    ] = None

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_text(cls, value: Any) -> Any:
        # YAML reads `date: 2024` as a number and `date: 2024-05-01` as a date.
        if isinstance(value, int | dt.date) and not isinstance(value, bool):
            return str(value)
        return value


class ArticleMeta(Model):
    """Front matter of `content/articles/*.md`."""

    title: Annotated[str, Field(min_length=1, max_length=100)]
    description: Annotated[
        str,
        Field(min_length=1, max_length=200, description="For search results and link previews."),
    ]
    medicines: Annotated[
        list[Slug], Field(min_length=1, description="Keys of content/medicines/*.yaml.")
    ]
    topics: Annotated[list[Slug], Field(min_length=1, description="Keys of content/topics.yaml.")]
    summary: Text
    key_points: Annotated[list[Text], Field(min_length=1)]
    author: Text
    reviewed_by: Text
    published: Date
    last_reviewed: Date
    next_review: Date
    sources: list[Source] = []
    slug: Annotated[Slug | None, Field(description="Defaults to the file name.")] = None
    draft: StrictBool = False


class PageMeta(Model):
    """Front matter of `content/pages/*.md` (About, Privacy, ...)."""

    title: Annotated[str, Field(min_length=1, max_length=100)]
    description: Annotated[str, Field(min_length=1, max_length=200)]
    last_reviewed: Date | None = None
    slug: Slug | None = None
    draft: StrictBool = False


SourceIds = Annotated[list[Annotated[str, Field(pattern=SOURCE_ID_PATTERN)]], Field(min_length=1)]
Frequency = Literal["very-common", "common", "uncommon", "rare", "very-rare", "not-known"]
Action = Literal["self-care", "doctor", "emergency"]


class Cited(Model):
    """A statement and the sources behind it."""

    text: Text
    sources: SourceIds


class Uses(Model):
    licensed: list[Cited] = []
    off_label: list[Cited] = []


class Dose(Model):
    use: Text
    text: Text
    sources: SourceIds


class SideEffect(Model):
    name: Text
    frequency: Annotated[Frequency, Field(
        description="very-common >=1/10, common >=1/100, uncommon >=1/1,000, rare >=1/10,000, "
                    "very-rare, not-known")]
    seriousness: Literal["mild", "serious"]
    action: Annotated[Action, Field(
        description="self-care: manage it yourself or ask a pharmacist; doctor: contact a "
                    "doctor now; emergency: the emergency number")]
    advice: Annotated[str, Field(
        description="What to do beyond the tier's own words (which come from site.yaml).")] = ""
    tags: list[Slug] = []
    sources: SourceIds


class Fact(Model):
    """A row a comparison table can show, e.g. `effect_on_muscles`."""

    label: Text
    text: Text
    sources: SourceIds


class MedicineRecord(Model):
    """`content/medicines/<key>.yaml`: the medicine the key names."""

    name: Text
    brand_names: list[Text] = []
    drug_class: Annotated[str, Field(alias="class", min_length=1)]
    summary: Text
    uses: Uses = Uses()
    doses: list[Dose] = []
    side_effects: list[SideEffect] = []
    stopping: Cited | None = None
    facts: Annotated[
        dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], Fact],
        Field(description="Extra rows for comparison tables, keyed by row name."),
    ] = {}
    sources: Annotated[list[Source], Field(description="Sources only this record cites.")] = []


class Topic(Model):
    """One entry of `content/topics.yaml`."""

    title: Text
    description: Text


class GlossaryEntry(Model):
    """One entry of `content/glossary.yaml`."""

    term: Text
    id: Slug
    aliases: Annotated[list[Text], Field(description="Other words for it, also marked.")] = []
    definition: Text
    sources: list[Annotated[str, Field(pattern=SOURCE_ID_PATTERN)]] = []


class GetHelpItem(Model):
    kind: Literal["emergency", "urgent", "non-urgent"]
    text: Text


class GetHelp(Model):
    title: Text = "When to get help"
    items: Annotated[list[GetHelpItem], Field(min_length=1)]


class CalloutTitles(Model):
    emergency: Text
    urgent: Text
    non_urgent: Annotated[str, Field(alias="non-urgent", min_length=1)]


class ActionTiers(Model):
    """What each side-effect tier tells the reader to do, in the site's own words/numbers."""

    self_care: Annotated[str, Field(alias="self-care", min_length=1)] = (
        "Manage it yourself or ask a pharmacist")
    doctor: Text = "Contact a doctor or call 111 now"
    emergency: Text = "Call 999 or go to A&E now"


class NavLink(Model):
    title: Text
    url: Text


class ReviewPolicy(Model):
    max_interval_months: Annotated[
        int, Field(gt=0, description="Longest allowed time from last_reviewed to next_review.")
    ] = 24


class ReadabilityPolicy(Model):
    max_grade: Annotated[
        float, Field(gt=0, description="Flesch-Kincaid grade above which an article is flagged.")
    ] = 9


DEFAULT_ALLOWED_DOMAINS = [
    "nhs.uk", "nice.org.uk", "medlineplus.gov", "nih.gov", "fda.gov", "dailymed.nlm.nih.gov",
    "ema.europa.eu", "gov.uk", "cochranelibrary.com", "who.int", "cdc.gov", "hse.ie",
    "healthify.nz", "doi.org", "bmj.com", "thelancet.com", "nejm.org", "jamanetwork.com",
    "neurology.org", "wiley.com", "sciencedirect.com", "springer.com", "msdmanuals.com",
    "mayoclinic.org", "bnf.nice.org.uk", "medicines.org.uk",
]


class LinkPolicy(Model):
    allow_domains: Annotated[
        list[str],
        Field(description="Outbound domains (and their subdomains) links may go to without "
                          "a warning."),
    ] = DEFAULT_ALLOWED_DOMAINS
    deny_domains: Annotated[
        list[str], Field(description="Outbound domains that are an error to link to.")
    ] = []


CheckLevel = Literal["error", "warning", "off"]


class SiteConfig(Model):
    """`site.yaml`."""

    title: Text
    tagline: Text
    base_url: Annotated[str, Field(pattern=r"^https?://[^/\s]+(/\S*)?$")]
    language: Text = "en-GB"
    publisher: Text
    disclaimer: Annotated[str, Field(min_length=1, description="Shown on every page.")]
    emergency: Annotated[str, Field(min_length=1, description="Emergency line on every page.")]
    get_help: GetHelp
    callout_titles: CalloutTitles
    action_tiers: ActionTiers = ActionTiers()
    report_side_effect: Annotated[str, Field(
        description="How readers report a side effect (e.g. the Yellow Card scheme).")] = ""
    faq_heading: Text = "Frequently asked questions"
    words_per_minute: Annotated[int, Field(gt=0)] = 200
    nav: list[NavLink] = []
    checks: Annotated[
        dict[str, CheckLevel],
        Field(description="Change a check's severity, e.g. {readability-grade: error}."),
    ] = {}
    review: ReviewPolicy = ReviewPolicy()
    readability: ReadabilityPolicy = ReadabilityPolicy()
    links: LinkPolicy = LinkPolicy()

    @field_validator("base_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"


SCHEMAS: dict[str, type[Model]] = {
    "site": SiteConfig,
    "article": ArticleMeta,
    "page": PageMeta,
    "medicine": MedicineRecord,
    "topic": Topic,
    "glossary-entry": GlossaryEntry,
    "source": Source,
}


def json_schema(name: str) -> dict[str, Any]:
    model = SCHEMAS[name]
    schema = model.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://careleaf.invalid/schemas/{name}.schema.json"
    return schema


def write_json_schemas(folder: Path) -> list[Path]:
    """Write `schemas/<name>.schema.json` for editors' tools (YAML language servers)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SCHEMAS:
        path = folder / f"{name}.schema.json"
        path.write_text(json.dumps(json_schema(name), indent=2, sort_keys=True) + "\n", "utf-8")
        written.append(path)
    return written
