"""The city agencies (OPD) a report may be forwarded to: the city admin's list, one
"Nama OPD <email>" per line (a city-scope setting, since the server e-mails them)."""

from __future__ import annotations

import re
from typing import NamedTuple

from flask_babel import gettext as _

from app.kit import SettingError, city_settings

MAX_NAME = 200
# Deliberately plain: one address, no display-name tricks, no header injection.
_LINE = re.compile(r"^(?P<name>[^<>]+?)\s*<(?P<email>[^<>\s@]+@[^<>\s@]+\.[^<>\s@]+)>$")


class Agency(NamedTuple):
    name: str
    email: str


def parse_agencies(text: str) -> list[Agency]:
    """The agencies of the setting's text; raises SettingError naming the first bad line."""
    agencies, seen = [], set()
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _LINE.match(line)
        if match is None:
            raise SettingError(
                _(
                    "Baris %(n)s tidak dapat dibaca. Tulis nama OPD lalu e-mailnya dalam kurung "
                    "sudut, misalnya: Dinas Pekerjaan Umum <dpu@pekalongankota.go.id>",
                    n=number,
                )
            )
        name = match["name"].strip()
        if len(name) > MAX_NAME:
            raise SettingError(_("Baris %(n)s: nama OPD paling banyak 200 karakter.", n=number))
        if name.casefold() in seen:
            raise SettingError(_("Baris %(n)s: nama OPD ini sudah ada.", n=number))
        seen.add(name.casefold())
        agencies.append(Agency(name, match["email"]))
    return agencies


def check_agencies(value: str) -> None:
    """`Setting.check` of reports.agencies."""
    parse_agencies(value)


def city_agencies() -> list[Agency]:
    """The agencies configured now (an unreadable stored value gives none)."""
    try:
        return parse_agencies(city_settings("reports").get("agencies") or "")
    except SettingError:
        return []
