"""Sign-up of a new shop with e-mail confirmation, resending the link, and the login page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.tenancy.accounts import token_digest
from kasse.tenancy.models import EmailVerification, Employee, Organization, Register, Store, StoreRole, User
from kasse.tenancy.permissions import Role
from kasse.tenancy.tests.conftest import DE, EN
from kasse.testing.factories import UserFactory
from kasse.testing.plugin import soup_of, texts

pytestmark = pytest.mark.django_db

SIGNUP = {
    "org-name": "Feinkost Müller",
    "org-legal_name": "Feinkost Müller e. K.",
    "org-street": "Lindenallee 4",
    "org-postal_code": "50667",
    "org-city": "Köln",
    "org-vat_id": "",
    "org-tax_number": "215/5700/1234",
    "org-language": "de",
    "store-name": "Laden Altstadt",
    "store-street": "",
    "store-postal_code": "",
    "store-city": "",
    "store-time_zone": "Europe/Berlin",
    "owner-full_name": "Petra Müller",
    "owner-email": "Petra@Feinkost.example",
    "owner-password1": "Senf-und-Essig-42",
    "owner-password2": "Senf-und-Essig-42",
}


def _counts() -> dict[str, int]:
    with scopes_disabled():
        return {
            m.__name__: m.objects.count()
            for m in (Organization, Store, Register, User, Employee, StoreRole, EmailVerification)
        }


def _link_path(body: str) -> str:
    link = re.search(r"http://127\.0\.0\.1:8000(/signup/verify/[^/\s]+/)", body)
    assert link, body
    return link.group(1)


def _sign_up(client: Client, capture, **changes: str):
    with capture(execute=True):
        return client.post("/signup/", {**SIGNUP, **changes}, **DE)


def test_signup_creates_the_shop_sends_a_german_link_and_the_link_logs_in(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    # When a new shop signs up
    response = _sign_up(client, django_capture_on_commit_callbacks)
    # Then it is told to check its inbox
    assert response.status_code == 302
    assert response["Location"] == "/signup/check-your-inbox/"
    page = soup_of(client.get(response["Location"], **DE))
    assert "petra@feinkost.example" in texts(page, "check-inbox")[0]
    # And organization, store (with the organization's address), register and unverified owner exist
    with scopes_disabled():
        org = Organization.objects.get(name="Feinkost Müller")
        store = Store.objects.get(organization=org)
        employee = Employee.objects.select_related("user").get(organization=org)
        assert Register.objects.filter(store=store).count() == 1
        assert list(StoreRole.objects.filter(employee=employee).values_list("store", "role")) == [(None, Role.OWNER)]
    assert (org.legal_name, org.tax_number, org.language) == ("Feinkost Müller e. K.", "215/5700/1234", "de")
    assert (store.name, store.street, store.postal_code, store.city, store.time_zone) == (
        "Laden Altstadt",
        "Lindenallee 4",
        "50667",
        "Köln",
        "Europe/Berlin",
    )
    user = employee.user
    assert (user.email, user.full_name, user.email_verified_at) == ("petra@feinkost.example", "Petra Müller", None)
    # And the e-mail is German, and the database keeps only the token's digest
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["petra@feinkost.example"]
    assert mail.subject == "Bitte bestätigen Sie Ihre E-Mail-Adresse für kasse"
    assert "Hallo Petra Müller," in mail.body
    assert "„Feinkost Müller“" in mail.body
    path = _link_path(mail.body)
    token = path.split("/")[-2]
    assert list(EmailVerification.objects.values_list("token_digest", flat=True)) == [token_digest(token)]
    # And the owner cannot log in yet
    refused = client.post("/login/", {"email": "petra@feinkost.example", "password": "Senf-und-Essig-42"}, **DE)
    assert "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse" in texts(soup_of(refused), "form-errors")[0]
    # When they follow the link
    response = client.get(path, **DE)
    # Then they are verified, logged in, and land on their dashboard
    assert response.status_code == 302
    assert response["Location"] == "/"
    user.refresh_from_db()
    assert user.email_verified_at is not None
    dashboard = soup_of(client.get("/", **DE))
    assert texts(dashboard, "org-name") == ["Feinkost Müller"]
    assert "Danke, Ihre E-Mail-Adresse ist bestätigt. Willkommen bei kasse!" in dashboard.select_one(".messages").text
    # And the link works only once
    again = Client().get(path, **DE)
    assert again.status_code == 400
    assert texts(soup_of(again), "verify-message") == [
        "Dieser Bestätigungslink wurde bereits verwendet. Sie können sich anmelden oder einen neuen Link anfordern."
    ]


def test_signup_in_english_sends_an_english_email(client, mailoutbox, django_capture_on_commit_callbacks):
    _sign_up(client, django_capture_on_commit_callbacks, **{"org-language": "en"})
    assert mailoutbox[0].subject == "Please confirm your e-mail address for kasse"
    assert "The link is valid for 48 hours and works once." in mailoutbox[0].body


def test_signup_with_an_invalid_vat_id_changes_nothing(client, mailoutbox, django_capture_on_commit_callbacks):
    before = _counts()
    response = _sign_up(client, django_capture_on_commit_callbacks, **{"org-vat_id": "DE12", "org-tax_number": ""})
    assert response.status_code == 400
    assert texts(soup_of(response), "error-vat_id") == [
        "Eine deutsche USt-IdNr. besteht aus „DE“ und 9 Ziffern, z. B. DE123456789."
    ]
    assert _counts() == before
    assert mailoutbox == []


def test_signup_with_an_unknown_time_zone_is_refused(client, django_capture_on_commit_callbacks):
    before = _counts()
    response = _sign_up(client, django_capture_on_commit_callbacks, **{"store-time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert texts(soup_of(response), "error-time_zone") == ["„Mars/Olympus“ ist keine bekannte Zeitzone."]
    assert _counts() == before


def test_signup_with_a_weak_password_is_refused_by_djangos_validators(client, django_capture_on_commit_callbacks):
    before = _counts()
    response = _sign_up(
        client, django_capture_on_commit_callbacks, **{"owner-password1": "12345678", "owner-password2": "12345678"}
    )
    assert response.status_code == 400
    errors = " ".join(texts(soup_of(response), "error-password1"))
    assert "Dieses Passwort ist zu kurz" in errors
    assert "Dieses Passwort ist komplett numerisch" in errors
    assert _counts() == before


def test_signup_with_differing_passwords_is_refused(client, django_capture_on_commit_callbacks):
    response = _sign_up(client, django_capture_on_commit_callbacks, **{"owner-password2": "etwas-anderes-99"})
    assert texts(soup_of(response), "error-password2") == ["Die beiden Passwörter stimmen nicht überein."]


def test_signup_with_a_taken_email_is_refused(client, django_capture_on_commit_callbacks):
    UserFactory(email="petra@feinkost.example")
    before = _counts()
    response = _sign_up(client, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert texts(soup_of(response), "error-email")[0].startswith("Zu dieser E-Mail-Adresse gibt es bereits ein Konto.")
    assert _counts() == before


def _verification(user: User, token: str, **fields) -> EmailVerification:
    return EmailVerification.objects.create(user=user, token_digest=token_digest(token), **fields)


def test_expired_link_says_so_and_does_not_verify(client):
    user = UserFactory(email_verified_at=None)
    _verification(user, "alt-token", created_at=timezone.now() - timedelta(hours=49))
    response = client.get("/signup/verify/alt-token/", **DE)
    assert response.status_code == 400
    assert texts(soup_of(response), "verify-message") == [
        "Dieser Bestätigungslink ist abgelaufen (Links gelten 48 Stunden). Bitte fordern Sie einen neuen an."
    ]
    user.refresh_from_db()
    assert user.email_verified_at is None
    assert "_auth_user_id" not in client.session


def test_link_just_inside_48_hours_works(client):
    user = UserFactory(email_verified_at=None)
    _verification(user, "knapp", created_at=timezone.now() - timedelta(hours=47, minutes=59))
    assert client.get("/signup/verify/knapp/").status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_garbage_link_is_a_clear_message(client, db):
    response = client.get("/signup/verify/nonsense/", **EN)
    assert response.status_code == 400
    assert texts(soup_of(response), "verify-message") == [
        "This confirmation link is not valid. Please copy the whole link from the e-mail."
    ]


def test_resend_sends_a_new_link_to_an_unverified_account(client, mailoutbox, django_capture_on_commit_callbacks):
    UserFactory(email="neu@example.org", email_verified_at=None, language="de")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/signup/resend/", {"email": "NEU@example.org"}, **DE)
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    path = _link_path(mailoutbox[0].body)
    assert client.get(path).status_code == 302
    assert User.objects.get(email="neu@example.org").email_verified_at is not None


@pytest.mark.parametrize("email", ["unbekannt@example.org", "fertig@example.org"])
def test_resend_does_not_reveal_whether_an_address_has_an_account(
    client, mailoutbox, django_capture_on_commit_callbacks, email
):
    UserFactory(email="fertig@example.org")  # already verified
    UserFactory(email="neu@example.org", email_verified_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post("/signup/resend/", {"email": email}, follow=True, **DE)
    with django_capture_on_commit_callbacks(execute=True):
        pending = Client().post("/signup/resend/", {"email": "neu@example.org"}, follow=True, **DE)
    # The page says the same thing either way; only the pending account got mail
    assert unknown.status_code == pending.status_code == 200
    assert soup_of(unknown).select_one(".messages").text == soup_of(pending).select_one(".messages").text
    assert [m.to for m in mailoutbox] == [["neu@example.org"]]


def test_login_page_links_to_signup_and_resend(client, db):
    page = soup_of(client.get("/login/", **DE))
    assert page.select_one("[data-testid=signup-link]")["href"] == "/signup/"
    assert page.select_one("[data-testid=resend-link]")["href"] == "/signup/resend/"
    assert texts(page, "signup-link") == ["Neu bei kasse? Geschäft anmelden"]


def test_signup_page_shows_three_sections_and_time_zones(client, db):
    page = soup_of(client.get("/signup/", **DE))
    assert page.select_one("[data-testid=signup-organization] legend").text == "Ihr Unternehmen"
    assert page.select_one("select[name=store-time_zone] option[selected]")["value"] == "Europe/Berlin"
    assert page.select_one("input[name=owner-password1]")["type"] == "password"
