import gettext
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"


CATALOGS = [
    LOCALE / "ru" / "LC_MESSAGES",
    LOCALE / "kk" / "LC_MESSAGES",
    # Django's own messages that Django does not ship in Kazakh
    Path(settings.BASE_DIR) / "storefront" / "django_locale" / "kk" / "LC_MESSAGES",
]


@pytest.mark.parametrize("folder", CATALOGS, ids=lambda p: str(p.parent.parent.parent.name))
def test_every_message_is_translated_and_compiled(folder):
    # given the catalog and its compiled form, as committed
    po = polib.pofile(str(folder / "django.po"))
    mo_path = folder / "django.mo"
    compiled = gettext.GNUTranslations(mo_path.open("rb"))
    # then nothing is left untranslated or fuzzy, and the .mo matches the .po
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    for entry in po.translated_entries():
        if entry.msgid_plural:
            assert (
                compiled.ngettext(entry.msgid, entry.msgid_plural, 5)
                == entry.msgstr_plural[compiled.plural(5)]
            )
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, entry.msgid


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_translations_keep_every_placeholder(language):
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]")
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    for entry in po.translated_entries():
        expected = sorted(placeholder.findall(entry.msgid_plural or entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            assert sorted(placeholder.findall(text)) == expected, (entry.msgid, text)
