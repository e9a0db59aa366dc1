"""The French, Dutch and German catalogues are complete, current and compiled.

The catalogues are regenerated from the source in a scratch copy of the tree, so a string marked for translation
but never added to the catalogues fails here just like an empty or fuzzy entry does.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["fr", "nl", "de"]
SOURCES = [
    "manage.py",
    "network",
    "members",
    "meetings",
    "knowledge",
    "logistics",
    "decisions",
    "alerts",
    "questionnaires",
    "outbox",
    "portal",
    "templates",
    "locale",
]


def _untranslated(po: polib.POFile) -> list[str]:
    return [e.msgid for e in po if not e.obsolete and not e.translated()]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is missing: install Debian's 'gettext' package")
    tree = tmp_path_factory.mktemp("tree")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy(source, tree / name)
    command = [sys.executable, "manage.py", "makemessages", "--no-obsolete", "--no-location"]
    command += [f"--locale={language}" for language in LANGUAGES]
    subprocess.run(command, cwd=tree, check=True, capture_output=True)
    return tree


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_no_empty_or_fuzzy_entry(language):
    po = polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))
    assert not po.metadata_is_fuzzy
    assert po.fuzzy_entries() == []
    assert _untranslated(po) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_covers_every_string_marked_in_the_source(regenerated, language):
    po = polib.pofile(str(regenerated / "locale" / language / "LC_MESSAGES" / "django.po"))
    assert len(po) > 100
    assert _untranslated(po) == []
    assert po.fuzzy_entries() == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_translations(language):
    directory = ROOT / "locale" / language / "LC_MESSAGES"
    po = polib.pofile(str(directory / "django.po"))
    mo = polib.mofile(str(directory / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    expected = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in po if not e.obsolete and e.msgid}
    assert {key: compiled.get(key) for key in expected} == expected
