"""Nothing in the feed stops a node: rows it cannot apply are set aside (kept, shown, retried after an
upgrade) while the rest of the feed goes on and the node keeps pushing its sales; the version handshake
tells a node that the cloud runs a newer kasse."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django_scopes import scope, scopes_disabled

from kasse.catalog.models import Barcode, Product, Variant
from kasse.catalog.services import VariantData, save_product
from kasse.core.actors import Actor
from kasse.sync.models import ChangeEvent, NodeState, OutboxRecord, OutboxStatus, SetAsideEvent
from kasse.sync.node import apply as apply_module
from kasse.sync.node import steps as node_ops
from kasse.sync.node.apply import retry_set_aside_events
from kasse.sync.node.runner import SyncRunner
from kasse.sync.tests.test_faults import FakeCloud, _outbox
from kasse.testing.factories import ean13
from kasse.testing.sync import as_node

pytestmark = pytest.mark.django_db
OWNER = Actor(kind="user", label="owner")


@pytest.fixture
def cloud() -> Iterator[FakeCloud]:
    fake = FakeCloud()
    yield fake
    fake.close()


def _feed(organization: Any) -> list[dict[str, Any]]:
    with scopes_disabled():
        return [
            {"seq": e.seq, "model": e.model, "id": e.object_id, "deleted": e.deleted, "row": e.row}
            for e in ChangeEvent.objects.filter(organization=organization).order_by("seq")
        ]


def _product_events(organization: Any, name: str, code: int) -> list[dict[str, Any]]:
    """The feed events of a new product (product, variant, barcode), then the product gone from this database
    (the node has not seen it)."""
    before = {e["seq"] for e in _feed(organization)}
    with scope(organization=organization):
        product = save_product(
            actor=OWNER,
            organization=organization,
            data={"name": name, "price": "2.50"},
            variants=[VariantData(name="", barcodes=[ean13(code)])],
        )
    events = [e for e in _feed(organization) if e["seq"] not in before and not e["deleted"]]
    with scopes_disabled():
        Barcode.objects.filter(variant__product=product).delete()
        Variant.objects.filter(product=product).delete()
        Product.objects.filter(pk=product.pk).delete()
    return [e for e in events if e["model"] in {"catalog.Product", "catalog.Variant", "catalog.Barcode"}]


def _state(organization: Any, store: Any, url: str) -> NodeState:
    with scopes_disabled():
        return NodeState.objects.create(
            id=uuid.uuid4(),
            organization_id=organization.pk,
            store_id=store.pk,
            cloud_url=url,
            token="t",
            customer_number_base=1_000_000,
        )


def test_rows_the_node_cannot_apply_are_set_aside_and_the_rest_goes_on(organization, store, cloud):
    newer = _product_events(organization, "Kaffee", 1)  # a row from a cloud one version ahead
    newer[0]["row"]["colour"] = "brown"
    wrong_type = _product_events(organization, "Tee", 2)  # a value of the wrong type
    wrong_type[0]["row"]["price"] = "zwei Euro"
    fine = _product_events(organization, "Brot", 3)
    unknown_table = {"model": "loyalty.Stamp", "id": str(uuid.uuid4()), "deleted": False, "row": {"id": "x"}}
    events = [*newer, unknown_table, *wrong_type, *fine]
    for seq, event in enumerate(events, start=100):
        event["seq"] = seq
    cloud.events = events
    state = _state(organization, store, cloud.url)
    sales = _outbox(2)
    # When the node syncs with a feed that carries rows it cannot apply
    with as_node():
        assert SyncRunner(state, websocket=False).run_once() is True
    # Then the good product is there, the others are set aside with their reasons, the cursor is past all
    with scopes_disabled():
        assert list(Product.objects.values_list("name", flat=True)) == ["Brot"]
        assert Barcode.objects.filter(code=ean13(3)).exists()
        kept = {(e.model, e.error.split(":")[0]) for e in SetAsideEvent.objects.all()}
        state.refresh_from_db()
        assert state.cursor == events[-1]["seq"]
        # and the node's own sales went up all the same
        assert set(OutboxRecord.objects.filter(pk__in=sales).values_list("status", flat=True)) == {OutboxStatus.ACKED}
    assert kept == {
        ("catalog.Product", "IncompatibleRow"),
        ("catalog.Variant", "IntegrityError"),
        ("catalog.Barcode", "IntegrityError"),
        ("loyalty.Stamp", "IncompatibleRow"),
        ("catalog.Product", "ValidationError"),
    }
    with scopes_disabled():
        colour = SetAsideEvent.objects.get(model="catalog.Product", error__contains="colour")
    assert colour.error == "IncompatibleRow: catalog.Product: unknown column 'colour'"
    assert colour.row["name"] == "Kaffee"
    status = node_ops.status()
    assert status["feed_set_aside"] == 7  # both products, their variants and barcodes, the unknown table
    assert "feed_set_aside" in status["problems"]
    assert status["healthy"] is False


def test_set_aside_rows_are_applied_after_an_upgrade_and_later_rows_replace_them(
    organization, store, cloud, monkeypatch
):
    newer = _product_events(organization, "Kaffee", 1)
    newer[0]["row"]["colour"] = "brown"
    tea = _product_events(organization, "Tee", 2)
    tea[0]["row"]["price"] = "zwei Euro"
    for seq, event in enumerate(newer, start=10):
        event["seq"] = seq
    cloud.events = list(newer)
    state = _state(organization, store, cloud.url)
    with as_node():
        client = node_ops.client_for(state)
        node_ops.pull_once(state, client)
        with scopes_disabled():
            assert SetAsideEvent.objects.count() == 3  # product, and its variant and barcode that point to it
        # When this node is upgraded to a version that knows the column, the set-aside rows go in, in order
        real_decode = apply_module.decode_row

        def knows_colour(model: Any, row: dict[str, Any]) -> dict[str, Any]:
            return real_decode(model, {k: v for k, v in row.items() if k != "colour"})

        monkeypatch.setattr(apply_module, "decode_row", knows_colour)
        assert retry_set_aside_events() == (3, 0)
        with scopes_disabled():
            assert Barcode.objects.get(code=ean13(1)).variant.product.name == "Kaffee"
        monkeypatch.undo()

        # A row set aside and then sent again in a form this node takes: the later row wins, the old is dropped
        fixed = {**tea[0], "row": {**tea[0]["row"], "price": "2.60"}}
        for seq, event in enumerate([*tea, fixed], start=20):
            event["seq"] = seq
        cloud.events = [*newer, *tea, fixed]
        node_ops.pull_once(state, client)
        with scopes_disabled():
            assert str(Product.objects.get(name="Tee").price) == "2.60"
            remaining = list(SetAsideEvent.objects.values_list("model", flat=True))
        assert remaining == ["catalog.Variant", "catalog.Barcode"]  # they waited for the product ...
        assert retry_set_aside_events() == (2, 0)  # ... and go in on the next retry
        with scopes_disabled():
            assert Barcode.objects.filter(code=ean13(2)).exists()


def test_the_handshake_tells_the_node_that_the_cloud_runs_a_newer_kasse(organization, store, cloud):
    cloud.version = "99.0.0"
    state = _state(organization, store, cloud.url)
    with as_node():
        assert SyncRunner(state, websocket=False).run_once() is True
    state.refresh_from_db()
    assert state.cloud_version == "99.0.0"
    status = node_ops.status()
    assert status["update_needed"] is True
    assert status["problems"] == ["update"]
    assert status["healthy"] is True  # it informs; sync itself goes on
    cloud.version = "0.0.1"
    with as_node():
        SyncRunner(state, websocket=False).run_once()
    assert node_ops.status()["update_needed"] is False


def test_versions_compare_by_number():
    assert node_ops.version_key("0.10.0") > node_ops.version_key("0.9.3")
    assert node_ops.update_needed("") is False
