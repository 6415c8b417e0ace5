"""One gate for every text an editor writes.

Every string in every file (a Markdown body, a front-matter value, a medicine record's
advice, a glossary definition, a source's title and URL, a site.yaml text) passes the same
rules, each finding reported with its own file, line and column:

- **spam** and **placeholders** are looked for in the text a reader will see: entities
  decoded, Unicode-normalised (NFKC: full-width letters become plain ones), invisible
  characters removed, look-alike letters from other scripts mapped to Latin (Unicode's
  confusables data, via confusable-homoglyphs), spaced-out letters joined and whitespace
  folded, so that emphasis, line wrapping, homoglyphs and zero-width characters cannot
  split a phrase;
- **URLs** are judged as a browser will read them: entities decoded, then parsed by a
  WHATWG-conformant parser (ada-url) against the site's address, so `//host`, `https:/\\host`
  and `https&#58;//host` all resolve to the host they really lead to before the https,
  allowlist, denylist and pharmacy rules are applied;
- **unsafe HTML** (scripts, embeds, event handlers, script URLs) in what was typed;
- **another region's phone numbers** (999 on a US site, 911 on a UK one).
"""

from __future__ import annotations

import contextlib
import functools
import html
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import ada_url
from confusable_homoglyphs import confusables

from .diagnostics import Report
from .regions import PRESETS
from .schema import SiteConfig
from .sourcefile import YamlData
from .urls import Urls

# spam: patterns, not the sources' exact strings -------------------------------------------
# Every spam pattern below needs one of these words: text without any is skipped.
SPAM_TRIGGER_RE = re.compile(
    r"pharm|drugstore|chemist|buy|order|purchase|cheap|deliver|shipping|prescri|\brx\b|"
    r"click", re.IGNORECASE)
# Between the words of a phrase: spaces, or nothing at all ("canadianpharmacy", written
# as one word, in a domain name, or with every letter spaced out and joined up again).
GAP = r"[\s.\-]*"
# Always spam, wherever they stand:
SPAM_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"\b(canadian|mexican|indian|offshore){GAP}(pharmacy|pharmacies|drugstores?|"
                r"chemists?)\b", re.IGNORECASE), "online-pharmacy advertising"),
    (re.compile(r"\b(buy|order|purchase)\s+(?!(?:your\s+|a\s+)?repeat\b)(?:\w+\s+){0,3}?"
                r"(online|now|today|here|cheap|overnight)\b", re.IGNORECASE),
     "an offer to sell medicines"),
    (re.compile(r"\bcheap(?:est)?\s+(?!and\b|or\b|to\b|enough\b|as\b)[a-z]{4,}",
                re.IGNORECASE), "'cheap <medicine>' sales language"),
    (re.compile(rf"\b(overnight|next[- ]?day|discreet|worldwide){GAP}(delivery|shipping)\b",
                re.IGNORECASE), "delivery promises"),
    (re.compile(r"\bno\s+(?:doctor'?s?\s+)?(prescription|rx)\b(?!\s+(for|is|was|will|of)\b)",
                re.IGNORECASE), "'no prescription' offers"),
    (re.compile(rf"\bclick{GAP}here\b", re.IGNORECASE), "'click here' link bait"),
]
# Spam only with a sales cue in the same sentence: "we never link to online pharmacies"
# and "medicines you can buy without a prescription" are honest sentences.
CUED_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(online|internet|web)\s+(pharmacy|pharmacies|drugstores?|chemists?)\b",
                re.IGNORECASE), "online-pharmacy advertising"),
    (re.compile(r"\bwithout\s+(?:a\s+)?(?:doctor'?s?\s+)?(prescription|rx)\b", re.IGNORECASE),
     "an offer to sell without a prescription"),
]
SALES_CUE_RE = re.compile(
    r"\b(online|cheap(?:est)?|discount|sale|deals?|lowest price|shipping|delivery|click|"
    r"order now|www\.)|https?://|^\W*(buy|order|purchase|get)\b", re.IGNORECASE)
SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+")
BARE_BUY_RE = re.compile(r"^\W*(buy|order|purchase)\s+[\w-]+(\s+[\w-]+)?\W*$", re.IGNORECASE)
PHARMACY_DOMAIN_RE = re.compile(r"(pharm|rx|pills?|meds|drugstore|apotek|viagra|cialis)",
                                re.IGNORECASE)

MARKDOWN_LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)")
PLACEHOLDER_RE = re.compile(r"\b(TODO|TBD|FIXME|XXX|lorem ipsum)\b", re.IGNORECASE)

# unsafe HTML, as typed ----------------------------------------------------------------------
UNSAFE_HTML: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"<\s*(script|iframe|object|embed|style|form|meta|link|base|frame|"
                r"frameset|applet|svg|math|img|video|audio|source|picture|input|button|"
                r"textarea|select)\b", re.IGNORECASE), "a <{0}> element"),
    (re.compile(r"<[^>]*\s(on[a-z]+)\s*=", re.IGNORECASE), "an {0}= event handler"),
    (re.compile(r"(?:\]\(|\bhref\s*=|\bsrc\s*=|<)\s*[\"']?\s*(javascript|vbscript|data|file)"
                r"\s*(?::|&#0*58;?|&#x0*3a;?|&colon;)", re.IGNORECASE), "a {0}: URL"),
]
IMAGE_IN_TEXT_RE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)")
# An <img> may be typed in Markdown as ![alt](path); raw ones are refused above because a
# raw tag can carry attributes (srcset, ...) that load from elsewhere.
URL_IN_TEXT_RE = re.compile(r"(?:(?i:https?)?(?:&#0*58;|&#x0*3a;|&colon;)|(?i:https?):)?"
                            r"(?://|[/\\]{2})[^\s<>\"'()\[\]]+"
                            r"|(?i:https?:[/\\]*[^\s<>\"'()\[\]]+)|\bwww\.[^\s<>\"'()\[\]]+")


# normalising: the text a reader sees --------------------------------------------------------

INVISIBLE_RE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff]")
SPACED_RE = re.compile(r"\b(?:\w[ .\-·•]){2,}\w\b")
WHITESPACE_RE = re.compile(r"\s+")
TAG_RE = re.compile(r"</?[a-zA-Z][^>]*>")
# Markdown emphasis and code marks: a reader of the page never sees them, and a reader of
# a record's plain text reads past them ("canadian *pharmacy*", "c**anadian**").
MARKUP_RE = re.compile(r"[*_~`]+")


def _join_spaced(match: re.Match[str]) -> str:
    """Letters spaced out are one word: "c a n a d i a n" is "canadian". When the run mixes
    separators ("c-a-n-a-d-i-a-n p-h-a-r-m-a-c-y"), the odd one out is a word gap."""
    run = match.group(0)
    letters, gaps = run[0::2], run[1::2]
    usual = max(set(gaps), key=gaps.count)
    return letters[0] + "".join(("" if gap == usual else " ") + letter
                                for gap, letter in zip(gaps, letters[1:], strict=True))


@functools.lru_cache(maxsize=4096)
def _latin(char: str) -> str:
    """The Latin letter or digit `char` looks like (Unicode confusables), else itself."""
    found = confusables.is_confusable(char, greedy=True, preferred_aliases=["latin"])
    for entry in found or ():
        for glyph in entry["homoglyphs"]:
            if glyph["c"].isascii() and glyph["c"].isalnum():
                return glyph["c"]
    return char


def _to_latin(text: str) -> str:
    if text.isascii():
        return text
    return "".join(_latin(c) if c > "\x7f" and c.isalpha() else c for c in text)


# Characters that show as a blank between words without being spaces (braille blank, the
# Hangul fillers, Khmer inherent vowels): read as the space they look like, not removed,
# or "buy⠀gabapentin⠀online" would be judged as one word.
FILLER_RE = re.compile("[\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0]")


def _without_marks(text: str) -> str:
    """Combining marks dropped ("b̷u̷y" reads "buy"): they decorate letters a reader
    still reads."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFD", text)
                   if not unicodedata.combining(c))


def normalise(text: str) -> str:
    """What a reader perceives: entities decoded, fillers read as spaces, NFKC, invisible
    characters and combining marks removed, look-alike letters mapped to Latin,
    spaced-out letters joined, whitespace folded."""
    text = FILLER_RE.sub(" ", html.unescape(TAG_RE.sub("", text)))
    text = _without_marks(INVISIBLE_RE.sub("", text))
    # look-alikes before NFKC too: it turns some (Greek lunate sigma, "ϲ") into letters
    # that look like nothing Latin ("ς")
    text = _to_latin(unicodedata.normalize("NFKC", _to_latin(text)))
    text = MARKUP_RE.sub("", text)
    text = SPACED_RE.sub(_join_spaced, text)
    return WHITESPACE_RE.sub(" ", text).strip()


def find_spam(text: str) -> tuple[int, str, str] | None:
    """(offset, the words, what they look like) of the first spam in normalised `text`."""
    if not SPAM_TRIGGER_RE.search(text):
        return None
    words = text
    text = MARKDOWN_LINK_RE.sub(lambda m: m.group(1), text)  # a link reads as its words
    for pattern, what in SPAM_PATTERNS:
        match = pattern.search(text)
        if match:
            return match.start(), match.group(0), what
    offset = 0
    for sentence in SENTENCE_SPLIT_RE.split(text):
        offset = text.find(sentence, offset)
        for pattern, what in CUED_PATTERNS:
            match = pattern.search(sentence)
            if match and SALES_CUE_RE.search(sentence.replace(match.group(0), " ")):
                return offset + match.start(), match.group(0), what
    for link_text in [m.group(1) for m in MARKDOWN_LINK_RE.finditer(words)] + [words]:
        if BARE_BUY_RE.match(link_text.strip()):
            return max(words.find(link_text), 0), link_text.strip(), "a bare 'buy ...' link"
    return None


@functools.lru_cache(maxsize=8)
def _foreign_numbers(code: str, ours: tuple[str, ...]
                     ) -> tuple[tuple[re.Pattern[str], str], ...]:
    """Patterns for the phone numbers of the built-in regions other than `code`, each with
    its region's name."""
    mine = {" ".join(n.split()) for n in ours}
    out = []
    for other, preset in PRESETS.items():
        if other == code:
            continue
        for number in preset["numbers"]:  # type: ignore[union-attr]
            if number in mine:
                continue
            digits = r"[\s-]?".join(re.escape(part) for part in re.split(r"[\s-]", number))
            out.append((re.compile(rf"(?<![\w,.-]){digits}(?![\w-]|[.,]\d)"),
                        str(preset["name"])))
    return tuple(out)


@dataclass(frozen=True)
class Finding:
    code: str
    col: int  # 1-based, in the text as written (best effort after normalising)
    message: str
    hint: str
    words: str = ""  # what was found, as a reader sees it


def text_findings(text: str, config: SiteConfig, *, placeholders: bool = True
                  ) -> list[Finding]:
    """What the rules find in one text an editor wrote (a line, a value, a block)."""
    found: list[Finding] = []
    reader = normalise(text)
    spam = find_spam(reader)
    if spam:
        start, words, what = spam
        found.append(Finding("spam", _col(text, words, start), f"'{words}' looks like {what}",
                             "delete pasted advertising; Careleaf never links to or promotes "
                             "medicine sellers", words))
    if placeholders:
        match = PLACEHOLDER_RE.search(reader)
        if match:
            found.append(Finding("placeholder", _col(text, match.group(0), match.start()),
                                 f"placeholder '{match.group(0)}' in a page that will be "
                                 "published", "write the real text, or keep 'draft: true' "
                                 "until it is ready", match.group(0)))
    for pattern, region in _foreign_numbers(config.region.code, tuple(config.region.numbers)):
        match = pattern.search(reader)
        if match:
            found.append(Finding(
                "region-mismatch", _col(text, match.group(0), match.start()),
                f"'{match.group(0)}' is a phone number in {region}, but this site is for "
                f"{config.region.name}", "leave phone numbers out of the text: callout "
                "titles and side-effect tiers give the site's own (site.yaml region)",
                match.group(0)))
            break
    return found


def _col(text: str, words: str, fallback: int) -> int:
    """Where `words` (found in the normalised text) start in `text`, if they are there."""
    position = text.lower().find(words.split()[0].lower()) if words.split() else -1
    return (position if position >= 0 else min(fallback, max(len(text) - 1, 0))) + 1


def unsafe_html(text: str) -> Iterator[tuple[int, str]]:
    """(col, what) of each piece of unsafe HTML typed in `text`."""
    for pattern, what in UNSAFE_HTML:
        for match in pattern.finditer(text):
            yield match.start() + 1, what.format(match.group(1).lower())


# URLs ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Url:
    """A URL as a browser resolves it against the page."""

    written: str
    href: str  # "" when it cannot be parsed at all
    scheme: str
    host: str
    internal: bool  # on this site


def resolve(url: str, base_url: str, *, typed: bool = True) -> Url:
    """`url` as a browser resolves it on one of the site's pages. Where that depends on
    the page's own scheme (`https:host/x` is a path on an https page but the host `host`
    on an http one, a copy served locally or a feed reader), the other host wins: a link
    is judged by the worst place it can lead.

    A `typed` URL is one an editor wrote: a site link in it ("/about/") is first made into
    the link the renderer writes (`Urls.url`, under the base URL's path), so it is judged
    where it will lead on the published site. An URL read back from rendered HTML
    (`typed=False`) is judged as it stands."""
    written = url
    url = html.unescape(url).strip()
    url = "".join(c for c in url if c >= " " and c != "\x7f")  # browsers strip these
    url = INVISIBLE_RE.sub("", url)
    site_urls = Urls(base_url)
    if typed and site_urls.is_internal(url):
        url = site_urls.url(url)
    try:
        parsed = ada_url.URL(url or "#", base_url)
        other = ada_url.URL(url or "#", _other_scheme(base_url))
    except ValueError:
        return Url(written, "", "", "", False)
    if other.hostname != parsed.hostname and other.hostname != _site_url(base_url).hostname:
        parsed = other
    scheme = parsed.protocol.rstrip(":").lower()
    host = parsed.hostname.lower().removeprefix("www.")
    site = _site_url(base_url)
    internal = scheme in {"http", "https"} and parsed.origin == site.origin and \
        parsed.pathname.startswith(site.pathname)
    return Url(written, parsed.href, scheme, host, internal)


@functools.lru_cache(maxsize=4)
def _site_url(base_url: str) -> ada_url.URL:
    return ada_url.URL(base_url)


@functools.lru_cache(maxsize=4)
def _other_scheme(base_url: str) -> str:
    """The site's address with http and https swapped."""
    scheme, rest = base_url.split(":", 1)
    return ("http" if scheme.lower() == "https" else "https") + ":" + rest


@functools.lru_cache(maxsize=1024)
def host_skeleton(host: str) -> str:
    """The host as it reads: international labels (xn--) decoded, then every look-alike
    letter mapped to the Latin one it looks like ("xn--phrmacy-8nf.example" reads
    "pharmacy.example")."""
    labels = []
    for label in host.split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError):
                label = label.encode("ascii").decode("idna")
        labels.append(label)
    readable = unicodedata.normalize("NFKC", _without_marks(".".join(labels)))
    return _to_latin(readable).lower()


def _domain_matches(host: str, domains: Iterable[str]) -> bool:
    wanted = [d.lower().lstrip(".").removeprefix("www.") for d in domains]
    return any(host == d or host.endswith("." + d) for d in wanted)


SAFE_SCHEMES = {"http", "https", "mailto", "tel"}


def url_findings(url: str, config: SiteConfig, *, image: bool = False,
                 typed: bool = True) -> list[Finding]:
    """What is wrong with a link (or an image source) an editor wrote (`typed`) or the
    renderer made of it."""
    link = resolve(url, config.base_url, typed=typed)
    if not link.href:
        return [Finding("link-invalid", 1, f"'{url}' is not a web address a browser can open",
                        "check the address for spaces or typing mistakes")]
    if link.scheme not in SAFE_SCHEMES:
        return [Finding("html-unsafe", 1, f"a {link.scheme}: URL is not allowed in content",
                        "link to web pages (https://...) only")]
    if image and not link.internal:
        return [Finding("image-external", 1, f"the image '{url}' would be loaded from "
                        f"{link.host or 'another site'}", "readers' browsers must never "
                        "contact another site: put the image in static/ and link it from there")]
    if link.internal or link.scheme in {"mailto", "tel"}:
        return []
    policy = config.links
    skeleton = host_skeleton(link.host)
    if skeleton != link.host and (_domain_matches(skeleton, policy.deny_domains)
                                  or _domain_matches(skeleton, policy.allow_domains)
                                  or PHARMACY_DOMAIN_RE.search(skeleton)):
        return [Finding("link-denied", 1, f"link to {link.host}, which is written with "
                        f"look-alike letters to read as {skeleton}",
                        "remove the link; type the address of the real site, or cite a "
                        "public health source")]
    if _domain_matches(link.host, policy.deny_domains) or (
        PHARMACY_DOMAIN_RE.search(link.host)
        and not _domain_matches(link.host, policy.allow_domains)
    ):
        return [Finding("link-denied", 1, f"link to {link.host}, which looks like a medicine "
                        "seller or is on the deny list",
                        "remove the link; cite a public health source instead")]
    found = []
    if link.scheme == "http":
        found.append(Finding("link-insecure", 1, f"'{url}' does not use https",
                             "change http:// to https:// (and check the page still exists)"))
    if not _domain_matches(link.host, policy.allow_domains):
        found.append(Finding("link-domain-unknown", 1, f"{link.host} is not on the site's list "
                             "of trusted domains", "check it is a reputable source, then add "
                             "it to links.allow_domains in site.yaml"))
    return found


def urls_in_text(text: str) -> Iterator[tuple[int, str]]:
    """(col, url) of every web address written out in plain text."""
    for match in URL_IN_TEXT_RE.finditer(text):
        url = match.group(0).rstrip(".,;:!?")
        if url.lower().startswith("www."):
            url = "https://" + url
        yield match.start() + 1, url


# every string of a data file -----------------------------------------------------------------

URL_KEYS = {"url"}


def check_data(path: Path, data: YamlData, config: SiteConfig, report: Report, *,
               placeholders: bool = True, skip: Iterable[tuple] = ()) -> None:
    """Every string in a YAML file through the gate, at its own line."""
    skipped = tuple(skip)
    for where, text in data.strings():
        if any(where[:len(prefix)] == prefix for prefix in skipped):
            continue
        line = data.line_of(where)
        key = next((k for k in reversed(where) if isinstance(k, str)), "")
        for finding in text_findings(text, config, placeholders=placeholders):
            report.add(path, line, finding.code, finding.message, finding.hint)
        for col, what in unsafe_html(text):
            report.error(path, line, "html-unsafe", f"{what} is not allowed in content",
                         "write plain text here: Careleaf pages run no scripts or embeds",
                         col=col)
        for col, url, image in [(1, text, False)] if key in URL_KEYS else _urls(text):
            for finding in url_findings(url, config, image=image):
                report.add(path, line, finding.code, finding.message, finding.hint, col=col)


def _urls(text: str) -> list[tuple[int, str, bool]]:
    """(col, url, is an image) of every address in a text: an image written as Markdown
    (`![alt](url)`) is judged as an image wherever the text ends up."""
    images = [(m.start(1) + 1, m.group(1), True) for m in IMAGE_IN_TEXT_RE.finditer(text)]
    spans = [range(col, col + len(url)) for col, url, _ in images]
    return images + [(col, url, False) for col, url in urls_in_text(text)
                     if not any(col in span for span in spans)]
