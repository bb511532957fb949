"""DSFinV-K 2.3 as data: the seventeen files, their fields, types, lengths and value lists.

No Django here. This module is the single place the export's format is written down;
the writer, ``index.xml`` and the tests all read it. Sources (facts, not code): the
DSFinV-K 2.3 (BMF, mandatory for records from 1 July 2022), its sample ``index.xml``
with the GDPdU description of every column, and Anhang C (GV_TYP), D (ZAHLART_TYP),
E (REF_TYP) and the BON_TYP list of chapter 3.1.2.

Field kinds, as ``index.xml`` declares them:

- ``TEXT``: ``<AlphaNumeric/>`` with ``<MaxLength>``; written in double quotes, a
  quote inside doubled.
- ``INT``: ``<Numeric/>`` without decimals; written as digits (and a minus sign).
- ``DEC``: ``<Numeric><Accuracy>n</Accuracy></Numeric>``; written with a decimal comma
  and exactly n places, no digit grouping.

Every file is UTF-8, ``;`` between fields, CR LF after every line, a header line
with the column names first (``<Range><From>2</From></Range>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

TAXONOMY_VERSION = "2.3"
ENCODING = "utf-8"
COLUMN_DELIMITER = ";"
RECORD_DELIMITER = "\r\n"
TEXT_ENCAPSULATOR = '"'
DECIMAL_SYMBOL = ","
DIGIT_GROUPING_SYMBOL = "."
DTD_NAME = "gdpdu-01-09-2004.dtd"


class Kind(Enum):
    TEXT = "text"
    INT = "int"
    DEC = "dec"


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    description: str
    max_length: int = 0  # TEXT only
    places: int = 0  # DEC only
    values: tuple[str, ...] = ()  # a value list the field must take its value from (empty: free)


@dataclass(frozen=True)
class Table:
    file: str  # the file name in the ZIP (index.xml's <URL>)
    name: str  # the logical name (index.xml's <Name>)
    module: str  # Einzelaufzeichnung, Stammdaten, Kassenabschluss
    fields: tuple[Field, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def text(name: str, length: int, description: str, values: tuple[str, ...] = ()) -> Field:
    return Field(name, Kind.TEXT, description, max_length=length, values=values)


def integer(name: str, description: str) -> Field:
    return Field(name, Kind.INT, description)


def decimal(name: str, places: int, description: str) -> Field:
    return Field(name, Kind.DEC, description, places=places)


# --- value lists ---------------------------------------------------------------------------------------

# Chapter 3.1.2 (Bonkopf, BON_TYP).
BON_TYP = (
    "Beleg",
    "AVTransfer",
    "AVBestellung",
    "AVTraining",
    "AVBelegstorno",
    "AVBelegabbruch",
    "AVSachbezug",
    "AVSonstige",
    "AVRechnung",
)
# Anhang C (Geschäftsvorfälle).
GV_TYP = (
    "Umsatz",
    "Pfand",
    "PfandRueckzahlung",
    "Rabatt",
    "Aufschlag",
    "ZuschussEcht",
    "ZuschussUnecht",
    "TrinkgeldAG",
    "TrinkgeldAN",
    "EinzweckgutscheinKauf",
    "EinzweckgutscheinEinloesung",
    "MehrzweckgutscheinKauf",
    "MehrzweckgutscheinEinloesung",
    "Forderungsentstehung",
    "Forderungsaufloesung",
    "Anzahlungseinstellung",
    "Anzahlungsaufloesung",
    "Anfangsbestand",
    "Privatentnahme",
    "Privateinlage",
    "Geldtransit",
    "Lohnzahlung",
    "Einzahlung",
    "Auszahlung",
    "DifferenzSollIst",
)
# Anhang D (Zahlarten).
ZAHLART_TYP = ("Bar", "Unbar", "Keine", "ECKarte", "Kreditkarte", "ElZahlungsdienstleister", "GuthabenKarte")
# Anhang E (Bon_Referenzen).
REF_TYP = ("Transaktion", "ExterneRechnung", "ExternerLieferschein", "ExterneSonstige")
# Bonpos_Preisfindung.TYP.
PF_TYP = ("base_amount", "discount", "extra_amount")
# Stamm_TSE.TSE_ZEITFORMAT (the log-time formats of TR-03151).
TSE_ZEITFORMAT = ("utcTime", "utcTimeWithSeconds", "generalizedTime", "generalizedTimeWithMilliseconds", "unixTime")
TSE_PD_ENCODING = ("UTF-8", "ASCII")
BOOLEAN = ("0", "1")

# --- the three key fields every file starts with ----------------------------------------------------------

_Z = (
    text("Z_KASSE_ID", 50, "ID der (Abschluss-) Kasse"),
    text("Z_ERSTELLUNG", 30, "Zeitpunkt des Kassenabschlusses"),
    integer("Z_NR", "Nr. des Kassenabschlusses"),
)
_BON = (*_Z, text("BON_ID", 40, "Vorgangs-ID"))
_POS = (*_BON, text("POS_ZEILE", 50, "Zeilennummer"))

E, S, K = "Einzelaufzeichnung", "Stammdaten", "Kassenabschluss"

# --- Einzelaufzeichnungsmodul -----------------------------------------------------------------------------

LINES = Table(
    "lines.csv",
    "Bonpos",
    E,
    (
        *_POS,
        text("GUTSCHEIN_NR", 50, "Gutschein-Nr."),
        text("ARTIKELTEXT", 255, "Artikeltext"),
        text("POS_TERMINAL_ID", 50, "ID des POS-Terminals"),
        text("GV_TYP", 30, "Geschäftsvorfall-Art", GV_TYP),
        text("GV_NAME", 40, "Name des Geschäftsvorfalls"),
        text("INHAUS", 1, "Verzehr an Ort und Stelle", BOOLEAN),
        text("P_STORNO", 1, "Positionsstorno-Kennzeichnung", BOOLEAN),
        integer("AGENTUR_ID", "ID der Agentur"),
        text("ART_NR", 50, "Artikelnummer"),
        text("GTIN", 50, "GTIN"),
        text("WARENGR_ID", 40, "Warengruppen-ID"),
        text("WARENGR", 50, "Bezeichnung Warengruppe"),
        decimal("MENGE", 3, "Menge"),
        decimal("FAKTOR", 3, "Faktor, z. B. Gebindegrößen"),
        text("EINHEIT", 50, "Maßeinheit, z. B. kg, Liter oder Stück"),
        decimal("STK_BR", 5, "Preis pro Einheit inkl. USt"),
    ),
)
LINES_VAT = Table(
    "lines_vat.csv",
    "Bonpos_USt",
    E,
    (
        *_POS,
        integer("UST_SCHLUESSEL", "ID des USt-Satzes"),
        decimal("POS_BRUTTO", 5, "Bruttoumsatz"),
        decimal("POS_NETTO", 5, "Nettoumsatz"),
        decimal("POS_UST", 5, "Umsatzsteuer"),
    ),
)
ITEMAMOUNTS = Table(
    "itemamounts.csv",
    "Bonpos_Preisfindung",
    E,
    (
        *_POS,
        text("TYP", 20, "Basispreis, Rabatt oder Zuschlag", PF_TYP),
        integer("UST_SCHLUESSEL", "ID des USt-Satzes"),
        decimal("PF_BRUTTO", 5, "Bruttoumsatz"),
        decimal("PF_NETTO", 5, "Nettoumsatz"),
        decimal("PF_UST", 5, "Umsatzsteuer"),
    ),
)
SUBITEMS = Table(
    "subitems.csv",
    "Bonpos_Zusatzinfo",
    E,
    (
        *_POS,
        text("ZI_ART_NR", 50, "Artikelnummer"),
        text("ZI_GTIN", 50, "GTIN"),
        text("ZI_NAME", 60, "Artikelbezeichnung"),
        text("ZI_WARENGR_ID", 40, "Warengruppen-ID"),
        text("ZI_WARENGR", 50, "Bezeichnung Warengruppe"),
        decimal("ZI_MENGE", 3, "Menge"),
        decimal("ZI_FAKTOR", 3, "Faktor, z. B. Gebindegrößen"),
        text("ZI_EINHEIT", 50, "Maßeinheit, z. B. kg, Liter oder Stück"),
        integer("ZI_UST_SCHLUESSEL", "ID USt-Satz des Basispreises"),
        decimal("ZI_BASISPREIS_BRUTTO", 5, "Basispreis brutto"),
        decimal("ZI_BASISPREIS_NETTO", 5, "Basispreis netto"),
        decimal("ZI_BASISPREIS_UST", 5, "Basispreis USt"),
    ),
)
TRANSACTIONS = Table(
    "transactions.csv",
    "Bonkopf",
    E,
    (
        *_BON,
        integer("BON_NR", "Bonnummer"),
        text("BON_TYP", 30, "Bontyp", BON_TYP),
        text("BON_NAME", 60, "Zusatz-Beschreibung zum Bontyp"),
        text("TERMINAL_ID", 50, "ID des Erfassungsterminals"),
        text("BON_STORNO", 1, "Storno-Kennzeichen", BOOLEAN),
        text("BON_START", 30, "Zeitpunkt des Vorgangsstarts"),
        text("BON_ENDE", 30, "Zeitpunkt der Vorgangsbeendigung"),
        text("BEDIENER_ID", 50, "Bediener-ID"),
        text("BEDIENER_NAME", 50, "Bediener-Name"),
        decimal("UMS_BRUTTO", 2, "Brutto-Gesamtumsatz"),
        text("KUNDE_NAME", 50, "Name des Leistungsempfängers"),
        text("KUNDE_ID", 50, "Kundennummer des Leistungsempfängers"),
        text("KUNDE_TYP", 50, "Art des Leistungsempfängers (z. B. Mitarbeiter)"),
        text("KUNDE_STRASSE", 60, "Straße und Hausnummer des Leistungsempfängers"),
        text("KUNDE_PLZ", 10, "PLZ des Leistungsempfängers"),
        text("KUNDE_ORT", 62, "Ort des Leistungsempfängers"),
        text("KUNDE_LAND", 3, "Land des Leistungsempfängers"),
        text("KUNDE_USTID", 15, "UStID des Leistungsempfängers"),
        text("BON_NOTIZ", 255, "Zusätzliche Informationen zum Bonkopf"),
    ),
)
TRANSACTIONS_VAT = Table(
    "transactions_vat.csv",
    "Bonkopf_USt",
    E,
    (
        *_BON,
        integer("UST_SCHLUESSEL", "ID des USt-Satzes"),
        decimal("BON_BRUTTO", 5, "Bruttoumsatz"),
        decimal("BON_NETTO", 5, "Nettoumsatz"),
        decimal("BON_UST", 5, "Umsatzsteuer"),
    ),
)
ALLOCATION_GROUPS = Table(
    "allocation_groups.csv",
    "Bonkopf_AbrKreis",
    E,
    (*_BON, text("ABRECHNUNGSKREIS", 50, "z. B. Tischnummer")),
)
DATAPAYMENT = Table(
    "datapayment.csv",
    "Bonkopf_Zahlarten",
    E,
    (
        *_BON,
        text("ZAHLART_TYP", 25, "Typ der Zahlart", ZAHLART_TYP),
        text("ZAHLART_NAME", 60, "Name der Zahlart"),
        text("ZAHLWAEH_CODE", 3, "Währungscode"),
        decimal("ZAHLWAEH_BETRAG", 2, "Betrag in Fremdwährung"),
        decimal("BASISWAEH_BETRAG", 2, "Betrag in Basiswährung (i.d.R. EUR)"),
        text("KASSENSCHUBLADENNR", 40, "Nummer der Kassenschublade"),
    ),
)
REFERENCES = Table(
    "references.csv",
    "Bon_Referenzen",
    E,
    (
        *_BON,
        text(
            "POS_ZEILE", 50, "Zeilennummer des referenzierenden Vorgangs (nicht bei Verweis aus einem Bonkopf heraus)"
        ),
        text("REF_TYP", 20, "Art der Referenz", REF_TYP),
        text("REF_NAME", 40, "Beschreibung bei Art “ExterneSonstige”"),
        text("REF_DATUM", 30, "Datum des Kassenabschlusses"),
        text("REF_Z_KASSE_ID", 50, "ID der (Abschluss-) Kasse"),
        integer("REF_Z_NR", "Nr. des Kassenabschlusses"),
        text("REF_BON_ID", 40, "Vorgangs-ID"),
    ),
)
TRANSACTIONS_TSE = Table(
    "transactions_tse.csv",
    "TSE_Transaktionen",
    E,
    (
        *_BON,
        integer("TSE_ID", "Die ID der für eine Transaktion verwendeten TSE"),
        integer("TSE_TANR", "Die Transaktionsnummer der TSE-Transaktion"),
        text("TSE_TA_START", 30, "Die Log-Time der StartTransaction-Operation"),
        text("TSE_TA_ENDE", 30, "Die Log-Time der FinishTransaction-Operation"),
        text("TSE_TA_VORGANGSART", 30, "Der processType der FinishTransaction-Operation"),
        integer("TSE_TA_SIGZ", "Der Signaturzähler der FinishTransaction-Operation"),
        text("TSE_TA_SIG", 512, "Die Signatur der FinishTransaction-Operation"),
        text("TSE_TA_FEHLER", 200, "Beschreibung des TSE-Ausfalls oder Fehlers"),
        text("TSE_VORGANGSDATEN", 1000, "Die an die TSE übergebenen Daten des Vorgangs (optional)"),
    ),
)

# --- Stammdatenmodul ----------------------------------------------------------------------------------------

CASHPOINTCLOSING = Table(
    "cashpointclosing.csv",
    "Stamm_Abschluss",
    S,
    (
        *_Z,
        text("Z_BUCHUNGSTAG", 25, "Vom Erstellungsdatum abweichender Verbuchungstag"),
        text("TAXONOMIE_VERSION", 10, "Version der DFKA-Taxonomie-Kasse"),
        text("Z_START_ID", 40, "Erste BON_ID im Abschluss"),
        text("Z_ENDE_ID", 40, "Letzte BON_ID im Abschluss"),
        text("NAME", 60, "Name des Unternehmens"),
        text("STRASSE", 60, "Straße"),
        text("PLZ", 10, "Postleitzahl"),
        text("ORT", 62, "Ort"),
        text("LAND", 3, "Land"),
        text("STNR", 20, "Steuernummer des Unternehmens"),
        text("USTID", 15, "USTID"),
        decimal("Z_SE_ZAHLUNGEN", 2, "Summe aller Zahlungen"),
        decimal("Z_SE_BARZAHLUNGEN", 2, "Summe aller Barzahlungen"),
    ),
)
LOCATION = Table(
    "location.csv",
    "Stamm_Orte",
    S,
    (
        *_Z,
        text("LOC_NAME", 60, "Name des Standortes"),
        text("LOC_STRASSE", 60, "Straße"),
        text("LOC_PLZ", 10, "Postleitzahl"),
        text("LOC_ORT", 62, "Ort"),
        text("LOC_LAND", 3, "Land"),
        text("LOC_USTID", 15, "USTID"),
    ),
)
CASHREGISTER = Table(
    "cashregister.csv",
    "Stamm_Kassen",
    S,
    (
        *_Z,
        text("KASSE_BRAND", 50, "Marke der Kasse"),
        text("KASSE_MODELL", 50, "Modellbezeichnung"),
        text("KASSE_SERIENNR", 70, "Seriennummer der Kasse"),
        text("KASSE_SW_BRAND", 50, "Markenbezeichnung der Software"),
        text("KASSE_SW_VERSION", 50, "Version der Software"),
        text("KASSE_BASISWAEH_CODE", 3, "Basiswährung der Kasse"),
        text("KEINE_UST_ZUORDNUNG", 1, "UmsatzsteuerNichtErmittelbar (bei späterem Zahlungseingang)", BOOLEAN),
    ),
)
SLAVES = Table(
    "slaves.csv",
    "Stamm_Terminals",
    S,
    (
        *_Z,
        text("TERMINAL_ID", 50, "ID des Terminals"),
        text("TERMINAL_BRAND", 50, "Marke der Terminals"),
        text("TERMINAL_MODELL", 50, "Modellbezeichnung des Terminals"),
        text("TERMINAL_SERIENNR", 70, "Seriennummer des Terminals"),
        text("TERMINAL_SW_BRAND", 50, "Markenbezeichnung der Software"),
        text("TERMINAL_SW_VERSION", 50, "Version der Software"),
    ),
)
PA = Table(
    "pa.csv",
    "Stamm_Agenturen",
    S,
    (
        *_Z,
        integer("AGENTUR_ID", "ID der Agentur"),
        text("AGENTUR_NAME", 60, "Name des Auftraggebers"),
        text("AGENTUR_STRASSE", 60, "Straße"),
        text("AGENTUR_PLZ", 10, "Postleitzahl"),
        text("AGENTUR_ORT", 62, "Ort"),
        text("AGENTUR_LAND", 3, "Land"),
        text("AGENTUR_STNR", 20, "Steuernummer des Auftraggebers"),
        text("AGENTUR_USTID", 15, "USTID des Auftraggebers"),
    ),
)
VAT = Table(
    "vat.csv",
    "Stamm_USt",
    S,
    (
        *_Z,
        integer("UST_SCHLUESSEL", "ID des Umsatzsteuersatzes"),
        decimal("UST_SATZ", 2, "Prozentsatz"),
        text("UST_BESCHR", 55, "Beschreibung"),
    ),
)
CERTIFICATE_PARTS = ("I", "II", "III", "IV", "V")
CERTIFICATE_PART_LENGTH = 1000
TSE = Table(
    "tse.csv",
    "Stamm_TSE",
    S,
    (
        *_Z,
        integer("TSE_ID", "ID der TSE - wird nur zur Referenzierung innerhalb eines Kassenabschlusses verwendet"),
        text("TSE_SERIAL", 68, "Seriennummer der TSE (Hashwert des im Zertifikat enthaltenen Schlüssels, hex)"),
        text("TSE_SIG_ALGO", 21, "Der von der TSE verwendete Signaturalgorithmus"),
        text("TSE_ZEITFORMAT", 31, "Das von der TSE verwendete Format für die Log-Time", TSE_ZEITFORMAT),
        text("TSE_PD_ENCODING", 5, "Das Text-Encoding der ProcessData (UTF-8 oder ASCII)", TSE_PD_ENCODING),
        text("TSE_PUBLIC_KEY", 512, "Öffentlicher Schlüssel der TSE in base64-Codierung"),
        *(
            text(f"TSE_ZERTIFIKAT_{part}", CERTIFICATE_PART_LENGTH, "Zertifikat der TSE (base64), Teil " + part)
            for part in CERTIFICATE_PARTS
        ),
    ),
)

# --- Kassenabschlussmodul -----------------------------------------------------------------------------------

BUSINESSCASES = Table(
    "businesscases.csv",
    "Z_GV_Typ",
    K,
    (
        *_Z,
        text("GV_TYP", 30, "Geschäftsvorfall-Art", GV_TYP),
        text("GV_NAME", 40, "Name des Geschäftsvorfalls"),
        integer("AGENTUR_ID", "ID der Agentur"),
        integer("UST_SCHLUESSEL", "ID des USt-Satzes"),
        decimal("Z_UMS_BRUTTO", 5, "Bruttoumsatz"),
        decimal("Z_UMS_NETTO", 5, "Nettoumsatz"),
        decimal("Z_UST", 5, "Umsatzsteuer"),
    ),
)
PAYMENT = Table(
    "payment.csv",
    "Z_Zahlart",
    K,
    (
        *_Z,
        text("ZAHLART_TYP", 25, "Typ der Zahlart", ZAHLART_TYP),
        text("ZAHLART_NAME", 60, "Name der Zahlart"),
        decimal("Z_ZAHLART_BETRAG", 2, "Betrag"),
    ),
)
CASH_PER_CURRENCY = Table(
    "cash_per_currency.csv",
    "Z_Waehrungen",
    K,
    (*_Z, text("ZAHLART_WAEH", 3, "Währung"), decimal("ZAHLART_BETRAG_WAEH", 2, "Betrag")),
)

# In the order of the specification's sample index.xml (Stammdaten, Kassenabschluss, Einzelaufzeichnung).
TABLES: tuple[Table, ...] = (
    CASHPOINTCLOSING,
    LOCATION,
    CASHREGISTER,
    SLAVES,
    PA,
    TSE,
    VAT,
    BUSINESSCASES,
    PAYMENT,
    CASH_PER_CURRENCY,
    TRANSACTIONS,
    DATAPAYMENT,
    LINES,
    ITEMAMOUNTS,
    SUBITEMS,
    TRANSACTIONS_TSE,
    TRANSACTIONS_VAT,
    LINES_VAT,
    ALLOCATION_GROUPS,
    REFERENCES,
)
BY_FILE = {table.file: table for table in TABLES}
