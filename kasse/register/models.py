"""The register's own state: paired devices, pairing codes, and open or parked carts.

A cart is working state, not a fiscal record: it becomes a ``Sale`` in one
commit when paid (``kasse.sales.services.checkout.complete_sale``, with the
cart's id as the sale's id, so a retried payment is idempotent).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel, money_field


class RegisterDevice(OrganizationScopedModel):
    """A browser (tablet, all-in-one) paired to a register; it holds the token in a cookie."""

    register = models.ForeignKey("tenancy.Register", on_delete=models.CASCADE, related_name="devices")
    name = models.CharField(_("device"), max_length=120, blank=True)
    token_digest = models.CharField(max_length=64, unique=True)
    is_display = models.BooleanField(_("customer display"), default=False)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("paired device")
        verbose_name_plural = _("paired devices")


class PairingCode(OrganizationScopedModel):
    """A short-lived one-time code that turns a browser into a register (or its display)."""

    register = models.ForeignKey("tenancy.Register", on_delete=models.CASCADE, related_name="+")
    code_digest = models.CharField(max_length=128, unique=True)  # salted scrypt (services.pairing)
    for_display = models.BooleanField(default=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("tenancy.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")


class CartStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    PARKED = "parked", _("parked")


class Cart(OrganizationScopedModel):
    """What a cashier is ringing up. Parked carts can be resumed on any register of the store."""

    store = models.ForeignKey("tenancy.Store", on_delete=models.CASCADE, related_name="+")
    register = models.ForeignKey("tenancy.Register", on_delete=models.CASCADE, related_name="carts")
    employee = models.ForeignKey("tenancy.Employee", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=CartStatus.choices, default=CartStatus.ACTIVE)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order_discount_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    order_discount_amount = money_field(null=True, blank=True)
    discount_approved_by = models.ForeignKey(
        "tenancy.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the manager approved of the order discount (re-checked at checkout): the discount
    # and the amount it was on, so a smaller cart cannot turn an approved 10 % into 100 %.
    approved_order_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    approved_order_amount = money_field(null=True, blank=True)
    approved_order_base = money_field(null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # What the customer redeems of their loyalty account (kasse.register.services.cart_loyalty).
    redeem_points = models.PositiveIntegerField(default=0)
    redeem_stamp_cards = models.JSONField(default=list, blank=True)
    coupon_codes = models.JSONField(default=list, blank=True)  # entered at the register, checked again at checkout
    parked_at = models.DateTimeField(null=True, blank=True)
    parked_label = models.CharField(_("label"), max_length=60, blank=True)
    # Started while the register was in training mode: it stays a training cart (its sale a training
    # receipt) wherever it is resumed (docs/fiscal.md, Integration item 6).
    training = models.BooleanField(_("training"), default=False)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["register"], condition=models.Q(status="active"), name="one_active_cart_per_register"
            ),
        ]


class TrainingMode(OrganizationScopedModel):
    """A register in training mode: the row exists while it is on (entered and left with a manager PIN).

    Kept where the register sells (the cloud, or its store node), like its carts; never synced.
    """

    register = models.OneToOneField("tenancy.Register", on_delete=models.CASCADE, related_name="+")
    started_by = models.ForeignKey("tenancy.Employee", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("training mode")
        verbose_name_plural = _("training mode")


class CartLine(OrganizationScopedModel):
    """A line in a cart; the price comes from the catalog at checkout unless overridden."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    unit_price = money_field(null=True, blank=True)  # only for overrides and price-embedded labels
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    discount_amount = money_field(null=True, blank=True)
    approved_by = models.ForeignKey(
        "tenancy.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What ``approved_by`` approved on this line (re-checked at checkout): the overridden price,
    # and the discount with the amount it was on.
    approved_price = money_field(null=True, blank=True)
    approved_discount_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    approved_discount_amount = money_field(null=True, blank=True)
    approved_discount_base = money_field(null=True, blank=True)
    price_from_label = models.BooleanField(default=False)  # unit_price was printed on a scale/price label
    barcode = models.CharField(max_length=48, blank=True)
    note = models.CharField(max_length=200, blank=True)
    voucher_code = models.CharField(max_length=48, blank=True)  # a gift card sold on this line (kasse.vouchers)

    class Meta:
        ordering = ["position"]


class ScaleLabelLayout(models.TextChoices):
    GERMANY = "de", _("German GS1 prefixes (22/23 price, 25/26 count, 28/29 weight)")
    CUSTOM = "custom", _("Custom pattern")


class ScannerLayout(models.TextChoices):
    US = "us", _("Scanner set to US keyboard")
    NATIVE = "native", _("Scanner set to the keyboard layout of the device")


class RegisterSettings(OrganizationScopedModel):
    """How the registers of one store scan and lock: scale labels, wedge scanners, auto-lock."""

    store = models.OneToOneField("tenancy.Store", on_delete=models.CASCADE, related_name="register_settings")
    scale_label_layout = models.CharField(
        _("scale labels"), max_length=10, choices=ScaleLabelLayout.choices, default=ScaleLabelLayout.GERMANY
    )
    scale_label_pattern = models.CharField(
        _("custom scale label pattern"),
        max_length=13,
        blank=True,
        help_text=_(
            "13 characters: fixed digits, I = item, P = price in cents, W = weight in grams, "
            "C = check digit; e.g. 21IIIIIWWWWWC."
        ),
    )
    scanner_layout = models.CharField(
        _("scanner keyboard layout"), max_length=10, choices=ScannerLayout.choices, default=ScannerLayout.US
    )
    scanner_prefix = models.CharField(_("scanner prefix"), max_length=5, blank=True)
    scanner_suffix = models.CharField(_("scanner suffix"), max_length=5, blank=True, default="Enter")
    scanner_max_gap_ms = models.PositiveIntegerField(
        _("max. ms between scanner keys"),
        default=60,
        help_text=_("Keys closer together than this belong to one burst of the scanner (a person types slower)."),
    )
    scanner_min_length = models.PositiveIntegerField(_("min. code length"), default=4)
    scanner_pause_ms = models.PositiveIntegerField(
        _("max. pause inside a scan (ms)"),
        default=160,
        help_text=_(
            "Bluetooth and radio scanners send a code in packets; bursts this close together are one "
            "code. A code without a terminator is taken after this quiet time."
        ),
    )
    scanner_late_suffix_ms = models.PositiveIntegerField(
        _("late terminator (ms)"),
        default=300,
        help_text=_(
            "A terminator (the suffix) arriving up to this long after the last key still ends the scan "
            "instead of reaching the page."
        ),
    )
    scan_beep = models.BooleanField(
        _("beep on an unknown or incomplete code"),
        default=True,
    )
    scan_beep_volume = models.PositiveSmallIntegerField(_("beep volume (%)"), default=60)
    auto_lock_seconds = models.PositiveIntegerField(_("lock after inactivity (seconds)"), default=120)
    display_message = models.TextField(
        _("customer display: offers and messages"),
        blank=True,
        help_text=_("Shown on the customer display between sales, one offer per line."),
    )


class PinThrottle(OrganizationScopedModel):
    """Wrong register PINs counted in the database, per device and per organization.

    One row per paired device and one per organization (``device`` empty). Rows are
    locked while a PIN is checked, so every worker process of the cloud (and the store
    node on its own database) shares the count; a correct PIN never resets it, only
    time does (``kasse.register.services.pin_guard``). Never synced.
    """

    device = models.ForeignKey(RegisterDevice, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["device"], condition=models.Q(device__isnull=False), name="pin_throttle_device_unique"
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(device__isnull=True),
                name="pin_throttle_organization_unique",
            ),
        ]
