"""What a terminal's codes mean, in English and German: intermediate status (04 FF) and result codes (BMP 27).

kasse.hardware has no Django, so both languages live here; `text(table, code, language)` picks one.
Meanings follow the ZVT specification's code tables; the wording is ours.
"""

from __future__ import annotations

Texts = dict[int, tuple[str, str]]  # code -> (English, German)

INTERMEDIATE_STATUS: Texts = {
    0x00: ("Waiting for the amount to be confirmed", "Betrag bestätigen"),
    0x01: ("Please watch the PIN pad", "Bitte Anzeige am PIN-Pad beachten"),
    0x02: ("Please watch the PIN pad", "Bitte Anzeige am PIN-Pad beachten"),
    0x03: ("Not accepted", "Vorgang nicht möglich"),
    0x04: ("Waiting for the answer of the payment host", "Warte auf Antwort vom Zahlungssystem"),
    0x05: ("Sending an automatic reversal", "Automatischer Storno läuft"),
    0x06: ("Sending post-bookings", "Nachbuchungen werden gesendet"),
    0x07: ("Card not accepted", "Karte nicht zugelassen"),
    0x08: ("Card unknown", "Karte unbekannt"),
    0x09: ("Card expired", "Karte verfallen"),
    0x0A: ("Insert card", "Karte einstecken"),
    0x0B: ("Please remove the card", "Bitte Karte entnehmen"),
    0x0C: ("Card not readable", "Karte nicht lesbar"),
    0x0D: ("Processing error", "Vorgang abgebrochen"),
    0x0E: ("Please wait", "Bitte warten"),
    0x0F: ("Starting an automatic end-of-day", "Automatischer Kassenschnitt wird gestartet"),
    0x10: ("Invalid card", "Ungültige Karte"),
    0x11: ("Showing the balance", "Guthabenanzeige"),
    0x12: ("System malfunction", "Systemfehler"),
    0x13: ("Payment not possible", "Zahlung nicht möglich"),
    0x14: ("Credit not sufficient", "Guthaben nicht ausreichend"),
    0x15: ("Incorrect PIN", "PIN falsch"),
    0x16: ("Limit not sufficient", "Limit nicht ausreichend"),
    0x17: ("Please wait", "Bitte warten"),
    0x18: ("PIN try limit exceeded", "PIN-Versuche überschritten"),
    0x19: ("Card data incorrect", "Kartendaten fehlerhaft"),
    0x1A: ("Service mode", "Servicemodus"),
    0x1B: ("Approved, please fill up", "Autorisiert, bitte tanken"),
    0x1C: ("Approved, please take the goods", "Autorisiert, bitte Ware entnehmen"),
    0x1D: ("Declined", "Abgelehnt"),
    0x26: ("Waiting for the mobile number", "Warte auf Eingabe der Mobilfunknummer"),
    0x27: ("Waiting for the mobile number to be repeated", "Warte auf Wiederholung der Mobilfunknummer"),
    0x28: ("Currency selection, please wait", "Währungsauswahl, bitte warten"),
    0x29: ("Language selection, please wait", "Sprachauswahl, bitte warten"),
    0x2A: ("Insert the card to load it", "Zum Laden Karte einstecken"),
    0x2B: ("Emergency transaction, please wait", "Notbetrieb, bitte warten"),
    0x2C: ("Application selection, please wait", "Anwendungsauswahl, bitte warten"),
    0x41: ("Please watch the PIN pad, remove the card", "Bitte Anzeige am PIN-Pad beachten, Karte entnehmen"),
    0x43: ("Not accepted, please remove the card", "Vorgang nicht möglich, bitte Karte entnehmen"),
    0x47: ("Card not accepted, please remove the card", "Karte nicht zugelassen, bitte Karte entnehmen"),
    0x48: ("Card unknown, please remove the card", "Karte unbekannt, bitte Karte entnehmen"),
    0x49: ("Card expired, please remove the card", "Karte verfallen, bitte Karte entnehmen"),
    0x4B: ("Please remove the card", "Bitte Karte entnehmen"),
    0x4C: ("Card not readable, please remove the card", "Karte nicht lesbar, bitte Karte entnehmen"),
    0x4D: ("Processing error, please remove the card", "Vorgang abgebrochen, bitte Karte entnehmen"),
    0x55: ("Incorrect PIN, please remove the card", "PIN falsch, bitte Karte entnehmen"),
    0x5D: ("Declined, please remove the card", "Abgelehnt, bitte Karte entnehmen"),
    0xD2: ("Connecting to the payment host", "Verbindung zum Zahlungssystem wird aufgebaut"),
    0xD3: ("Connected to the payment host", "Verbindung zum Zahlungssystem hergestellt"),
    0xE0: ("Waiting for the application to be chosen", "Warte auf Anwendungsauswahl"),
    0xE1: ("Waiting for the language to be chosen", "Warte auf Sprachauswahl"),
    0xE2: ("Please use the cleaning card", "Bitte Reinigungskarte verwenden"),
    0xF1: ("Offline", "Offline"),
    0xF2: ("Online", "Online"),
    0xF3: ("Offline transaction", "Offline-Transaktion"),
}

RESULT_CODES: Texts = {
    0x00: ("Approved", "Zahlung erfolgt"),
    0x05: ("Declined by the card issuer", "Vom Kartenherausgeber abgelehnt"),
    0x33: ("Card expired", "Karte abgelaufen"),
    0x37: ("Incorrect PIN", "PIN falsch"),
    0x3D: ("Amount limit exceeded", "Betragsgrenze überschritten"),
    0x64: ("Card not readable", "Karte nicht lesbar"),
    0x65: ("No card data (neither magnetic stripe nor chip)", "Keine Kartendaten (weder Magnetstreifen noch Chip)"),
    0x66: ("Processing error (card reader)", "Verarbeitungsfehler (Kartenleser)"),
    0x67: ("Not allowed for girocard and Maestro cards", "Für girocard und Maestro nicht erlaubt"),
    0x68: ("Not allowed for credit cards", "Für Kreditkarten nicht erlaubt"),
    0x6A: ("Turnover memory full", "Umsatzspeicher voll"),
    0x6B: ("Function switched off (terminal not registered)", "Funktion deaktiviert (Terminal nicht angemeldet)"),
    0x6C: ("Aborted (timeout or abort key)", "Abbruch (Zeitüberschreitung oder Abbruchtaste)"),
    0x6E: ("Card blocked", "Karte gesperrt"),
    0x6F: ("Wrong currency", "Falsche Währung"),
    0x71: ("Credit on the chip not sufficient", "Guthaben auf dem Chip nicht ausreichend"),
    0x72: ("Chip error", "Chipfehler"),
    0x73: ("Card data incorrect", "Kartendaten fehlerhaft"),
    0x77: ("End-of-day not possible", "Kassenschnitt nicht möglich"),
    0x78: ("Card expired", "Karte abgelaufen"),
    0x79: ("Card not yet valid", "Karte noch nicht gültig"),
    0x7A: ("Card unknown", "Karte unbekannt"),
    0x7D: (
        "Communication error (no answer from the communication module)",
        "Kommunikationsfehler (Kommunikationsmodul antwortet nicht)",
    ),
    0x83: ("Function not possible", "Funktion nicht möglich"),
    0x85: ("Key missing", "Schlüssel fehlt"),
    0x89: ("PIN pad defective", "PIN-Pad defekt"),
    0x9A: ("ZVT protocol error", "ZVT-Protokollfehler"),
    0x9B: ("Communication error with the payment host", "Kommunikationsfehler zum Zahlungssystem"),
    0x9C: ("Please wait", "Bitte warten"),
    0xA0: ("Receiver not ready", "Empfänger nicht bereit"),
    0xA1: ("Payment host does not answer", "Zahlungssystem antwortet nicht"),
    0xA3: ("No connection", "Keine Verbindung"),
    0xB1: ("Memory full", "Speicher voll"),
    0xB2: ("Merchant journal full", "Händlerjournal voll"),
    0xB4: ("Already reversed", "Bereits storniert"),
    0xB5: ("Reversal not possible", "Storno nicht möglich"),
    0xB7: ("Pre-authorisation wrong (amount too high)", "Vorautorisierung fehlerhaft (Betrag zu hoch)"),
    0xB8: ("Pre-authorisation error", "Fehler bei der Vorautorisierung"),
    0xBF: ("Power supply too low", "Stromversorgung zu schwach"),
    0xC0: ("Card lock defective", "Kartenverriegelung defekt"),
    0xC1: ("Merchant card locked", "Händlerkarte gesperrt"),
    0xC2: ("Diagnosis required", "Diagnose erforderlich"),
    0xC3: ("Maximum amount exceeded", "Höchstbetrag überschritten"),
    0xC4: ("Card profile invalid; new profiles must be loaded", "Kartenprofil ungültig; neue Profile laden"),
    0xC5: ("Payment method not supported", "Zahlungsart nicht unterstützt"),
    0xC6: ("Currency not applicable", "Währung nicht zulässig"),
    0xC8: ("Amount too small", "Betrag zu klein"),
    0xC9: ("Maximum transaction amount too small", "Maximaler Transaktionsbetrag zu klein"),
    0xCB: ("Function only allowed in euro", "Funktion nur in Euro erlaubt"),
    0xCC: ("Printer not ready", "Drucker nicht bereit"),
    0xCD: ("Cashback not possible", "Cashback nicht möglich"),
    0xD2: ("Not allowed for service cards", "Für Servicekarten nicht erlaubt"),
    0xDC: ("Card inserted", "Karte steckt"),
    0xDD: ("Error while ejecting the card", "Fehler beim Kartenauswurf"),
    0xDE: ("Error while inserting the card", "Fehler beim Karteneinzug"),
    0xE0: ("Remote maintenance active", "Fernwartung aktiv"),
    0xE2: ("Card reader does not answer or is defective", "Kartenleser antwortet nicht oder ist defekt"),
    0xE3: ("Shutter closed", "Verschluss geschlossen"),
    0xE4: ("Terminal activation required", "Terminal-Aktivierung erforderlich"),
    0xEC: ("PIN processing not possible", "PIN-Verarbeitung nicht möglich"),
    0xED: ("PIN pad defective", "PIN-Pad defekt"),
    0xF0: ("An end-of-day is due", "Offener Kassenschnitt vorhanden"),
    0xF1: ("girocard offline error", "girocard-Offline-Fehler"),
    0xFA: ("Error transmitting offline transactions", "Fehler bei der Übertragung von Offline-Transaktionen"),
    0xFB: ("Turnover record defective", "Umsatzdatensatz defekt"),
    0xFC: ("Required device not present", "Benötigtes Gerät nicht vorhanden"),
    0xFD: ("Baud rate not supported", "Baudrate nicht unterstützt"),
    0xFE: ("Register unknown", "Kasse unbekannt"),
    0xFF: ("System error", "Systemfehler"),
}


def text(table: Texts, code: int, language: str = "en") -> str:
    """The message for `code` in `language` ("de" or "en"); an unlisted code says so and shows its number."""
    german = language.lower().startswith("de")
    found = table.get(code)
    if found is not None:
        return found[1] if german else found[0]
    if table is RESULT_CODES and 0x01 <= code <= 0x63:
        # 01..63 come from the payment host; their meaning is the host's, not the terminal's.
        return (
            f"Vom Zahlungssystem abgelehnt (Code {code})" if german else f"Declined by the payment host (code {code})"
        )
    return f"Unbekannter Code {code:02X}" if german else f"Unknown code {code:02X}"


def status_text(code: int, language: str = "en") -> str:
    return text(INTERMEDIATE_STATUS, code, language)


def result_text(code: int, language: str = "en") -> str:
    return text(RESULT_CODES, code, language)
