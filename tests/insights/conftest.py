"""Shared by the outcome tests: the seeded program of dataset.py, read on a fixed day."""

import pytest
import time_machine

from tests.engagement.health_builders import at
from tests.insights.dataset import seeded_program


@pytest.fixture
def seeded(matching_program, manager, mentor, mentee):
    seeded_program(matching_program, manager=manager, mentor=mentor, mentee=mentee)
    matching_program.refresh_from_db()
    return matching_program


@pytest.fixture
def on_report_day():
    """The day the dataset's expected figures are computed for."""
    with time_machine.travel(at(2026, 3, 6), tick=False):
        yield
