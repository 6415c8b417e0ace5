"""The `careleaf` command (also `python build.py`).

Exit status: 0 ok, 1 content errors, 2 usage or configuration errors.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

from .diagnostics import BuildFailed, Diagnostic, Report, printable
from .progress import Progress

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def _github_escape(text: str, *, property_value: bool = False) -> str:
    """A workflow command's text: what an editor wrote cannot end the command or start
    another (controls escaped; the newlines of a hint kept, as GitHub's %0A)."""
    text = "\n".join(printable(line) for line in text.split("\n"))
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def _print_diagnostics(items: list[Diagnostic], fmt: str) -> None:
    for item in sorted(items):
        if fmt == "github":  # GitHub Actions workflow commands: annotations on the diff
            props = ",".join(
                f"{key}={_github_escape(str(value), property_value=True)}"
                for key, value in (("file", item.path), ("line", item.line), ("col", item.col),
                                   ("title", item.code))
            )
            message = item.message + (f" (hint: {item.hint})" if item.hint else "")
            print(f"::{item.severity} {props}::{_github_escape(message)}")
        elif fmt == "text":
            print(item.format(), file=sys.stderr)


def _summary(report: Report) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def _dashboard(stats) -> str:
    """The editor's dashboard: one row per article."""
    rows = [("article", "words", "grade", "SMOG", "sources", "next review")]
    rows += [(Path(s.path).name, str(s.words), f"{s.grade:.1f}", f"{s.smog:.1f}",
              str(s.sources), s.next_review.isoformat()) for s in stats]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _json_report(report: Report, result, ok: bool) -> str:
    return json.dumps({
        "ok": ok,
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "diagnostics": [
            {"path": d.path, "line": d.line, "col": d.col, "severity": str(d.severity),
             "code": d.code, "message": d.message, "hint": d.hint}
            for d in sorted(report.items)
        ],
        "articles": [
            {"path": s.path, "title": s.title, "words": s.words, "grade": s.grade,
             "smog": s.smog, "sources": s.sources, "next_review": s.next_review.isoformat()}
            for s in (result.stats if result else ())
        ],
    }, indent=2)


def cmd_build(args: argparse.Namespace, *, write: bool = True) -> int:
    from .build import build

    root = Path(args.root)
    report = Report(root, strict=args.strict, tolerate=frozenset(
        {"review-unreviewed"} if args.allow_unreviewed else ()))
    fmt = args.format
    if write and args.drafts and not args.allow_drafts:
        print("careleaf: error[drafts-built]: drafts belong in the preview, not in a folder "
              "you publish\n  hint: preview them with `careleaf serve --drafts`; to build "
              "them into a folder anyway (for a private review copy), add --allow-drafts",
              file=sys.stderr)
        return EXIT_USAGE
    started = time.perf_counter()
    result, code = None, EXIT_OK
    progress = Progress(quiet=args.quiet or fmt != "text")
    try:
        result = build(root, out=Path(args.out) if getattr(args, "out", None) else None,
                       drafts=args.drafts, base_url=args.base_url, write=write, report=report,
                       jobs=args.jobs, progress=progress, cache=not args.no_cache)
    except BuildFailed as failed:
        code = failed.exit_code
    finally:
        progress.close()
    if code == EXIT_OK and report.errors:  # never report success with errors found
        code = EXIT_CONTENT
    args.exit_code = code  # kept if printing fails (a closed pipe)
    _print_diagnostics(report.items, fmt)
    if fmt == "json":
        print(_json_report(report, result, code == EXIT_OK))
        return code
    verb = "build" if write else "check"
    if result is None:
        published = "; the published site was not changed" if write else ""
        print(f"{verb} failed: {_summary(report)}{published}", file=sys.stderr)
        return code
    if result.up_to_date:
        print(f"{result.out} is up to date: nothing changed since it was built")
        return code
    elapsed = time.perf_counter() - started
    content = result.site.content
    if write:
        pages = sum(1 for path in result.outputs if path.endswith(".html"))
        print(f"built {pages} pages ({len(content.articles)} articles) in {elapsed:.2f}s "
              f"into {result.out}; {_summary(report)}")
    else:
        files = len(content.articles) + len(content.pages) + len(content.medicines)
        print(f"checked {files} files ({len(content.articles)} articles, "
              f"{len(content.pages)} pages, {len(content.medicines)} medicines, "
              f"{len(content.topics)} topics): {_summary(report)}")
        if fmt == "text" and result.stats:
            print(_dashboard(result.stats))
    return code


def cmd_due(args: argparse.Namespace) -> int:
    """List what is due or overdue for review; exit 1 when anything is overdue."""
    from .build import build_date, load_content
    from .config import load_project
    from .due import due_items, relative_to, render

    root = Path(args.root)
    report = Report(root)
    today = build_date()
    try:
        project = load_project(root, report)
        _, content = load_content(project, report, write=False)
    except BuildFailed as failed:
        _print_diagnostics(report.items, "text")
        return failed.exit_code
    from .urls import Urls

    for item in report.errors:  # files that cannot be read cannot be listed: say so
        print(item.format(), file=sys.stderr)
    items = due_items(content, Urls(project.config.base_url), relative_to(project.root),
                      today, args.within)
    args.exit_code = EXIT_CONTENT if report.errors or any(
        i.next_review < today for i in items) else EXIT_OK
    print(render(items, today, args.format, args.within))
    return args.exit_code


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    return serve(Path(args.root), host=args.host, port=args.port, drafts=args.drafts)


def cmd_new(args: argparse.Namespace) -> int:
    from .scaffold import new_article

    return new_article(Path(args.root), args.title, args.medicine, args.topic, args.slug,
                       args.author)


def cmd_init(args: argparse.Namespace) -> int:
    from .init import init_site

    return init_site(Path(args.root) / args.folder, force=args.force)


def cmd_schema(args: argparse.Namespace) -> int:
    from .schema import write_json_schemas

    for path in write_json_schemas(Path(args.root) / "schemas"):
        print(f"wrote {path}")
    return EXIT_OK


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def port_number(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port: use 1 to 65535, e.g. 8000")
    return value


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="careleaf",
        description="Build a sourced, dated, plain and safe medicine-information site.",
    )
    main.add_argument("--root", default=".", metavar="DIR",
                      help="the site folder (with site.yaml and content/); default: here")
    sub = main.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--drafts", action="store_true", help="include articles with draft: true")
        p.add_argument("--strict", action="store_true", help="treat warnings as errors")
        p.add_argument("--allow-unreviewed", action="store_true",
                       help="with --strict, still publish pages no clinician has reviewed "
                            "(only with `unreviewed: notice` in site.yaml; they show a notice)")
        p.add_argument("--quiet", action="store_true", help="no progress display")
        p.add_argument("--no-cache", action="store_true",
                       help="ignore .careleaf/cache and always rebuild everything")
        p.add_argument("--jobs", type=positive_int, metavar="N",
                       help="processes for converting Markdown (default: one per core)")
        p.add_argument("--format", choices=["text", "json", "github"], default="text",
                       help="how to print problems: text (default), json, or github "
                            "(GitHub Actions annotations)")
        p.add_argument("--base-url", metavar="URL",
                       help="override site.yaml's base_url, e.g. https://example.org/health/")

    build = sub.add_parser("build", help="check everything, then write the site (default)")
    build.add_argument("--out", metavar="DIR", help="output folder (default: _site)")
    build.add_argument("--allow-drafts", action="store_true",
                       help="with --drafts: build drafts into the output folder anyway (a "
                            "private review copy; their TODOs are still errors)")
    common(build)
    build.set_defaults(func=cmd_build)

    check = sub.add_parser("check", help="check everything and write nothing")
    common(check)
    check.set_defaults(func=lambda a: cmd_build(a, write=False))

    due = sub.add_parser("due", help="list everything due or overdue for review")
    due.add_argument("--within", type=int, default=30, metavar="DAYS",
                     help="also list what falls due within DAYS (default 30)")
    due.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    due.set_defaults(func=cmd_due)

    serve = sub.add_parser("serve", help="preview with live reload while you edit")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=port_number, default=8000)
    serve.add_argument("--drafts", action="store_true", help="include draft articles")
    serve.set_defaults(func=cmd_serve)

    new = sub.add_parser("new", help="start a new article with every required field")
    new.add_argument("title", help='the article title, e.g. "Gabapentin and sleep"')
    new.add_argument("--medicine", required=True, action="append",
                     help="medicine key (repeat for several), e.g. gabapentin")
    new.add_argument("--topic", action="append", help="topic key (repeat for several)")
    new.add_argument("--slug", help="file name and URL part (default: from the title)")
    new.add_argument("--author", help="your id in content/people.yaml (default: the only "
                     "person there, if there is one)")
    new.set_defaults(func=cmd_new)

    init = sub.add_parser("init", help="start a new site in a folder, ready to build")
    init.add_argument("folder", help="the new site's folder, e.g. my-site")
    init.add_argument("--force", action="store_true",
                      help="add the starter files missing from a folder that is not empty "
                           "(no file is ever overwritten)")
    init.set_defaults(func=cmd_init)

    schema = sub.add_parser("schema", help="write the JSON Schemas for editors' tools")
    schema.set_defaults(func=cmd_schema)
    return main


class Stopped(Exception):
    """SIGTERM: stop as SIGINT does, with the conventional status 128 + 15."""


def _stop(signum: int, frame: object) -> None:
    raise Stopped


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    cli = parser()
    args = cli.parse_args(args_list)
    if args.command is None:  # `python build.py` alone means build
        args = cli.parse_args([*args_list, "build"])
    if threading.current_thread() is threading.main_thread() and args.command != "serve":
        signal.signal(signal.SIGTERM, _stop)  # serve's event loop would swallow it
    try:
        return args.func(args)
    except KeyboardInterrupt:
        _quiet_exit("interrupted: nothing was published")
        return 130
    except Stopped:
        _quiet_exit("stopped: nothing was published")
        return 143
    except BrokenPipeError:
        # `careleaf check | head`: the reader left early. The site's status still stands:
        # a failing site must not turn into success because its report was cut short.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - so the exit flush stays quiet
        return getattr(args, "exit_code", EXIT_CONTENT)


def run() -> None:
    """The command's entry point: `main`, then exit at once. A build leaves a large heap
    (every article, parsed), and freeing it object by object at interpreter shutdown takes
    about a quarter of a second at 1,000 articles; every file is written and closed by
    then, so only the output streams are flushed (mypy exits the same way)."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe keeps the status
            stream.flush()
    os._exit(code)


def _quiet_exit(message: str) -> None:
    with contextlib.suppress(OSError):
        print(f"\n{message}", file=sys.stderr)


if __name__ == "__main__":
    run()
