"""Shared model bases and the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from kasse.core.ids import uuid7

if TYPE_CHECKING:
    from kasse.tenancy.models import Organization


class UUIDModel(models.Model):
    """A model whose primary key is a UUIDv7 born with the record."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)

    class Meta:
        abstract = True


class TimestampedModel(UUIDModel):
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


def organization_scoped_manager() -> models.Manager:
    """Manager that refuses to query unless an organization scope is active.

    Forgetting the tenant filter raises ``ScopeError`` instead of leaking rows
    (django-scopes, as pretix does it).
    """
    return ScopedManager(organization="organization")


class OrganizationScopedModel(TimestampedModel):
    """Base for every tenant table: carries the organization and the scoped manager."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
    )

    objects = organization_scoped_manager()

    class Meta:
        abstract = True


def organization_without_own_index() -> models.ForeignKey[Organization, Organization]:
    """The ``organization`` field of :class:`OrganizationScopedModel` without its one-column index, for a
    table whose own composite indexes start with the organization (they serve the same look-ups, and the
    protect check when an organization is deleted)."""
    return models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
        db_index=False,
    )


class AuditEntry(UUIDModel):
    """One thing somebody did, written in the same transaction as the change.

    Append-only: there is no service that edits or deletes entries (GoBD).
    ``action`` is dotted, ``<app>.<thing>.<verb>``, e.g. ``catalog.product.created``.
    """

    # no index of its own: both composite indexes below start with it
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="audit_entries", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=100)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(max_length=200, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # The store the action happened in or concerns (empty: the whole organization), for the audit log's
    # store filter and a store manager's view of it; set by ``log_action`` from the object.
    store = models.ForeignKey("tenancy.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = organization_scoped_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "object_type", "object_id"]),
            models.Index(fields=["organization", "store", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"


def money_field(verbose_name: Any = None, **kwargs: Any) -> models.DecimalField:
    """A euro amount with cents (up to 9,999,999,999.99), the one money column shape."""
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


class Attempt(models.Model):
    """One failed attempt at something guessable (a login, a pairing code), counted per key.

    Kept in the database so that every worker process counts the same attempts
    (see :mod:`kasse.core.throttle`); rows older than the longest window are pruned.
    """

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "at"])]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}@{self.at:%Y-%m-%d %H:%M:%S}"
