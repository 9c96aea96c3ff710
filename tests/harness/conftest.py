"""Fixtures the harness tests share."""

import pytest


@pytest.fixture
def runs():
    """Child pytest runs a test starts (test_report_robustness.Run): killed, with what they started, afterwards."""
    made: list = []
    yield made
    for r in made:
        r.kill()
