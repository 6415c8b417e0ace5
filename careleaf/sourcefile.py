"""Reading what editors wrote: text files, YAML with line numbers, schema checks.

Shared by the config, parse and validate stages so every file problem is reported the
same way: `path:line:col: error[code]: message` with a hint.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .diagnostics import Report, did_you_mean
from .schema import Limits

M = TypeVar("M", bound=BaseModel)
PLACEHOLDER_RE = re.compile(r"\b(TODO|TBD|FIXME)\b")
KeyPath = tuple[str | int, ...]


# Characters no editor means to type: C0 and C1 controls other than tab and newline, and
# Unicode's noncharacters (U+FFFE and U+FFFF are not even allowed in XML: the feed).
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef" + "".join(
    f"{chr(plane + 0xfffe)}{chr(plane + 0xffff)}" for plane in range(0, 0x110000, 0x10000)) + "]")
VALUE_CR_RE = re.compile("\r")
# Invisible format characters (Unicode category Cf: zero-width spaces and joiners, soft
# hyphens, bidirectional overrides and isolates, word joiners, tag characters, BOMs...).
# A joiner between two non-ASCII letters or symbols is how some scripts and emoji are
# written, so it is allowed there.
JOINERS = "\u200c\u200d"


def _invisible(text: str) -> list[int]:
    found = []
    for index, char in enumerate(text):
        if char < "\u00ad" or unicodedata.category(char) != "Cf":
            continue
        if char in JOINERS and 0 < index < len(text) - 1 and \
                text[index - 1] > "\x7f" and text[index + 1] > "\x7f":
            continue
        found.append(index)
    return found


_INVISIBLE_CANDIDATE_RE = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]")


def unwanted_characters(text: str) -> list[tuple[int, str]]:
    """(index, code) of each control character ("text-control-char") and invisible or
    bidirectional control character ("text-invisible") in `text`."""
    found = [(match.start(), "text-control-char") for match in CONTROL_RE.finditer(text)]
    if _INVISIBLE_CANDIDATE_RE.search(text):
        found += [(index, "text-invisible") for index in _invisible(text)]
    return sorted(found)


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def describe_char(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def read_text(path: Path, report: Report, limits: Limits | None = None) -> str | None:
    """The file's text, or None after reporting why it cannot be used (not UTF-8, empty,
    too large, a line too long, control characters). Invisible characters are reported
    but the text is still used, so the other checks see it."""
    limits = limits or Limits()
    try:
        size = path.stat().st_size
        if size > limits.max_file_kb * 1024:
            report.error(path, 1, "file-too-large",
                         f"the file is {size // 1024:,} KB; the limit is "
                         f"{limits.max_file_kb:,} KB", "split it into several files, or raise "
                         "limits.max_file_kb in site.yaml if it really is one page")
            return None
        data = path.read_bytes()
    except OSError as exc:
        report.error(path, 1, "file-unreadable", f"cannot read the file: {exc.strerror or exc}",
                     "check the file's permissions")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        report.error(
            path, line, "file-encoding",
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x})",
            "save the file as UTF-8 in your editor (in VS Code: 'Save with Encoding' > UTF-8)",
            col=col,
        )
        return None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        report.error(path, 1, "file-empty", "the file is empty",
                     "write the content, or delete the file if it is not needed")
        return None
    usable = True
    for match in list(CONTROL_RE.finditer(text))[:5]:
        line, col = _position(text, match.start())
        report.error(path, line, "text-control-char",
                     f"a control character ({describe_char(match.group(0))}) is in the text",
                     "delete it: it is invisible in most editors but breaks pages and feeds "
                     "(it often comes with text pasted from a PDF or a word processor)",
                     col=col)
        usable = False
    for line_number, line_text in enumerate(text.split("\n"), start=1):
        if len(line_text) > limits.max_line_chars:
            report.error(path, line_number, "line-too-long",
                         f"this line has {len(line_text):,} characters; the limit is "
                         f"{limits.max_line_chars:,}",
                         "break it into shorter lines or paragraphs (or raise "
                         "limits.max_line_chars in site.yaml)")
            usable = False
            break
    if _INVISIBLE_CANDIDATE_RE.search(text):
        for index in _invisible(text)[:5]:
            line, col = _position(text, index)
            report.error(path, line, "text-invisible",
                         f"an invisible character ({describe_char(text[index])}) is in the "
                         "text", "delete it: invisible and right-to-left control characters "
                         "can hide or reverse words, and readers never need them", col=col)
    return text if usable else None


@dataclass
class YamlData:
    """Loaded YAML plus the line of every key and item, for error messages."""

    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)
    first_line: int = 1

    def line_of(self, path: KeyPath) -> int:
        """The line of `path`, or of its nearest parent that has one."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return self.first_line

    def strings(self) -> Iterator[tuple[KeyPath, str]]:
        """(key path, text) of every string in the data, keys excepted, in file order."""
        stack: list[tuple[KeyPath, Any]] = [((), self.data)]
        while stack:
            where, value = stack.pop()
            if isinstance(value, str):
                yield where, value
            elif isinstance(value, dict):
                stack.extend(((*where, k), v) for k, v in reversed(value.items()))
            elif isinstance(value, list):
                stack.extend(((*where, i), v) for i, v in reversed(list(enumerate(value))))


def _map_lines(node: yaml.Node, path: KeyPath, offset: int, lines: dict[KeyPath, int]) -> None:
    lines[path] = node.start_mark.line + offset
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*path, key.value)
            _map_lines(value, sub, offset, lines)
            lines[sub] = key.start_mark.line + offset  # point at the key, not the value
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _map_lines(item, (*path, index), offset, lines)


def _lenient_timestamp(constructor: Any, node: yaml.Node) -> Any:
    """A date YAML cannot make (2026-02-30) stays text, for the schema to report."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(constructor, node)
    except (ValueError, OverflowError):
        return constructor.construct_scalar(node)


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


class _Loader(yaml.SafeLoader):
    pass


for _loader in (_FastLoader, _Loader):
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _lenient_timestamp)


# Explicit YAML tags that only say what the value already is; any other (!!binary,
# !!python/..., !custom) is refused.
PLAIN_TAGS = {None, "!", *(f"tag:yaml.org,2002:{kind}" for kind in (
    "str", "int", "float", "bool", "null", "timestamp", "seq", "map"))}


class _Refused(Exception):
    def __init__(self, code: str, message: str, hint: str, mark: Any):
        super().__init__(message)
        self.code, self.message, self.hint, self.mark = code, message, hint, mark


def _compose(loader: Any, max_depth: int) -> yaml.Node | None:
    """The document's node tree, built from the parser's events one at a time.

    libyaml's own composer recurses without a limit (a few thousand nested brackets crash
    the process) and follows aliases (a "billion laughs" file expands to gigabytes). This
    one refuses anchors and aliases and stops at `max_depth`, before any of that."""
    root = None
    stack: list[list[Any]] = []  # [node, pending mapping key, {key: its mark}]
    documents = 0
    while True:
        event = loader.get_event()
        if event is None or isinstance(event, yaml.StreamEndEvent):
            return root
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise _Refused("yaml-syntax", "YAML could not be read: the file holds more "
                               "than one document", "remove the extra '---' line",
                               event.start_mark)
            continue
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused("yaml-alias", "YAML anchors and aliases (&name, *name) are not "
                           "allowed", "write the value out in full where it is needed",
                           event.start_mark)
        if getattr(event, "tag", None) not in PLAIN_TAGS:  # !!binary smuggles raw bytes
            raise _Refused("yaml-syntax", "YAML could not be read: the tag "
                           f"'{event.tag.replace('tag:yaml.org,2002:', '!!')}' is "
                           "not allowed", "remove the '!...' before the value: write it as "
                           "plain text, a number, a date, a list or keys", event.start_mark)
        node = None
        if isinstance(event, yaml.ScalarEvent):
            tag = event.tag
            if tag is None or tag == "!":
                tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark,
                                   style=event.style)
        elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            kind = yaml.SequenceNode if isinstance(event, yaml.SequenceStartEvent) \
                else yaml.MappingNode
            tag = event.tag
            if tag is None or tag == "!":
                tag = loader.resolve(kind, None, event.implicit)
            if len(stack) >= max_depth:
                raise _Refused("yaml-too-deep", f"YAML nested more than {max_depth} levels "
                               "deep", "flatten the structure (or raise limits.max_nesting in "
                               "site.yaml)", event.start_mark)
            stack.append([kind(tag, [], event.start_mark, None,
                               flow_style=event.flow_style), None, {}])
            continue
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            node = stack.pop()[0]
            node.end_mark = event.end_mark
        else:
            continue  # document end
        if not stack:
            root = node
        elif isinstance(stack[-1][0], yaml.SequenceNode):
            stack[-1][0].value.append(node)
        elif stack[-1][1] is None:
            stack[-1][1] = node
        else:
            key, seen = stack[-1][1], stack[-1][2]
            if isinstance(key, yaml.ScalarNode):
                _refuse_duplicate(key, seen)
            stack[-1][0].value.append((key, node))
            stack[-1][1] = None


def _refuse_duplicate(key: yaml.ScalarNode, seen: dict[tuple[str, str], Any]) -> None:
    """YAML keeps the last of two equal keys and drops the first without a word: a second
    `title:` or `frequency:` would silently replace what the editor wrote first."""
    if key.tag == "tag:yaml.org,2002:merge" or key.value == "<<":
        raise _Refused("yaml-duplicate-key", "a merge key ('<<:') copies keys from elsewhere, "
                       "and a key given beside it silently wins or loses",
                       "write the keys out in full, each once", key.start_mark)
    first = seen.setdefault((key.tag, key.value), key.start_mark)
    if first is not key.start_mark:
        above = key.start_mark.line - first.line
        raise _Refused("yaml-duplicate-key", f"the key '{key.value}' is given twice (first "
                       f"{above} line{'s' if above != 1 else ''} above)",
                       "YAML would keep only the last one and drop the first without a word: "
                       "delete one, or merge them", key.start_mark)


def _syntax_error(exc: yaml.YAMLError, path: Path, first_line: int, report: Report) -> None:
    if not isinstance(exc, yaml.MarkedYAMLError):
        report.error(path, first_line, "yaml-syntax", f"YAML could not be read: {exc}")
        return
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark and "end of the stream" in str(exc.problem) + str(exc.context) \
            or "<stream end>" in str(exc.problem):
        mark = exc.context_mark  # where the unclosed thing began, not the file's end
    line = first_line + (mark.line if mark else 0)
    col = (mark.column + 1) if mark else 1
    problem = exc.problem or exc.context or "invalid YAML"
    hint = ("check indentation and quoting near this line; a value containing ': ' or "
            "starting with a quote needs to be put in quotes")
    if "\\t" in str(problem) or "tab" in str(problem).lower():
        problem = "a tab character is used for indentation"
        hint = "YAML does not allow tabs for indentation: indent with spaces"
    report.error(path, line, "yaml-syntax", f"YAML could not be read: {problem}", hint, col=col)


def load_yaml(text: str, path: Path, report: Report, *, first_line: int = 1,
              limits: Limits | None = None) -> YamlData | None:
    """Parse YAML whose first line is line `first_line` of `path`."""
    depth = (limits or Limits()).max_nesting
    for loader_class in (_FastLoader, _Loader):  # libyaml first: ten times faster; the
        loader = None                           # pure-Python parser words errors better
        try:
            loader = loader_class(text)  # the pure-Python reader refuses some characters
            node = _compose(loader, depth)
            data = loader.construct_document(node) if node is not None else None
        except _Refused as refused:
            report.error(path, first_line + refused.mark.line, refused.code, refused.message,
                         refused.hint, col=refused.mark.column + 1)
            return None
        except yaml.YAMLError as exc:
            if loader_class is _FastLoader:
                continue
            _syntax_error(exc, path, first_line, report)
            return None
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:
            report.error(path, first_line, "yaml-syntax", f"YAML could not be read: {exc}",
                         "check the values in this file")
            return None
        finally:
            if loader is not None:
                loader.dispose()
        result = YamlData(data, first_line=first_line)
        if node is not None:
            _map_lines(node, (), first_line, result.lines)
        return result if _escaped_characters(result, text, path, report) else None
    return None


def _escaped_characters(data: YamlData, text: str, path: Path, report: Report) -> bool:
    """The characters read_text refuses or reports, written as YAML escapes ("\\0", "\\v",
    "\\u202e") in a quoted value, are refused and reported the same way. False when the
    data cannot be used."""
    usable, found = True, 0
    for where, value in data.strings():
        # a carriage return in a value is always an escape ("\r"): YAML reads line ends as \n
        control = CONTROL_RE.search(value) or VALUE_CR_RE.search(value)
        if control:
            usable = False
            if found < 5:  # the first few: enough to find the rest
                report.error(path, data.line_of(where), "text-control-char",
                             f"a control character ({describe_char(control.group(0))}) is "
                             "in this value, written as an escape", "delete it: it breaks "
                             "pages and feeds")
                found += 1
        if found < 5 and _INVISIBLE_CANDIDATE_RE.search(value):
            # a character typed as itself was reported by read_text, with its column
            escaped = [i for i in _invisible(value) if value[i] not in text]
            if escaped:
                report.error(path, data.line_of(where), "text-invisible",
                             f"an invisible character ({describe_char(value[escaped[0]])}) "
                             "is in this value, written as an escape", "delete it: "
                             "invisible and right-to-left control characters can hide or "
                             "reverse words")
                found += 1
    return usable


def _field_names(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _submodel(model: type[BaseModel], loc: KeyPath) -> type[BaseModel]:
    """The model that owns the last key of `loc` (for "did you mean" suggestions)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = {info.alias or name: info for name, info in current.model_fields.items()}
        info = fields.get(part)
        if info is None:
            return current
        annotation = info.annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        nested = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        if not nested:
            return current
        current = nested[0]
    return current


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    kinds = {bool: "true/false", int: "a number", float: "a number", str: "text",
             list: "a list", dict: "a mapping of keys"}
    return kinds.get(type(value), type(value).__name__)


def validate_model(
    model: type[M], yaml_data: YamlData, path: Path, report: Report, *, where: KeyPath = (),
    what: str = "",
) -> M | None:
    """Validate against `model`, reporting every error with the line of its key."""
    try:
        return model.model_validate(yaml_data.data if not where else _dig(yaml_data.data, where))
    except ValidationError as exc:
        for err in exc.errors():
            loc = (*where, *err["loc"])
            key = ".".join(str(p) for p in loc) or "(top level)"
            kind = err["type"]
            line = yaml_data.line_of(loc)
            if kind == "extra_forbidden":
                allowed = _field_names(_submodel(model, err["loc"]))
                report.error(
                    path, line, "schema-unknown-key",
                    f"unknown key '{key}'{did_you_mean(str(loc[-1]), allowed)}",
                    f"allowed keys{' for ' + what if what else ''}: {', '.join(allowed)}",
                )
            elif kind == "missing":
                report.error(
                    path, line, "schema-missing",
                    f"required key '{key}' is missing",
                    f"add '{loc[-1]}:' to {what or 'the file'}; see the editor's guide "
                    "in README.md",
                )
            elif kind in {"model_type", "dict_type"}:
                report.error(path, line, "schema-type",
                             f"'{key}' must be a mapping of keys, not {_describe(err['input'])}")
            elif isinstance(err.get("input"), str) and PLACEHOLDER_RE.search(err["input"]):
                report.error(path, line, "placeholder",
                             f"'{key}' is still a placeholder: {err['input']!r}"[:200],
                             "fill it in: it "
                             f"{_pydantic_message(err).removeprefix('is not valid: ')}")
            else:
                got = err.get("input")
                report.error(
                    path, line, "schema-type" if kind.endswith("_type") else "schema-value",
                    f"'{key}' {_pydantic_message(err)}",
                    f"found {_describe(got)}: {got!r}"[:200] if not isinstance(got, dict) else "",
                )
        return None


def _pydantic_message(err: dict[str, Any]) -> str:
    message = err["msg"]
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    elif message.startswith("String should match pattern"):
        pattern = str(err.get("ctx", {}).get("pattern", ""))
        if "a-z0-9" in pattern:
            message = "must use only lowercase letters, digits and hyphens, e.g. 'muscle-cramps'"
        elif "https?" in pattern:
            message = "must be a web address starting with https://"
    message = message[0].lower() + message[1:]
    return message if message.startswith("must") else f"is not valid: {message}"


def _dig(data: Any, where: KeyPath) -> Any:
    for part in where:
        data = data[part]
    return data
