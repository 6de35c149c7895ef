"""Metering rule: guest 1 page (device and IP), free 5 a month, paid unlimited, repeats free, operator switch."""

from __future__ import annotations

import datetime as dt

import pytest

from medcode.accounts import metering
from medcode.accounts.models import DEFAULT_LOCKED_SECTIONS, MeterCounter, MeterView, Plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("metering_on")]
NOV = dt.date(2026, 11, 15)
CODES = ["E11.42", "E11.9", "I10", "J45.909", "S72.001A", "Z00.00", "R51.9"]


def view(
    plan: Plan,
    code: str,
    *,
    user_id: int | None = None,
    device: str | None = None,
    ip: str | None = None,
    today: dt.date = NOV,
) -> metering.PageAccess:
    return metering.page_view_record(
        plan=plan, user_id=user_id, device=device, ip=ip, system="icd10cm", code=code, today=today
    )


def test_a_guest_opens_one_code_page_then_sees_locked_sections() -> None:
    guest = Plan.objects.get(slug="guest")
    first = view(guest, "E11.42", device="d1", ip="192.0.2.1")
    assert first.allowed and first.reason == "counted" and (first.used, first.limit) == (1, 1)
    again = view(guest, "E11.42", device="d1", ip="192.0.2.1")
    assert again.allowed and again.reason == "repeat"
    second = view(guest, "I10", device="d1", ip="192.0.2.1")
    assert not second.allowed and second.guest and second.locked == frozenset(DEFAULT_LOCKED_SECTIONS)
    assert second.is_locked("notes") and not second.is_locked("history")


def test_clearing_cookies_does_not_help_a_guest_the_ip_is_counted_too() -> None:
    guest = Plan.objects.get(slug="guest")
    assert view(guest, "E11.42", device="d1", ip="192.0.2.1").allowed
    fresh_cookie = view(guest, "I10", device="d2", ip="192.0.2.1")
    assert not fresh_cookie.allowed
    repeat = view(guest, "E11.42", device="d2", ip="192.0.2.1")  # the page the IP already opened
    assert repeat.reason == "repeat" and (repeat.used, repeat.remaining) == (1, 0)  # not "0 of 1" for a new cookie
    other_network_same_device = view(guest, "I10", device="d1", ip="198.51.100.9")
    assert not other_network_same_device.allowed
    assert view(guest, "I10", device="d3", ip="198.51.100.9").allowed


def test_a_free_account_opens_five_distinct_pages_a_month() -> None:
    free = Plan.objects.get(slug="free")
    results = [view(free, code, user_id=7) for code in CODES]
    assert [r.allowed for r in results] == [True] * 5 + [False] * 2
    assert results[4].used == 5 and results[4].remaining == 0
    assert view(free, "E11.42", user_id=7).reason == "repeat"
    assert MeterCounter.objects.get(subject="account:7").count == 5
    december = view(free, "I10", user_id=7, today=dt.date(2026, 12, 1))
    assert december.allowed and december.used == 1


def test_a_paid_plan_is_unlimited_and_stores_nothing() -> None:
    pro = Plan.objects.get(slug="pro")
    assert all(view(pro, code, user_id=8).reason == "unlimited" for code in CODES)
    assert not MeterCounter.objects.exists()


def test_the_operator_can_turn_metering_off(settings: pytest.FixtureRequest) -> None:
    settings.MEDCODE_METERING = False  # type: ignore[attr-defined]
    guest = Plan.objects.get(slug="guest")
    assert all(view(guest, code, device="d", ip="192.0.2.1").reason == "off" for code in CODES)
    assert not MeterView.objects.exists()


def test_the_operator_chooses_the_locked_sections_and_the_limits_per_plan() -> None:
    plan = Plan.objects.create(slug="school", name="School", page_limit=0, locked_sections=["seventh", "bogus"])
    access = view(plan, "S72.001A", user_id=9)
    assert not access.allowed and access.locked == frozenset({"seventh"})
    guest = Plan.objects.get(slug="guest")
    guest.page_limit, guest.ip_page_limit = 3, 10
    guest.save()
    assert [view(guest, c, device="d", ip="192.0.2.1").allowed for c in CODES[:4]] == [True, True, True, False]
    assert view(guest, "R51.9", device="other", ip="192.0.2.1").allowed
