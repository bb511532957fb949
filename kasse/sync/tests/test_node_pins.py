"""A store node receives PIN digests only of employees who may work in its store."""

from __future__ import annotations

import pytest

from kasse.core.actors import Actor
from kasse.sync.cloud.feed import events_since, snapshot
from kasse.tenancy.permissions import Role
from kasse.tenancy.services import save_employee
from kasse.testing.factories import StoreFactory

pytestmark = pytest.mark.django_db

OWNER = Actor.system("test")


def _person(organization, name, pin, roles):
    return save_employee(actor=OWNER, organization=organization, data={"display_name": name}, pin=pin, roles=roles)


def _digests(rows) -> dict[str, bool]:
    return {row["display_name"]: bool(row["pin_digest"]) for row in rows}


def test_a_node_gets_the_pins_of_its_stores_people_only(organization, store, node, no_scopes):
    other = StoreFactory(organization=organization, number=2)
    _person(organization, "Olga", "123456", [(None, Role.OWNER)])
    _person(organization, "Clara", "1111", [(store, Role.CASHIER)])
    paul = _person(organization, "Paul", "2222", [(other, Role.CASHIER)])
    _person(organization, "Mia", "654321", [(other, Role.MANAGER)])
    events, _cursor, _more = events_since(node, 0, 1000)
    rows = [e["row"] for e in events if e["model"] == "tenancy.Employee"]
    assert _digests(rows) == {"Clara": True, "Olga": True, "Paul": False, "Mia": False}
    assert {row["pin_is_long"] for row in rows if row["display_name"] in ("Paul", "Mia")} == {False}
    tables = {label: rows for label, rows in snapshot(node)}
    assert _digests(tables["tenancy.Employee"]) == {"Clara": True, "Olga": True, "Paul": False, "Mia": False}
    # When Paul also works in the node's store, his next change brings his digest
    cursor = _cursor
    save_employee(
        actor=OWNER,
        organization=organization,
        employee=paul,
        data={},
        roles=[(other, Role.CASHIER), (store, Role.CASHIER)],
    )
    later, _cursor, _more = events_since(node, cursor, 1000)
    assert _digests([e["row"] for e in later if e["model"] == "tenancy.Employee"]) == {"Paul": True}
