"""Shifts at the register over HTTP: open with a counted float, cash in/out, X report, close, Z reports."""

from __future__ import annotations

import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.models import AuditEntry
from kasse.sales.models import CashMovement, RegisterCounter, Shift
from kasse.sales.services.shifts import close_shift, open_shift
from kasse.tenancy.models import Employee
from kasse.testing.factories import RegisterFactory
from kasse.testing.plugin import soup_of
from kasse.testing.register_login import approval, unlock_data

pytestmark = pytest.mark.django_db
D = Decimal
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
DE = {"HTTP_ACCEPT_LANGUAGE": "de"}


def _text(page, testid):
    return " ".join(page.select_one(f"[data-testid={testid}]").get_text(" ").split())


def _rows(page, testid):
    """The rows of a report table as lists of cell texts."""
    return [
        [" ".join(cell.get_text(" ").split()) for cell in row.select("td, th")]
        for row in page.select(f"[data-testid={testid}] tr")
    ]


def _shifts():
    with scopes_disabled():
        return list(Shift.objects.order_by("opened_at").values_list("status", "opening_float", "closing_number"))


def _movements():
    with scopes_disabled():
        return list(CashMovement.objects.values_list("kind", "amount", "reason", "employee__display_name"))


def _employee(name):
    with scopes_disabled():
        return Employee.objects.get(display_name=name)


def _unlock(device, pin="1111"):
    assert device.post("/register/unlock/", unlock_data(_employee("Clara"), pin)).status_code == 302
    return device


def _sell(till, code, method="cash", amount="10.00"):
    till.post("/register/cart/scan/", {"code": code})
    response = till.post("/register/cart/pay/", {"payments": json.dumps([{"method": method, "amount": amount}])})
    assert response.status_code == 200, response.content


def _cash(till, kind, amount, reason, pin="", **headers):
    # Clara's own PIN (1111) or Max's (2222; 9999 is a wrong guess at it), each picked as the approver
    approver = approval(_employee("Clara" if pin == "1111" else "Max"), pin) if pin else {}
    return till.post("/register/shift/cash/", {"kind": kind, "amount": amount, "reason": reason, **approver}, **headers)


# --- opening ----------------------------------------------------------------------


def test_without_an_open_shift_the_register_asks_to_count_the_float(device, cashier):
    # Given Clara switches in on a register that has no open shift
    _unlock(device)
    # When the register opens
    page = soup_of(device.get("/register/", **EN))
    # Then she sees the open-shift screen with a row per note and coin, not the selling screen
    assert page.select_one("[data-testid=open-shift] h1").text == "Open a shift"
    assert page.select_one("[data-testid=cashier]").text == "Clara"
    assert page.select_one("[data-testid=cart]") is None
    assert [row["data-value"] for row in page.select(".count-row")] == [
        "500",
        "200",
        "100",
        "50",
        "20",
        "10",
        "5",
        "2",
        "1",
        "0.50",
        "0.20",
        "0.10",
        "0.05",
        "0.02",
        "0.01",
    ]
    assert [label.text for label in page.select(".count-row label")][-3:] == ["0.05 €", "0.02 €", "0.01 €"]


def test_opening_with_a_counted_float_leads_to_the_selling_screen(device, cashier):
    _unlock(device)
    response = device.post("/register/shift/open/", {"d-20": "5", "d-0.50": "10", "d-1": "", "d-2": "0"})
    assert response.status_code == 302
    assert response["Location"] == "/register/"
    with scopes_disabled():
        shift = Shift.objects.get()
        assert (shift.status, shift.opening_float, shift.opening_count) == ("open", D("105.00"), {"20": 5, "0.50": 10})
        assert shift.opened_by.display_name == "Clara"
    page = soup_of(device.get("/register/", **DE))
    assert page.select_one("[data-testid=cart-empty]") is not None
    assert page.select_one("[data-testid=shift-button]").text == "Schicht"
    assert device.get("/register/shift/open/")["Location"] == "/register/"


@pytest.mark.parametrize(
    ("count", "message"),
    [
        ({"d-20": "-1"}, "The number of pieces must be a whole number from 0 to 99999."),
        ({"d-20": "1,5"}, "The number of pieces must be a whole number from 0 to 99999."),
        ({"d-20": "drei"}, "The number of pieces must be a whole number from 0 to 99999."),
        ({"d-20": "100000"}, "The number of pieces must be a whole number from 0 to 99999."),
        ({"d-3": "1"}, "Unknown denomination “3”."),
        ({"d-abc": "0"}, "Unknown denomination “abc”."),
    ],
)
def test_bad_opening_counts_are_refused_and_open_nothing(device, cashier, count, message):
    _unlock(device)
    response = device.post("/register/shift/open/", count, **EN)
    assert response.status_code == 422
    page = soup_of(response)
    assert _text(page, "shift-error") == message
    assert _shifts() == []
    key, value = next(iter(count.items()))
    field = page.select_one(f"input[name='{key}']")
    assert field is None or field["value"] == value  # what was typed stays in the form


def test_bad_count_message_is_german_for_a_german_register(device, cashier):
    _unlock(device)
    page = soup_of(device.post("/register/shift/open/", {"d-3": "1"}, **DE))
    assert _text(page, "shift-error") == "Unbekannte Stückelung „3“."
    assert page.select_one("[data-testid=open-shift] h1").text == "Schicht öffnen"


def test_a_second_shift_cannot_be_opened(till):
    response = till.post("/register/shift/open/", {"d-10": "1"}, **EN)
    assert response.status_code == 422
    assert _text(soup_of(response), "shift-error") == "A shift is already open on this register."
    assert _shifts() == [("open", D("100.00"), None)]


# --- cash in and out --------------------------------------------------------------------


def test_shift_menu_offers_cash_reports_and_closing(till):
    page = soup_of(till.get("/register/shift/menu/", **DE))
    assert [el.get_text(strip=True) for el in page.select(".menu-grid > *")] == [
        "Einzahlung",
        "Auszahlung",
        "X-Bericht",
        "Schicht abschließen",
        "Frühere Z-Bons",
        "Trainingsmodus",
    ]
    assert page.select_one("[data-testid=x-report]")["href"] == "/register/shift/x/"


def test_cash_in_and_out_with_a_manager_pin(till, manager):
    form = soup_of(till.get("/register/shift/cash/?kind=pay_out", **DE))
    assert form.select_one("h2").text == "Auszahlung"
    response = _cash(till, "pay_in", "20,00", "Wechselgeld von der Bank", pin="2222", **DE)
    assert response.status_code == 200
    assert _text(soup_of(response), "cash-done-amount") == "20,00 €"
    assert json.loads(response["HX-Trigger"])["kasse:cash-moved"]
    response = _cash(till, "pay_out", "12,5", "Briefmarken", pin="2222")
    assert response.status_code == 200
    # Clara handed the cash over; Max's rights counted, and the audit log says so
    assert _movements() == [
        ("pay_in", D("20.00"), "Wechselgeld von der Bank", "Clara"),
        ("pay_out", D("-12.50"), "Briefmarken", "Clara"),
    ]
    with scopes_disabled():
        entry = AuditEntry.objects.filter(action="sales.cash.pay_out").get()
        assert entry.data["approver"] == str(manager.pk)


@pytest.mark.parametrize(
    ("amount", "reason", "pin", "message"),
    [
        ("5", "Porto", "", "Clara may not move cash; a manager PIN is needed."),
        ("5", "Porto", "1111", "Clara may not move cash."),
        ("5", "Porto", "9999", "Wrong PIN for Max."),
        ("100,01", "Bank", "2222", "There is not that much cash in the drawer."),
        ("-5", "Porto", "2222", "The amount must be greater than zero."),
        ("0", "Porto", "2222", "The amount must be greater than zero."),
        ("fünf", "Porto", "2222", "Please enter an amount in euros, e.g. 20,00."),
        ("1,234", "Porto", "2222", "Please enter an amount in euros, e.g. 20,00."),
        ("", "Porto", "2222", "Please enter an amount in euros, e.g. 20,00."),
        ("5", "  ", "2222", "Please give a reason."),
    ],
)
def test_refused_cash_out_says_why_and_moves_nothing(till, manager, amount, reason, pin, message):
    # The drawer holds the 100 € float
    response = _cash(till, "pay_out", amount, reason, pin=pin, **EN)
    assert response.status_code == 422
    page = soup_of(response)
    assert _text(page, "cash-error") == message
    assert "HX-Trigger" not in response  # the form says it; no toast on top
    assert page.select_one("[data-testid=cash-amount]")["value"] == amount  # the form keeps what was typed
    assert _movements() == []


def test_the_whole_drawer_can_be_paid_out_but_not_a_cent_more(till, manager):
    assert _cash(till, "pay_out", "100,00", "Bank", pin="2222").status_code == 200
    assert _cash(till, "pay_out", "0,01", "Bank", pin="2222").status_code == 422
    assert [m[1] for m in _movements()] == [D("-100.00")]


def test_unknown_cash_movement_kind_is_404(till, manager):
    assert _cash(till, "gift", "5", "x", pin="2222").status_code == 404
    assert till.get("/register/shift/cash/?kind=").status_code == 404


# --- X report -----------------------------------------------------------------------


def test_x_report_shows_the_open_shift_and_closes_nothing(till, bakery, manager):
    # Given rolls and coffee paid cash, a coffee paid by card, and 12,50 € taken out
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    _sell(till, "4000000000024", "cash", "10.00")  # 0,45 + 2,80 = 3,25 cash
    _sell(till, "4000000000024", "card", "2.80")
    _cash(till, "pay_out", "12,50", "Briefmarken", pin="2222")
    # When Clara prints an X report
    page = soup_of(till.get("/register/shift/x/", **DE))
    # Then it has no number and shows the figures so far
    assert page.select_one("[data-testid=shift-report]")["data-kind"] == "x"
    assert _text(page, "report-title") == "X-Bericht (Zwischenstand, kein Abschluss)"
    assert _rows(page, "report-sales") == [["Verkäufe (2)", "6,05"], ["Rückgaben (0)", "0,00"], ["Summe", "6,05"]]
    assert _rows(page, "by-payment") == [["Karte", "2,80"], ["Bar", "3,25"]]
    assert _rows(page, "by-vat") == [
        ["MwSt.", "Netto", "MwSt.", "Brutto"],
        ["19 %", "4,70", "0,90", "5,60"],
        ["7 %", "0,42", "0,03", "0,45"],
    ]
    assert _rows(page, "by-employee") == [["Clara", "6,05"]]
    assert _rows(page, "report-cash") == [
        ["Anfangsbestand", "100,00"],
        ["Barzahlungen", "3,25"],
        ["Einzahlungen", "0,00"],
        ["Auszahlungen", "-12,50"],
        ["Soll-Bestand", "90,75"],
    ]
    assert page.select_one("[data-testid=row-counted]") is None
    assert _shifts() == [("open", D("100.00"), None)]


# --- closing ----------------------------------------------------------------------


def _close(till, count, **headers):
    review = till.post("/register/shift/close/", {"step": "review", **count}, **headers)
    assert review.status_code == 200, review.content
    form = soup_of(review).select_one("[data-testid=close-review-panel] form")
    data = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
    return till.post("/register/shift/close/", {**data, "step": "confirm"}, **headers)


def test_close_shows_expected_against_counted_then_gives_the_z_report(till, bakery, manager, register):
    _sell(till, "4000000000024", "cash", "5.00")  # 2,80 cash
    _cash(till, "pay_in", "20", "Wechselgeld", pin="2222")
    # The count screen does not tell the expected amount before counting
    count_page = soup_of(till.get("/register/shift/close/", **DE))
    assert count_page.select_one("[data-testid=close-figures]") is None
    assert len(count_page.select(".count-row")) == 15
    # When Clara counts 6 × 20 € and 1 × 2 € (122,00 €; 122,80 € expected)
    review = till.post("/register/shift/close/", {"step": "review", "d-20": "6", "d-2": "1"}, **DE)
    page = soup_of(review)
    assert _rows(page, "close-figures") == [
        ["Soll-Bestand", "122,80 €"],
        ["Gezählter Bestand", "122,00 €"],
        ["Differenz", "-0,80 €"],
    ]
    assert _text(page, "difference-note") == "In der Kasse ist weniger Bargeld als erwartet."
    assert _shifts() == [("open", D("100.00"), None)]  # nothing closed yet
    # And confirms
    response = _close(till, {"d-20": "6", "d-2": "1"})
    with scopes_disabled():
        shift = Shift.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/register/shift/{shift.pk}/z/"
    assert (
        shift.status,
        shift.closing_number,
        shift.counted_cash,
        shift.expected_cash,
        shift.difference,
        shift.closing_count,
    ) == ("closed", 1, D("122.00"), D("122.80"), D("-0.80"), {"20": 6, "2": 1})
    # Then the Z report has the number and everything the closing needs
    z = soup_of(till.get(response["Location"], **DE))
    assert _text(z, "report-title") == "Z-Bon 1"
    assert _rows(z, "report-head")[0] == ["Kasse", f"{register.name} ({register.serial_number})"]
    assert _rows(z, "report-sales") == [["Verkäufe (1)", "2,80"], ["Rückgaben (0)", "0,00"], ["Summe", "2,80"]]
    assert _rows(z, "by-payment") == [["Bar", "2,80"]]
    assert _rows(z, "by-vat")[1:] == [["19 %", "2,35", "0,45", "2,80"]]
    assert _rows(z, "by-employee") == [["Clara", "2,80"]]
    assert _rows(z, "report-cash") == [
        ["Anfangsbestand", "100,00"],
        ["Barzahlungen", "2,80"],
        ["Einzahlungen", "20,00"],
        ["Auszahlungen", "0,00"],
        ["Soll-Bestand", "122,80"],
        ["Gezählter Bestand", "122,00"],
        ["Differenz", "-0,80"],
    ]
    assert _rows(z, "closing-count") == [["6 × 20", "120,00"], ["1 × 2", "2,00"]]
    assert _rows(z, "opening-count") == [["5 × 20", "100,00"]]
    # And the register is back at the open-shift screen
    assert soup_of(till.get("/register/")).select_one("[data-testid=open-shift]") is not None


def test_report_times_are_in_the_stores_time_zone(till, store):
    with scopes_disabled():
        store.time_zone = "America/New_York"
        store.save()
        shift = Shift.objects.get()
    response = _close(till, {"d-20": "5"})
    z = soup_of(till.get(response["Location"]))
    shift.refresh_from_db()
    local = timezone.localtime(shift.closed_at, ZoneInfo("America/New_York")).strftime("%d.%m.%Y %H:%M")
    assert _rows(z, "report-head")[2] == ["Abgeschlossen", f"{local} Clara"]


def test_a_second_tap_on_close_changes_nothing(till, register):
    first = _close(till, {"d-20": "5"})
    assert first.status_code == 302
    # The same confirm sent again (a double tap that got through)
    with scopes_disabled():
        shift = Shift.objects.get()
    again = till.post("/register/shift/close/", {"step": "confirm", "shift": str(shift.pk), "d-20": "4"}, **EN)
    assert again.status_code == 409
    page = soup_of(again)
    assert _text(page, "shift-error") == "This shift is already closed."
    assert page.select_one("[data-testid=z-link]")["href"] == f"/register/shift/{shift.pk}/z/"
    shift.refresh_from_db()
    assert (shift.closing_number, shift.counted_cash) == (1, D("100.00"))
    with scopes_disabled():
        assert RegisterCounter.objects.get(register=register, kind="closing").last_value == 1
        assert AuditEntry.objects.filter(action="sales.shift.closed").count() == 1
    # Closing with no open shift says so
    closed = till.post("/register/shift/close/", {"step": "review", "d-20": "1"}, **EN)
    assert closed.status_code == 409
    assert _text(soup_of(closed), "shift-error") == "No shift is open on this register."


def test_bad_closing_counts_are_refused_and_close_nothing(till):
    response = till.post("/register/shift/close/", {"step": "review", "d-7": "1"}, **EN)
    assert response.status_code == 422
    assert _text(soup_of(response), "shift-error") == "Unknown denomination “7”."
    with scopes_disabled():
        shift = Shift.objects.get()
    response = till.post("/register/shift/close/", {"step": "confirm", "shift": str(shift.pk), "d-20": "-2"}, **EN)
    assert response.status_code == 422
    assert _text(soup_of(response), "shift-error") == "The number of pieces must be a whole number from 0 to 99999."
    assert _shifts() == [("open", D("100.00"), None)]
    assert till.post("/register/shift/close/", {"step": "confirm", "shift": "nonsense"}).status_code == 404


def test_count_again_keeps_what_was_counted(till):
    response = till.post("/register/shift/close/", {"step": "count", "d-20": "5", "d-0.10": "3"})
    page = soup_of(response)
    assert page.select_one("[data-testid='count-20']")["value"] == "5"
    assert page.select_one("[data-testid='count-0.10']")["value"] == "3"


def test_z_numbers_are_gapless_across_shifts_and_listed_for_reprint(device, cashier):
    _unlock(device)
    for pieces in ("1", "2", "3"):
        assert device.post("/register/shift/open/", {"d-10": pieces}).status_code == 302
        assert _close(device, {"d-10": pieces}).status_code == 302
    assert [row[2] for row in _shifts()] == [1, 2, 3]
    page = soup_of(device.get("/register/shift/reports/", **EN))
    assert [row.select("td")[0].text for row in page.select("[data-testid=z-row]")] == ["3", "2", "1"]
    with scopes_disabled():
        first = Shift.objects.get(closing_number=1)
    link = page.select("[data-testid=z-link]")[-1]["href"]
    assert link == f"/register/shift/{first.pk}/z/"
    z = soup_of(device.get(link, **EN))
    assert _text(z, "report-title") == "Z report 1"
    assert _rows(z, "report-cash")[-3:] == [
        ["Expected cash", "10.00"],
        ["Counted cash", "10.00"],
        ["Difference", "0.00"],
    ]


def test_z_report_of_another_register_is_not_found(till, store, organization, cashier):
    other = RegisterFactory(store=store, organization=organization, number=2)
    shift = open_shift(actor=Actor.system(), register=other, employee=cashier, count={})
    close_shift(actor=Actor.system(), shift=shift, employee=cashier, count={})
    assert till.get(f"/register/shift/{shift.pk}/z/").status_code == 404
    with scopes_disabled():
        mine = Shift.objects.get(register__number=1)
    assert till.get(f"/register/shift/{mine.pk}/z/").status_code == 404  # still open: no Z report yet


def test_shift_pages_need_an_unlocked_cashier(device, cashier):
    assert device.get("/register/shift/x/")["Location"] == "/register/lock/"
    assert device.post("/register/shift/open/", {"d-10": "1"})["Location"] == "/register/lock/"
    assert _shifts() == []
