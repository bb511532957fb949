"""factory-boy factories for tests and benchmarks. They write rows directly (not
through services) so tests can set up any state, valid or odd, quickly."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.catalog.models import Barcode, Category, Product, Variant
from kasse.core.barcodes import gs1_check_digit
from kasse.core.text import fold
from kasse.customers.models import Customer
from kasse.customers.services import customer_search_text
from kasse.tenancy.models import (
    Employee,
    Organization,
    Register,
    Store,
    StoreRole,
    User,
    pin_digest,
)
from kasse.tenancy.permissions import Role


class ScopesDisabledFactory(factory.django.DjangoModelFactory):
    """Creates rows with tenant scopes disabled (factories set ``organization`` themselves)."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        with scopes_disabled():
            return super()._create(model_class, *args, **kwargs)


class UserFactory(ScopesDisabledFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name", locale="de_DE")
    password = factory.django.Password("correct horse battery staple")
    email_verified_at = factory.LazyFunction(timezone.now)


class OrganizationFactory(ScopesDisabledFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Bäckerei Nummer {n}")
    legal_name = factory.LazyAttribute(lambda o: f"{o.name} GmbH")
    street = "Hauptstraße 1"
    postal_code = "10115"
    city = "Berlin"
    vat_id = "DE123456789"
    tax_number = "21/815/08150"


class StoreFactory(ScopesDisabledFactory):
    class Meta:
        model = Store

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Filiale {n}")
    # 100 to 899, round and round: tests number the stores they add themselves below 100 (2, 50, 77) or above
    # 899 (901, 902, 990, listed after the fixture's store), and the sequence, which runs on through all of a
    # worker's tests, must never give the same organization's fixture store one of those (it reached 902
    # once late in a CI worker: UNIQUE constraint on (organization, number)).
    number = factory.Sequence(lambda n: 100 + n % 800)
    street = "Marktplatz 2"
    postal_code = "10117"
    city = "Berlin"


class RegisterFactory(ScopesDisabledFactory):
    class Meta:
        model = Register

    store = factory.SubFactory(StoreFactory)
    organization = factory.SelfAttribute("store.organization")
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"Kasse {o.number}")
    serial_number = factory.Sequence(lambda n: f"SN-{n:06d}")


class EmployeeFactory(ScopesDisabledFactory):
    class Meta:
        model = Employee
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    display_name = factory.Faker("first_name", locale="de_DE")

    @factory.post_generation
    def pin(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if extracted:
            self.pin_digest = pin_digest(self.organization, extracted)
            if create:
                with scopes_disabled():
                    self.save(update_fields=["pin_digest"])

    @factory.post_generation
    def role(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        """``role=Role.MANAGER`` (org-wide) or ``role=(store, Role.CASHIER)``."""
        if not create or not extracted:
            return
        store, role = extracted if isinstance(extracted, tuple) else (None, extracted)
        with scopes_disabled():
            StoreRole.objects.create(organization=self.organization, employee=self, store=store, role=role)


def owner_user(organization: Organization, **kwargs: object) -> User:
    """A verified user who is an owner of ``organization``."""
    user = UserFactory(**kwargs)
    EmployeeFactory(organization=organization, user=user, display_name=user.full_name, role=Role.OWNER)
    return user


class CategoryFactory(ScopesDisabledFactory):
    class Meta:
        model = Category

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Kategorie {n}")


def ean13(n: int, prefix: str = "400") -> str:
    payload = f"{prefix}{n:0{12 - len(prefix)}d}"
    return payload + str(gs1_check_digit(payload))


class ProductFactory(ScopesDisabledFactory):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Brötchen {n}")
    price = Decimal("0.45")
    vat_class = "reduced"
    search_text = factory.LazyAttribute(lambda o: fold(o.name))

    @factory.post_generation
    def variant(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        """Every product gets a default variant; ``variant__barcode="400..."`` adds a code."""
        if not create:
            return
        barcode = kwargs.pop("barcode", None)
        with scopes_disabled():
            variant = Variant.objects.create(
                organization=self.organization,
                product=self,
                sku=kwargs.pop("sku", f"SKU-{self.pk.hex[-12:]}"),
                **kwargs,
            )
            if barcode:
                from kasse.core.barcodes import guess_kind

                Barcode.objects.create(
                    organization=self.organization, variant=variant, code=barcode, kind=guess_kind(barcode)
                )


class CustomerFactory(ScopesDisabledFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    customer_number = factory.Sequence(lambda n: 10001 + n)
    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")
    email = factory.Sequence(lambda n: f"kunde{n}@example.org")

    @factory.post_generation
    def index_for_search(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        self.search_text = customer_search_text(self)
        if create:
            with scopes_disabled():
                Customer.objects.filter(pk=self.pk).update(search_text=self.search_text)
