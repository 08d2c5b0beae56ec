"""pyproject.toml and environment.yml must name the same dependencies."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def split(req):
    name, spec = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", req.strip()).groups()
    return name.lower(), spec.replace(" ", "")


def test_pyproject_and_environment_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(split(r) for r in project["dependencies"] + project["optional-dependencies"]["lab"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip += dep["pip"]
        else:
            name, spec = split(dep)
            conda[name] = spec
    assert "conda-forge" in env["channels"]
    assert conda.pop("python") == project["requires-python"]
    conda.pop("pip")
    assert "-e ." in pip                       # the environment installs srnlab itself
    # what conda-forge may not carry comes from PyPI, in the environment's pip list
    from_pypi = dict(split(r.split("#")[0].strip()) for r in pip if r != "-e .")
    assert not set(from_pypi) & set(conda)
    assert {**conda, **from_pypi} == wanted
