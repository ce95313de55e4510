"""The message catalogues: the core's, and one per plugin that ships a `translations/` folder.

    .venv/bin/python scripts/catalogs.py extract [DIR ...]   # re-extract, update the .po
    .venv/bin/python scripts/catalogs.py compile [DIR ...]   # .po -> .mo (make translations)
    .venv/bin/python scripts/catalogs.py missing [DIR ...]   # untranslated strings; exit 1

DIR is the repository root (the core) or a plugin's folder; without one, every catalogue.
The core extracts with babel.cfg (app/ and templates/); a plugin with babel-plugin.cfg from
its own folder, so each catalogue holds only its own strings. After `extract`, translate the
new entries in <catalogue>/translations/en/LC_MESSAGES/messages.po (empty msgstr).
tests/test_i18n.py fails on any string without an English translation.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
LOCALES = ("en",)


def catalogue_dirs() -> list[Path]:
    """The core, then every plugin folder (shipped or example) with a translations/ folder."""
    plugins = sorted(p.parent for p in (ROOT / "plugins").glob("*/translations"))
    example = sorted(p.parent for p in (ROOT / "tests" / "example_plugin").glob("*/translations"))
    return [ROOT, *plugins, *example]


def mapping_for(folder: Path) -> Path:
    return ROOT / ("babel.cfg" if folder == ROOT else "babel-plugin.cfg")


def extract(folder: Path) -> Catalog:
    """Every translatable string of the catalogue's code, with where it appears."""
    with mapping_for(folder).open(encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj)
    catalog = Catalog(project="Kelurahan Pintar", version="1", charset="utf-8", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(folder), method_map, options_map, keywords=KEYWORDS
    ):
        if not message or (isinstance(message, tuple) and not message[0]):
            continue
        where = (Path(folder, filename).relative_to(ROOT).as_posix(), lineno)
        catalog.add(message, None, [where], auto_comments=comments, context=context)
    return catalog


def po_path(folder: Path, locale: str) -> Path:
    return folder / "translations" / locale / "LC_MESSAGES" / "messages.po"


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fileobj:
        return read_po(fileobj, locale=locale)


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fileobj:
        write_po(fileobj, catalog, width=100, sort_output=False)


def cmd_extract(folder: Path) -> None:
    template = extract(folder)
    _write(folder / "translations" / "messages.pot", template)
    for locale in LOCALES:
        path = po_path(folder, locale)
        catalog = (
            _read(path, locale)
            if path.exists()
            else Catalog(locale=locale, project="Kelurahan Pintar", version="1", fuzzy=False)
        )
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()  # strings gone from the code leave the catalogue
        _write(path, catalog)


def cmd_compile(folder: Path) -> None:
    for locale in LOCALES:
        path = po_path(folder, locale)
        if not path.exists():
            continue
        catalog = _read(path, locale)
        with path.with_suffix(".mo").open("wb") as fileobj:
            write_mo(fileobj, catalog, use_fuzzy=True)


def cmd_missing(folder: Path) -> list[str]:
    found = extract(folder)
    problems = []
    for locale in LOCALES:
        path = po_path(folder, locale)
        english = {m.id: m for m in _read(path, locale) if m.id} if path.exists() else {}
        for message in found:
            if not message.id:
                continue
            translated = english.get(message.id)
            strings = (translated.string if translated else None) or ""
            strings = strings if isinstance(strings, tuple) else (strings,)
            if translated is None or not all(s.strip() for s in strings):
                problems.append(f"{path.relative_to(ROOT)}: {message.id!r}")
    return problems


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"extract", "compile", "missing"}:
        print(__doc__)
        return 2
    folders = [Path(a).resolve() for a in argv[1:]] or catalogue_dirs()
    problems: list[str] = []
    for folder in folders:
        if argv[0] == "extract":
            cmd_extract(folder)
        elif argv[0] == "compile":
            cmd_compile(folder)
        else:
            problems += cmd_missing(folder)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
