"""Stage 1, config: read and validate `site.yaml`; settle the folders of the site."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import ada_url
import langcodes

from .codes import ADJUSTABLE, CHECKS
from .diagnostics import BuildFailed, Report, did_you_mean
from .discover import inside
from .gate import check_data, normalise
from .schema import SiteConfig
from .sourcefile import YamlData, load_yaml, read_text, validate_model
from .theme import layered

CONFIG_FILE = "site.yaml"
EXIT_CONFIG = 2


@dataclass(frozen=True)
class Project:
    """Where a site's files are. Everything an editor touches is under `content/`."""

    root: Path
    config: SiteConfig
    out: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def static(self) -> Path:
        return self.root / "static"

    @property
    def template_dirs(self) -> list[Path]:
        """Where templates are looked up: the site's own, then the default theme's."""
        return layered(self.templates, "templates")

    @property
    def static_dirs(self) -> list[Path]:
        """Where static files come from: the site's own, then the default theme's."""
        return layered(self.static, "static")

    @property
    def watched(self) -> list[Path]:
        return [self.content, self.templates, self.static, self.root / CONFIG_FILE]


def base_url_problem(value: object) -> tuple[str | None, str]:
    """(the normalised base URL, "") or (None, what is wrong with it). Parsed as a browser
    parses it, so that every page's links go where they seem to."""
    if not isinstance(value, str) or not value.strip():
        return None, "it must be the site's web address, e.g. https://example.org/health/"
    try:
        url = ada_url.URL(value.strip())
    except ValueError:
        return None, f"'{value}' is not a web address a browser can open"
    if url.protocol not in {"https:", "http:"} or not url.hostname:
        return None, f"'{value}' must start with https:// and name a host"
    if url.username or url.password or url.search or url.hash:
        return None, f"'{value}' must not hold a user name, password, ?query or #fragment"
    path = url.pathname if url.pathname.endswith("/") else url.pathname + "/"
    if "//" in path:
        return None, (f"'{value}' has an empty part ('//') in its path, which would make "
                      "every link on the site lead to another host")
    return f"{url.protocol}//{url.host}{path}", ""


MIN_DISCLAIMER_WORDS = 12
MIN_EMERGENCY_WORDS = 3  # "Call 999 now", not "999"
PHONE_RE = re.compile(r"\d[\d\s-]{1,}\d|\b\d{3}\b")
WORD_RE = re.compile(r"[^\W\d_]{2,}|\d+")  # words and numbers, not dots or dashes


def _words(text: str) -> int:
    """The words a reader sees: invisible characters and look-alike padding do not count."""
    return len(WORD_RE.findall(normalise(text)))


def _safety_texts(config: SiteConfig, data: YamlData, path: Path, report: Report) -> None:
    """The texts every page promises must say something: an empty or token disclaimer,
    emergency line or crisis line is a configuration error."""
    def problem(key: tuple, message: str, hint: str) -> None:
        report.error(path, data.line_of(key), "config-safety-text", message, hint)

    if _words(config.disclaimer) < MIN_DISCLAIMER_WORDS:
        problem(("disclaimer",), "the medical disclaimer is empty or too short "
                f"({_words(config.disclaimer)} words)", "say in full sentences that the "
                "site gives general information, is not medical advice, and that readers "
                "should ask a doctor or pharmacist who knows them")
    number = config.region.emergency_number
    if _words(config.emergency) < MIN_EMERGENCY_WORDS:
        problem(("emergency",), f"the emergency line is too short to act on "
                f"({_words(config.emergency)} words)", "say what to do in an emergency, with "
                f"the number: e.g. '{config.region.emergency_line}'")
    elif number not in config.emergency:
        problem(("emergency",), f"the emergency line does not give the emergency number "
                f"({number}, {config.region.name})", "say what to do in an emergency, with "
                f"the number: e.g. '{config.region.emergency_line}'")
    if not PHONE_RE.search(config.region.crisis_line):
        problem(("region", "crisis_line"), "the crisis line gives no phone number",
                "give the number of the region's crisis line (for example Samaritans, "
                "116 123, in the UK)")


def load_config(root: Path, report: Report) -> SiteConfig:
    """Read `site.yaml`; any problem there is a configuration error (exit status 2)."""
    path = root / CONFIG_FILE
    if not path.is_file():
        report.error(path, 1, "config-missing", f"no {CONFIG_FILE} in {root}",
                     "run careleaf in a site folder, or point at one with --root DIR")
        raise BuildFailed(report.items, EXIT_CONFIG)
    if not inside(path, root):  # settings from anywhere on the machine, as for content
        report.error(path, 1, "file-symlink", f"'{CONFIG_FILE}' is a link to "
                     f"{path.resolve()}, outside the site folder",
                     "copy the file into the site folder instead of linking to it")
        raise BuildFailed(report.items, EXIT_CONFIG)
    text = read_text(path, report)
    data = load_yaml(text, path, report) if text is not None else None
    config = None
    if data is not None:
        if not isinstance(data.data, dict):
            report.error(path, 1, "schema-type", f"{CONFIG_FILE} must be a mapping of keys")
        else:
            fields = dict(data.data)
            if "base_url" in fields:
                base, problem = base_url_problem(fields["base_url"])
                if base is None:
                    report.error(path, data.line_of(("base_url",)), "config-base-url",
                                 f"base_url: {problem}", "give the address the site will "
                                 "have, e.g. https://example.org/health/")
                    fields["base_url"] = "https://invalid.invalid/"
                else:
                    fields["base_url"] = base
            language = fields.get("language")
            if isinstance(language, str) and not langcodes.tag_is_valid(language):
                report.error(path, data.line_of(("language",)), "config-language",
                             f"language '{language}' is not a language tag",
                             "write a BCP 47 tag, such as en-GB, en-US, cy or fr")
                fields["language"] = "und"
            checked = YamlData(fields, data.lines, data.first_line)
            config = validate_model(SiteConfig, checked, path, report, what=CONFIG_FILE)
    if config is not None and data is not None:
        _check_levels(config, data, path, report)
        _safety_texts(config, data, path, report)
        # base_url has its own rule above; links and checks hold domains and codes
        check_data(path, data, config, report, skip=[("links",), ("checks",), ("base_url",)])
    if config is None or report.errors:
        raise BuildFailed(report.items, EXIT_CONFIG)
    report.configure(config.checks, {"review-unreviewed": "warning"}
                     if config.unreviewed == "notice" else {})
    return config


def _check_levels(config: SiteConfig, data: YamlData, path: Path, report: Report) -> None:
    for code in config.checks:
        line = data.line_of(("checks", code))
        if code not in CHECKS:
            report.error(path, line, "schema-unknown-key",
                         f"unknown check '{code}'{did_you_mean(code, CHECKS)}",
                         f"checks that can be changed: {', '.join(ADJUSTABLE)}")
        elif not CHECKS[code].adjustable:
            report.error(path, line, "schema-value",
                         f"check '{code}' guards the build and cannot be changed",
                         f"checks that can be changed: {', '.join(ADJUSTABLE)}")


def load_project(root: Path, report: Report, *, out: Path | None = None,
                 base_url: str | None = None) -> Project:
    root = root.resolve()
    config = load_config(root, report)
    if base_url is not None:
        normalised, problem = base_url_problem(base_url)
        if normalised is None:
            report.error("--base-url", 1, "config-base-url", f"--base-url: {problem}",
                         "give a full address such as https://example.org/health/")
            raise BuildFailed(report.items, EXIT_CONFIG)
        config = replace_config(config, base_url=normalised)
    out = (out if out is not None else root / "_site").resolve()
    return Project(root=root, config=config, out=out)


def replace_config(config: SiteConfig, **changes: object) -> SiteConfig:
    """A copy of the (frozen) config with `changes`, validated again."""
    data = config.model_dump(by_alias=True)
    data.update(changes)
    return SiteConfig.model_validate(data)
