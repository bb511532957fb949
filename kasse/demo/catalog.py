"""Demo catalog: the hand-written assortment, generated filler products for large
catalogs, and the two ways of writing them (services, or bulk for benchmarks).

Barcodes are valid EAN-13s with GS1 check digits:

* ``20…``: in-store codes for the shop's own goods (bread, cakes, coffee, merch),
* ``28 IIII 000000 C``: weighed counter goods, the catalog code of a German scale
  label (``28``, 4-digit item, value check digit, 5-digit weight, check digit)
  with the weight zeroed, as the register looks it up,
* ``400…``/``401…``: made-up GTINs for bought-in goods and generated products.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django_scopes import scopes_disabled

from kasse.catalog.models import Barcode, Category, ContentUnit, Product, Unit, Variant
from kasse.catalog.services import VariantData, save_category, save_product, set_store_price
from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.barcodes import BarcodeKind, gs1_check_digit
from kasse.core.text import search_text
from kasse.core.vat import VAT_RATES, VatClass
from kasse.demo import catalog_data as data
from kasse.tenancy.models import Organization, Store

CENT = Decimal("0.01")

# key, name, colour; keys are stable, names are what the shop sees.
CATEGORIES: list[tuple[str, str, str]] = [
    ("BRO", "Brot", "#b5793b"),
    ("BRT", "Brötchen", "#d9a35f"),
    ("KUC", "Kuchen & Torten", "#e08aa6"),
    ("FEI", "Feinkost", "#6f9a4a"),
    ("KAS", "Käse", "#f2c94c"),
    ("WUR", "Wurst", "#c0504d"),
    ("GET", "Getränke", "#4a90d9"),
    ("KAF", "Kaffee to go", "#6b4a3a"),
    ("GES", "Geschenke", "#9b6bc3"),
    ("MER", "Merch", "#333333"),
]
CATEGORY_NUMBERS = {key: number for number, (key, _name, _colour) in enumerate(CATEGORIES, start=1)}


@dataclass
class VariantSpec:
    sku: str
    barcode: str
    name: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    price: Decimal | None = None


@dataclass
class ProductSpec:
    """One product to create, independent of how it is written."""

    name: str
    category: str  # key from CATEGORIES
    price: Decimal
    vat_class: str
    variants: list[VariantSpec]
    unit: str = Unit.PIECE
    is_measured: bool = False
    net_content: Decimal | None = None
    net_content_unit: str = ""
    cost_price: Decimal | None = None
    track_stock: bool = True
    is_favourite: bool = False
    description: str = ""


def ean13(payload: str) -> str:
    """The 12-digit payload with its GS1 check digit."""
    if len(payload) != 12 or not payload.isdigit():
        raise ValueError(f"an EAN-13 payload has 12 digits, not {payload!r}")
    return payload + str(gs1_check_digit(payload))


def own_code(category: str, number: int) -> str:
    return ean13(f"20{CATEGORY_NUMBERS[category]:02d}{number:08d}")


def weighed_code(item: int) -> str:
    return ean13(f"28{item:04d}000000")


def gtin_code(category: str, number: int) -> str:
    return ean13(f"400{CATEGORY_NUMBERS[category]:02d}{number:07d}")


def cost_of(gross: Decimal, vat_class: str, share: str) -> Decimal:
    """A plausible net purchase price: ``share`` of the net selling price."""
    net = gross / (1 + VAT_RATES[vat_class] / 100)
    return (net * Decimal(share)).quantize(CENT)


def _simple(
    name: str, category: str, price: str, vat_class: str, number: int, code: str, *, share: str, **extra: object
) -> ProductSpec:
    gross = Decimal(price)
    return ProductSpec(
        name=name,
        category=category,
        price=gross,
        vat_class=vat_class,
        cost_price=cost_of(gross, vat_class, share),
        variants=[VariantSpec(sku=f"{category}-{number:04d}", barcode=code)],
        **extra,  # type: ignore[arg-type]
    )


def _bakery() -> Iterator[ProductSpec]:
    reduced = VatClass.REDUCED
    number = 0
    for bread, sizes in data.BREADS:
        for grams, price in sizes:
            number += 1
            yield _simple(
                f"{bread} {grams} g",
                "BRO",
                price,
                reduced,
                number,
                own_code("BRO", number),
                share="0.30",
                net_content=Decimal(grams),
                net_content_unit=ContentUnit.G,
                track_stock=False,
            )
    for number, (roll, price, favourite) in enumerate(data.ROLLS, start=1):
        yield _simple(
            roll,
            "BRT",
            price,
            reduced,
            number,
            own_code("BRT", number),
            share="0.25",
            track_stock=False,
            is_favourite=favourite,
        )
    number = 0
    for cake, piece, whole in data.CAKES:
        number += 1
        label = f"{cake}, Stück" if whole else cake
        yield _simple(
            label,
            "KUC",
            piece,
            reduced,
            number,
            own_code("KUC", number),
            share="0.30",
            track_stock=False,
            is_favourite=cake in {"Bienenstich", "Käsekuchen"},
        )
        if whole:
            number += 1
            yield _simple(
                f"{cake}, ganz",
                "KUC",
                whole,
                reduced,
                number,
                own_code("KUC", number),
                share="0.30",
                track_stock=False,
                description="Ganzer Kuchen bzw. ganze Torte, bitte einen Tag vorher bestellen.",
            )


def _counter_and_shelf() -> Iterator[ProductSpec]:
    reduced, standard = VatClass.REDUCED, VatClass.STANDARD
    for number, (name, content, unit, price) in enumerate(data.DELI, start=1):
        yield _simple(
            name,
            "FEI",
            price,
            reduced,
            number,
            gtin_code("FEI", number),
            share="0.55",
            net_content=Decimal(content),
            net_content_unit=unit,
        )
    for key, items, first_item in (("KAS", data.CHEESES, 1001), ("WUR", data.SAUSAGES, 2001)):
        for number, (name, per_kg) in enumerate(items, start=1):
            yield _simple(
                name,
                key,
                per_kg,
                reduced,
                number,
                weighed_code(first_item + number - 1),
                share="0.50",
                unit=Unit.KG,
                is_measured=True,
                description="Preis je kg, an der Theke gewogen.",
            )
    for number, (name, content, unit, price) in enumerate(data.DRINKS, start=1):
        yield _simple(
            name,
            "GET",
            price,
            standard,
            number,
            gtin_code("GET", number),
            share="0.50",
            net_content=Decimal(content),
            net_content_unit=unit,
        )


def _coffee_gifts_merch() -> Iterator[ProductSpec]:
    reduced, standard = VatClass.REDUCED, VatClass.STANDARD
    for number, (name, milk, cups) in enumerate(data.COFFEE, start=1):
        vat_class = reduced if milk else standard
        first = Decimal(cups[0][1])
        variants = [
            VariantSpec(
                sku=f"KAF-{number:04d}-{index}",
                barcode=own_code("KAF", number * 10 + index),
                name=size,
                attributes={"Größe": size},
                price=Decimal(price),
            )
            for index, (size, price) in enumerate(cups, start=1)
        ]
        yield ProductSpec(
            name=name,
            category="KAF",
            price=first,
            vat_class=vat_class,
            variants=variants,
            cost_price=cost_of(first, vat_class, "0.20"),
            track_stock=False,
            is_favourite=True,
            description="Milchgetränk mit mindestens 75 % Milch (7 %)." if milk else "",
        )
    for number, (name, price, book) in enumerate(data.GIFTS, start=1):
        yield _simple(name, "GES", price, reduced if book else standard, number, gtin_code("GES", number), share="0.50")
    for number, (name, price, colours, sizes, surcharge) in enumerate(data.MERCH, start=1):
        base = Decimal(price)
        variants = []
        for colour, colour_code in colours or [("", "")]:
            for size in sizes or [""]:
                attributes = {k: v for k, v in (("Farbe", colour), ("Größe", size)) if v}
                suffix = "-".join(p for p in (colour_code, size.replace("–", "")) if p)
                index = len(variants) + 1
                variants.append(
                    VariantSpec(
                        sku=f"MER-{number:04d}" + (f"-{suffix}" if suffix else ""),
                        barcode=own_code("MER", number * 100 + index),
                        name=" / ".join(attributes.values()),
                        attributes=attributes,
                        price=base + Decimal(surcharge) if size == "XXL" else None,
                    )
                )
        yield ProductSpec(
            name=name,
            category="MER",
            price=base,
            vat_class=standard,
            variants=variants,
            cost_price=cost_of(base, standard, "0.35"),
        )


def demo_catalog() -> list[ProductSpec]:
    """The hand-written assortment (a little over 300 products), always the same."""
    return [*_bakery(), *_counter_and_shelf(), *_coffee_gifts_merch()]


# Generated products for large catalogs: (category, VAT, shapes, sizes, flavours).
_FILLER_GROUPS: list[tuple[str, str, list[str], list[str], list[str]]] = [
    (
        "BRO",
        VatClass.REDUCED,
        ["brot", "laib", "kruste", "zopf"],
        ["500 g", "750 g", "1000 g"],
        [
            "Roggen",
            "Dinkel",
            "Weizen",
            "Vollkorn",
            "Kürbiskern",
            "Sonnenblumen",
            "Mehrkorn",
            "Kartoffel",
            "Buttermilch",
            "Sauerteig",
            "Walnuss",
            "Emmer",
        ],
    ),
    (
        "BRT",
        VatClass.REDUCED,
        ["brötchen", "semmel", "stange", "knoten", "schnecke"],
        ["1 Stück", "4 Stück", "6 Stück", "10 Stück"],
        ["Mohn", "Sesam", "Käse", "Laugen", "Dinkel", "Roggen", "Körner", "Kürbiskern", "Schoko", "Rosinen", "Milch"],
    ),
    (
        "KUC",
        VatClass.REDUCED,
        ["kuchen", "torte", "schnitte", "strudel", "tarte", "muffin"],
        ["Stück", "klein", "ganz"],
        [
            "Apfel",
            "Kirsch",
            "Pflaumen",
            "Käse",
            "Schoko",
            "Mohn",
            "Rhabarber",
            "Erdbeer",
            "Himbeer",
            "Nuss",
            "Quark",
            "Zitronen",
        ],
    ),
    (
        "FEI",
        VatClass.REDUCED,
        ["aufstrich", "konfitüre", "pesto", "senf", "chutney", "creme", "sauce"],
        ["125 g", "200 g", "340 g"],
        [
            "Tomaten",
            "Paprika",
            "Kräuter",
            "Feigen",
            "Bärlauch",
            "Oliven",
            "Aprikosen",
            "Mango",
            "Zwiebel",
            "Knoblauch",
            "Chili",
            "Walnuss",
        ],
    ),
    (
        "GET",
        VatClass.STANDARD,
        ["saft", "schorle", "limonade", "nektar", "eistee", "brause"],
        ["0,33 l", "0,5 l", "0,75 l", "1 l"],
        [
            "Apfel",
            "Orangen",
            "Rhabarber",
            "Holunder",
            "Ingwer",
            "Johannisbeer",
            "Trauben",
            "Kirsch",
            "Pfirsich",
            "Maracuja",
            "Zitronen",
            "Mango",
        ],
    ),
    (
        "GES",
        VatClass.STANDARD,
        ["kerze", "tasse", "geschenkbox", "dose", "karte", "schale"],
        ["klein", "groß"],
        ["Sommer", "Winter", "Oster", "Weihnachts", "Geburtstags", "Dankeschön", "Berlin", "Potsdam"],
    ),
]
_BRANDS = [
    "Havelland",
    "Uckermark",
    "Gut Bornim",
    "Märkische Mühle",
    "Spreeperle",
    "Nordlicht",
    "Hofladen Kremmen",
    "Sonnenschein",
    "Barnim",
    "Fläming",
    "Oderbruch",
    "Werder",
    "Prignitz",
    "Lausitz",
    "Ruppin",
    "Schorfheide",
    "Kiez",
    "Gutshof Marquardt",
    "Müritz",
    "Elbtal",
    "Teltow",
    "Zauche",
    "Glien",
    "Beelitz",
]


def filler_products(count: int, *, start: int, seed: int = 7) -> Iterator[ProductSpec]:
    """``count`` generated products with serial numbers from ``start`` (SKUs ``SO-…``, GTINs ``401…``).

    Deterministic for a given ``seed`` and ``start``. Names repeat now and then,
    as in a real catalog of that size; SKUs and barcodes never do.
    """
    rng = random.Random(seed * 1_000_003 + start)
    for serial in range(start, start + count):
        key, vat_class, shapes, sizes, flavours = rng.choice(_FILLER_GROUPS)
        flavour, shape = rng.choice(flavours), rng.choice(shapes)
        name = f"{rng.choice(_BRANDS)} {flavour}{shape} {rng.choice(sizes)}"
        gross = Decimal(rng.randrange(49, 2999)) / 100
        yield ProductSpec(
            name=name,
            category=key,
            price=gross,
            vat_class=vat_class,
            cost_price=cost_of(gross, vat_class, "0.5"),
            variants=[VariantSpec(sku=f"SO-{serial:07d}", barcode=ean13(f"401{serial:09d}"))],
        )


def next_filler_serial(organization: Organization) -> int:
    """First free serial for :func:`filler_products` in ``organization``."""
    with scopes_disabled():
        last = Variant.objects.filter(organization=organization, sku__startswith="SO-").aggregate(m=Max("sku"))["m"]
    return int(last[3:]) + 1 if last else 1


def ensure_categories(actor: Actor, organization: Organization) -> dict[str, Category]:
    """The demo categories by key, created through the service where missing."""
    result = {}
    with scopes_disabled():
        existing = {c.name: c for c in Category.objects.filter(organization=organization, parent=None)}
    for position, (key, name, colour) in enumerate(CATEGORIES, start=1):
        category = existing.get(name)
        if category is None:
            category = save_category(
                actor=actor, organization=organization, data={"name": name, "position": position * 10, "color": colour}
            )
        result[key] = category
    return result


def _product_data(spec: ProductSpec, category: Category) -> dict[str, object]:
    return {
        "name": spec.name,
        "description": spec.description,
        "unit": spec.unit,
        "is_measured": spec.is_measured,
        "net_content": spec.net_content,
        "net_content_unit": spec.net_content_unit,
        "vat_class": spec.vat_class,
        "price": spec.price,
        "cost_price": spec.cost_price,
        "track_stock": spec.track_stock,
        "is_favourite": spec.is_favourite,
        "category": category,
    }


def save_with_services(
    actor: Actor, organization: Organization, specs: Iterable[ProductSpec], categories: dict[str, Category]
) -> int:
    """Create products through :func:`kasse.catalog.services.save_product` (validated, audited)."""
    count = 0
    for spec in specs:
        save_product(
            actor=actor,
            organization=organization,
            data=_product_data(spec, categories[spec.category]),
            variants=[
                VariantData(name=v.name, sku=v.sku, price=v.price, barcodes=[v.barcode], attributes=v.attributes)
                for v in spec.variants
            ],
        )
        count += 1
    return count


def product_search_text(spec: ProductSpec, category: Category) -> str:
    """``Product.search_text`` exactly as ``save_product`` computes it (a test keeps them equal)."""
    return search_text(
        spec.name,
        " ".join(v.name for v in spec.variants),
        " ".join(v.sku for v in spec.variants),
        category.name,
    )[:400]


def bulk_insert(
    actor: Actor,
    organization: Organization,
    specs: Iterable[ProductSpec],
    categories: dict[str, Category],
    *,
    batch_size: int = 2000,
) -> int:
    """Insert products, variants and barcodes with ``bulk_create``, for catalogs of 100,000 and more.

    Skips per-row validation, so only for generated specs whose SKUs and codes
    are known to be free (see :func:`next_filler_serial`). One audit entry
    records the batch.
    """
    total = 0
    batch: list[ProductSpec] = []

    def flush() -> None:
        products, variants, barcodes = [], [], []
        for spec in batch:
            category = categories[spec.category]
            product = Product(
                organization=organization,
                search_text=product_search_text(spec, category),
                **_product_data(spec, category),
            )
            products.append(product)
            for position, v in enumerate(spec.variants):
                variant = Variant(
                    organization=organization,
                    product=product,
                    name=v.name,
                    sku=v.sku,
                    price=v.price,
                    attributes=v.attributes,
                    position=position,
                )
                variants.append(variant)
                barcodes.append(
                    Barcode(organization=organization, variant=variant, code=v.barcode, kind=BarcodeKind.EAN13)
                )
        with transaction.atomic():
            Product.objects.bulk_create(products, batch_size=batch_size)
            Variant.objects.bulk_create(variants, batch_size=batch_size)
            Barcode.objects.bulk_create(barcodes, batch_size=batch_size)

    with scopes_disabled():
        for spec in specs:
            batch.append(spec)
            if len(batch) >= batch_size:
                flush()
                total += len(batch)
                batch.clear()
        if batch:
            flush()
            total += len(batch)
        if total:
            log_action(organization, actor, "catalog.product.bulk_created", None, {"count": total})
    return total


def apply_store_prices(actor: Actor, organization: Organization, stores: dict[int, Store]) -> int:
    """The demo's per-store price overrides, through the service."""
    count = 0
    with scopes_disabled():
        variants = {
            v.sku: v
            for v in Variant.objects.filter(
                organization=organization, sku__in=[sku for sku, _store, _price in data.STORE_PRICES]
            )
        }
    for sku, store_number, price in data.STORE_PRICES:
        if sku in variants and store_number in stores:
            set_store_price(actor=actor, store=stores[store_number], variant=variants[sku], price=price)
            count += 1
    return count
