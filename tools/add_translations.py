"""Add French entries to the catalogue from a JSON file {msgid: msgstr}.

Usage: .venv/bin/python tools/add_translations.py NEW.json
Entries already translated are kept as they are.
"""

import json
import sys

from babel.messages.pofile import read_po, write_po

path = "src/fluide/locale/fr/LC_MESSAGES/fluide.po"
entries = json.load(open(sys.argv[1]))
with open(path, "rb") as f:
    cat = read_po(f, locale="fr", domain="fluide")
for msgid, msgstr in entries.items():
    if msgid in cat and cat[msgid].string:
        continue
    flags = ["python-format"] if "%(" in msgid else []
    cat.add(msgid, msgstr, flags=flags)
with open(path, "wb") as f:
    write_po(f, cat, width=0, sort_output=False, omit_header=False, no_location=True)
print(len(entries), "entries checked")
