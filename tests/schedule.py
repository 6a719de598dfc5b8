"""How ``pytest -n 2 --dist loadfile`` hands out the tests: the longest files first.

pytest-xdist's ``loadfile`` hands out one file at a time, largest first *by number
of tests*. A file of a few slow tests (eight demo builds, a fuzz) then comes last
and one worker runs it alone while the other waits. Here the files go out longest
first *by time* (a longest-processing-time schedule), so the last ones are short;
and the files whose tests each build their own data and share no module fixture
are handed out one test at a time, so both workers take part in them.
"""

from __future__ import annotations

import os

import pytest
from xdist.scheduler import LoadFileScheduling
from xdist.workermanage import WorkerController

SECONDS: dict[str, float] = {
    "tests/service/test_demo_emerging_topic.py": 330,
    "tests/service/test_openapi.py": 243,
    "tests/jobs/test_serve_child.py": 210,
    "tests/service/test_cli_demo.py": 220,
    "tests/service/test_demo_backlog.py": 207,
    "tests/browser/test_phone_width.py": 200,
    "tests/service/test_demo_fill.py": 188,
    "tests/service/test_metrics.py": 137,
    "tests/web/test_demo_dashboard.py": 122,
    "tests/services/test_weekly_report.py": 55,
    "tests/docs/test_examples.py": 54,
    "tests/service/test_serve_workers.py": 53,
    "tests/web/test_report_page.py": 42,
    "tests/test_cli_service.py": 39,
    "tests/jobs/test_tagging.py": 37,
    "tests/services/test_agents.py": 28,
    "tests/web/test_agents.py": 26,
    "tests/browser/test_dashboard_overview.py": 26,
    "tests/web/test_touchpoint.py": 23,
    "tests/service/test_responses.py": 20,
    "tests/web/test_backlog.py": 19,
    "tests/service/test_widget_api.py": 19,
    "tests/web/test_friction_actions.py": 19,
    "tests/web/test_follow_ups.py": 19,
}
"""The longest files' seconds of work, all their tests together, measured test by test
in a whole run (``-n 2``) on a loaded two-core machine (29 min: about three times an
idle machine's). A stale figure only hands a file out a little early or late."""

SECONDS_A_TEST = 0.27
"""What a test of another file takes, on the same scale: the rest of that run's work
(853 s) over its 3,156 tests."""

ONE_TEST_AT_A_TIME = frozenset(
    {
        "tests/service/test_demo_emerging_topic.py",
        "tests/service/test_cli_demo.py",
        "tests/service/test_openapi.py",
        "tests/service/test_serve_workers.py",
        "tests/docs/test_examples.py",
    }
)
"""Files handed out one test at a time: each of their tests builds its own data (no
module fixture), and they are long enough that both workers should share them."""

ONE_UNIT_A_DATABASE = frozenset({"tests/service/test_demo_fill.py"})
"""Files handed out in two halves, their SQLite tests and their PostgreSQL tests: their
module fixture (a demo build) is made once per database, so each half builds one."""


def _file(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def _database(nodeid: str) -> str:
    """``sqlite`` or ``postgresql``: the first part of a test's parameters."""
    return nodeid.partition("[")[2].split("-", 1)[0].rstrip("]")


def _parts(path: str) -> int:
    """In how many units a file not handed out test by test goes."""
    return 2 if path in ONE_UNIT_A_DATABASE else 1


def weight(path: str, tests: int) -> float:
    """A file's expected seconds."""
    return SECONDS.get(path, tests * SECONDS_A_TEST)


class LongestFirst(LoadFileScheduling):
    """``loadfile`` over the collection as :func:`order` left it (heaviest files first),
    the files of :data:`ONE_TEST_AT_A_TIME` split into their tests and those of
    :data:`ONE_UNIT_A_DATABASE` into their two halves."""

    def __init__(self, config: pytest.Config, log: object = None) -> None:
        super().__init__(config, log)  # type: ignore[arg-type]
        # Keep the order of the collection: it is already by time, not by count.
        config.option.loadscopereorder = False

    def _reschedule(self, node: WorkerController) -> None:
        """More work for ``node`` once it holds a single test, not three as ``loadfile``
        does: a worker runs a test once it knows the next one, so one in hand is enough,
        and a worker holding three long tests while the other has none is what made
        the end of the run one worker's alone."""
        if node.shutting_down:
            return
        if not self.workqueue:
            node.shutdown()
            return
        if self._pending_of(self.assigned_work[node]) > 1:
            return
        self._assign_work_unit(node)

    def _split_scope(self, nodeid: str) -> str:
        path = _file(nodeid)
        if path in ONE_TEST_AT_A_TIME:
            return nodeid
        if path in ONE_UNIT_A_DATABASE:
            return f"{path}::{_database(nodeid)}"
        return path


def order(items: list[pytest.Item]) -> None:
    """Sort the items by their file's expected time, longest first (stable within a
    file). Every worker collects the same items and sorts them alike."""
    counts: dict[str, int] = {}
    for item in items:
        counts[_file(item.nodeid)] = counts.get(_file(item.nodeid), 0) + 1
    # A file handed out test by test ranks as one of its tests.
    rank = {
        path: -weight(path, n) / (n if path in ONE_TEST_AT_A_TIME else _parts(path))
        for path, n in counts.items()
    }
    items.sort(key=lambda item: rank[_file(item.nodeid)])


def is_worker() -> bool:
    return "PYTEST_XDIST_WORKER" in os.environ
