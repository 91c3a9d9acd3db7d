"""Kept for imports: the builders live in tests/builders.py, the fixtures in tests/conftest.py."""

from tests.builders import GOALS, add_person, make_ready

__all__ = ["GOALS", "add_person", "make_ready"]
