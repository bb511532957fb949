"""The order in which a run hands out its tests (``docs/testing.md``, "Running on several cores").

The tests that start processes or run a benchmark are most of a run's time and most of it is waiting (a
child process starting, a node's poll): they go first, the longest first, so that they overlap with the
in-process tests and, in CI, with the SQLite tier and the lint running beside them, and so that no worker
ends alone with a long one while the other idles. pytest-django sorts the collection after the plugin's
first sort (tests with ``db`` first, then transactional ones, then those without a database, as Django
orders them), which put these tests, that use no database of the suite, at the very end of a run: so this
second sort runs after pytest-django's. It moves only tests that are not transactional (a transactional
test's flush must not come before a ``db`` test) and leaves everything else in pytest-django's order.

``EXPECTED_SECONDS`` gives each long test its duration as last measured (wall seconds on two workers beside
other work: only their order matters). A test not listed counts as ``DEFAULT_SECONDS``; when a new long test
is slower than that, add it (CI prints the 40 slowest test phases). An entry for a file covers each of its
tests; a module that shares processes between its tests (an ``xdist_group``) is listed by file with the
time of all of them, so that its tests stay together and start as early as that sum says.

On several workers (``--dist loadgroup``, ``scripts/run-tests.sh``) each test goes to whichever worker is free,
except the tests of a module in ``TOGETHER``: they share processes a module fixture starts (tens of seconds),
so one worker runs all of them and starts those once. (pytest-xdist's own ``xdist_group`` mark does nothing
with pytest 9.2: xdist 3.8 appends the group to ``item._nodeid``, which pytest no longer reads, so the
scheduler below groups by module path, which the controller knows without collecting.)
"""

from __future__ import annotations

from typing import Any

import pytest

DEFAULT_SECONDS = 20.0

# Measured on 2026-12-08 (session 11, PostgreSQL, 2 workers, load 7-10), wall seconds, rounded: a file's
# tests one by one, or one figure for each test of the file (a test that failed once there: half its two tries).
# The benchmark smoke runs that session 12 made cheaper (docs/testing.md, "Session 12 (h2)") are those figures
# scaled by the CPU time each lost (register suite, fiscal, webhooks, promotions, card terminal, push, sync).
# The World tests (sync, restore, fault, print, fiscal and peripherals node tests): session 12 (h4), setup + call,
# PostgreSQL, one process, load 7-9, after their worlds started fewer processes.
EXPECTED_SECONDS: dict[str, float | dict[str, float]] = {
    "kasse/sales/tests/test_concurrency.py": 160,  # one racing cloud for its three tests (TOGETHER)
    "kasse/demo/tests/test_benchmark_smoke.py": {
        "test_benchmark_runs_end_to_end_on_sqlite_with_a_small_catalog": 30,
        "test_sync_benchmark_runs_end_to_end_with_a_tiny_backlog": 48,
        "test_backoffice_benchmark_runs_end_to_end_with_a_few_hundred_sales": 46,
        "test_fiscal_benchmark_runs_end_to_end_with_a_few_sales": 14,
        "test_webhook_benchmark_runs_end_to_end_with_a_few_calls": 6,
        "test_segments_benchmark_runs_end_to_end_on_a_small_database": 16,
        "test_promotions_benchmark_runs_end_to_end_with_a_few_scans": 7,
        "test_card_terminal_benchmark_runs_end_to_end_with_a_few_sales": 5,
        "test_scanner_benchmark_runs_end_to_end_with_a_few_scans": 5,
        "test_dsfinvk_benchmark_runs_end_to_end_with_a_few_closings": 2,
    },
    "kasse/sync/tests/test_fault_processes.py": {
        "test_the_node_survives_broken_answers_and_feed_rows_it_cannot_apply": 58,
    },
    "kasse/sync/tests/test_restore_processes.py": {
        "test_a_replacement_pc_paired_while_a_shift_is_open_sells_on_and_the_old_node_is_retired": 68,
        "test_a_node_restored_from_an_old_backup_continues_after_the_clouds_numbers": 37,
        "test_a_restore_without_the_command_is_caught_up_when_the_node_starts": 30,
        "test_a_re_pair_onto_the_old_directory_sends_what_waited_and_continues_numbering": 39,
    },
    "kasse/sync/tests/test_processes.py": {
        "test_killing_the_node_during_checkout_and_sync_loses_and_duplicates_nothing": 67,
        "test_two_cloud_processes_pass_nudges_through_redis": 19,
        "test_a_price_change_in_the_cloud_reaches_the_node_through_the_nudge": 14,
        "test_a_revoked_node_stops_syncing_at_once": 18,
        "test_sales_made_while_the_cloud_is_down_arrive_exactly_once": 28,
    },
    "kasse/peripherals/tests/test_node_processes.py": {
        "test_devices_set_up_in_the_cloud_work_on_the_node": 26,
    },
    "kasse/notifications/tests/test_push_benchmark_smoke.py": {
        "test_push_benchmark_runs_end_to_end_with_a_few_sales": 7,
    },
    "kasse/sync/tests/test_print_processes.py": {
        "test_a_test_page_from_the_cloud_prints_once_on_the_node_and_its_outcome_comes_back": 17,
        "test_shelf_labels_from_the_back_office_print_on_the_nodes_zebra": 22,
    },
    "kasse/fiscal/tests/test_node_processes.py": {
        "test_a_node_signs_for_its_register_and_its_records_and_outage_reach_the_cloud": 41,
    },
    "kasse/register/tests/test_pin_guard_processes.py": 20,
    "kasse/payments/tests/test_zvt_simulator_command.py": 4,
}


def expected_seconds(item: pytest.Item) -> float:
    """How long ``item`` is expected to take (its own entry, its file's, or the default)."""
    path, _, rest = item.nodeid.partition("::")
    entry = EXPECTED_SECONDS.get(path, DEFAULT_SECONDS)
    if isinstance(entry, dict):
        return float(entry.get(rest.split("[", 1)[0].split("@", 1)[0], DEFAULT_SECONDS))
    return float(entry)


def transactional(item: pytest.Item) -> bool:
    """Whether pytest-django flushes the database after ``item`` (transactional tests and live servers)."""
    names = set(getattr(item, "fixturenames", ()))
    if names & {"transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}:
        return True
    marker = item.get_closest_marker("django_db")
    if marker is None:
        return False
    return bool(marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))


def long_tests_first(items: list[pytest.Item], is_long: dict[pytest.Item, bool]) -> None:
    """Move the long tests that are not transactional to the front, the longest first (ties keep their
    order); everything else keeps its order."""
    position = {item: index for index, item in enumerate(items)}
    front = [item for item in items if is_long[item] and not transactional(item)]
    front.sort(key=lambda item: (-expected_seconds(item), position[item]))
    moved = set(front)
    items[:] = front + [item for item in items if item not in moved]


# Modules whose tests share module-scoped processes: one worker runs each of them whole.
TOGETHER = frozenset({"kasse/sales/tests/test_concurrency.py"})


def make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup`` with the modules of ``TOGETHER`` as groups; every other test a unit of its own."""
    from xdist.scheduler import LoadGroupScheduling

    class ModulesTogether(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = str(super()._split_scope(nodeid))
            if scope != nodeid:  # an xdist_group, should xdist's mark work again
                return scope
            path = nodeid.split("::", 1)[0]
            return path if path in TOGETHER else nodeid

    return ModulesTogether(config, log)
