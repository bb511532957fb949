"""The arithmetic of points, without the database: earning, reversing by returns, redeeming, expiring.

Every function takes plain values, so that the rules can be proven with hypothesis
(``kasse/loyalty/tests/test_points_math.py``) and are the same on the cloud and on a store node.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from kasse.core.money import ZERO, round_money

_MODES = {"down": ROUND_FLOOR, "half_up": ROUND_HALF_UP, "up": ROUND_CEILING}


def points_for(amount: Decimal, points_per_euro: Decimal, rounding: str) -> int:
    """Points earned on ``amount`` euros (never negative; nothing on nothing)."""
    if amount <= 0 or points_per_euro <= 0:
        return 0
    return int((amount * points_per_euro).quantize(Decimal(1), rounding=_MODES[rounding]))


def share_of(total: int, part: Decimal, whole: Decimal) -> int:
    """The whole points of ``total`` that ``part`` of ``whole`` carries, rounded towards zero: the share of
    points a return takes back. All of it when the whole comes back, so shares never add up to more."""
    if whole <= 0 or part <= 0:
        return 0
    if part >= whole:
        return total
    return int((Decimal(total) * part / whole).to_integral_value(rounding=ROUND_FLOOR))


def reversal(total: int, returned_before: Decimal, returned_now: Decimal, whole: Decimal) -> int:
    """How many of ``total`` points (earned or redeemed on a sale) a return of ``returned_now`` gives back,
    when returns of ``returned_before`` came before it: the share of all that came back minus the share
    already given back. The sum over any sequence of returns is at most ``total`` and exactly ``total``
    once everything came back."""
    return share_of(total, returned_before + returned_now, whole) - share_of(total, returned_before, whole)


def redemption_value(points: int, point_value: Decimal) -> Decimal:
    """What ``points`` take off a price, to the cent (down, so points are never worth more than said)."""
    return (Decimal(points) * point_value).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)


def most_points_for(amount: Decimal, point_value: Decimal) -> int:
    """The most whole points whose value fits into ``amount`` (a sale is never paid below zero)."""
    if amount <= 0:
        return 0
    return int((amount / point_value).to_integral_value(rounding=ROUND_FLOOR))


def expiring(earned_due: int, spent: int, expired_before: int) -> int:
    """Points that expire now: earned points whose time is up (``earned_due``) count as used first by what
    was spent (redeemed, taken back, adjusted down: ``spent`` ≥ 0, oldest points first), minus what
    expired already. Never negative."""
    return max(0, earned_due - spent - expired_before)


def tier_for(earned_in_year: int, tiers: Iterable[tuple[int, Decimal]]) -> Decimal | None:
    """The earn rate of the highest tier whose threshold ``earned_in_year`` reaches (``None``: no tier)."""
    rate = None
    for threshold, per_euro in sorted(tiers):
        if earned_in_year >= threshold:
            rate = per_euro
    return rate


def stamps_for(quantity: Decimal) -> int:
    """A stamp per whole piece sold (weights earn none)."""
    if quantity <= 0 or quantity != quantity.to_integral_value():
        return 0
    return int(quantity)


__all__ = [
    "ZERO",
    "expiring",
    "most_points_for",
    "points_for",
    "redemption_value",
    "reversal",
    "round_money",
    "share_of",
    "stamps_for",
    "tier_for",
]
