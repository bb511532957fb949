"""Fixtures of the tenancy tests: clients in German, people with particular roles."""

from __future__ import annotations

import pytest
from django.test import Client

from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, UserFactory

DE = {"HTTP_ACCEPT_LANGUAGE": "de"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def client_for(organization, role, store=None, **user_kwargs) -> Client:
    """A logged-in client of a new employee with ``role`` (org-wide, or in ``store``)."""
    user = UserFactory(**user_kwargs)
    EmployeeFactory(
        organization=organization, user=user, display_name=user.full_name, role=(store, role) if store else role
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def manager_client(organization, store) -> Client:
    return client_for(organization, Role.MANAGER, email="manager@example.org")


@pytest.fixture
def cashier_client(organization, store) -> Client:
    return client_for(organization, Role.CASHIER, email="kasse@example.org")
