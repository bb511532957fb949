"""GoBD on PostgreSQL: a closed shift (a cash point closing with its master data) stays as it was closed."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django_scopes import scope

from kasse.core.actors import Actor
from kasse.sales.models import Shift
from kasse.sales.services.shifts import close_shift

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL=postgres://…): the trigger is PL/pgSQL")


def _refused(action) -> None:
    with pytest.raises(IntegrityError, match="closed shift is a cash point closing"), transaction.atomic():
        action()


def test_a_closed_shift_and_its_master_data_can_no_longer_be_changed_or_deleted(register, cashier, shift):
    # An open shift may change (cash counts, closing)
    closed = close_shift(actor=Actor.system(), shift=shift, employee=cashier, count={"50": 2})
    name = closed.master_data["company"]["NAME"]
    with scope(organization=register.organization_id):
        shifts = Shift.objects.filter(pk=closed.pk)
        _refused(lambda: shifts.update(closing_number=7))
        _refused(lambda: shifts.update(master_data={"company": {"NAME": "forged"}}))
        _refused(lambda: shifts.update(status="open"))
        _refused(lambda: shifts.delete())
        with connection.cursor() as cursor:  # not even behind the ORM's back
            _refused(lambda: cursor.execute("UPDATE sales_shift SET counted_cash = 0"))
        # the same state saved again (a sync that repeats it) is no change
        shifts.get().save()
        assert shifts.get().master_data["company"]["NAME"] == name
        assert shifts.get().closing_number == 1
