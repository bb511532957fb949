"""Every page and endpoint with an object id: organization B gets 404 on A's objects."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from kasse.api.tokens import create_api_token
from kasse.core.actors import Actor
from kasse.core.models import AuditEntry
from kasse.testing.factories import OrganizationFactory, owner_user
from kasse.testing.isolation import NOT_TENANT_OBJECTS, collect_cases, urls_with_ids

CASES = collect_cases()


def _as_missing(kwargs: dict) -> dict:
    """The same kwargs with every id replaced by one that does not exist."""
    result = {}
    for key, value in kwargs.items():
        if isinstance(value, uuid.UUID) or (isinstance(value, str) and len(value) == 36):
            result[key] = uuid.UUID(int=0)
        elif isinstance(value, int):
            result[key] = 999_999_999
        else:
            result[key] = value
    return result


def _request(client: Client, method: str, url: str, data: dict, **headers: str):
    if method == "get":
        return client.get(url, data, **headers)  # data: the query (a filter naming the object)
    if method in {"put", "patch"}:
        return getattr(client, method)(url, data=data, content_type="application/json", **headers)
    if method == "delete":
        return client.delete(url, **headers)
    if url.startswith("/api/"):
        return client.post(url, data=data, content_type="application/json", **headers)
    return client.post(url, data=data, **headers)


def _unlocked_register(org, store=None, role: str = "cashier") -> Client:
    """A browser paired to a register of ``org`` (in ``store`` or a new one) with an employee switched in."""
    from kasse.testing.factories import EmployeeFactory, RegisterFactory, StoreFactory
    from kasse.testing.plugin import paired_client
    from kasse.testing.register_login import unlock_data

    store = store or StoreFactory(organization=org)
    cashier = EmployeeFactory(organization=org, pin="8642", role=(store, role))
    client = paired_client(RegisterFactory(store=store, organization=org), token=f"b-{org.pk}")
    assert client.post("/register/unlock/", unlock_data(cashier, "8642")).status_code == 302
    return client


def _audit_count() -> int:
    with scopes_disabled():
        return AuditEntry.objects.count()


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c.url_name for c in CASES])
def test_foreign_object_is_404_like_missing(case):
    # Given an object of organization A, and an owner and an API token of organization B
    org_a = OrganizationFactory(name="A")
    org_b = OrganizationFactory(name="B")
    with scopes_disabled():
        kwargs = case.make(org_a)
    url = reverse(case.url_name, kwargs=kwargs)
    missing_url = reverse(case.url_name, kwargs=_as_missing(kwargs))
    client = Client()
    headers: dict[str, str] = {}
    if case.is_api:
        _token, raw = create_api_token(actor=Actor.system(), organization=org_b, name="B")
        headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    elif case.caller == "register":
        client = _unlocked_register(org_b)
    else:
        client.force_login(owner_user(org_b))
    before = _audit_count()
    for method in case.methods:
        # When B asks for A's object, and for an id that does not exist at all
        foreign = _request(client, method, url, case.data, **headers)
        missing = _request(client, method, missing_url, case.data, **headers)
        # Then both are the same 404, and nothing was written
        assert foreign.status_code == 404, f"{method.upper()} {url} gave {foreign.status_code}"
        assert missing.status_code == 404, f"{method.upper()} {missing_url} gave {missing.status_code}"
    assert _audit_count() == before


def test_every_url_with_an_id_has_an_isolation_case():
    covered = {case.url_name for case in CASES} | NOT_TENANT_OBJECTS
    uncovered = [name for name in urls_with_ids() if name not in covered]
    assert not uncovered, "These URLs take an id but have no IsolationCase in kasse/<app>/isolation.py: " + ", ".join(
        uncovered
    )


STORE_CASES = [c for c in CASES if not c.is_api and not c.organization_wide]


def _store_bound_caller(org, caller: str) -> Client:
    """A manager bound to one new store of ``org`` (session), or a register of that store."""
    from kasse.tenancy.permissions import Role
    from kasse.testing.factories import EmployeeFactory, StoreFactory, UserFactory

    store = StoreFactory(organization=org, number=990, name="Eigene Filiale")
    if caller == "register":
        return _unlocked_register(org, store, Role.MANAGER)
    user = UserFactory()
    EmployeeFactory(organization=org, user=user, role=(store, Role.MANAGER))
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("case", STORE_CASES, ids=[c.url_name for c in STORE_CASES])
def test_another_stores_object_is_404_like_missing_for_a_store_bound_caller(case):
    # Given an object of one store, and a manager (or a register) of another store of the same organization
    org = OrganizationFactory(name="A")
    client = _store_bound_caller(org, case.caller)
    with scopes_disabled():
        kwargs = case.make(org)
    url = reverse(case.url_name, kwargs=kwargs)
    missing_url = reverse(case.url_name, kwargs=_as_missing(kwargs))
    before = _audit_count()
    for method in case.methods:
        # When they ask for it, and for an id that does not exist at all
        foreign = _request(client, method, url, case.data)
        missing = _request(client, method, missing_url, case.data)
        # Then both get the same answer: 404 (403 where no store-bound role has the capability at all)
        assert foreign.status_code in {403, 404}, f"{method.upper()} {url} gave {foreign.status_code}"
        assert foreign.status_code == missing.status_code, (
            f"{method.upper()} {url}: {foreign.status_code} but {missing.status_code} for a missing id"
        )
    assert _audit_count() == before
