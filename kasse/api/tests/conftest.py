"""Fixtures of the API tests: a token of the test organization and a client that sends it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from kasse.api.tokens import create_api_token
from kasse.catalog.models import Barcode, Category, Product, StorePrice, Variant
from kasse.core.actors import Actor
from kasse.core.models import AuditEntry
from kasse.customers.models import Customer


class ApiClient:
    """A test client that sends the bearer token, JSON bodies and a language."""

    def __init__(self, raw_token: str, language: str = "en") -> None:
        self.client = Client()
        self.raw_token = raw_token
        self.language = language

    def _headers(self, language: str | None) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.raw_token}", "HTTP_ACCEPT_LANGUAGE": language or self.language}

    def get(self, path: str, data: dict[str, Any] | None = None, *, language: str | None = None) -> Any:
        return self.client.get(f"/api/v1{path}", data, **self._headers(language))

    def send(self, method: str, path: str, body: Any = None, *, language: str | None = None) -> Any:
        return getattr(self.client, method)(
            f"/api/v1{path}", data=body, content_type="application/json", **self._headers(language)
        )

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.send("post", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.send("put", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.send("patch", path, body, **kwargs)


@pytest.fixture
def token_and_raw(organization):
    return create_api_token(actor=Actor.system("test"), organization=organization, name="Kassensystem")


@pytest.fixture
def api_token(token_and_raw):
    return token_and_raw[0]


@pytest.fixture
def api(token_and_raw) -> ApiClient:
    return ApiClient(token_and_raw[1])


@pytest.fixture
def counts():
    """Row counts of the tables the API writes, to assert that bad input changed nothing."""

    def snapshot() -> dict[str, int]:
        with scopes_disabled():
            return {
                model.__name__: model.objects.count()
                for model in (Category, Product, Variant, Barcode, StorePrice, Customer, AuditEntry)
            }

    return snapshot
