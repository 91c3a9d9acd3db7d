"""What a guest from outside reaches: their own program's pages, their own pair and everything under it, the topic
guides and their own account, and nothing else of the organisation.

The guest is Grace Guest (a student of a partner university, ``people.PersonKind.GUEST``, login of role guest), a
mentor in the cast's program (tests/security/cast.py) paired with Hugo, a fresh mentee. Built on the permission
matrix's machinery (tests/security/matrix.py) and its table (``MATRIX``: which methods each URL pattern takes, and
the body an allowed request would carry):

- every URL pattern, requested with the cast's objects (Charlie and Bob's pair, other people, the program's manager
  pages, insights, the directory, the API with the guest's session), refuses the guest (``login`` or a 4xx) unless
  it is one of ``SELF_PAGES``, where the guest gets the answer written there; a refused write changes nothing;
- the guest reaches their own pair's pages, their enrolment and their training with 200;
- none of the guest's own pages names anyone of the directory but their partner.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client

from tests.builders import add_person
from tests.conftest import PASSWORD
from tests.security.cast import NOW, Cast
from tests.security.matrix import (
    STATE_CHANGING,
    Identity,
    Row,
    answer_of,
    changed_tables,
    database_checksum,
    in_savepoint,
    is_refusal,
    path_of,
    path_values,
    request,
    url_patterns,
)
from tests.security.test_permission_matrix import MATRIX
from turnabout.accounts.models import AccountRole, User
from turnabout.accounts.services import create_user
from turnabout.engagement.models import CloseReason, Meeting, MeetingMode, Pair
from turnabout.engagement.pulse_links import pulse_token
from turnabout.engagement.services import close_pair, ensure_calendar_feed, log_meeting_held, schedule_meeting, start_pair
from turnabout.people.models import Person, PersonKind
from turnabout.people.services import link_user
from turnabout.programs.models import Enrolment, EnrolmentStatus, Program, Role


def answers(**by_method: str) -> dict[str, str]:
    return by_method


# fmt: off
# The pages a guest reaches, with the cast's objects in their paths, and the guest's answer by method. Every other
# URL pattern refuses them.
SELF_PAGES: dict[str, dict[str, str]] = {
    # For load balancers: open to everyone.
    "healthz": answers(GET="200", POST="405"),
    # The browser's icon: open to everyone.
    "favicon": answers(GET="302", POST="405"),
    # Sent on to their own pair (turnabout/views.py, _guest_home).
    "home": answers(GET="302", POST="302"),
    # Signing in and out: the sign-in link pages, the password form, single sign-on discovery and SAML's endpoints
    # answer everyone alike; the link's token (Frank's, in the cast) is its own credential.
    "identity:request_link": answers(GET="200", POST="200"),
    "identity:redeem_link": answers(GET="200", POST="302"),
    "accounts:login": answers(GET="302", POST="302"),
    "accounts:logout": answers(GET="405", POST="302"),
    "sso:discover": answers(GET="200", POST="200"),
    "sso:organisation": answers(GET="200", POST="200"),
    "saml_acs": answers(GET="302", POST="302"),
    "saml_metadata": answers(GET="200", POST="200"),
    "saml_login": answers(GET="302", POST="302"),
    # The Django admin's own sign-in page: open to everyone, and it lets in superusers only.
    "admin:login": answers(GET="200", POST="200"),
    # Their own login: choose a password (identity/views.py my_account).
    "identity:my_account": answers(GET="200", POST="302"),
    # Their own privacy page and consent (people/views.py, through people.access.access_own_person).
    "people:my_privacy": answers(GET="200", POST="302"),
    "people:withdraw_privacy": answers(GET="405", POST="302"),
    # Everything Turnabout holds about them, and their language (personal_data/views.py).
    "personal_data:download_my_data": answers(GET="405", POST="200"),
    "personal_data:my_language": answers(GET="200", POST="302"),
    # Their own matches (none yet: their pair was started for them), in the page and in the API.
    "matching:my_matches": answers(GET="200", POST="200"),
    "api:my_matches": answers(GET="200"),
    # Their own circle proposals (none: their program forms pairs), in the API.
    "api:my_circles": answers(GET="200"),
    # Their own pairs: one, so the page sends them on to it.
    "engagement:my_pairs": answers(GET="302", POST="302"),
    # The topic guides every participant reads.
    "engagement:guides": answers(GET="200", POST="200"),
    "engagement:guide": answers(GET="200", POST="200"),
    # Their own calendar feed's address, and a new one.
    "engagement:calendar": answers(GET="200", POST="405"),
    "engagement:calendar_rotate": answers(GET="405", POST="302"),
    # A calendar feed answers its secret token (the cast's is Charlie's), whoever asks: calendar apps cannot sign in.
    "engagement:calendar_feed": answers(GET="200", POST="405"),
    # The surveys of their own program's waves (none open for them yet).
    "surveys:my_surveys": answers(GET="200", POST="200"),
    # The API's own documentation: public.
    "api:openapi-json": answers(GET="200", POST="200"),
    "api:openapi-view": answers(GET="200", POST="200"),
}
# fmt: on

# The Django admin sends everyone who is not staff to its own sign-in page: a refusal too.
ADMIN_SIGN_IN = "302"

# A pattern newer than the matrix's table (its own test names it): tried with GET and POST, without a body.
UNLISTED = Row(answers={"GET": (), "POST": ()})

# Everyone of the directory but the guest's partner, by the name the pages would show.
OTHER_PEOPLE = ("Ada Admin", "Alice Manager", "Bob Senior", "Charlie Junior", "Diana Sponsor", "Eve Outsider", "Frank Field")


@dataclass(frozen=True)
class Guest:
    user: User
    person: Person
    partner: Person
    enrolment: Enrolment
    pair: Pair
    held_meeting: Meeting
    scheduled_meeting: Meeting
    pulse_token: str
    calendar_token: str
    identity: Identity


def _approved(program: Program, person: Person, role: Role, by: User) -> Enrolment:
    """An approved enrolment in the cast's program, which is running (invitations closed), so it is written as the
    invitation, application and approval would have left it."""
    return Enrolment.objects.create(
        program=program, person=person, role=role, status=EnrolmentStatus.APPROVED, invited_at=NOW - timedelta(days=40),
        applied_at=NOW - timedelta(days=35), decided_at=NOW - timedelta(days=30), decided_by=by, timezone="Europe/London",
        languages=["en"], availability=[{"day": 1, "start": "09:00", "end": "12:00"}], motivation="To learn in both directions.",
        conduct_acknowledged_at=NOW - timedelta(days=35),
    )  # fmt: skip


@pytest.fixture
def guest(cast: Cast) -> Guest:
    """Grace Guest of the University of Miami, signed in with a guest login, mentoring Hugo in the cast's program."""
    person = Person.objects.create(
        organisation=cast.acme, employee_id="GUEST-1", given_name="Grace", family_name="Guest", email="grace@miami.test",
        kind=PersonKind.GUEST, guest_organisation="University of Miami", access_ends_on=(NOW + timedelta(days=180)).date(),
        timezone="Europe/London", languages=["en"],
    )  # fmt: skip
    user = create_user(organisation=cast.acme, email=person.email, role=AccountRole.GUEST, full_name="Grace Guest", password=PASSWORD)
    link_user(person=person, user=user)
    partner = add_person(cast.acme, "HUGO", grade="G9", department="Finance")
    enrolment = _approved(cast.program, person, Role.MENTOR, cast.manager)
    pair = start_pair(program=cast.program, mentor=enrolment, mentee=_approved(cast.program, partner, Role.MENTEE, cast.manager))
    held = Meeting.objects.create(pair=pair, starts_at=NOW - timedelta(days=1), duration_minutes=45, mode=MeetingMode.VIDEO)
    held = log_meeting_held(meeting=held, held_minutes=40, topics=["prompts"], mode=MeetingMode.VIDEO)
    scheduled = schedule_meeting(
        pair=pair, starts_at=NOW + timedelta(days=8), duration_minutes=45, mode=MeetingMode.VIDEO, location="Room 3", by_role=Role.MENTOR
    )
    client = Client()
    client.force_login(user)
    return Guest(
        user=user,
        person=person,
        partner=partner,
        enrolment=enrolment,
        pair=pair,
        held_meeting=held,
        scheduled_meeting=scheduled,
        pulse_token=pulse_token(held, Role.MENTOR),
        calendar_token=ensure_calendar_feed(user=user).token,
        identity=Identity("guest", session_key=client.cookies[settings.SESSION_COOKIE_NAME].value),
    )


def _own_values(cast: Cast, guest: Guest) -> dict[str, str]:
    """The matrix's path values with the guest's own objects where they have one."""
    own = {
        "pair_id": guest.pair.pk,
        "meeting_id": guest.scheduled_meeting.pk,
        "held_meeting": guest.held_meeting.pk,
        "enrolment_id": guest.enrolment.pk,
        "calendar": guest.calendar_token,
        "pulse": guest.pulse_token,
    }
    return path_values(cast) | {name: str(value) for name, value in own.items()}


@dataclass(frozen=True)
class Seen:
    key: str
    method: str
    answer: str
    changed: tuple[str, ...]
    body: bytes


def _ask(guest: Guest, cast: Cast, key: str, method: str, path: str, the_row: Row, baseline: Mapping[str, tuple[int, str]]) -> Seen:
    response = request(guest.identity, method, path, the_row, cast)
    changed = tuple(changed_tables(baseline)) if method in STATE_CHANGING else ()
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    return Seen(key, method, answer_of(response), changed, body)


def _observe(cast: Cast, guest: Guest, values: Mapping[str, str], keys: list[str] | None = None) -> list[Seen]:
    """Every method of every row (or of ``keys``) as the guest, each in its own rolled-back savepoint."""
    baseline = database_checksum()
    seen = []
    for pattern in url_patterns():
        if keys is not None and pattern.key not in keys:
            continue
        the_row = MATRIX.get(pattern.key, UNLISTED)
        path = path_of(pattern, {**values, **{name: values[alias] for name, alias in the_row.path.items()}})
        for method in the_row.answers:
            seen.append(in_savepoint(lambda m=method, r=the_row, p=path, k=pattern.key: _ask(guest, cast, k, m, p, r, baseline)))
    return seen


def _refused(seen: Seen) -> bool:
    return is_refusal(seen.answer) or (seen.key.startswith("admin") and seen.answer == ADMIN_SIGN_IN)


def test_the_self_pages_name_url_patterns_and_methods_the_matrix_knows():
    # given
    keys = {pattern.key for pattern in url_patterns()}

    # then
    assert set(SELF_PAGES) <= keys, sorted(set(SELF_PAGES) - keys)
    assert [key for key, methods in SELF_PAGES.items() if set(methods) != set(MATRIX[key].answers)] == []


def test_every_other_page_refuses_a_guest_and_a_refused_write_changes_nothing(cast, guest):
    # when
    observations = _observe(cast, guest, path_values(cast))

    # then
    unexpected = [f"{seen.key} {seen.method}: expected {SELF_PAGES[seen.key][seen.method]}, got {seen.answer}"
                  for seen in observations if seen.key in SELF_PAGES and seen.answer != SELF_PAGES[seen.key][seen.method]]  # fmt: skip
    opened = [f"{seen.key} {seen.method}: {seen.answer}" for seen in observations if seen.key not in SELF_PAGES and not _refused(seen)]
    changed = [f"{seen.key} {seen.method} refused ({seen.answer}) but changed {', '.join(seen.changed)}"
               for seen in observations if _refused(seen) and seen.changed]  # fmt: skip
    assert unexpected == [], "\n".join(unexpected)
    assert opened == [], "\n".join(opened)
    assert changed == [], "\n".join(changed)
    assert len(observations) == sum(len(MATRIX.get(pattern.key, UNLISTED).answers) for pattern in url_patterns())


# The guest's own pair, program and training pages, with their own objects in the path.
OWN_PAGES = (
    "programs:enrolment", "programs:apply", "programs:training", "engagement:pair", "engagement:agreement", "engagement:meetings",
    "engagement:meeting", "engagement:meeting_invite", "engagement:pulse", "engagement:concern", "engagement:quotes",
    "engagement:closure",
)  # fmt: skip


def test_a_guest_reaches_their_own_pair_enrolment_and_training(cast, guest):
    # when
    observations = _observe(cast, guest, _own_values(cast, guest), keys=list(OWN_PAGES))

    # then
    reached = {seen.key for seen in observations if seen.method == "GET" and seen.answer == "200"}
    assert sorted(set(OWN_PAGES) - reached) == []
    assert [f"{seen.key} {seen.method} changed {', '.join(seen.changed)}" for seen in observations if _refused(seen) and seen.changed] == []


def test_a_guest_sees_their_partner_and_nobody_else_of_the_directory(cast, guest):
    # given: the self pages, and the guest's own pages, with the guest's own objects
    keys = [*SELF_PAGES, *OWN_PAGES]

    # when
    observations = _observe(cast, guest, _own_values(cast, guest), keys=keys)

    # then
    shown = [seen for seen in observations if not _refused(seen) and seen.key != "engagement:calendar_feed"]
    assert any(guest.partner.full_name.encode() in seen.body for seen in shown)
    named = [f"{seen.key} {seen.method} names {name}" for seen in shown for name in OTHER_PEOPLE if name.encode() in seen.body]
    assert named == [], "\n".join(named)


def test_a_guests_own_calendar_feed_names_their_partner_and_nobody_else(cast, guest):
    # when
    (seen,) = [
        found for found in _observe(cast, guest, _own_values(cast, guest), keys=["engagement:calendar_feed"]) if found.method == "GET"
    ]

    # then
    assert seen.answer == "200"
    assert guest.partner.given_name.encode() in seen.body
    assert [name for name in OTHER_PEOPLE if name.encode() in seen.body] == []


def test_the_checksum_sees_a_guests_own_write(cast, guest):
    # when: the guest adds a note to their own pair
    (seen,) = [found for found in _observe(cast, guest, _own_values(cast, guest), keys=["engagement:note_add"]) if found.method == "POST"]

    # then
    assert seen.answer == "302"
    assert "engagement_note" in seen.changed


def test_home_sends_a_guest_to_their_pairs(cast, guest):
    # when
    response = guest.identity.client().get("/", secure=True)

    # then
    assert (response.status_code, response["Location"]) == (302, "/pairs/")


def test_home_sends_a_guest_whose_pair_closed_to_their_enrolment(cast, guest):
    # given
    close_pair(pair=guest.pair, reason=CloseReason.COMPLETED, by=cast.manager)

    # when
    response = guest.identity.client().get("/", secure=True)

    # then
    assert response.status_code == 302
    assert response["Location"] == f"/programs/enrolments/{guest.enrolment.pk}/"


def test_a_guests_menu_lists_only_their_own_pages(cast, guest):
    # when
    page = guest.identity.client().get("/pairs/guides/", secure=True).content.decode()

    # then
    for own in ("/matching/mine/", "/pairs/", "/pairs/guides/", "/surveys/", "/account/", "/people/me/privacy/"):
        assert f'href="{own}"' in page
    for organisation in ('href="/people/"', "/people/org-chart/", "/people/communities/", 'href="/programs/"', "/insights/", "/users/"):
        assert organisation not in page


def test_a_members_menu_is_unchanged(cast):
    # given
    client = Client()
    client.force_login(cast.mentor)

    # when
    page = client.get("/pairs/guides/", secure=True, headers={"Host": "turnabout.example.com"}).content.decode()

    # then
    assert 'href="/people/"' in page
    assert 'href="/programs/"' in page
