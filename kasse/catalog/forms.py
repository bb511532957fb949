"""Back-office forms of the catalog.

Forms only shape input for the services: prices stay text (the services parse
German and English amounts and say what is wrong), and nothing here saves.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kasse.catalog import csv_export
from kasse.catalog.models import Category, ContentUnit, Product, Unit, Variant
from kasse.catalog.services import VariantData
from kasse.core.vat import VatClass
from kasse.tenancy.models import Organization

_BARCODE_SPLIT = re.compile(r"[\s,;|]+")
_ATTRIBUTE_SPLIT = re.compile(r"[,;\n]+")


def format_amount(value: Decimal | None) -> str:
    """An amount as the user types it in the current language (``1,29`` in German)."""
    if value is None:
        return ""
    return number_format(value, decimal_pos=2)


def split_barcodes(text: str) -> list[str]:
    """Barcodes typed one per line, or separated by commas, semicolons or ``|``."""
    return [code for code in _BARCODE_SPLIT.split(text or "") if code]


def parse_attributes(text: str) -> dict[str, str]:
    """``Größe: M, Farbe: Blau`` → ``{"Größe": "M", "Farbe": "Blau"}``."""
    result: dict[str, str] = {}
    for part in _ATTRIBUTE_SPLIT.split(text or ""):
        if not part.strip():
            continue
        key, sep, value = part.partition(":")
        if not sep:
            key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValidationError(
                _("Write attributes as “name: value”, separated by commas (e.g. “Size: M, Colour: blue”).")
            )
        result[key.strip()] = value.strip()
    return result


def format_attributes(attributes: dict[str, Any]) -> str:
    return ", ".join(f"{key}: {value}" for key, value in (attributes or {}).items())


class ProductForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    category: forms.ModelChoiceField[Category] = forms.ModelChoiceField(
        label=gettext_lazy("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=gettext_lazy("– no category –"),
    )
    price = forms.CharField(
        label=gettext_lazy("Price (incl. VAT, €)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    vat_class = forms.ChoiceField(label=gettext_lazy("VAT"), choices=VatClass.choices)
    cost_price = forms.CharField(
        label=gettext_lazy("Cost price (net, €)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), choices=Unit.choices)
    is_measured = forms.BooleanField(label=gettext_lazy("Sold by weight or measure"), required=False)
    net_content = forms.DecimalField(
        label=gettext_lazy("Net content"),
        required=False,
        localize=True,
        max_digits=10,
        decimal_places=3,
        min_value=Decimal("0.001"),
    )
    net_content_unit = forms.ChoiceField(
        label=gettext_lazy("Net content unit"), required=False, choices=[("", "–"), *ContentUnit.choices]
    )
    track_stock = forms.BooleanField(label=gettext_lazy("Track stock"), required=False, initial=True)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    is_favourite = forms.BooleanField(label=gettext_lazy("Favourite on the register"), required=False)
    image = forms.ImageField(label=gettext_lazy("Image"), required=False)

    def __init__(self, *args: Any, organization: Organization, product: Product | None = None, **kwargs: Any) -> None:
        if product is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": product.name,
                "description": product.description,
                "category": product.category_id,
                "price": format_amount(product.price),
                "vat_class": product.vat_class,
                "cost_price": format_amount(product.cost_price),
                "unit": product.unit,
                "is_measured": product.is_measured,
                "net_content": product.net_content,
                "net_content_unit": product.net_content_unit,
                "track_stock": product.track_stock,
                "is_active": product.is_active,
                "is_favourite": product.is_favourite,
                "image": product.image,
            }
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(organization=organization)  # type: ignore[attr-defined]
        self.fields["name"].widget.attrs["data-testid"] = "product-name"
        self.fields["price"].widget.attrs["data-testid"] = "product-price"

    def service_data(self) -> dict[str, Any]:
        """The cleaned fields as ``save_product`` takes them."""
        data = dict(self.cleaned_data)
        image = data.pop("image", None)
        if image is False:
            data["image"] = ""  # the "clear" box was ticked
        elif image and image != self.initial.get("image"):
            data["image"] = image
        return data


class VariantForm(forms.Form):
    id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=gettext_lazy("Variant"), max_length=120, required=False)
    sku = forms.CharField(
        label=gettext_lazy("SKU"), max_length=64, required=False, help_text=gettext_lazy("Empty: kasse assigns one.")
    )
    price = forms.CharField(
        label=gettext_lazy("Own price (€)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=gettext_lazy("Empty: the product's price."),
    )
    cost_price = forms.CharField(
        label=gettext_lazy("Cost price (net, €)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    attributes = forms.CharField(
        label=gettext_lazy("Attributes"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("e.g. “Size: M, Colour: blue”"),
    )
    barcodes = forms.CharField(
        label=gettext_lazy("Barcodes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("One per line or separated by commas."),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def clean_attributes(self) -> dict[str, str]:
        return parse_attributes(self.cleaned_data.get("attributes") or "")

    def variant_data(self) -> VariantData:
        data = self.cleaned_data
        return VariantData(
            id=data.get("id"),
            name=data.get("name", ""),
            sku=data.get("sku", ""),
            price=data.get("price") or None,
            cost_price=data.get("cost_price") or None,
            barcodes=split_barcodes(data.get("barcodes", "")),
            attributes=data.get("attributes") or {},
            is_active=data.get("is_active", False),
        )


VARIANT_PREFIX = "variants"


class BaseVariantFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, variant_ids: set[uuid.UUID] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.variant_ids = variant_ids or set()

    def clean(self) -> None:
        if any(self.errors):
            return
        for form in self.forms:
            variant_id = form.cleaned_data.get("id")
            if variant_id and variant_id not in self.variant_ids:
                raise ValidationError(_("A variant does not belong to this product. Please reload the page."))

    def kept_forms(self) -> list[VariantForm]:
        """Variant rows kept on the page, in order; deleted and untouched new rows are left out."""
        result = []
        for form in self.forms:
            if not form.has_changed() and not form.initial:
                continue
            if self.can_delete and form.cleaned_data.get("DELETE"):
                continue
            result.append(form)
        return result


VariantFormSet = cast(
    type[BaseVariantFormSet],
    forms.formset_factory(VariantForm, formset=BaseVariantFormSet, extra=0, can_delete=True),
)


def variant_initial(variant: Variant, barcodes: list[str]) -> dict[str, Any]:
    return {
        "id": variant.pk,
        "name": variant.name,
        "sku": variant.sku,
        "price": format_amount(variant.price),
        "cost_price": format_amount(variant.cost_price),
        "attributes": format_attributes(variant.attributes),
        "barcodes": "\n".join(barcodes),
        "is_active": variant.is_active,
    }


class GenerateVariantsForm(forms.Form):
    sizes = forms.CharField(
        label=gettext_lazy("Sizes"), required=False, help_text=gettext_lazy("Comma separated, e.g. S, M, L")
    )
    colours = forms.CharField(
        label=gettext_lazy("Colours"), required=False, help_text=gettext_lazy("Comma separated, e.g. red, blue")
    )

    def combinations(self) -> list[dict[str, str]]:
        """One attributes dict per size × colour (either list may be empty)."""
        sizes = [s.strip() for s in (self.cleaned_data.get("sizes") or "").split(",") if s.strip()]
        colours = [c.strip() for c in (self.cleaned_data.get("colours") or "").split(",") if c.strip()]
        size_key, colour_key = _("Size"), _("Colour")
        if sizes and colours:
            return [{size_key: s, colour_key: c} for s in sizes for c in colours]
        if sizes:
            return [{size_key: s} for s in sizes]
        return [{colour_key: c} for c in colours]


class CategoryForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    parent: forms.ModelChoiceField[Category] = forms.ModelChoiceField(
        label=gettext_lazy("Parent category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=gettext_lazy("– none –"),
    )
    position = forms.IntegerField(label=gettext_lazy("Position"), min_value=0, initial=0)
    color = forms.RegexField(
        label=gettext_lazy("Colour"),
        regex=r"^(#[0-9A-Fa-f]{6})?$",
        required=False,
        widget=forms.TextInput(attrs={"type": "color"}),
        error_messages={"invalid": gettext_lazy("Please enter a colour as #RRGGBB.")},
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def __init__(self, *args: Any, organization: Organization, category: Category | None = None, **kwargs: Any) -> None:
        if category is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": category.name,
                "parent": category.parent_id,
                "position": category.position,
                "color": category.color or "#ffffff",
                "is_active": category.is_active,
            }
        super().__init__(*args, **kwargs)
        parents = Category.objects.filter(organization=organization)
        if category is not None:
            parents = parents.exclude(pk=category.pk)
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]


class StorePriceForm(forms.Form):
    """One price input per store for one variant (empty: no override)."""

    def __init__(self, *args: Any, stores: list[Any], current: dict[Any, Decimal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stores = stores
        for store in stores:
            self.fields[f"store_{store.pk}"] = forms.CharField(
                label=store.name,
                required=False,
                max_length=20,
                initial=format_amount(current.get(store.pk)),
                widget=forms.TextInput(attrs={"inputmode": "decimal", "data-testid": f"store-price-{store.number}"}),
            )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("Separated by “;” or “,”, UTF-8 (as Excel saves “CSV UTF-8”)."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > csv_export.MAX_IMPORT_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)d MB; please split it.")
                % {"size": csv_export.MAX_IMPORT_BYTES // (1024 * 1024)}
            )
        return upload
