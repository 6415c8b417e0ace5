"""Every diagnostic Careleaf can give: a stable code, a default severity, what it means.

`site.yaml` can change a check's severity (`checks: {readability-grade: error}`) or turn it
off; `--strict` makes every warning an error. Codes that guard the build itself (a file
that cannot be read, a broken template, an unsafe output folder) cannot be turned down.
"""

from __future__ import annotations

from dataclasses import dataclass

from .diagnostics import Severity

E, W = Severity.ERROR, Severity.WARNING


@dataclass(frozen=True)
class Check:
    code: str
    severity: Severity
    group: str
    summary: str
    adjustable: bool = True


_CHECKS = [
    # 1. schema
    Check("schema-missing", E, "schema", "a required key is missing", False),
    Check("schema-type", E, "schema", "a value has the wrong type", False),
    Check("schema-value", E, "schema", "a value is not allowed (format, length, date)", False),
    Check("schema-unknown-key", E, "schema", "a key the schema does not know", False),
    Check("yaml-syntax", E, "schema", "YAML that cannot be read", False),
    Check("config-missing", E, "schema", "no site.yaml", False),
    Check("config-base-url", E, "schema", "the base URL is not a usable web address", False),
    Check("config-language", E, "schema", "language is not a BCP 47 language tag", False),
    Check("config-safety-text", E, "schema",
          "a safety text in site.yaml (disclaimer, emergency line) is empty or too short",
          False),
    Check("yaml-alias", E, "schema", "YAML anchors and aliases (&a, *a) are not allowed", False),
    Check("yaml-duplicate-key", E, "schema", "a key given twice in one YAML mapping", False),
    Check("yaml-too-deep", E, "schema", "YAML nested deeper than limits.max_nesting", False),
    # 2. citations
    Check("citation-unresolved", E, "citations", "[@id] matches no source", False),
    Check("citation-marker", E, "citations", "a leftover numeric marker such as [1.4.1] or [12]"),
    Check("source-uncited", W, "citations", "a listed source is never cited"),
    Check("source-duplicate", E, "citations", "two sources share an id", False),
    Check("dose-uncited", W, "citations", "a paragraph states a dose without a citation"),
    # 3. review
    Check("review-order", E, "review", "next_review is not after last_reviewed"),
    Check("review-future", E, "review", "last_reviewed or published is in the future"),
    Check("review-overdue", W, "review", "next_review has passed"),
    Check("review-interval", E, "review", "next_review is further off than site.yaml allows"),
    Check("placeholder", E, "review", "TODO placeholder text in a published file"),
    Check("review-unreviewed", E, "review",
          "no clinical reviewer (a warning with `unreviewed: notice`; readers see a notice)",
          False),
    Check("review-independence", E, "review", "the reviewer is the author", False),
    Check("review-not-clinical", E, "review", "reviewed_by names someone who is not a "
          "clinical reviewer in people.yaml", False),
    Check("unknown-person", E, "review", "author or reviewed_by is not in people.yaml", False),
    Check("person-duplicate", E, "review", "two people in people.yaml share an id", False),
    # 4. disclaimer and urgent advice
    Check("template-unsafe", E, "safety",
          "a built page without Careleaf's Content-Security-Policy, or loading or embedding "
          "anything from another site", False),
    Check("template-disclaimer-missing", E, "safety",
          "a page that does not show the disclaimer, emergency line and crisis line as "
          "visible text", False),
    Check("urgent-advice-missing", E, "safety", "an article has no when-to-get-help advice"),
    Check("record-section-missing", E, "safety",
          "a medicine record lacks a section site.yaml requires (e.g. how_to_take.overdose)",
          False),
    Check("frequency-unsourced", E, "safety",
          "a side effect's frequency is not cited to the product label (SmPC, leaflet or "
          "label), with its section", False),
    Check("lead-in-repeated", W, "readability",
          "a record's list item repeats the words the page puts before it"),
    Check("frequency-other-region", W, "safety",
          "a side effect's band is cited only to another country's label than the site's"),
    Check("frequency-not-known", W, "safety",
          "a serious side effect marked not-known without a label source"),
    Check("crisis-tag-missing", E, "safety",
          "a side effect about suicidal thoughts or self-harm is not tagged self-harm", False),
    Check("region-mismatch", W, "safety", "a phone number of another region than the site's"),
    # 5. readability
    Check("readability-grade", W, "readability", "reading grade above the site's target"),
    # 6. links and spam
    Check("link-broken", E, "links", "an internal link or #anchor leads nowhere"),
    Check("link-insecure", E, "links", "an outbound link does not use https"),
    Check("link-domain-unknown", W, "links", "an outbound domain not on the allowlist"),
    Check("link-denied", E, "links", "a link to a denied domain (e.g. an online pharmacy)"),
    Check("link-invalid", E, "links", "a link a browser cannot open"),
    Check("image-external", E, "links", "an image loaded from another site", False),
    Check("spam", E, "links", "pharmacy spam or sales language", False),
    # 7. unsafe HTML
    Check("html-unsafe", E, "html", "script, iframe, event handlers or javascript: in Markdown",
          False),
    # 8. uniqueness
    Check("slug-duplicate", E, "uniqueness", "two files with one slug", False),
    Check("title-duplicate", E, "uniqueness", "two articles with one title"),
    Check("glossary-duplicate", E, "uniqueness", "a glossary term or alias listed twice", False),
    Check("output-duplicate", E, "uniqueness", "two pages written to one file", False),
    Check("slug-reserved", E, "uniqueness", "a page slug the site uses itself", False),
    Check("slug-unsafe", E, "uniqueness", "a slug that would leave the output folder", False),
    Check("slug-invalid", E, "uniqueness", "a file name that cannot be a URL", False),
    # 9. references between files
    Check("unknown-medicine", E, "references", "a medicine with no record", False),
    Check("unknown-topic", E, "references", "a topic not in topics.yaml", False),
    # 10. files and conventions
    Check("file-encoding", E, "files", "a file that is not UTF-8", False),
    Check("file-empty", E, "files", "an empty file", False),
    Check("file-unknown", E, "files", "a file Careleaf would ignore", False),
    Check("file-unreadable", E, "files", "a file that cannot be read", False),
    Check("file-too-large", E, "files", "a file larger than limits.max_file_kb", False),
    Check("file-too-slow", E, "files", "a file that took too long to convert", False),
    Check("file-symlink", E, "files", "a symbolic link that leads outside the site folder, or "
          "to a hidden or private file in it (.git, .env, node_modules)", False),
    Check("file-private", W, "files", "a hidden file (a dotfile) in static/, never published"),
    Check("line-too-long", E, "files", "a line longer than limits.max_line_chars", False),
    Check("text-control-char", E, "files", "a control character (NUL, vertical tab ...)",
          False),
    Check("text-invisible", E, "files",
          "an invisible or right-to-left control character in the text", False),
    Check("markdown-too-deep", E, "files", "lists or quotes nested too deep", False),
    Check("markdown-too-complex", E, "files",
          "a paragraph with too many unmatched or nested brackets", False),
    Check("front-matter-missing", E, "files", "a Markdown file without front matter", False),
    Check("front-matter-unclosed", E, "files", "front matter without its closing ---", False),
    Check("content-missing", E, "files", "no content/ folder", False),
    Check("callout-unknown", E, "files", "an unknown !!! callout kind", False),
    Check("callout-empty", E, "files", "a callout with nothing in it", False),
    Check("table-caption-missing", E, "files", "a table without a 'Table:' caption"),
    Check("table-not-separated", E, "files", "a table glued to the line above it", False),
    Check("directive-syntax", E, "files", "a ':: ...' table directive that cannot be read",
          False),
    Check("directive-unknown", E, "files", "an unknown ':: ...' directive", False),
    Check("directive-filter-unknown", E, "files", "an unknown filter in ':: side-effects'",
          False),
    Check("directive-row-unknown", E, "files", "an unknown row in ':: compare'", False),
    # the build itself
    Check("template-syntax", E, "build", "a Jinja syntax error", False),
    Check("template-missing", E, "build", "a template that does not exist", False),
    Check("template-error", E, "build", "a template that fails while rendering", False),
    Check("output-unsafe", E, "build", "an output folder Careleaf will not replace", False),
    Check("drafts-built", W, "build", "drafts were built into an output folder", False),
    Check("write-failed", E, "build", "the site could not be written", False),
    Check("search-index-failed", E, "build", "Pagefind could not index the site", False),
]

CHECKS: dict[str, Check] = {check.code: check for check in _CHECKS}
ADJUSTABLE = sorted(code for code, check in CHECKS.items() if check.adjustable)
