"""A cashier sells in Chromium through a real store node while the cloud is down; the sale arrives later."""

from __future__ import annotations

import pytest

from kasse.testing.register_login import unlock_in_browser
from kasse.testing.sync_world import PIN, paired_world, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.processes]


@pytest.fixture
def world(tmp_path):
    with paired_world(tmp_path, products=6) as w:
        w.script("store", "sell", "0")  # opens the register's shift on the node
        yield w


def test_a_cashier_keeps_selling_on_the_node_while_the_cloud_is_down(world, page):
    node = f"http://127.0.0.1:{world.node_port}"
    # The register pairing code was made in the cloud; the node has it from its replica
    page.goto(f"{node}/register/pair/?code={world.setup_info['register_code']}")
    page.click("[data-testid=pair-submit]")
    unlock_in_browser(page, "Olga", PIN)
    page.wait_for_selector("body[data-ready='1'] [data-testid=cart-empty]")
    # The internet goes down
    world.stop_cloud()
    page.fill("[data-testid=product-search]", "Artikel")  # search runs on the node's replica
    page.click("[data-testid=tile] >> nth=0")
    page.wait_for_selector("[data-testid=cart-line]")
    page.click("[data-testid=pay]")
    page.click("[data-testid=cash-exact]")
    page.wait_for_selector("[data-testid=sale-done]")
    assert world.report("store")["sales"] == 1
    assert world.node_backlog() >= 1
    # The internet is back: the sale arrives in the cloud
    world.start_cloud()
    wait_until(lambda: world.node_backlog() == 0, 30, 0.2, "outbox empty")
    cloud = world.report("cloud")
    assert cloud["sales"] == 1
    assert cloud["ids"] == world.report("store")["ids"]
