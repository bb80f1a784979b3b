"""Writes for the courses plugin."""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from courses.models import Comuna, Province, Region

TERRITORY_COLUMNS = {
    "region_code",
    "region_name",
    "region_roman",
    "province_code",
    "province_name",
    "comuna_code",
    "comuna_name",
}


@dataclass(frozen=True)
class TerritoryCounts:
    regions: int
    provinces: int
    comunas: int


class TerritoryFileError(ValueError):
    pass


def territory_rows_from_csv(*, path: Path) -> list[dict[str, str]]:
    """Read the SUBDERE CUT file; codes stay zero-padded text. Raises TerritoryFileError on a malformed file."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = TERRITORY_COLUMNS - set(reader.fieldnames or [])
        if missing:
            raise TerritoryFileError(f"Missing columns in {path.name}: {', '.join(sorted(missing))}")
        rows = [{key: (value or "").strip() for key, value in row.items()} for row in reader]
    for number, row in enumerate(rows, start=2):
        region, province, comuna = row["region_code"], row["province_code"], row["comuna_code"]
        if not (len(region) == 2 and len(province) == 3 and len(comuna) == 5 and comuna.isdigit()):
            raise TerritoryFileError(f"Line {number}: codes must be zero-padded text (got {comuna!r}).")
        if comuna[:3] != province or province[:2] != region:
            raise TerritoryFileError(f"Line {number}: comuna {comuna} does not nest in {province}/{region}.")
    return rows


@transaction.atomic
def territory_import(*, rows: Iterable[dict[str, str]]) -> TerritoryCounts:
    """Create or update regions, provinces and comunas keyed by CUT code. Running it twice changes nothing."""
    rows = list(rows)
    regions = {row["region_code"]: (row["region_name"], row["region_roman"]) for row in rows}
    provinces = {row["province_code"]: (row["province_name"], row["region_code"]) for row in rows}
    for code, (name, roman) in regions.items():
        Region.objects.update_or_create(code=code, defaults={"name": name, "roman_numeral": roman})
    for code, (name, region_code) in provinces.items():
        Province.objects.update_or_create(code=code, defaults={"name": name, "region_id": region_code})
    existing = {comuna.code: comuna for comuna in Comuna.objects.all()}
    to_create, to_update = [], []
    for row in rows:
        values = {"name": row["comuna_name"], "province_id": row["province_code"], "region_id": row["region_code"]}
        comuna = existing.get(row["comuna_code"])
        if comuna is None:
            to_create.append(Comuna(code=row["comuna_code"], **values))
        elif any(getattr(comuna, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(comuna, key, value)
            to_update.append(comuna)
    Comuna.objects.bulk_create(to_create)
    Comuna.objects.bulk_update(to_update, ["name", "province_id", "region_id"])
    return TerritoryCounts(regions=len(regions), provinces=len(provinces), comunas=len(rows))
