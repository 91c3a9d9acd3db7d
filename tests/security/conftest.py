"""The security tests run at the cast's moment (tests/security/cast.py), with the clock standing still."""

from collections.abc import Iterator

import pytest
import time_machine

from tests.security.cast import NOW
from tests.security.matrix import production_settings


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    """Links, pulse tokens and survey windows stay valid however long a test takes; autouse, so it starts first."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def production(settings):
    """The settings of a production install (matrix.production_settings) for the whole test; requests go to ``matrix.HOST``."""
    for name, value in production_settings().items():
        setattr(settings, name, value)
