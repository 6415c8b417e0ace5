"""Lighthouse report (not a pass/fail test): build the site, serve it on localhost, run
Lighthouse on the home page and one article with Debian's Chromium, print the scores.

    .venv/bin/python scripts/lighthouse.py [--article SLUG]

Needs npm (Lighthouse is fetched into .cache/lighthouse the first time) and
/usr/bin/chromium. Aim: 100 accessibility, best practices and SEO; performance >= 98.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".cache" / "lighthouse"
LIGHTHOUSE = "lighthouse@13.5.0"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def lighthouse_bin() -> Path:
    binary = TOOLS / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        TOOLS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(TOOLS), "--no-audit", "--no-fund",
                        LIGHTHOUSE], check=True)
    return binary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--article", default="amitriptyline-muscle-cramps")
    args = parser.parse_args()
    binary = lighthouse_bin()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "_site"
        subprocess.run([sys.executable, "-m", "careleaf", "--root", str(ROOT), "build",
                        "--out", str(out), "--base-url", "http://127.0.0.1:8766/"],
                       check=True, stdout=subprocess.DEVNULL)
        handler = functools.partial(QuietHandler, directory=str(out))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 8766), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
        print(f"{'page':40} " + " ".join(f"{c:>15}" for c in CATEGORIES))
        for path in ["/", f"/articles/{args.article}/"]:
            report = Path(tmp) / "report.json"
            subprocess.run(
                [str(binary), f"http://127.0.0.1:8766{path}", "--output=json",
                 f"--output-path={report}", "--quiet",
                 "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
                 f"--only-categories={','.join(CATEGORIES)}"],
                check=True, env=env,
            )
            scores = json.loads(report.read_text())["categories"]
            print(f"{path:40} " + " ".join(
                f"{round((scores[c]['score'] or 0) * 100):>15}" for c in CATEGORIES))
        server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
