"""The security tests run at the cast's moment (tests/security/cast.py), with the clock standing still."""

from collections.abc import Iterator

import pytest
import time_machine

from tests.security.cast import NOW, Cast, build_cast
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


@pytest.fixture
def cast(production, acme, globex, admin, manager, mentor, mentee, sponsor, outsider, program) -> Cast:
    """The named cast (tests/security/cast.py) in production settings."""
    return build_cast(
        acme=acme, globex=globex, admin=admin, manager=manager, mentor=mentor, mentee=mentee, sponsor=sponsor, outsider=outsider,
        program=program,
    )  # fmt: skip
