"""``kasse store run``'s waits: a value that is no number of seconds, or one that would make a loop spin,
is refused with a clear message before anything starts."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from kasse.sync.management.commands.store import positive_seconds, seconds_or_off


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--retry", "0", "0 ist keine Zahl von Sekunden größer als null."),
        ("--retry", "-2", "-2 ist keine Zahl von Sekunden größer als null."),
        ("--retry", "nan", "nan ist keine Zahl von Sekunden größer als null."),
        ("--poll", "zehn", "zehn ist keine Zahl von Sekunden größer als null."),
        ("--poll", "inf", "inf ist keine Zahl von Sekunden größer als null."),
        ("--watch-outbox", "-0.5", "-0.5 ist keine Zahl von Sekunden (0 oder mehr)."),
    ],
)
def test_a_wait_that_is_no_number_of_seconds_is_refused_before_the_node_starts(option, value, message):
    with translation.override("de"), pytest.raises(CommandError) as refused:
        call_command("store", "run", option, value)
    assert message in str(refused.value)
    assert option in str(refused.value)


def test_the_waits_a_node_takes():
    assert positive_seconds("0.2") == 0.2
    assert positive_seconds("10") == 10.0
    assert seconds_or_off("0") == 0.0
    assert seconds_or_off("0.05") == 0.05
    with translation.override("en"), pytest.raises(Exception, match="is not a number of seconds greater than zero"):
        positive_seconds("0")
