"""Stage 1, config: read and validate `site.yaml`; settle the folders of the site."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from .codes import ADJUSTABLE, CHECKS
from .diagnostics import BuildFailed, Report, did_you_mean
from .schema import SiteConfig
from .sourcefile import YamlData, load_yaml, read_text, validate_model

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
    def watched(self) -> list[Path]:
        return [self.content, self.templates, self.static, self.root / CONFIG_FILE]


def load_config(root: Path, report: Report) -> SiteConfig:
    """Read `site.yaml`; any problem there is a configuration error (exit status 2)."""
    path = root / CONFIG_FILE
    if not path.is_file():
        report.error(path, 1, "config-missing", f"no {CONFIG_FILE} in {root}",
                     "run careleaf in a site folder, or point at one with --root DIR")
        raise BuildFailed(report.items, EXIT_CONFIG)
    text = read_text(path, report)
    data = load_yaml(text, path, report) if text is not None else None
    config = None
    if data is not None:
        if not isinstance(data.data, dict):
            report.error(path, 1, "schema-type", f"{CONFIG_FILE} must be a mapping of keys")
        else:
            config = validate_model(SiteConfig, data, path, report, what=CONFIG_FILE)
    if config is not None and data is not None:
        _check_levels(config, data, path, report)
    if config is None or report.errors:
        raise BuildFailed(report.items, EXIT_CONFIG)
    report.configure(config.checks)
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
        try:
            config = replace_config(config, base_url=base_url)
        except ValidationError:
            report.error("--base-url", 1, "config-base-url", f"'{base_url}' is not a web address",
                         "give a full address such as https://example.org/health/")
            raise BuildFailed(report.items, EXIT_CONFIG) from None
    out = (out if out is not None else root / "_site").resolve()
    return Project(root=root, config=config, out=out)


def replace_config(config: SiteConfig, **changes: object) -> SiteConfig:
    """A copy of the (frozen) config with `changes`, validated again."""
    data = config.model_dump(by_alias=True)
    data.update(changes)
    return SiteConfig.model_validate(data)
