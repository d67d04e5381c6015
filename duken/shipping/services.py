"""Delivery: which methods reach a destination and what they cost."""

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from duken.core.money import quantize

from .models import DeliveryMethod, DeliveryRate, PickupPoint
from .zones import Destination, match_zone, place_in_zone

__all__ = [
    "DeliveryOption",
    "DeliveryUnavailable",
    "Destination",
    "delivery_options",
    "quote",
    "rate_cost",
]


class DeliveryUnavailable(Exception):
    """The method does not deliver this cart to this destination."""


@dataclass
class DeliveryOption:
    method: DeliveryMethod
    code: str
    name: str
    cost: Decimal
    days_min: int
    days_max: int
    pickup_points: list = field(default_factory=list)
    needs_address: bool = True
    description: str = ""


def rate_cost(rate: DeliveryRate, *, weight_grams: int, subtotal) -> Decimal:
    """Flat ``base_price``, plus ``price_per_kg`` for every started kilogram; nothing from
    the ``free_from`` order total on."""
    subtotal = quantize(subtotal or 0)
    if rate.free_from is not None and subtotal >= rate.free_from:
        return quantize(0)
    started_kg = math.ceil(max(int(weight_grams or 0), 0) / 1000)
    return quantize(rate.base_price + rate.price_per_kg * started_kg)


def _rate_fits(rate: DeliveryRate, weight_grams: int) -> bool:
    if rate.max_weight_grams is not None and weight_grams > rate.max_weight_grams:
        return False
    if rate.min_weight_grams is not None and weight_grams < rate.min_weight_grams:
        return False
    return True


def _candidate_rates(zone):
    """Per method: the zone's own rate, else the method's everywhere-rate."""
    where = Q(zone__isnull=True) if zone is None else Q(zone__isnull=True) | Q(zone=zone)
    rates = DeliveryRate.objects.filter(where, method__is_active=True)
    chosen: dict[int, DeliveryRate] = {}
    for rate in rates.select_related("method"):
        current = chosen.get(rate.method_id)
        if current is None or (current.zone_id is None and rate.zone_id is not None):
            chosen[rate.method_id] = rate
    return sorted(chosen.values(), key=lambda r: (r.method.position, r.method.name))


def delivery_options(
    *,
    destination: Destination,
    weight_grams: int,
    subtotal,
    has_physical: bool = True,
    has_digital: bool = False,
) -> list[DeliveryOption]:
    """The methods that deliver this cart to ``destination``, cheapest terms applied.

    A cart of digital products only is delivered electronically and nothing else; a cart with
    physical goods gets the physical methods (its digital products arrive as download links
    after payment anyway)."""
    digital_only = has_digital and not has_physical
    weight_grams = max(int(weight_grams or 0), 0)
    zone = None if digital_only else match_zone(destination or Destination())
    options = []
    pickup_methods = []
    for rate in _candidate_rates(zone):
        method = rate.method
        is_electronic = method.kind == DeliveryMethod.Kind.ELECTRONIC
        if is_electronic != digital_only:
            continue
        if not is_electronic and not _rate_fits(rate, weight_grams):
            continue
        option = DeliveryOption(
            method=method,
            code=method.code,
            name=method.display_name,
            cost=rate_cost(rate, weight_grams=weight_grams, subtotal=subtotal),
            days_min=rate.days_min,
            days_max=rate.days_max,
            needs_address=method.needs_address,
            description=method.display_description,
        )
        if method.kind == DeliveryMethod.Kind.PICKUP:
            pickup_methods.append(option)
        options.append(option)
    if pickup_methods:
        points = PickupPoint.objects.filter(
            is_active=True, method__in=[o.method for o in pickup_methods]
        )
        for option in pickup_methods:
            # In a zone of named cities, the points in those cities; in a zone that covers a
            # whole country (or none), every point, so the buyer picks the city.
            by_city = zone is not None and bool(zone.cities.strip())
            option.pickup_points = [
                p
                for p in points
                if p.method_id == option.method.pk and (not by_city or place_in_zone(p.city, zone))
            ]
            if not option.pickup_points:
                options.remove(option)  # a pickup method with nowhere to pick up is no option
    return options


def quote(
    method_code: str,
    *,
    destination: Destination,
    weight_grams: int,
    subtotal,
    has_physical: bool = True,
    has_digital: bool = False,
) -> DeliveryOption:
    """The option for one method, recomputed on the server (never trust a posted cost)."""
    for option in delivery_options(
        destination=destination,
        weight_grams=weight_grams,
        subtotal=subtotal,
        has_physical=has_physical,
        has_digital=has_digital,
    ):
        if option.code == method_code:
            return option
    raise DeliveryUnavailable(_("This delivery method is not available for your order."))
