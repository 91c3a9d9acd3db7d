"""Hostile names, titles, notes and meeting text reach every output escaped for it: pages, emails, CSV, .ics and PDF.

The cast of tests/security/cast.py is built with Bob named ``Oliver O'Brien <script>alert(1)</script>``, Charlie's
family name holding a quote, a spreadsheet formula, a direction override and a CR LF, and a program whose name and
labels hold markup and formulas. Values like these reach the database through the HRIS import, SCIM or older data,
whatever the forms refuse today, so each output must cope on its own.
"""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from icalendar import Calendar

import turnabout
from tests.security.cast import NOW, Cast, build_cast
from tests.security.matrix import IDENTITIES, identities, in_savepoint, path_of, path_values, request, url_patterns
from tests.security.test_permission_matrix import MATRIX
from turnabout.accounts.models import User
from turnabout.core.email import send_templated_email
from turnabout.engagement.calendar import meeting_ics
from turnabout.engagement.models import MeetingMode
from turnabout.engagement.services import schedule_meeting, send_agenda
from turnabout.identity.services import grant_role
from turnabout.insights.exports import FORMULA_TRIGGERS, PLAIN_NUMBER
from turnabout.people.models import Person
from turnabout.people.services import update_person
from turnabout.programs.models import Program, Role, Wording
from turnabout.programs.services import update_program

SCRIPT = "<script>alert(1)</script>"
OVERRIDE = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
FORMULA = "=cmd|' /C calc'!A0"
BOB_FAMILY = f"O'Brien {SCRIPT}"
CHARLIE_FAMILY = f'"Chuck" {FORMULA} {OVERRIDE}evil\r\nBcc: eve@evil.test'
PROGRAM_NAME = 'Inclusion <b>bold</b> & "friends"'
LOCATION = "Room 1\r\nATTENDEE;CN=Eve:mailto:eve@evil.test"
AGENDA = f"{SCRIPT}\r\n1. O'Brien's slides"
# What no page may contain raw: the markup above, unescaped.
RAW_MARKUP = (SCRIPT, "<b>bold</b>")
ENTITIES = re.compile(r"&(#x?[0-9a-fA-F]+|amp|lt|gt|quot|apos);")


@pytest.fixture
def hostile_cast(
    production, django_capture_on_commit_callbacks, acme, globex, admin, manager, mentor, mentee, sponsor, outsider, program
) -> Cast:
    """The cast with hostile names, built with every email it sends delivered (mail.outbox)."""
    update_person(person=mentee.person, given_name="Oliver", family_name=BOB_FAMILY)
    update_person(person=mentor.person, family_name=CHARLIE_FAMILY)
    User.objects.filter(pk=mentee.pk).update(full_name=f"Oliver {BOB_FAMILY}")
    User.objects.filter(pk=mentor.pk).update(full_name=f"Charlie {CHARLIE_FAMILY}")
    program = update_program(
        program=program, changes={"name": PROGRAM_NAME, "wording": Wording.CUSTOM, "custom_mentor_label": FORMULA}, by=manager
    )
    with django_capture_on_commit_callbacks(execute=True):
        cast = build_cast(
            acme=acme, globex=globex, admin=admin, manager=manager, mentor=mentor, mentee=mentee, sponsor=sponsor, outsider=outsider,
            program=program,
        )  # fmt: skip
    return cast


def _get(cast: Cast, who: str, path: str) -> Any:
    """GET ``path`` as one of the cast's identities, over HTTPS to the production host (the ``production`` fixture)."""
    return identities(cast)[who].client().get(path, secure=True)


# --- Pages -------------------------------------------------------------------------------------------------


def test_every_page_escapes_hostile_text_for_every_identity(hostile_cast):
    # given
    who = identities(hostile_cast)
    values = path_values(hostile_cast)
    raw, escaped_pages, pages = [], set(), 0

    # when
    for pattern in url_patterns():
        the_row = MATRIX.get(pattern.key)
        if the_row is None or "GET" not in the_row.answers or pattern.key.startswith("admin"):
            continue
        path = path_of(pattern, {**values, **{name: values[alias] for name, alias in the_row.path.items()}})
        for name in IDENTITIES:
            response = in_savepoint(lambda name=name, path=path, the_row=the_row: request(who[name], "GET", path, the_row, hostile_cast))
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue
            pages += 1
            page = response.content.decode()
            raw += [f"{pattern.key} as {name}: {marker}" for marker in RAW_MARKUP if marker in page]
            if "O&#x27;Brien &lt;script&gt;alert(1)&lt;/script&gt;" in page:
                escaped_pages.add(pattern.key)

    # then: no markup got through, and the hostile name did reach the pages that show people
    assert raw == []
    assert pages > 120
    assert {"engagement:pair", "engagement:meeting", "people:directory", "people:person", "programs:detail"} <= escaped_pages


class _TextRuns(HTMLParser):
    """Every run of page text holding ``marker``, with the element it sits in directly (its tag and attributes)."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker, self.open, self.runs = marker, [], []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.open.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self.marker in data and "body" in {tag for tag, _ in self.open}:
            self.runs.append((*self.open[-1], data.strip()))


STYLESHEET = (Path(turnabout.__file__).parent / "static" / "turnabout.css").read_text()
# The elements the stylesheet isolates (``a, strong, bdi { unicode-bidi: isolate; }``), and <bdi> by the browser's own.
ISOLATED = {"bdi"} | {
    selector.strip() for selectors in re.findall(r"([^{}]+)\{[^}]*unicode-bidi:\s*isolate", STYLESHEET) for selector in selectors.split(",")
}


def test_a_name_with_a_direction_override_is_isolated_on_the_pair_page(hostile_cast):
    # given: names holding an override, stored directly (older data, or a door that let it through)
    bob, charlie = f"Senior{OVERRIDE}gnp.exe", f"Charlie C{OVERRIDE}fdp.exe"
    Person.objects.filter(pk=hostile_cast.mentee.person.pk).update(family_name=bob)
    User.objects.filter(pk=hostile_cast.mentor.pk).update(full_name=charlie)

    # when Charlie opens the pair page (his name in the top bar, Bob's in the heading)
    page = _get(hostile_cast, "participant", f"/pairs/{hostile_cast.pair.pk}/")
    runs = _TextRuns(OVERRIDE)
    runs.feed(page.content.decode())

    # then each run holding the override is the name alone, in an element that isolates it from the text around it
    assert page.status_code == 200
    names = {f"Oliver {bob}", charlie}
    assert {text for _, _, text in runs.runs} >= names
    assert [(tag, text) for tag, attributes, text in runs.runs if not (tag in ISOLATED or "dir" in attributes) or text not in names] == []


# --- Emails ------------------------------------------------------------------------------------------------


def _assert_plain_text(message: mail.EmailMessage) -> None:
    for part, text in (("subject", message.subject), ("body", message.body)):
        assert not ENTITIES.search(text), f"{part} of {message.subject!r} holds an HTML entity: {text!r}"
        assert OVERRIDE not in text, f"{part} of {message.subject!r} holds a direction override"
        assert "\r" not in text, part
    assert "\n" not in message.subject


def test_the_emails_of_the_cast_are_plain_text_with_the_names_as_typed(hostile_cast):
    # given: the cast's emails (match outcome, meeting invitation, pulse requests, survey invitations, the concern)
    subjects = [message.subject for message in mail.outbox]

    # then
    assert len(mail.outbox) >= 6
    for message in mail.outbox:
        _assert_plain_text(message)
    assert f"Meeting scheduled: Oliver {BOB_FAMILY}, Tue 13 Jan, 09:00" in subjects
    assert any(subject.startswith(f"{PROGRAM_NAME}: your pair with Oliver {BOB_FAMILY} is confirmed") for subject in subjects)
    # Charlie's name in a subject is one line: the override gone, the CR LF a space, so no header of its own
    assert f'Meeting scheduled: Charlie "Chuck" {FORMULA} evil Bcc: eve@evil.test, Tue 13 Jan, 09:00' in subjects
    assert all(message.message()["Bcc"] is None for message in mail.outbox)
    assert {address for message in mail.outbox for address in message.recipients()} == {
        "alice@acme.test", "bob@acme.test", "charlie@acme.test", "helen@acme.test"
    }  # fmt: skip


def test_an_agenda_and_a_welcome_reach_people_as_typed(hostile_cast, django_capture_on_commit_callbacks):
    # given
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        send_agenda(meeting=hostile_cast.scheduled_meeting, agenda=AGENDA, by_role=Role.MENTOR)
        grant_role(organisation=hostile_cast.acme, email="gina@acme.test", role="sponsor", full_name=f"Gina {BOB_FAMILY}",
                   by=hostile_cast.admin)  # fmt: skip

    # then
    agenda, welcome = mail.outbox
    for message in (agenda, welcome):
        _assert_plain_text(message)
    assert f"{SCRIPT}\n1. O'Brien's slides" in agenda.body
    assert f"Hello Gina {BOB_FAMILY}," in welcome.body


TEMPLATES = Path(turnabout.__file__).parent / "templates"
EMAIL_TEMPLATES = sorted(str(path.relative_to(TEMPLATES)).removesuffix("_subject.txt") for path in TEMPLATES.glob("*/email/*_subject.txt"))
_SOURCES = "".join(path.read_text() for path in TEMPLATES.glob("*/email/*.txt"))
# A variable printed, tested, looped over, or bound by a blocktranslate's ``with``/``count`` (``name=me.given_name``).
_VARIABLE = re.compile(r"(?:\{\{|\{%\s*(?:if|elif|for\s+\w+\s+in|url\s+'[^']+')|\b[a-z_]+=)\s*([a-z_]+)")
# Every attribute the email templates read (``partner.full_name``): only these exist on a Hostile object.
TEMPLATE_ATTRIBUTES = frozenset(re.findall(r"[a-z_]\.([a-z_]+)", _SOURCES))
# What a template counts (``{% blocktranslate count days=days %}``, ``count counter=item.count``) must be a number.
COUNTED = frozenset(name.rsplit(".", 1)[-1] for name in re.findall(r"\bcount\s+\w+=([a-z_.]+)", _SOURCES))


class Hostile:
    """Any object an email template reads: each attribute the templates use is the hostile text again (ids are 1),
    any other is missing, so filters such as ``date`` find no date and show nothing."""

    TEXT = f'Oliver {BOB_FAMILY} & "Co" {OVERRIDE}evil\r\nBcc: eve@evil.test'

    def __getattr__(self, name: str) -> Any:
        if name not in TEMPLATE_ATTRIBUTES:
            raise AttributeError(name)
        if name in COUNTED:
            return 2
        return 1 if name in {"pk", "id"} else Hostile()

    def __str__(self) -> str:
        return self.TEXT

    def __iter__(self) -> Any:
        return iter([Hostile()])

    def __len__(self) -> int:
        return 1


@pytest.mark.django_db  # the recipient's language is looked up in the directory
@pytest.mark.parametrize("template", EMAIL_TEMPLATES)
def test_every_email_template_renders_hostile_text_as_plain_text(template):
    # given: every variable the two templates read is hostile
    source = (TEMPLATES / f"{template}_subject.txt").read_text() + (TEMPLATES / f"{template}.txt").read_text()
    context = {
        name: 2 if name in COUNTED else Hostile() for name in _VARIABLE.findall(source) if name not in {"site_url", "link_max_age_days"}
    }

    # when
    send_templated_email(to=["bob@acme.test"], template=template, context=context)

    # then
    (message,) = mail.outbox
    _assert_plain_text(message)
    if "{{" in (TEMPLATES / f"{template}_subject.txt").read_text():
        assert f'Oliver {BOB_FAMILY} & "Co" evil Bcc: eve@evil.test' in message.subject
    assert f"Oliver {BOB_FAMILY}" in message.body or "{{" not in (TEMPLATES / f"{template}.txt").read_text()


# --- Calendar ----------------------------------------------------------------------------------------------


def _content_lines(document: bytes) -> list[str]:
    """The document's content lines, unfolded (RFC 5545 3.1: a CRLF followed by a space or tab continues the line)."""
    return re.sub(r"\r\n[ \t]", "", document.decode()).split("\r\n")


def test_an_invitation_keeps_hostile_names_and_places_inside_their_properties(hostile_cast):
    # given: a meeting whose place holds a CR LF and a property of its own
    meeting = schedule_meeting(pair=hostile_cast.pair, starts_at=NOW.replace(day=20), duration_minutes=45, mode=MeetingMode.IN_PERSON,
                               location=LOCATION, by_role=Role.MENTOR)  # fmt: skip

    # when
    served = _get(hostile_cast, "participant", f"/pairs/meetings/{meeting.pk}/invite.ics").content
    feed = _get(hostile_cast, "anonymous", f"/pairs/calendar/{hostile_cast.calendar_token}.ics").content

    # then
    for document in (served, feed, meeting_ics(meeting)):
        lines = _content_lines(document)
        assert all(re.match(r"^[A-Z-]+[;:]", line) for line in lines if line), lines
        assert OVERRIDE not in document.decode()
        assert not any(line.startswith(("BCC", "ATTENDEE;CN=Eve")) for line in lines)
    (event,) = Calendar.from_ical(served).walk("VEVENT")
    assert str(event["LOCATION"]) == "Room 1 ATTENDEE;CN=Eve:mailto:eve@evil.test"
    assert [str(attendee) for attendee in event.get("ATTENDEE")] == [
        f"mailto:{hostile_cast.mentor.email}",
        f"mailto:{hostile_cast.mentee.email}",
    ]
    assert event["ORGANIZER"].params["CN"] == f'Charlie "Chuck" {FORMULA} evil Bcc: eve@evil.test'
    assert event["ATTENDEE"][1].params["CN"] == f"Oliver {BOB_FAMILY}"


# --- CSV and PDF -------------------------------------------------------------------------------------------


def test_the_program_csv_neutralises_formulas_in_every_cell(hostile_cast):
    # when
    response = _get(hostile_cast, "manager", f"/insights/programs/{hostile_cast.program.pk}/export.csv")

    # then
    cells = [cell for line in csv.reader(io.StringIO(response.content.decode())) for cell in line]
    assert response.status_code == 200
    assert any(cell.startswith(f"'{FORMULA}") for cell in cells)  # the custom label reached the export, neutralised
    assert [cell for cell in cells if cell.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.fullmatch(cell)] == []


@pytest.mark.parametrize("who", ["participant", "manager"])
def test_pdfs_are_made_from_hostile_names_and_control_characters(hostile_cast, who):
    # given: a program name with a control character, a line break and an override, as old data or another door could
    # hold it (not NUL: PostgreSQL cannot store one)
    Program.objects.filter(pk=hostile_cast.program.pk).update(name=f"{PROGRAM_NAME}\x07\r\n{OVERRIDE}Q1")
    pdf = {
        "participant": f"/pairs/{hostile_cast.pair.pk}/certificate.pdf",
        "manager": f"/insights/programs/{hostile_cast.program.pk}/report.pdf",
    }

    # when
    response = _get(hostile_cast, who, pdf[who])

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    disposition = response.get("Content-Disposition", "")
    assert disposition.isascii()
    assert "\r" not in disposition
    assert "\n" not in disposition
