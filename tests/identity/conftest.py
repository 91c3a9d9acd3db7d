"""Shared fixtures of the identity tests: a directory person without a login, and links read from emails."""

import re

import pytest
from django.core import mail

from turnabout.accounts.models import Organisation
from turnabout.people.models import Person
from turnabout.people.services import create_person

LINK = re.compile(r"https?://[^/\s]+(/accounts/link/[A-Za-z0-9_-]+/)")


@pytest.fixture
def frank(acme: Organisation) -> Person:
    """Frank, an imported employee of Acme with no login yet."""
    return create_person(
        organisation=acme,
        employee_id="A100",
        given_name="Frank",
        family_name="Field",
        email="frank@acme.test",
        grade=acme.grades.get(code="G3"),
    )


def link_path_in(body: str) -> str:
    """The path of the one sign-in link in an email body."""
    found = LINK.findall(body)
    assert len(found) == 1, body
    return found[0]


def last_link_to(address: str) -> str:
    messages = [message for message in mail.outbox if message.to == [address]]
    assert messages, f"no email to {address}"
    return link_path_in(messages[-1].body)
