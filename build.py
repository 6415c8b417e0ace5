"""Build the site: `python build.py` is `careleaf build`; any careleaf command works here."""

from careleaf.cli import run

if __name__ == "__main__":
    run()
