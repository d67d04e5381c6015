"""The store's delivery set-up: zones, methods, rates and pickup points from a data file.

The shipped file, ``data/kazakhstan.json``, holds a shop in Kazakhstan's set-up in tenge (its
``about`` says what is in it); a shop elsewhere writes its own file of the same shape.
``setup_store()`` only adds what is missing, so it is safe (and quick) to run on every start
and never overwrites what staff changed in the back office.
"""

import json
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from .models import DeliveryMethod, DeliveryRate, PickupPoint, Zone

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "kazakhstan.json"
_LINES = ("cities", "regions", "countries")
_PRICES = ("base_price", "price_per_kg", "free_from")


class SetupFileError(ValueError):
    """The set-up file cannot be read or has rows the models refuse."""


def load(path: Path | str = DEFAULT_FILE) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SetupFileError(f"Cannot read {path}: {exc}") from None
    if not isinstance(data, dict) or not all(
        isinstance(data.get(key, []), list) for key in ("zones", "methods", "rates")
    ):
        raise SetupFileError(f"{path} must hold lists of zones, methods and rates.")
    return data


def _zone(row: dict) -> Zone:
    return Zone(**{k: "\n".join(v) if k in _LINES else v for k, v in row.items()})


def _rate(row: dict, methods: dict, zones: dict) -> DeliveryRate:
    fields = {
        k: (None if v is None else Decimal(str(v))) if k in _PRICES else v for k, v in row.items()
    }
    fields["method"] = methods[row["method"]]
    fields["zone"] = zones.get(row["zone"]) if row["zone"] else None
    return DeliveryRate(**fields)


@transaction.atomic
def setup_store(path: Path | str = DEFAULT_FILE) -> dict[str, int]:
    """Create the zones, methods, rates and pickup points of the file that do not exist yet.

    Existing rows are left exactly as they are (staff may have changed prices). Returns how
    many rows of each kind were created."""
    data = load(path)
    created = {"zones": 0, "methods": 0, "rates": 0, "pickup_points": 0}
    try:
        zones = {z.code: z for z in Zone.objects.all()}
        new_zones = [_zone(row) for row in data.get("zones", []) if row["code"] not in zones]
        for zone in new_zones:
            zone.save()
            zones[zone.code] = zone
        created["zones"] = len(new_zones)

        methods = {m.code: m for m in DeliveryMethod.objects.all()}
        new_methods = [
            DeliveryMethod(**row) for row in data.get("methods", []) if row["code"] not in methods
        ]
        for method in new_methods:
            method.save()
            methods[method.code] = method
        created["methods"] = len(new_methods)

        # Rates and points are only added for the methods created now: a method staff already
        # had keeps exactly the rates and points they gave it.
        fresh = {m.code for m in new_methods}
        rates = [
            _rate(row, methods, zones)
            for row in data.get("rates", [])
            if row["method"] in fresh and (row["zone"] is None or row["zone"] in zones)
        ]
        DeliveryRate.objects.bulk_create(rates)
        created["rates"] = len(rates)

        pickup = next((m for m in new_methods if m.kind == DeliveryMethod.Kind.PICKUP), None)
        if pickup is not None:
            points = [PickupPoint(method=pickup, **row) for row in data.get("pickup_points", [])]
            PickupPoint.objects.bulk_create(points)
            created["pickup_points"] = len(points)
    except (KeyError, TypeError) as exc:
        raise SetupFileError(f"{path}: a row lacks or mistypes {exc}") from None
    return created
