"""The node applying the cloud's feed: upserts by id, deletions, columns the node owns, merged customers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from kasse.catalog.models import Barcode, Product
from kasse.catalog.services import VariantData, save_product
from kasse.core.actors import Actor
from kasse.customers.models import Customer
from kasse.register.models import RegisterDevice
from kasse.sync.engine.registry import encode_row
from kasse.sync.models import ChangeEvent
from kasse.sync.node.apply import IncompatibleRow, apply_events
from kasse.testing.factories import ean13
from kasse.testing.sync import as_node

pytestmark = pytest.mark.django_db
OWNER = Actor(kind="user", label="owner")


def _events(organization, since=0):
    with scopes_disabled():
        return [
            {"seq": e.seq, "model": e.model, "id": e.object_id, "deleted": e.deleted, "row": e.row}
            for e in ChangeEvent.objects.filter(organization=organization, seq__gt=since).order_by("seq")
        ]


def test_replaying_the_feed_is_idempotent_and_follows_deletions(organization):
    with scope(organization=organization):
        product = save_product(
            actor=OWNER,
            organization=organization,
            data={"name": "Brot", "price": "3.20"},
            variants=[VariantData(name="", barcodes=[ean13(1)])],
        )
    events = _events(organization)
    with scope(organization=organization):
        variant = product.variants.get()
        save_product(
            actor=OWNER,
            organization=organization,
            product=product,
            data={"price": "3.40"},
            variants=[VariantData(id=variant.pk, name="", barcodes=[ean13(2)])],
        )
    later = _events(organization, since=events[-1]["seq"])
    assert any(e["deleted"] and e["model"] == "catalog.Barcode" for e in later)
    # A node holds the first state; it replays everything twice (a crash before its cursor moved)
    with scopes_disabled():
        Barcode.objects.all().delete()
    with as_node(), scopes_disabled():
        apply_events(events + later)
        apply_events(events + later)
        assert str(Product.objects.get().price) == "3.40"
        assert list(Barcode.objects.values_list("code", flat=True)) == [ean13(2)]


def test_the_node_keeps_its_own_columns_and_takes_the_clouds(organization, register):
    with scopes_disabled():
        device = RegisterDevice.objects.create(organization=organization, register=register, token_digest="d" * 64)
        seen = timezone.now() - timedelta(seconds=5)
        RegisterDevice.objects.filter(pk=device.pk).update(last_seen_at=seen)
        row = encode_row(device)  # the cloud's row: revoked, and an old last_seen_at
    row["revoked_at"] = timezone.now().isoformat()
    row["last_seen_at"] = None
    with as_node(), scopes_disabled():
        apply_events([{"seq": 1, "model": "register.RegisterDevice", "id": row["id"], "deleted": False, "row": row}])
        device.refresh_from_db()
    assert device.revoked_at is not None  # the cloud revoked it: the node refuses the device now
    assert device.last_seen_at == seen  # the node's column


def test_customer_rows_from_the_feed_merge_by_clock(organization):
    from kasse.customers.services import save_customer

    customer = save_customer(actor=OWNER, organization=organization, data={"last_name": "Weber", "phone": "1"})
    with scopes_disabled():
        stale = encode_row(customer)
    customer = save_customer(actor=OWNER, organization=organization, customer=customer, data={"phone": "2"})
    with as_node(), scopes_disabled():
        apply_events([{"seq": 1, "model": "customers.Customer", "id": stale["id"], "deleted": False, "row": stale}])
        assert Customer.objects.get().phone == "2"  # an older row does not undo a newer edit


def test_a_row_of_a_newer_schema_is_refused_whole(organization):
    with scopes_disabled():
        row = encode_row(organization)
    row["column_from_the_future"] = 1
    with as_node(), scopes_disabled(), pytest.raises(IncompatibleRow, match="column_from_the_future"):
        apply_events([{"seq": 1, "model": "tenancy.Organization", "id": row["id"], "deleted": False, "row": row}])
