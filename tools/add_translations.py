"""Add French entries to the catalogue from a JSON file {msgid: msgstr}.

Usage: .venv/bin/python tools/add_translations.py NEW.json
Entries already translated are kept as they are. Holds a lock so that several
people (or helpers) adding entries at once do not overwrite each other.
"""

from __future__ import annotations

import fcntl
import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOGUE = Path(__file__).resolve().parent.parent / "src/fluide/locale/fr/LC_MESSAGES/fluide.po"


def main(new: Path) -> None:
    entries: dict[str, str] = json.loads(new.read_text(encoding="utf-8"))
    with Path(str(CATALOGUE) + ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with CATALOGUE.open("rb") as f:
            catalog = read_po(f, locale="fr", domain="fluide")
        added = 0
        for msgid, msgstr in entries.items():
            if msgid in catalog and catalog[msgid].string:
                continue
            catalog.add(msgid, msgstr, flags=["python-format"] if "%(" in msgid else [])
            added += 1
        with CATALOGUE.open("wb") as f:
            write_po(f, catalog, width=0, no_location=True)
    print(f"{added} entries added, {len(entries) - added} already there")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
