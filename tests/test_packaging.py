"""Careleaf as a site owner installs it: the wheel built by `python -m build` carries the
default theme, the schemas and the starter site; `careleaf init` starts a site that builds;
a site's own templates and static files override the theme file by file; every package
Careleaf imports is declared."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from conftest import REPO, parse_page

from careleaf.init import EXAMPLE_NOTE, STARTER_CONTENT

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def repository_copy(target: Path) -> Path:
    """The repository as a fresh clone has it (no virtual environment, no build output)."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                             check=True).stdout.decode().split("\0")
    for name in filter(None, tracked):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for name in ("LICENSE", "careleaf"):  # files this change adds are not yet tracked
        source = REPO / name
        if source.is_file():
            shutil.copy2(source, target / name)
        elif source.is_dir():
            shutil.copytree(source, target / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built with `python -m build` run in the repository's own folder, where
    build.py must hand over to PyPA's build."""
    source = repository_copy(tmp_path_factory.mktemp("repo"))
    dist = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist)],
                          cwd=source, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    (built,) = dist.glob("careleaf-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> dict:
    """The wheel installed alone into a folder of its own; the dependencies come from the
    test environment. Returns the environment that runs it."""
    target = tmp_path_factory.mktemp("installed")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet",
                    "--target", str(target), str(wheel)], check=True, timeout=300)
    return {**os.environ, "PYTHONPATH": str(target)}


def run_installed(env: dict, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    code = "import sys, careleaf.cli; sys.argv[0] = 'careleaf'; careleaf.cli.run()"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_wheel_carries_the_theme_schemas_and_starter(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("templates", "static", "schemas"):
        for path in (REPO / folder).rglob("*"):
            if path.is_file():
                name = f"careleaf/theme/{path.relative_to(REPO).as_posix()}"
                assert name in names, f"{name} is not in the wheel"
    starter = {n.removeprefix("careleaf/theme/content/") for n in names
               if n.startswith("careleaf/theme/content/")}
    assert starter == set(STARTER_CONTENT)
    assert "careleaf-0.1.0.dist-info/licenses/LICENSE" in names
    wheel_meta = zipfile.ZipFile(wheel).read("careleaf-0.1.0.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in wheel_meta


def test_from_the_wheel_init_then_build_and_check(installed, tmp_path):
    located = subprocess.run([sys.executable, "-c", "import careleaf; print(careleaf.__file__)"],
                             env=installed, capture_output=True, text=True, cwd=tmp_path)
    assert located.stdout.startswith(installed["PYTHONPATH"]), located.stdout
    made = run_installed(installed, tmp_path, "init", "mysite")
    assert made.returncode == 0, made.stderr
    site = tmp_path / "mysite"
    assert not (site / "templates").exists() and not (site / "static").exists()
    built = run_installed(installed, site, "build")
    assert built.returncode == 0, built.stderr[-3000:]
    checked = run_installed(installed, site, "check", "--strict", "--allow-unreviewed")
    assert checked.returncode == 0, checked.stderr[-3000:]
    pages = sorted((site / "_site").rglob("index.html"))
    assert len(pages) > 10
    for path in pages:
        page = parse_page(path)
        csp = page.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
        assert csp and "default-src 'self'" in csp[0] and "object-src 'none'" in csp[0], path
        assert page.xpath("//*[contains(@class, 'disclaimer')]"), path
    assert (site / "_site/static/style.css").is_file()


def test_init_writes_a_commented_site_yaml_and_example_content(cli, tmp_path):
    assert cli("--root", str(tmp_path), "init", "site").code == 0
    site = tmp_path / "site"
    settings = (site / "site.yaml").read_text()
    from careleaf.schema import SiteConfig

    for key in SiteConfig.model_fields:  # every key is there, set or commented
        assert f"\n{key}:" in settings or f"\n# {key}:" in settings, key
    for name in STARTER_CONTENT:
        assert EXAMPLE_NOTE in (site / "content" / name).read_text(), name
    publish = (site / ".github/workflows/publish.yml").read_text()
    assert f'careleaf=={metadata.version("careleaf")}' in publish
    assert (site / ".gitignore").read_text().count("_site/") == 1


def test_init_refuses_a_folder_with_files_and_never_overwrites(cli, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.yaml").write_text("title: mine\n")
    refused = cli("--root", str(tmp_path), "init", "site")
    assert refused.code == 1 and "error[init-not-empty]" in refused.err
    assert "hint:" in refused.err and "Traceback" not in refused.err
    assert sorted(p.name for p in site.iterdir()) == ["site.yaml"]
    forced = cli("--root", str(tmp_path), "init", "site", "--force")
    assert forced.code == 0, forced.err
    assert (site / "site.yaml").read_text() == "title: mine\n"
    assert "kept site.yaml as it was" in forced.err
    assert (site / "content/medicines/gabapentin.yaml").is_file()
    (site / "file").write_text("x")
    not_a_folder = cli("--root", str(tmp_path), "init", "site/file")
    assert not_a_folder.code == 1 and "error[init-not-a-folder]" in not_a_folder.err


def test_a_sites_own_files_override_the_theme_file_by_file(cli, tmp_path):
    assert cli("--root", str(tmp_path), "init", "site").code == 0
    site = tmp_path / "site"
    (site / "static").mkdir()
    (site / "static/style.css").write_text("body { color: #111; }\n")
    (site / "static/extra.txt").write_text("mine\n")
    (site / "templates/partials").mkdir(parents=True)
    theme_partial = (REPO / "templates/partials/disclaimer.html").read_text()
    (site / "templates/partials/disclaimer.html").write_text(
        theme_partial.replace("</", "<!-- own partial --></", 1))
    result = cli("--root", str(site), "build")
    assert result.code == 0, result.err
    out = site / "_site"
    assert (out / "static/style.css").read_text() == "body { color: #111; }\n"
    assert (out / "static/extra.txt").read_text() == "mine\n"
    assert (out / "static/search.js").read_bytes() == (REPO / "static/search.js").read_bytes()
    assert "<!-- own partial -->" in (out / "index.html").read_text()
    # the theme's other templates still make every page
    assert parse_page(out / "medicines/gabapentin/index.html").xpath("//h1")


def test_python_build_py_still_builds_the_site(tmp_path):
    out = tmp_path / "_site"
    proc = subprocess.run([sys.executable, "build.py", "--root", str(REPO), "build", "--quiet",
                           "--out", str(out)], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (out / "index.html").is_file()


def imported_packages(folder: Path) -> set[str]:
    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    local = {p.stem for p in folder.glob("*.py")} | {p.name for p in folder.iterdir()
                                                     if p.is_dir()}
    return {name for name in found
            if name not in sys.stdlib_module_names and name not in local | {"careleaf"}}


def declared(requirements: list[str]) -> set[str]:
    names = set()
    for requirement in requirements:
        name = requirement.split(";")[0]
        for stop in "<>=![ ":
            name = name.split(stop)[0]
        names.add(name.strip().lower().replace("_", "-"))
    return names


@pytest.mark.parametrize("folder, extras", [("careleaf", []), ("tests", ["test"])])
def test_every_imported_package_is_declared(folder, extras):
    project = PYPROJECT["project"]
    wanted = declared(project["dependencies"])
    for extra in extras:
        wanted |= declared(project["optional-dependencies"][extra])
    providers = metadata.packages_distributions()
    missing = {}
    for module in imported_packages(REPO / folder):
        dists = {d.lower().replace("_", "-") for d in providers.get(module, [])}
        if not dists & wanted:
            missing[module] = sorted(dists)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_every_dependency_has_an_upper_bound():
    project = PYPROJECT["project"]
    requirements = project["dependencies"] + [r for extra in
                                              project["optional-dependencies"].values()
                                              for r in extra]
    unbounded = [r for r in requirements if "<" not in r]
    assert not unbounded, f"no upper bound: {unbounded}"
    assert len(requirements) == len({r.split("[")[0].split(">")[0] for r in requirements})
    assert all("<" in r for r in PYPROJECT["build-system"]["requires"])


def test_the_lock_pins_every_dependency_within_its_bounds_with_hashes():
    """requirements-lock.txt, which CI installs from, satisfies pyproject.toml: every
    declared package is pinned to a version its bounds allow, and every pin has hashes."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    text = (REPO / "requirements-lock.txt").read_text()
    pins = {}
    for block in text.split("\n"):
        if block and not block.startswith((" ", "#")) and "==" in block:
            name, version = block.split(" ")[0].split("==")
            pins[canonicalize_name(name)] = version
    entries = [e for e in text.split("\n") if e and not e.startswith((" ", "#"))]
    assert all(e.rstrip().endswith("\\") for e in entries), "a pin without hashes"
    project = PYPROJECT["project"]
    for spec in project["dependencies"] + project["optional-dependencies"]["test"]:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements-lock.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), \
            f"{name}=={pins[name]} is outside {requirement.specifier}"
