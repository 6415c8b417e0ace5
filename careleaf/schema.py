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
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

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
    # an optional key left empty counts as left out; SiteConfig opts out, since a blank
    # `emergency:` there is an error, not a wish for the default
    EMPTY_IS_ABSENT: ClassVar[bool] = True

    @model_validator(mode="before")
    @classmethod
    def _empty_is_absent(cls, data: Any) -> Any:
        """An optional key left empty (`uses:` with nothing under it) is the same as a key
        left out, so the check that wants it names it (record-section-missing), rather
        than a type error about nothing."""
        if not isinstance(data, dict) or not cls.EMPTY_IS_ABSENT:
            return data
        optional = {name for name, info in cls.model_fields.items() if not info.is_required()}
        optional |= {info.alias for name, info in cls.model_fields.items()
                     if info.alias and name in optional}
        return {key: value for key, value in data.items()
                if not (value is None and key in optional)}


SourceType = Literal[
    "smpc", "pil", "label", "guideline", "systematic-review", "study", "case-report",
    "patient-info", "regulator", "reference",
]
# The product information a regulator approved: where side-effect frequencies come from.
LABEL_TYPES = frozenset({"smpc", "pil", "label"})


class Source(Model):
    """One reference: an article's own `sources` entry or a bibliography entry."""

    id: Annotated[str, Field(pattern=SOURCE_ID_PATTERN, description="Cited as [@id].")]
    title: Text
    publisher: Text
    type: Annotated[SourceType, Field(description=(
        "smpc: Summary of Product Characteristics; pil: patient information leaflet; label: "
        "a regulator-approved product label (e.g. FDA prescribing information); guideline "
        "(NICE, a college); systematic-review; study; case-report; patient-info (NHS, "
        "MedlinePlus); regulator (a safety communication); reference (a manual, the BNF)."))]
    url: Annotated[str | None, Field(pattern=r"^https?://\S+$")] = None
    date: Annotated[
        str | None, Field(description="Year or date of the version consulted, e.g. 2024.")
    ] = None
    region: Annotated[str | None, Field(pattern=r"^[A-Z]{2}$", description=(
        "For a label (smpc, pil, label): the country whose regulator approved it, e.g. UK, "
        "US, CH. A side-effect band cited only to another country's label is flagged and "
        "the page says where it comes from."))] = None

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_text(cls, value: Any) -> Any:
        # YAML reads `date: 2024` as a number and `date: 2024-05-01` as a date.
        if isinstance(value, int | dt.date) and not isinstance(value, bool):
            return str(value)
        return value


PersonId = Annotated[str, Field(pattern=SLUG_PATTERN,
                                description="An id from content/people.yaml.")]


class Correction(Model):
    """A dated note of a mistake corrected on the page, shown to readers."""

    date: Date
    text: Annotated[str, Field(min_length=10, description=(
        "What was wrong and what the page says now, e.g. 'We corrected the usual starting "
        "dose of ... (it is 10mg, not 25mg).'"))]


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
    author: PersonId
    reviewed_by: Annotated[PersonId | None, Field(description=(
        "The clinical reviewer (a person in content/people.yaml with clinical_reviewer: true, "
        "not the author). Leave it out only while the page is unreviewed."))] = None
    published: Date
    last_reviewed: Date
    next_review: Date
    sources: list[Source] = []
    corrections: Annotated[list[Correction], Field(
        description="Mistakes corrected since publication, each dated; shown on the page.")] = []
    slug: Annotated[Slug | None, Field(description="Defaults to the file name.")] = None
    also: Annotated[list[Text], Field(description=(
        "Other words search finds this page by, e.g. [overdose, took too many]."))] = []
    draft: StrictBool = False


class PageMeta(Model):
    """Front matter of `content/pages/*.md` (About, Privacy, ...)."""

    title: Annotated[str, Field(min_length=1, max_length=100)]
    description: Annotated[str, Field(min_length=1, max_length=200)]
    last_reviewed: Date | None = None
    slug: Slug | None = None
    also: Annotated[list[Text], Field(description=(
        "Other words search finds this page by, e.g. [overdose, took too many]."))] = []
    draft: StrictBool = False


SourceId = Annotated[str, Field(pattern=SOURCE_ID_PATTERN)]


def _citation_shorthand(value: Any) -> Any:
    """`nhs-gabapentin` is short for `{id: nhs-gabapentin}`."""
    return {"id": value} if isinstance(value, str) else value


class Citation(Model):
    """A source behind a statement, with the trail a reviewer follows: which section of the
    source, and the day the editor checked the statement against it."""

    id: SourceId
    section: Annotated[str | None, Field(
        min_length=1, description="Where in the source, e.g. '4.8' for an SmPC's side effects.")
    ] = None
    checked: Annotated[Date | None, Field(
        description="The day the statement was checked against that section.")] = None


Cite = Annotated[Citation, BeforeValidator(_citation_shorthand)]
Citations = Annotated[list[Cite], Field(min_length=1, description=(
    "Source ids, each either `id` or `{id: ..., section: '4.8', checked: 2026-11-22}`."))]
Frequency = Literal["very-common", "common", "uncommon", "rare", "very-rare", "not-known"]
Action = Literal["self-care", "doctor", "emergency"]


class Cited(Model):
    """A statement and the sources behind it."""

    text: Text
    sources: Citations


Statements = Annotated[list[Cited], Field(min_length=1)]


class OffLabelUse(Cited):
    """A use outside the licence. Where a national guideline advises against it (NICE, for
    example), `advised_against` says so and the page does not call it a usual choice."""

    advised_against: Annotated[str | None, Field(min_length=1, description=(
        "What the guideline says, e.g. 'NICE advises doctors not to offer gabapentin to "
        "prevent migraine.' Cite the guideline in `sources`."))] = None


class Question(Model):
    """One of the medicine's common questions (how it works, how long it takes to work,
    food and drink, contraception and sex life, weight ...), as the NHS pages have."""

    question: Text
    answer: Text
    sources: Citations


class Uses(Model):
    licensed: list[Cited] = []
    off_label: list[OffLabelUse] = []


class Dose(Model):
    use: Text
    text: Text
    sources: Citations


class SideEffect(Model):
    name: Text
    frequency: Annotated[Frequency, Field(
        description="The SmPC's band (section 4.8): very-common (more than 1 in 10), common "
                    "(up to 1 in 10), uncommon (up to 1 in 100), rare (up to 1 in 1,000), "
                    "very-rare (up to 1 in 10,000), not-known (cannot be estimated). Cite the "
                    "label it comes from, with its section.")]
    seriousness: Literal["mild", "serious"]
    action: Annotated[Action, Field(
        description="self-care: manage it yourself or ask a pharmacist; doctor: contact a "
                    "doctor now; emergency: the emergency number")]
    advice: Annotated[str, Field(
        description="What to do beyond the tier's own words (which come from site.yaml).")] = ""
    tags: Annotated[list[Slug], Field(description=(
        "Free tags for table filters; 'self-harm' shows the region's crisis line beside it."
    ))] = []
    sources: Citations


class Fact(Model):
    """A row a comparison table can show, e.g. `effect_on_muscles`."""

    label: Text
    text: Text
    sources: Citations


class Availability(Model):
    """How the medicine can be had in one region."""

    licensed: Annotated[StrictBool, Field(
        description="Licensed (authorised) for any use in this region.")]
    supply: Literal["prescription-only", "pharmacy", "general-sale", "not-available"]
    controlled: Annotated[str | None, Field(
        min_length=1, description="Controlled-drug status, e.g. 'Schedule 3 (UK)'.")] = None
    brand_names: list[Text] = []
    note: Annotated[str | None, Field(min_length=1, description=(
        "What a reader should know about the products, e.g. brands that differ in form."))] = None
    sources: Citations


class WhoCanTake(Model):
    can_take: list[Cited] = []
    do_not_take: Annotated[list[Cited] | None, Field(
        description="Contraindications (SmPC 4.3).")] = None
    check_first: Annotated[list[Cited] | None, Field(
        description="Cautions to discuss with a doctor first (SmPC 4.4).")] = None


class Overdose(Model):
    """What to do if someone takes too much (SmPC 4.9, the leaflet's section 3)."""

    action: Action = "emergency"
    text: Text
    signs: Annotated[str | None, Field(min_length=1)] = None
    sources: Citations
    children: Annotated[Cited | None, Field(description=(
        "What to do if a child swallows any (the label's 4.9, poisons guidance): a small "
        "amount of an adult medicine can poison a child."))] = None


class HowToTake(Model):
    doses: list[Dose] = []
    how: list[Cited] = []
    missed_dose: Cited | None = None
    overdose: Overdose | None = None


class Interaction(Model):
    """A medicine or class of medicines that should not be taken with this one, or only
    with care."""

    medicine: Annotated[str, Field(min_length=1, description="A medicine or a class of them.")]
    examples: Annotated[list[Text], Field(description="Named examples of the class.")] = []
    effect: Annotated[str, Field(min_length=1, description="What can happen.")]
    advice: Annotated[str, Field(min_length=1, description="What to do.")]
    sources: Citations


class Dependence(Model):
    misuse: Annotated[list[Cited] | None, Field(description=(
        "Misuse and addiction; 'no risk is known' is a valid answer when it is cited."))] = None
    withdrawal: list[Cited] | None = None


RegionCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="e.g. UK, US, IE")]


class MedicineRecord(Model):
    """`content/medicines/<key>.yaml`: the medicine the key names, in the sections of the
    NHS medicines pages and the patient leaflet. Which sections are required is set in
    site.yaml (`medicine_sections`; all by default)."""

    name: Text
    drug_class: Annotated[str, Field(alias="class", min_length=1)]
    summary: Text
    author: PersonId
    reviewed_by: PersonId | None = None
    last_reviewed: Date
    next_review: Date
    also: Annotated[list[Text], Field(description=(
        "Other words search finds this page by, e.g. [overdose, took too many]."))] = []
    availability: Annotated[dict[RegionCode, Availability], Field(
        description="Per region: licensed or not, how it is supplied, brand names.")] = {}
    key_facts: list[Cited] = []
    uses: Uses = Uses()
    who_can_take: WhoCanTake = WhoCanTake()
    how_to_take: HowToTake = HowToTake()
    side_effects: list[SideEffect] = []
    pregnancy: list[Cited] = []
    breastfeeding: list[Cited] = []
    interactions: list[Interaction] = []
    driving: list[Cited] = []
    alcohol: list[Cited] = []
    older_people: list[Cited] = []
    dependence: Dependence = Dependence()
    stopping: list[Cited] = []
    storage: Annotated[list[Cited], Field(description=(
        "How to store it safely, out of the sight and reach of children (the leaflet's "
        "section 5)."))] = []
    common_questions: Annotated[list[Question], Field(description=(
        "Common questions, as the NHS pages have: how it works, how long it takes to work, "
        "how long you'll take it, food and drink, contraception and sex life, weight."))] = []
    facts: Annotated[
        dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], Fact],
        Field(description="Extra rows for comparison tables, keyed by row name."),
    ] = {}
    sources: Annotated[list[Source], Field(description="Sources only this record cites.")] = []
    corrections: Annotated[list[Correction], Field(
        description="Mistakes corrected since publication, each dated; shown on the page.")] = []


# Every section a record can have, in the NHS order the medicine page shows them.
MEDICINE_SECTIONS = (
    "key_facts", "uses.licensed", "who_can_take.do_not_take", "who_can_take.check_first",
    "how_to_take.doses", "how_to_take.missed_dose", "how_to_take.overdose",
    "how_to_take.overdose.children", "side_effects", "pregnancy", "breastfeeding",
    "interactions", "driving", "alcohol", "older_people", "dependence.misuse",
    "dependence.withdrawal", "stopping", "storage", "common_questions", "availability",
)


class Registration(Model):
    body: Annotated[str, Field(min_length=1, description="e.g. General Pharmaceutical Council")]
    number: Text
    url: Annotated[str | None, Field(pattern=r"^https://\S+$",
                                     description="The entry in the public register.")] = None


class Person(Model):
    """One entry of `content/people.yaml`: someone who writes or reviews pages."""

    id: Slug
    name: Text
    role: Annotated[str, Field(min_length=1, description="e.g. Pharmacist, Medical editor")]
    team: Annotated[StrictBool, Field(description="A team or organisation, not one person.")
                    ] = False
    credentials: Annotated[str | None, Field(min_length=1, description="e.g. MPharm")] = None
    registration: Registration | None = None
    clinical_reviewer: Annotated[StrictBool, Field(description=(
        "May sign off medical content (needs a professional registration).")) ] = False
    bio: Annotated[str | None, Field(min_length=1)] = None

    @model_validator(mode="after")
    def _reviewer_is_registered(self) -> Person:
        if self.clinical_reviewer and self.registration is None:
            raise ValueError("a clinical reviewer needs a professional 'registration' "
                             "(body and number), so readers can check it")
        return self


class Topic(Model):
    """One entry of `content/topics.yaml`."""

    title: Text
    description: Text


class GlossaryEntry(Model):
    """One term of `content/glossary.yaml`."""

    term: Text
    id: Slug
    aliases: Annotated[list[Text], Field(description="Other words for it, also marked.")] = []
    definition: Text
    sources: list[Cite] = []


class Glossary(Model):
    """`content/glossary.yaml`: the terms, and who reviewed them when (the glossary carries
    medical facts, so it is reviewed like an article)."""

    author: PersonId
    reviewed_by: PersonId | None = None
    last_reviewed: Date
    next_review: Date
    terms: Annotated[list[GlossaryEntry], Field(min_length=1)]
    sources: Annotated[list[Source], Field(
        description="Sources only the glossary cites; shared ones live in bibliography.yaml.")] = []


class Region(Model):
    """Where the site's readers are: the numbers and words every page gives for getting
    help. `region: UK` or `region: US` takes Careleaf's built-in set (careleaf/regions.py);
    a mapping gives another region's, or `preset: UK` with some keys changed."""

    EMPTY_IS_ABSENT: ClassVar[bool] = False

    code: RegionCode
    name: Text
    emergency_number: Annotated[str, Field(min_length=2, description="e.g. 999, 911, 112")]
    emergency_action: Annotated[str, Field(min_length=8, description=(
        "The emergency tier, e.g. 'Call 999 or go to A&E (the emergency department) now'"))]
    urgent_action: Annotated[str, Field(min_length=8, description=(
        "The urgent tier, e.g. 'Call a doctor or 111 now'"))]
    routine_action: Annotated[str, Field(min_length=8, description=(
        "The non-urgent tier, e.g. 'Speak to a pharmacist or doctor'"))]
    self_care_action: Annotated[str, Field(min_length=8)] = (
        "Manage it yourself or ask a pharmacist")
    emergency_line: Annotated[str, Field(min_length=20, description=(
        "On every page: what to do in an emergency or after taking too much."))]
    crisis_line: Annotated[str, Field(min_length=20, description=(
        "On every page, and beside every side effect tagged self-harm: the crisis line."))]
    poisons: Annotated[str, Field(min_length=20, description=(
        "On overdose cards: where to get advice if someone has taken too much."))]
    numbers: Annotated[list[Text], Field(min_length=1, description=(
        "Every phone number above; another region's numbers in the content are flagged."))]


def _region_preset(value: Any) -> Any:
    from .regions import PRESETS

    if isinstance(value, str):
        if value not in PRESETS:
            raise ValueError(f"Careleaf has no built-in region '{value}' (built in: "
                             f"{', '.join(PRESETS)}); give the region as a mapping of its "
                             "numbers and words, or 'preset: UK' with the keys to change")
        return PRESETS[value]
    if isinstance(value, dict) and "preset" in value:
        preset = value["preset"]
        if preset not in PRESETS:
            raise ValueError(f"unknown preset '{preset}' (built in: {', '.join(PRESETS)})")
        return {**PRESETS[preset], **{k: v for k, v in value.items() if k != "preset"}}
    return value


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

    self_care: Annotated[str, Field(alias="self-care", min_length=1)]
    doctor: Text
    emergency: Text


class NavLink(Model):
    title: Text
    url: Text


class Contact(Model):
    """Where readers report a problem with a page: an email address or a web page."""

    email: Annotated[str | None, Field(pattern=r"^[^@\s<>\"]+@[^@\s<>\"]+\.[a-z]{2,}$")] = None
    url: Annotated[str | None, Field(pattern=r"^https://\S+$")] = None

    @model_validator(mode="after")
    def _one_way(self) -> Contact:
        if not self.email and not self.url:
            raise ValueError("give an 'email' or a 'url' where readers can report a problem")
        return self


class ReviewPolicy(Model):
    max_interval_months: Annotated[
        int, Field(gt=0, description="Longest allowed time from last_reviewed to next_review.")
    ] = 24


class ReadabilityPolicy(Model):
    max_grade: Annotated[
        float, Field(gt=0, description="Flesch-Kincaid grade above which an article is flagged.")
    ] = 9


class Limits(Model):
    """What one input file may be, so that no file can hang or exhaust a build."""

    max_file_kb: Annotated[int, Field(gt=0, le=65536)] = 1024
    max_line_chars: Annotated[int, Field(gt=0, le=1_000_000)] = 5000
    max_nesting: Annotated[int, Field(gt=0, le=200, description=(
        "Deepest nesting of YAML collections, Markdown lists and quotes."))] = 24
    max_seconds_per_file: Annotated[float, Field(gt=0, le=600, description=(
        "A backstop: a Markdown file that takes longer to convert and check is refused."))] = 10
    max_feed_entry_kb: Annotated[int, Field(gt=0, description=(
        "An article's text in feed.xml; a longer one gets its summary only."))] = 256


DEFAULT_ALLOWED_DOMAINS = [
    "nhs.uk", "nice.org.uk", "medlineplus.gov", "nih.gov", "fda.gov", "dailymed.nlm.nih.gov",
    "ema.europa.eu", "gov.uk", "cochranelibrary.com", "who.int", "cdc.gov", "hse.ie",
    "healthify.nz", "doi.org", "bmj.com", "thelancet.com", "nejm.org", "jamanetwork.com",
    "neurology.org", "wiley.com", "sciencedirect.com", "springer.com", "msdmanuals.com",
    "mayoclinic.org", "bnf.nice.org.uk", "medicines.org.uk", "medicinesinpregnancy.org",
    "mhra.gov.uk", "nhsinform.scot", "accessdata.fda.gov", "pubmed.ncbi.nlm.nih.gov",
]


class SearchSettings(Model):
    crisis_words: Annotated[list[Text] | None, Field(description=(
        "A query with any of these words or phrases (case, accents and a slip of a letter "
        "aside) shows the region's crisis and emergency lines above the results. Default: "
        "Careleaf's list for the site's language (suicide, self-harm, overdose ...)."))] = None


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
    """`site.yaml`. The texts that give phone numbers (the emergency line, callout titles,
    side-effect tiers, the get-help card) come from `region` unless site.yaml sets them."""

    EMPTY_IS_ABSENT: ClassVar[bool] = False

    title: Text
    tagline: Text
    base_url: Annotated[str, Field(pattern=r"^https?://[^/\s]+(/\S*)?$")]
    language: Text = "en-GB"
    publisher: Text
    region: Annotated[Region, BeforeValidator(_region_preset)]
    contact: Contact
    disclaimer: Annotated[str, Field(min_length=1, description="Shown on every page.")]
    # Not required: each defaults to the region's words (see _region_defaults).
    emergency: Annotated[str, Field(default=None, min_length=1, description=(
        "Emergency line on every page (default: the region's)."))]
    get_help: Annotated[GetHelp, Field(default=None, description=(
        "The 'When to get help' card (default: in the region's words)."))]
    callout_titles: Annotated[CalloutTitles, Field(default=None, description=(
        "Titles of !!! emergency/urgent/non-urgent callouts (default: the region's)."))]
    action_tiers: Annotated[ActionTiers, Field(default=None, description=(
        "What each side-effect tier says to do (default: the region's)."))]
    unreviewed: Annotated[Literal["error", "notice"], Field(description=(
        "A page with no clinical reviewer: 'error' (not published) or 'notice' (published "
        "with a notice that no clinician has checked it; --strict still fails on it "
        "unless --allow-unreviewed is given)."))] = "error"
    medicine_sections: Annotated[list[str], Field(description=(
        "The sections every medicine record must have (default: all)."))] = list(
        MEDICINE_SECTIONS)
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
    search: SearchSettings = SearchSettings()
    limits: Limits = Limits()

    @model_validator(mode="before")
    @classmethod
    def _region_defaults(cls, data: Any) -> Any:
        """Fill the texts that give numbers from the region, unless site.yaml set them."""
        if not isinstance(data, dict):
            return data
        try:
            region = Region.model_validate(_region_preset(data.get("region")))
        except (ValueError, TypeError):
            return data  # the region's own error is reported by its field
        data = dict(data)
        data.setdefault("emergency", region.emergency_line)
        data.setdefault("callout_titles", {
            "emergency": f"{region.emergency_action} if:",
            "urgent": f"{region.urgent_action} if:",
            "non-urgent": f"{region.routine_action} if:",
        })
        data.setdefault("action_tiers", {
            "self-care": region.self_care_action, "doctor": region.urgent_action,
            "emergency": region.emergency_action,
        })
        data.setdefault("get_help", {"items": [
            {"kind": "non-urgent", "text": f"{region.routine_action} if a side effect "
             "bothers you or does not go away."},
            {"kind": "urgent", "text": f"{region.urgent_action} if you have a side effect "
             "that worries you, or you feel unwell in a way that is new for you."},
            {"kind": "emergency", "text": f"{region.emergency_action} if you have trouble "
             "breathing, chest pain, a fit (seizure), swelling of the lips, mouth or throat, "
             "or you think someone has taken too much of a medicine."},
        ]})
        return data

    @field_validator("base_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("medicine_sections")
    @classmethod
    def _known_sections(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in MEDICINE_SECTIONS]
        if unknown:
            raise ValueError(f"unknown section '{unknown[0]}'; sections are: "
                             f"{', '.join(MEDICINE_SECTIONS)}")
        return value


SCHEMAS: dict[str, type[Model]] = {
    "site": SiteConfig,
    "article": ArticleMeta,
    "page": PageMeta,
    "medicine": MedicineRecord,
    "topic": Topic,
    "glossary": Glossary,
    "source": Source,
    "person": Person,
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


def band_labels(effect: SideEffect, sources: dict[str, Source]) -> list[Source]:
    """The product labels (SmPC, leaflet, label) a side effect's band is cited to."""
    return [sources[c.id] for c in effect.sources
            if c.id in sources and sources[c.id].type in LABEL_TYPES]


def band_origin(effect: SideEffect, sources: dict[str, Source], region: str) -> str | None:
    """The country codes ("US") of the labels a side effect's band comes from, where every
    label cited for it names a country and none is the site's region; otherwise None (a
    band from the region's own label, or from labels whose country is not given)."""
    if effect.frequency == "not-known":
        return None
    labels = band_labels(effect, sources)
    if not labels or any(source.region in (None, region) for source in labels):
        return None
    return "/".join(sorted({source.region for source in labels}))


def band_note(origin: str | None) -> str:
    """What a reader is told beside a band from another country's label."""
    return f" (figure from the {origin} medicine label)" if origin else ""
