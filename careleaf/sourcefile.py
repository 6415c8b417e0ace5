"""Reading what editors wrote: text files, YAML with line numbers, schema checks.

Shared by the config, parse and validate stages so every file problem is reported the
same way: `path:line:col: error[code]: message` with a hint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .diagnostics import Report, did_you_mean

M = TypeVar("M", bound=BaseModel)
KeyPath = tuple[str | int, ...]


def read_text(path: Path, report: Report) -> str | None:
    """The file's text, or None after reporting why it cannot be used."""
    data = path.read_bytes()
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
    text = text.removeprefix("\ufeff")
    if not text.strip():
        report.error(path, 1, "file-empty", "the file is empty",
                     "write the content, or delete the file if it is not needed")
        return None
    return text.replace("\r\n", "\n")


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


_FastLoader = getattr(yaml, "CSafeLoader", None)


def load_yaml(text: str, path: Path, report: Report, *, first_line: int = 1) -> YamlData | None:
    """Parse YAML whose first line is line `first_line` of `path`."""
    if _FastLoader is not None:  # libyaml: ten times faster; its messages are terser, so a
        loader = _FastLoader(text)  # file it rejects is read again below for the report
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        except yaml.YAMLError:
            pass
        else:
            result = YamlData(data, first_line=first_line)
            if node is not None:
                _map_lines(node, (), first_line, result.lines)
            return result
        finally:
            loader.dispose()
    loader = yaml.SafeLoader(text)
    try:
        # one pass: the node tree gives the lines, and the data is constructed from it
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and "end of the stream" in str(exc.problem) + str(exc.context) \
                or "<stream end>" in str(exc.problem):
            mark = exc.context_mark  # where the unclosed thing began, not the file's end
        line = first_line + (mark.line if mark else 0)
        col = (mark.column + 1) if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        report.error(
            path, line, "yaml-syntax", f"YAML could not be read: {problem}",
            "check indentation and quoting near this line; a value containing ': ' or "
            "starting with a quote needs to be put in quotes",
            col=col,
        )
        return None
    except yaml.YAMLError as exc:
        report.error(path, first_line, "yaml-syntax", f"YAML could not be read: {exc}")
        return None
    finally:
        loader.dispose()
    result = YamlData(data, first_line=first_line)
    if node is not None:
        _map_lines(node, (), first_line, result.lines)
    return result


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
                    f"add '{loc[-1]}:' to the {what or 'file'}; see the editor's guide "
                    "in README.md",
                )
            elif kind in {"model_type", "dict_type"}:
                report.error(path, line, "schema-type",
                             f"'{key}' must be a mapping of keys, not {_describe(err['input'])}")
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
