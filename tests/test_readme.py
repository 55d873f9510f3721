"""The README documents what the code reads: every setting of create_app and every TOOLKIT_*
variable read anywhere, so that an operator finds each one in the configuration table."""

from __future__ import annotations

import re
from pathlib import Path

from service import DEFAULTS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCUMENTED = set(re.findall(r"`TOOLKIT_([A-Z_]+)`", README))


def test_every_app_setting_is_in_the_readme():
    assert sorted(set(DEFAULTS) - DOCUMENTED) == []


def test_every_environment_variable_read_is_in_the_readme():
    read = set()
    for folder in ("index", "service"):
        for path in (ROOT / folder).rglob("*.py"):
            read |= set(re.findall(r"[\"']TOOLKIT_([A-Z_]+)[\"']", path.read_text("utf-8")))
    read |= set(re.findall(r"[\"']TOOLKIT_([A-Z_]+)[\"']", (ROOT / "gunicorn.conf.py").read_text()))
    assert read, "the scan found no variables: the pattern is wrong"
    assert sorted(read - DOCUMENTED) == []
