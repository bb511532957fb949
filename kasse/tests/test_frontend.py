"""The browser code of kasse: no JavaScript builds HTML from strings, and its texts come from Django's catalog.

Overlays and partials are rendered (and escaped) by the server's templates and swapped in by htmx; the scripts in
``kasse/**/static`` (not the vendored libraries) only do what only a browser can (scanner timing, sockets, focus,
sound) and set text with ``textContent``. See docs/frontend.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

KASSE = Path(settings.BASE_DIR)
# Ways of turning a string into markup, each with the reason it is refused.
MARKUP_SINKS = {
    r"\.(?:inner|outer)HTML\s*\+?=(?!=)": "assigns a string as HTML",
    r"\binsertAdjacentHTML\b": "inserts a string as HTML",
    r"\bdocument\.write(?:ln)?\b": "writes markup into the document",
    r"\bcreateContextualFragment\b|\bDOMParser\b|\bsetHTMLUnsafe\b|\bparseHTMLUnsafe\b": "parses a string as HTML",
    r"\.srcdoc\s*=": "puts markup into a frame",
    r"`[^`]*<[A-Za-z!/][^`]*`": "a template literal of markup",
    r"\"[^\"\n]*<[A-Za-z!/][^\"\n]*\"|'[^'\n]*<[A-Za-z!/][^'\n]*'": "a string of markup",
}
BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
LINE_COMMENT = re.compile(r"(?m)(?:^|(?<=[\s;{}(),]))//.*$")  # not the // of "wss://"


def _code(source: str) -> str:
    """The source without its comments (which may describe markup)."""
    return LINE_COMMENT.sub("", BLOCK_COMMENT.sub("", source))


def markup_from_strings(source: str) -> list[str]:
    code = _code(source)
    return [
        f"{reason}: {match.group(0)[:80]!r}"
        for pattern, reason in MARKUP_SINKS.items()
        for match in re.finditer(pattern, code)
    ]


def our_scripts() -> list[Path]:
    return sorted(path for path in KASSE.rglob("static/**/*.js") if "vendor" not in path.relative_to(KASSE).parts)


def test_there_are_scripts_to_check():
    names = {path.name for path in our_scripts()}
    assert {"register.js", "display.js", "goods-receipt.js", "register-print.js", "behaviour.js"} <= names


@pytest.mark.parametrize("path", our_scripts(), ids=lambda path: str(path.relative_to(KASSE)))
def test_no_script_inserts_strings_as_html(path):
    assert markup_from_strings(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "root.innerHTML = html;",
        "el.outerHTML = '<b>' + name + '</b>';",
        "list.innerHTML += row;",
        'lines.insertAdjacentHTML("afterbegin", x);',
        "document.write(x);",
        "new DOMParser().parseFromString(text, 'text/html');",
        "const row = `<tr><td>${name}</td></tr>`;",
        "button.append('<span class=\"badge\">');",
        "frame.srcdoc = page;",
    ],
)
def test_the_check_finds_markup_built_in_javascript(snippet):
    assert markup_from_strings(snippet) != []


@pytest.mark.parametrize(
    "snippet",
    [
        'htmx.swap(root, html, { swapStyle: "innerHTML" });',
        'htmx.ajax("GET", url, { target: "#cart", swap: "outerHTML" });',
        "if (a.innerHTML === b) {}",
        "cell.textContent = name;",
        "const socket = new WebSocket(`${scheme}://${location.host}${path}`);  // a socket",
        "/* builds <tr> rows */ if (n < limit) go();",
    ],
)
def test_the_check_lets_dom_and_htmx_calls_pass(snippet):
    assert markup_from_strings(snippet) == []


# --- translations: Django's JavaScript catalog instead of hand-written pairs ------------------------

HAND_WRITTEN_PAIR = re.compile(r"\bt\(\s*([\"'`])[^\"'`]*\1\s*,\s*([\"'`])[^\"'`]*\2\s*\)")


@pytest.mark.parametrize("path", our_scripts(), ids=lambda path: str(path.relative_to(KASSE)))
def test_no_script_translates_with_hand_written_pairs(path):
    code = _code(path.read_text(encoding="utf-8"))
    assert not HAND_WRITTEN_PAIR.search(code)
    assert not re.search(r"lang\.startsWith\(\s*[\"']de", code), "picks a language itself"


def _gettext_calls(code: str) -> set[str]:
    return set(re.findall(r"\bgettext\(\s*\"([^\"]+)\"\s*\)", code))


def test_every_text_a_script_translates_is_in_the_german_catalog(client):
    messages = set().union(*(_gettext_calls(_code(path.read_text(encoding="utf-8"))) for path in our_scripts()))
    assert {
        "Card payment declined.",
        "The scan could not be sent. Please check the connection and scan again.",
    } <= messages
    german = client.get("/jsi18n/de.js").content.decode()
    english = client.get("/jsi18n/en.js").content.decode()
    for message in messages:
        assert f'"{message}": "' in german, message  # a msgid with its German msgstr in the catalog
        assert f'"{message}"' not in english  # English shows the msgid itself
    assert '"Kartenzahlung abgelehnt."' in german


@pytest.mark.django_db
def test_the_back_office_loads_the_catalog_of_its_language_before_its_scripts(owner_client, store):
    from bs4 import BeautifulSoup

    page = BeautifulSoup(
        owner_client.get(f"/stock/receipts/store/{store.pk}/", HTTP_ACCEPT_LANGUAGE="en").content, "html.parser"
    )
    sources = [script.get("src") or "" for script in page.select("script")]
    assert "/jsi18n/en.js" in sources
    assert sources.index("/jsi18n/en.js") < next(i for i, src in enumerate(sources) if src.endswith("goods-receipt.js"))


def test_the_catalog_is_a_cacheable_script_per_language_and_404_for_others(client):
    response = client.get("/jsi18n/de.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "max-age" in response["Cache-Control"]
    assert "function gettext" in response.content.decode() or "django.gettext" in response.content.decode()
    assert client.get("/jsi18n/fr.js").status_code == 404
    assert client.post("/jsi18n/de.js").status_code == 405
