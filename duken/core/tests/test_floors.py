"""The floors hold also where no import statement shows it: no app looks up another app's
model by name (``apps.get_model("orders", "Order")``), which the import contract
(``lint-imports``, run by ``make lint``) cannot see."""

import re
from pathlib import Path

import duken

# Django's own apps are below every floor; anything else must be imported, not named.
ALLOWED = {"auth", "contenttypes", "sessions", "admin"}
LOOKUP = re.compile(r"get_model\(\s*[\"'](\w+)[\"']")


def test_no_app_names_another_apps_model_by_string():
    root = Path(duken.__file__).parent
    found = []
    for path in root.rglob("*.py"):
        if "migrations" in path.parts or "tests" in path.parts:
            continue
        for app in LOOKUP.findall(path.read_text(encoding="utf-8")):
            if app not in ALLOWED and app != path.relative_to(root).parts[0]:
                found.append(f"{path.relative_to(root)}: {app}")
    assert found == []
