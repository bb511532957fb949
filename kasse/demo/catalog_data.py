"""The hand-written assortment of the demo bakery-deli (data only).

Prices are VAT-inclusive euros as strings; weighed items are priced per kg.
VAT follows German practice: food 7 %, drinks and non-food 19 %; milk drinks
with at least 75 % milk (latte macchiato, cocoa) and books are 7 % as well.
"""

from __future__ import annotations

# (name, [(net content in g, price), ...]) — one product per size.
BREADS: list[tuple[str, list[tuple[int, str]]]] = [
    ("Roggenmischbrot", [(750, "3.90"), (1500, "6.90")]),
    ("Dinkelvollkornbrot", [(500, "4.20"), (1000, "7.80")]),
    ("Sonnenblumenkernbrot", [(750, "4.30"), (1000, "5.40")]),
    ("Bauernbrot", [(1000, "4.60"), (2000, "8.50")]),
    ("Kartoffelbrot", [(750, "4.10"), (1000, "5.20")]),
    ("Krustenbrot", [(750, "3.70"), (1000, "4.80")]),
    ("Weizenmischbrot", [(500, "2.90"), (1000, "4.90")]),
    ("Schwarzbrot", [(500, "3.40"), (1000, "5.90")]),
    ("Walnussbrot", [(500, "4.90"), (750, "6.80")]),
    ("Kürbiskernbrot", [(750, "4.60"), (1000, "5.80")]),
    ("Buttermilchbrot", [(500, "3.20"), (1000, "5.60")]),
    ("Mehrkornbrot", [(750, "4.20"), (1000, "5.30")]),
    ("Toastbrot", [(500, "2.50"), (750, "3.40")]),
    ("Baguette", [(250, "1.90"), (400, "2.80")]),
    ("Ciabatta", [(300, "2.40"), (500, "3.60")]),
    ("Sauerteigbrot", [(750, "4.50"), (1000, "5.70")]),
    ("Chia-Dinkelbrot", [(500, "4.40"), (750, "5.90")]),
    ("Roggenvollkornbrot", [(500, "3.60"), (1000, "6.40")]),
]

# (name, price, favourite on the register)
ROLLS: list[tuple[str, str, bool]] = [
    ("Schrippe", "0.45", True), ("Kaiserbrötchen", "0.55", True), ("Mohnbrötchen", "0.65", True),
    ("Sesambrötchen", "0.65", True), ("Kürbiskernbrötchen", "0.85", False),
    ("Sonnenblumenbrötchen", "0.80", False), ("Dinkelbrötchen", "0.80", True),
    ("Roggenbrötchen", "0.70", False), ("Vollkornbrötchen", "0.80", False),
    ("Mehrkornbrötchen", "0.85", True), ("Laugenbrezel", "0.95", True), ("Laugenstange", "1.10", False),
    ("Laugenbrötchen", "0.90", False), ("Käsebrötchen", "1.30", False), ("Croissant", "1.20", True),
    ("Schokocroissant", "1.50", False), ("Milchbrötchen", "0.70", False), ("Rosinenbrötchen", "0.90", False),
    ("Quarkbrötchen", "0.90", False), ("Franzbrötchen", "1.80", False), ("Zwiebelbrötchen", "0.90", False),
    ("Chiabrötchen", "0.95", False), ("Dinkel-Kürbiskern-Stange", "1.40", False),
    ("Mini-Baguette", "0.90", False), ("Ciabattabrötchen", "0.90", False), ("Körnerkönig", "1.10", False),
    ("Splitterbrötchen", "0.75", False), ("Schusterjunge", "0.60", False), ("Knüppel", "0.55", False),
    ("Buttermilchbrötchen", "0.75", False), ("Kartoffelbrötchen", "0.85", False),
    ("Pizzabrötchen", "1.60", False), ("Frühstücksbeutel 6 Schrippen", "2.50", False),
    ("Familienbeutel 10 Schrippen", "3.90", False),
]

# (name, price of a piece, price of the whole cake or None for single pieces only)
CAKES: list[tuple[str, str, str | None]] = [
    ("Bienenstich", "2.60", "26.00"), ("Käsekuchen", "2.40", "22.00"), ("Apfelstrudel", "2.80", "19.90"),
    ("Schwarzwälder Kirschtorte", "3.50", "36.00"), ("Frankfurter Kranz", "3.40", "34.00"),
    ("Donauwelle", "2.70", "27.00"), ("Streuselkuchen", "2.20", "19.50"), ("Mohnkuchen", "2.40", "21.00"),
    ("Pflaumenkuchen", "2.60", "23.00"), ("Rhabarberkuchen", "2.60", "23.00"),
    ("Erdbeertorte", "3.40", "32.00"), ("Himbeer-Sahne-Torte", "3.60", "35.00"),
    ("Zitronenkuchen", "2.30", "14.90"), ("Marmorkuchen", "2.10", "12.90"), ("Eierschecke", "2.70", "24.00"),
    ("Nusszopf", "2.20", "9.90"), ("Butterkuchen", "1.90", "17.50"),
    ("Mandarinen-Schmand-Kuchen", "2.60", "24.00"), ("Pfannkuchen (Berliner)", "1.40", None),
    ("Amerikaner", "1.60", None), ("Windbeutel", "2.20", None), ("Eclair", "2.50", None),
    ("Nussecke", "2.10", None), ("Christstollen 1000 g", "16.90", None),
]

# (name, net content, content unit, price) — bought-in delicatessen, all 7 %.
DELI: list[tuple[str, str, str, str]] = [
    *[(f"{fruit} 340 g", "340", "g", price) for fruit, price in [
        ("Erdbeerkonfitüre", "4.20"), ("Aprikosenkonfitüre", "4.20"), ("Kirschkonfitüre", "4.20"),
        ("Himbeerkonfitüre", "4.60"), ("Johannisbeergelee", "4.40"), ("Pflaumenmus", "3.90"),
        ("Bitterorangen-Marmelade", "4.80"), ("Hagebuttenkonfitüre", "5.20"), ("Quittengelee", "5.20"),
        ("Heidelbeerkonfitüre", "5.50"),
    ]],
    *[(f"{honey} {size} g", str(size), "g", price) for honey, prices in [
        ("Blütenhonig", ("5.90", "9.90")), ("Waldhonig", ("6.90", "11.90")), ("Rapshonig cremig", ("5.50", "8.90")),
        ("Lindenblütenhonig", ("6.50", "10.90")), ("Akazienhonig", ("6.90", "11.50")),
        ("Heidehonig", ("7.90", "13.90")),
    ] for size, price in zip((250, 500), prices, strict=True)],
    ("Olivenöl extra vergine 500 ml", "500", "ml", "9.90"), ("Olivenöl extra vergine 750 ml", "750", "ml", "13.90"),
    ("Rapsöl kaltgepresst 500 ml", "500", "ml", "4.90"), ("Leinöl 250 ml", "250", "ml", "5.90"),
    ("Walnussöl 250 ml", "250", "ml", "7.90"), ("Kürbiskernöl 250 ml", "250", "ml", "8.90"),
    ("Aceto Balsamico 250 ml", "250", "ml", "6.90"), ("Aceto Balsamico 500 ml", "500", "ml", "11.90"),
    ("Apfelessig naturtrüb 500 ml", "500", "ml", "3.50"), ("Himbeeressig 250 ml", "250", "ml", "5.90"),
    ("Mittelscharfer Senf 200 ml", "200", "ml", "2.50"), ("Süßer Senf 200 ml", "200", "ml", "2.50"),
    ("Dijon-Senf 200 ml", "200", "ml", "3.20"), ("Feigensenf 130 ml", "130", "ml", "4.50"),
    ("Honigsenf 200 ml", "200", "ml", "3.40"), ("Estragonsenf 200 ml", "200", "ml", "3.40"),
    ("Pesto Genovese 190 g", "190", "g", "4.90"), ("Pesto Rosso 190 g", "190", "g", "4.90"),
    ("Bärlauchpesto 190 g", "190", "g", "5.50"), ("Grüne Oliven 200 g", "200", "g", "3.90"),
    ("Kalamata-Oliven 200 g", "200", "g", "4.50"), ("Getrocknete Tomaten 280 g", "280", "g", "5.20"),
    ("Artischockenherzen 280 g", "280", "g", "5.90"), ("Gefüllte Peperoni 250 g", "250", "g", "4.90"),
    ("Aioli 150 g", "150", "g", "3.20"), ("Hummus 200 g", "200", "g", "2.90"), ("Tapenade 130 g", "130", "g", "4.40"),
    ("Meersalz 250 g", "250", "g", "2.90"), ("Fleur de Sel 125 g", "125", "g", "6.90"),
    ("Kräutersalz 200 g", "200", "g", "3.50"), ("Pfeffer schwarz 60 g", "60", "g", "3.90"),
    ("Currypulver 50 g", "50", "g", "2.90"), ("Paprika edelsüß 60 g", "60", "g", "2.50"),
    ("Ceylon-Zimt 40 g", "40", "g", "3.90"),
    ("Spaghetti 500 g", "500", "g", "2.90"), ("Fusilli 500 g", "500", "g", "2.90"),
    ("Bandnudeln 500 g", "500", "g", "3.40"), ("Spätzle 500 g", "500", "g", "3.20"),
    ("Risottoreis 1 kg", "1", "kg", "5.90"), ("Belugalinsen 500 g", "500", "g", "3.90"),
    ("Vollmilchschokolade 100 g", "100", "g", "2.50"), ("Zartbitterschokolade 100 g", "100", "g", "2.70"),
    ("Nougat 100 g", "100", "g", "2.90"), ("Mandelkrokant 150 g", "150", "g", "4.50"),
    ("Butterkekse 200 g", "200", "g", "2.90"), ("Haferkekse 200 g", "200", "g", "3.20"),
    ("Elisenlebkuchen 200 g", "200", "g", "5.90"), ("Butterspekulatius 200 g", "200", "g", "3.50"),
    ("Dominosteine 250 g", "250", "g", "3.90"),
    ("Frische Vollmilch 1 l", "1", "l", "1.69"), ("Süßrahmbutter 250 g", "250", "g", "3.29"),
    ("Naturjoghurt 500 g", "500", "g", "1.99"), ("Speisequark 250 g", "250", "g", "1.49"),
    ("Schmand 200 g", "200", "g", "1.29"), ("Freilandeier 10 Stück", "10", "piece", "4.29"),
    ("Pfefferminztee 50 g", "50", "g", "4.50"), ("Kräutertee 75 g", "75", "g", "4.90"),
    ("Früchtetee 100 g", "100", "g", "4.90"), ("Schwarzer Tee Assam 100 g", "100", "g", "5.90"),
    ("Grüner Tee Sencha 100 g", "100", "g", "6.50"), ("Rooibostee 100 g", "100", "g", "4.90"),
    ("Kaffee Hausmischung 500 g", "500", "g", "9.90"), ("Kaffee Hausmischung 1 kg", "1", "kg", "17.90"),
    ("Espressobohnen 500 g", "500", "g", "11.90"), ("Kaffee entkoffeiniert 250 g", "250", "g", "6.90"),
]

# (name, price per kg) — sold over the counter by weight; German scale labels (prefix 28).
CHEESES: list[tuple[str, str]] = [
    ("Gouda jung", "14.90"), ("Gouda mittelalt", "16.90"), ("Gouda alt", "22.90"), ("Emmentaler", "19.90"),
    ("Bergkäse", "26.90"), ("Allgäuer Bergkäse", "29.90"), ("Tilsiter", "17.90"), ("Edamer", "13.90"),
    ("Butterkäse", "12.90"), ("Maasdamer", "15.90"), ("Gruyère", "34.90"), ("Comté", "36.90"),
    ("Parmigiano Reggiano", "34.90"), ("Pecorino", "29.90"), ("Manchego", "28.90"), ("Brie", "21.90"),
    ("Camembert", "19.90"), ("Roquefort", "39.90"), ("Gorgonzola", "24.90"), ("Ziegenkäse-Rolle", "29.90"),
    ("Limburger", "16.90"), ("Cheddar", "22.90"), ("Raclettekäse", "19.90"), ("Räucherkäse", "16.90"),
    ("Tomme de Savoie", "29.90"), ("Provolone", "21.90"), ("Schafskäse", "14.90"), ("Weinkäse", "18.90"),
    ("Bockshornklee-Gouda", "21.90"), ("Havarti", "17.90"),
]

SAUSAGES: list[tuple[str, str]] = [
    ("Salami luftgetrocknet", "29.90"), ("Pfeffersalami", "27.90"), ("Schwarzwälder Schinken", "34.90"),
    ("Kochschinken", "24.90"), ("Serrano-Schinken", "39.90"), ("Parmaschinken", "44.90"),
    ("Bierschinken", "17.90"), ("Lyoner", "14.90"), ("Jagdwurst", "13.90"), ("Leberwurst grob", "16.90"),
    ("Leberwurst fein", "15.90"), ("Teewurst", "18.90"), ("Mettwurst", "19.90"), ("Blutwurst", "12.90"),
    ("Sülze", "14.90"), ("Krakauer", "18.90"), ("Mortadella", "19.90"), ("Putenbrust", "22.90"),
    ("Roastbeef", "49.90"), ("Kasseler Aufschnitt", "23.90"), ("Leberkäse", "13.90"), ("Fleischwurst", "13.90"),
    ("Zwiebelmettwurst", "17.90"), ("Landjäger", "24.90"), ("Chorizo", "27.90"), ("Geflügelwurst", "14.90"),
    ("Schinkenspeck", "26.90"), ("Nussschinken", "32.90"), ("Bündner Fleisch", "69.90"),
    ("Wiener Würstchen", "16.90"),
]

# (name, net content, content unit, price) — all 19 %.
DRINKS: list[tuple[str, str, str, str]] = [
    *[(f"Mineralwasser {kind} {size} l", size.replace(",", "."), "l", price)
      for kind in ("still", "medium", "spritzig")
      for size, price in (("0,5", "0.99"), ("0,75", "1.49"))],
    ("Apfelsaft naturtrüb 1 l", "1", "l", "2.99"), ("Apfelsaft naturtrüb 0,33 l", "0.33", "l", "1.79"),
    ("Orangensaft 1 l", "1", "l", "3.29"), ("Orangensaft 0,33 l", "0.33", "l", "1.89"),
    ("Multivitaminsaft 1 l", "1", "l", "2.99"), ("Rhabarbernektar 0,75 l", "0.75", "l", "3.49"),
    ("Johannisbeernektar 0,75 l", "0.75", "l", "3.49"), ("Traubensaft 1 l", "1", "l", "3.19"),
    ("Karottensaft 0,75 l", "0.75", "l", "2.99"),
    ("Apfelschorle 0,33 l", "0.33", "l", "1.79"), ("Apfelschorle 0,5 l", "0.5", "l", "2.29"),
    ("Rhabarberschorle 0,33 l", "0.33", "l", "1.99"), ("Johannisbeerschorle 0,33 l", "0.33", "l", "1.99"),
    ("Zitronenlimonade 0,33 l", "0.33", "l", "1.99"), ("Orangenlimonade 0,33 l", "0.33", "l", "1.99"),
    ("Holunderlimonade 0,33 l", "0.33", "l", "2.29"), ("Ingwerlimonade 0,33 l", "0.33", "l", "2.29"),
    ("Mate-Limonade 0,5 l", "0.5", "l", "2.49"), ("Cola 0,33 l", "0.33", "l", "1.89"),
    ("Cola zuckerfrei 0,33 l", "0.33", "l", "1.89"), ("Fassbrause Zitrone 0,33 l", "0.33", "l", "1.99"),
    ("Eistee Pfirsich 0,5 l", "0.5", "l", "2.29"), ("Eistee Zitrone 0,5 l", "0.5", "l", "2.29"),
    ("Pils 0,5 l", "0.5", "l", "1.49"), ("Helles 0,5 l", "0.5", "l", "1.59"), ("Weißbier 0,5 l", "0.5", "l", "1.79"),
    ("Pils alkoholfrei 0,5 l", "0.5", "l", "1.39"), ("Radler 0,5 l", "0.5", "l", "1.49"),
    ("Berliner Weiße 0,33 l", "0.33", "l", "1.69"),
    ("Riesling trocken 0,75 l", "0.75", "l", "8.90"), ("Grauburgunder 0,75 l", "0.75", "l", "9.90"),
    ("Spätburgunder 0,75 l", "0.75", "l", "11.90"), ("Rosé 0,75 l", "0.75", "l", "7.90"),
    ("Winzersekt trocken 0,75 l", "0.75", "l", "9.90"), ("Prosecco 0,75 l", "0.75", "l", "8.90"),
    ("Glühwein 1 l", "1", "l", "4.99"),
]

# (name, reduced rate because of ≥ 75 % milk, [(variant, price), ...])
COFFEE: list[tuple[str, bool, list[tuple[str, str]]]] = [
    ("Espresso", False, [("einfach", "1.80"), ("doppelt", "2.60")]),
    ("Filterkaffee", False, [("0,2 l", "1.90"), ("0,4 l", "2.50")]),
    ("Café Crema", False, [("0,2 l", "2.20"), ("0,4 l", "2.90")]),
    ("Americano", False, [("0,2 l", "2.30"), ("0,4 l", "3.00")]),
    ("Cappuccino", False, [("0,2 l", "2.80"), ("0,4 l", "3.60")]),
    ("Flat White", False, [("0,2 l", "3.20"), ("0,3 l", "3.70")]),
    ("Latte macchiato", True, [("0,3 l", "3.20"), ("0,4 l", "3.90")]),
    ("Milchkaffee", True, [("0,3 l", "3.00"), ("0,4 l", "3.70")]),
    ("Chai Latte", True, [("0,3 l", "3.40"), ("0,4 l", "4.10")]),
    ("Heiße Schokolade", True, [("0,3 l", "2.90"), ("0,4 l", "3.60")]),
    ("Matcha Latte", True, [("0,3 l", "3.60"), ("0,4 l", "4.30")]),
    ("Tee to go", False, [("0,3 l", "2.00"), ("0,4 l", "2.50")]),
]

# (name, price, reduced rate) — mostly non-food.
GIFTS: list[tuple[str, str, bool]] = [
    ("Präsentkorb klein", "29.90", False), ("Präsentkorb groß", "59.90", False),
    ("Geschenkbox Feinkost", "24.90", False), ("Geschenkbox Honig", "19.90", False),
    ("Bienenwachskerze", "7.90", False), ("Teelichter 12 Stück", "4.90", False),
    ("Kaffeebecher Sonnenschein", "12.90", False), ("Thermobecher", "19.90", False),
    ("Brotkasten Holz", "39.90", False), ("Brotmesser", "24.90", False), ("Schneidebrett Eiche", "29.90", False),
    ("Backbuch „Brot aus Berlin“", "24.00", True), ("Grußkarte", "2.50", False),
    ("Geschenkpapier", "2.90", False), ("Butterdose Keramik", "14.90", False),
    ("Honiglöffel Olivenholz", "4.90", False),
    ("Brotbeutel Leinen", "9.90", False), ("Einkaufskorb", "34.90", False),
]

SIZES = ["S", "M", "L", "XL", "XXL"]
# (name, price, [(colour name, colour code)], sizes, surcharge for XXL)
MERCH: list[tuple[str, str, list[tuple[str, str]], list[str], str]] = [
    ("T-Shirt Sonnenschein-Logo", "19.90", [("Schwarz", "SW"), ("Weiß", "WS"), ("Sonnengelb", "GE")], SIZES, "2.00"),
    ("T-Shirt „Eine Schrippe, bitte“", "22.90", [("Schwarz", "SW"), ("Grau", "GR")], SIZES, "2.00"),
    ("T-Shirt Potsdam", "22.90", [("Marine", "MA"), ("Weiß", "WS")], SIZES, "2.00"),
    ("Hoodie Sonnenschein-Logo", "49.90", [("Schwarz", "SW"), ("Marine", "MA")], SIZES, "3.00"),
    ("Hoodie „Frisch gebacken“", "54.90", [("Grau", "GR"), ("Sonnengelb", "GE")], SIZES, "3.00"),
    ("Bäckerschürze", "24.90", [("Schwarz", "SW"), ("Natur", "NA")], [], "0"),
    ("Kappe", "17.90", [("Schwarz", "SW"), ("Sonnengelb", "GE")], [], "0"),
    ("Socken „Brezel“", "9.90", [("Bunt", "BU")], ["39–42", "43–46"], "0"),
    ("Jutebeutel", "6.90", [], [], "0"),
]

# (SKU, store number, price): a few prices a store sets itself.
STORE_PRICES: list[tuple[str, int, str]] = [
    ("BRT-0001", 1, "0.40"),  # the Berlin Schrippe, a neighbourhood price
    ("KAF-0005-1", 2, "3.00"), ("KAF-0005-2", 2, "3.80"),  # Cappuccino in Potsdam's tourist street
    ("KAF-0007-1", 2, "3.40"), ("KAF-0007-2", 2, "4.10"),
    ("KAF-0003-1", 2, "2.40"), ("KAF-0003-2", 2, "3.10"),
    ("GET-0017", 2, "2.49"),  # Apfelschorle 0,5 l
    ("MER-0003-MA-M", 2, "19.90"),  # Potsdam T-shirt on offer in Potsdam
    ("MER-0003-MA-L", 2, "19.90"),
]
