"""In Chromium: the owner asks for an XLSX export of today's receipts, downloads it, and it opens with the
right totals."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from kasse.testing.plugin import log_in_in_browser
from kasse.testing.xlsx import read_xlsx


@pytest.mark.browser
def test_an_xlsx_export_downloads_and_opens_with_the_right_totals(
    transactional_db, live_server, page, owner, closed_day
):
    # Given a closed day (sales 3.70 and 2.80, a return of 0.45) and the owner logged in
    log_in_in_browser(page, live_server.url)
    page.click("[data-testid=mainnav] >> text=Exporte")
    # When they ask for today's receipts as an Excel file
    today = timezone.now().astimezone(closed_day.store.tzinfo).date().isoformat()
    page.fill("input[name=date_from]", today)
    page.fill("input[name=date_to]", today)
    page.select_option("select[name=format]", "xlsx")
    page.click("[data-testid=export-submit]")
    # Then the export is listed and, once written, offers its download
    link = page.locator("[data-testid=export-download]")
    link.wait_for(timeout=20_000)
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheets = read_xlsx(Path(download.path()).read_bytes())
    # And the file opens with the receipts' total and every line's VAT rate
    assert list(sheets) == ["Belege", "Positionen", "MwSt.", "Zahlungen"]
    assert sum(row[11] for row in sheets["Belege"][1:]) == pytest.approx(6.05)
    assert sorted(row[17] for row in sheets["Positionen"][1:]) == [7.0, 7.0, 19.0, 19.0]
    assert sum(row[5] for row in sheets["Zahlungen"][1:]) == pytest.approx(6.05)
