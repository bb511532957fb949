"""A report in Chromium, under the real Content-Security-Policy: the chart and the table show the seeded sales."""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kasse.fiscal.tests.datev_world import add_sale, open_shift
from kasse.register.tests.test_browser_frontend import _enforcing_page, _violations
from kasse.sales.models import SaleKind
from kasse.testing.asgi_server import asgi_server
from kasse.testing.factories import RegisterFactory, owner_user
from kasse.testing.plugin import log_in_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BERLIN = ZoneInfo("Europe/Berlin")


def test_the_sales_report_draws_its_chart_and_table_from_the_seeded_sales(browser, organization, store):
    owner_user(organization, email="inhaber@example.org", language="de")
    shift = open_shift(RegisterFactory(store=store, organization=organization), datetime(2026, 10, 1, tzinfo=BERLIN))
    # 24 October: two sales; 25 October (clocks go back), 00:30 and 23:30 local: one sale and a return
    add_sale(shift, datetime(2026, 10, 24, 9, 0, tzinfo=BERLIN), {"19": "11.90"}, {"cash": "11.90"})
    add_sale(shift, datetime(2026, 10, 24, 18, 0, tzinfo=BERLIN), {"7": "10.70"}, {"card": "10.70"})
    add_sale(shift, datetime(2026, 10, 25, 0, 30, tzinfo=BERLIN), {"19": "5.95"}, {"cash": "5.95"})
    add_sale(
        shift, datetime(2026, 10, 25, 23, 30, tzinfo=BERLIN), {"19": "-5.95"}, {"cash": "-5.95"}, kind=SaleKind.REFUND
    )
    problems: list[str] = []
    page = _enforcing_page(browser, 1366, 900, problems)
    with asgi_server() as base_url:
        log_in_in_browser(page, base_url, "inhaber@example.org")
        page.goto(base_url + "/reports/sales/?date_from=2026-10-23&date_to=2026-10-26")
        page.wait_for_selector("[data-testid=report-chart][data-ready='1']")
        # The table: a row per day, the return on the 25th's local day, the total to the cent
        cells = page.locator("[data-testid=report-table] tbody tr").all()
        assert [c.locator("[data-col=gross]").text_content() for c in cells] == [
            "0,00 €",
            "22,60 €",
            "0,00 €",
            "0,00 €",
        ]
        assert page.locator("[data-testid=report-totals] [data-col=gross]").text_content() == "22,60 €"
        assert page.locator("[data-testid=report-totals] [data-col=receipts]").text_content() == "3"
        # The chart: Chart.js drew the same numbers (read back from the chart object)
        drawn = page.evaluate(
            "() => { const c = document.getElementById('report-canvas').chart;"
            " return {labels: c.data.labels, data: c.data.datasets[0].data}; }"
        )
        assert drawn["data"] == [0, 22.6, 0, 0]
        assert len(drawn["labels"]) == 4
        assert page.locator("#report-canvas").bounding_box()["height"] > 100
        page.screenshot(path=os.environ.get("KASSE_SCREENSHOT_DIR", "/tmp") + "/report-sales.png", full_page=True)
        # The heat map and a comparison period on another report
        page.goto(base_url + "/reports/hours/?date_from=2026-10-19&date_to=2026-10-25&compare=previous")
        page.wait_for_selector("[data-testid=report-chart][data-ready='1']")
        assert page.locator("[data-testid=report-heatmap] tbody tr").count() == 7
        series = page.evaluate("() => document.getElementById('report-canvas').chart.data.datasets.length")
        assert series == 2
        assert _violations(page) == []
        assert problems == []
