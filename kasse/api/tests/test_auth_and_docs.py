"""Who may call the API, and the self-documenting schema and docs page."""

from __future__ import annotations

import pytest
from django.test import Client

from kasse.api.tokens import revoke_api_token
from kasse.core.actors import Actor
from kasse.testing.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_no_token_is_401(db):
    response = Client().get("/api/v1/products")
    assert (response.status_code, response.json()) == (401, {"detail": "Unauthorized"})
    assert response["WWW-Authenticate"] == 'Bearer realm="kasse"'


def test_wrong_token_is_401(api):
    api.raw_token = api.raw_token[:-2] + "xx"
    assert api.get("/products").status_code == 401


def test_revoked_token_is_refused_at_once(api, api_token, organization):
    ProductFactory(organization=organization)
    assert api.get("/products").status_code == 200
    revoke_api_token(actor=Actor.system("test"), token=api_token)
    response = api.get("/products")
    assert (response.status_code, response.json()) == (401, {"detail": "Unauthorized"})


def test_a_logged_in_session_is_not_an_api_token(owner_client):
    assert owner_client.get("/api/v1/products").status_code == 401


def test_organization_endpoint(api, organization):
    body = api.get("/organization").json()
    assert (body["id"], body["name"]) == (str(organization.pk), organization.name)


def test_openapi_schema_documents_itself():
    schema = Client().get("/api/v1/openapi.json").json()
    assert sorted(schema["paths"]) == [
        "/api/v1/categories",
        "/api/v1/categories/{category_id}",
        "/api/v1/customers",
        "/api/v1/customers/{customer_id}",
        "/api/v1/organization",
        "/api/v1/products",
        "/api/v1/products/by-barcode/{code}",
        "/api/v1/products/{product_id}",
        "/api/v1/products/{product_id}/deactivate",
        "/api/v1/registers",
        "/api/v1/returns",
        "/api/v1/returns/{return_id}",
        "/api/v1/sales",
        "/api/v1/sales/{sale_id}",
        "/api/v1/shifts",
        "/api/v1/shifts/{shift_id}",
        "/api/v1/shifts/{shift_id}/z-report",
        "/api/v1/stock-levels",
        "/api/v1/stores",
        "/api/v1/webhooks",
        "/api/v1/webhooks/deliveries/{delivery_id}/redeliver",
        "/api/v1/webhooks/{endpoint_id}",
        "/api/v1/webhooks/{endpoint_id}/deliveries",
        "/api/v1/webhooks/{endpoint_id}/test",
    ]
    product_in = schema["components"]["schemas"]["ProductIn"]["properties"]
    assert product_in["price"]["type"] == "string"
    assert product_in["price"]["examples"] == ["2.49"]
    get_product = schema["paths"]["/api/v1/products/{product_id}"]["get"]
    assert sorted(get_product["responses"]) == ["200", "401", "404", "422"]
    assert schema["components"]["securitySchemes"]["ApiTokenAuth"] == {"type": "http", "scheme": "bearer"}


def test_docs_page_uses_only_our_own_assets():
    response = Client().get("/api/v1/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "https://" not in html
    assert "http://" not in html
    assert Client().get("/static/ninja/swagger-ui-bundle.js").status_code == 200
