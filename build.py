"""Build the site: `python build.py` is `careleaf build`; any careleaf command works here.

`python -m build` in this folder means PyPA's build (the wheel), not this file: Python
finds this file first on the module path, so it hands over to that package."""

import sys

if __name__ == "__main__" and __spec__ is not None:  # run as `python -m build`
    import runpy
    from pathlib import Path

    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    sys.modules.pop("build", None)
    runpy.run_module("build", run_name="__main__", alter_sys=True)
elif __name__ == "__main__":
    from careleaf.cli import run

    run()
