"""`careleaf init DIR`: start a new site that builds at once.

It writes `site.yaml` (every key explained), a starter `content/` taken from Careleaf's own
demonstration site (one medicine record, one article, the policy pages, people, sources,
topics and glossary; each file marked as an example to replace), a `.gitignore` and the
GitHub Actions workflows that check, build, publish and list reviews due. Templates and
static files are not copied: the site uses the default theme from the installed package
until it puts its own files of the same name in `templates/` or `static/`.

It refuses a folder that is not empty unless told (`--force`), and even then it never
overwrites a file: what is there already is left as it is and named.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from importlib.resources import files
from pathlib import Path

from .scaffold import write_new
from .theme import theme_root

# The starter content, as paths under the theme's content/ (pyproject.toml's package-data
# for careleaf.theme.content carries the same files; a test keeps the two in step).
STARTER_CONTENT = [
    "people.yaml", "bibliography.yaml", "topics.yaml", "glossary.yaml",
    "medicines/gabapentin.yaml", "articles/gabapentin-muscle-twitching.md",
    "pages/about.md", "pages/editorial-policy.md", "pages/medical-disclaimer.md",
    "pages/privacy.md",
]
EXAMPLE_NOTE = ("# EXAMPLE from Careleaf's demonstration site: replace it with your own, "
                "then delete this line.")


# a link in the examples to a demonstration page the starter does not carry
SITE_LINK_RE = re.compile(r"\[([^\]]+)\]\(/(articles|medicines)/([a-z0-9-]+)/[^)\s]*\)")


def _unlink_missing(text: str) -> str:
    """Links to demonstration pages the starter leaves out become their plain words."""
    carried = {(Path(name).parent.name, Path(name).stem) for name in STARTER_CONTENT}

    def keep(match: re.Match) -> str:
        kind, slug = match.group(2), match.group(3)
        return match.group(0) if (kind, slug) in carried else match.group(1)

    return SITE_LINK_RE.sub(keep, text)


def _version() -> str:
    try:
        return metadata.version("careleaf")
    except metadata.PackageNotFoundError:
        return "0.1.0"


def starter_files() -> dict[str, str]:
    """Path in the new site -> text."""
    starter = files("careleaf.starter")
    made = {
        "site.yaml": starter.joinpath("site.yaml").read_text("utf-8"),
        ".gitignore": starter.joinpath("gitignore.txt").read_text("utf-8"),
    }
    for workflow in ("publish.yml", "review-due.yml"):
        text = starter.joinpath(workflow).read_text("utf-8")
        made[f".github/workflows/{workflow}"] = text.replace("{version}", _version())
    content = theme_root() / "content"
    for name in STARTER_CONTENT:
        text = (content / name).read_text("utf-8")
        if name.endswith(".md"):  # a YAML comment inside the front matter
            opening, rest = _unlink_missing(text).split("\n", 1)
            text = f"{opening}\n{EXAMPLE_NOTE}\n{rest}"
        else:
            text = f"{EXAMPLE_NOTE}\n{text}"
        made[f"content/{name}"] = text
    return made


def init_site(folder: Path, *, force: bool = False) -> int:
    if folder.exists() and not folder.is_dir():
        print(f"{folder}:1:1: error[init-not-a-folder]: this is a file, not a folder\n"
              "  hint: name a new folder, e.g. `careleaf init my-site`", file=sys.stderr)
        return 1
    if folder.is_dir() and any(folder.iterdir()) and not force:
        print(f"{folder}:1:1: error[init-not-empty]: the folder is not empty; nothing was "
              "written\n  hint: name a new folder, or add --force to add the starter files "
              "that are missing (no file is ever overwritten)", file=sys.stderr)
        return 1
    written, kept = [], []
    for name, text in starter_files().items():
        path = folder / name
        try:
            write_new(path, text)
            written.append(name)
        except FileExistsError:
            kept.append(name)
        except OSError as exc:
            print(f"{path}:1:1: error[write-failed]: could not write it: "
                  f"{exc.strerror or exc}\n  hint: check the folder's permissions and free "
                  "space", file=sys.stderr)
            return 1
    for name in kept:
        print(f"kept {name} as it was", file=sys.stderr)
    print(f"wrote {len(written)} files into {folder}. Next:\n"
          f"  cd {folder}\n"
          "  careleaf serve      # preview at http://127.0.0.1:8000/, rebuilt as you edit\n"
          "  careleaf build      # the site, in _site/\n"
          "Replace the example content (each file says so in its first lines), set base_url "
          "and contact in site.yaml, and put your own templates/ or static/ files beside "
          "content/ to change the theme file by file.")
    return 0
