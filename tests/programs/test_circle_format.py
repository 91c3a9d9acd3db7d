"""The circles format: its sizes, what circles cannot be combined with, the pool too small for one, and its wording."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from tests.builders import GOALS, add_person, make_ready
from turnabout.engine import CircleSpec, ProblemError
from turnabout.programs.errors import CircleSizesUnfillable, FieldLocked
from turnabout.programs.forms import ProgramSetupForm
from turnabout.programs.models import (
    CIRCLE_MAX_SIZE,
    AcceptanceOrder,
    MatchingStyle,
    PairingFormat,
    Program,
    ProgramStatus,
    Role,
    Wording,
)
from turnabout.programs.rules import EDITABLE_FIELDS, circle_size_problems, circle_spec
from turnabout.programs.services import change_program_status, check_settings_editable, update_program

pytestmark = pytest.mark.django_db

JUNIOR, EXECUTIVE = "junior", "executive"


@pytest.fixture
def board(circle_program, manager):
    """The junior board worded in its own labels: juniors and executives."""
    changes = {"wording": Wording.CUSTOM, "custom_mentor_label": JUNIOR, "custom_mentee_label": EXECUTIVE}
    change_program_status(program=circle_program, to=ProgramStatus.DRAFT, by=manager)
    program = update_program(program=circle_program, changes=changes, by=manager)
    return change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)


def refused_fields(program, manager, changes):
    with pytest.raises(ValidationError) as refused:
        update_program(program=program, changes=changes, by=manager)
    return refused.value.message_dict


def test_the_circle_program_stores_its_sizes_and_gives_the_engine_its_spec(circle_program):
    assert circle_program.is_circles
    assert circle_spec(circle_program) == CircleSpec(mentors_per_circle=(4, 8), mentees_per_circle=(3, 6))


def test_a_new_program_has_the_default_sizes_and_is_not_circles(program):
    assert not program.is_circles
    sizes = (program.circle_min_mentors, program.circle_max_mentors, program.circle_min_mentees, program.circle_max_mentees)
    assert sizes == (1, 1, 3, 5)


def test_the_largest_size_is_the_engines_largest():
    CircleSpec(mentors_per_circle=(1, CIRCLE_MAX_SIZE))
    with pytest.raises(ProblemError):
        CircleSpec(mentors_per_circle=(1, CIRCLE_MAX_SIZE + 1))


def test_the_fewest_above_the_most_is_refused_naming_the_side(circle_program, manager):
    errors = refused_fields(circle_program, manager, {"circle_min_mentees": 7})
    assert errors == {"circle_min_mentees": ["The fewest mentees in a circle (7) must not be more than the most (6)."]}
    circle_program.refresh_from_db()
    assert circle_program.circle_min_mentees == 3


@pytest.mark.parametrize(("field", "value"), [("circle_min_mentors", 0), ("circle_max_mentees", CIRCLE_MAX_SIZE + 1)])
def test_a_size_outside_1_to_20_is_refused(circle_program, manager, field, value):
    errors = refused_fields(circle_program, manager, {field: value})
    side = "mentors" if field.endswith("mentors") else "mentees"
    assert errors == {field: [f"Give a number of {side} per circle from 1 to 20."]}


def test_the_database_refuses_sizes_out_of_order(circle_program):
    circle_program.circle_min_mentors = 9
    with pytest.raises(ValidationError, match="from 1 to 20 people on each side"):
        circle_program.validate_constraints()
    with pytest.raises(IntegrityError), transaction.atomic():
        Program.objects.filter(pk=circle_program.pk).update(circle_min_mentors=9)


def test_circles_with_self_select_are_refused(program, manager):
    errors = refused_fields(program, manager, {"pairing_format": PairingFormat.CIRCLES, "matching_style": MatchingStyle.SELF_SELECT})
    assert list(errors) == ["matching_style"]
    assert "Circles are formed by the program manager" in errors["matching_style"][0]


def test_circles_asking_one_side_first_are_refused(program, manager):
    errors = refused_fields(program, manager, {"pairing_format": PairingFormat.CIRCLES, "acceptance_order": AcceptanceOrder.MENTEE_FIRST})
    assert list(errors) == ["acceptance_order"]


def test_the_sizes_lock_with_the_engine_settings_once_pairs_run():
    sizes = {"circle_min_mentors", "circle_max_mentors", "circle_min_mentees", "circle_max_mentees"}
    for status in (ProgramStatus.DRAFT, ProgramStatus.ENROLLING, ProgramStatus.MATCHING):
        assert sizes <= EDITABLE_FIELDS[status]
    for status in (ProgramStatus.RUNNING, ProgramStatus.CLOSING, ProgramStatus.CLOSED):
        assert not sizes & EDITABLE_FIELDS[status]


def test_a_running_program_refuses_a_size_change(circle_program):
    circle_program.status = ProgramStatus.RUNNING
    with pytest.raises(FieldLocked, match="cannot change while the program is running: circle_max_mentees"):
        check_settings_editable(circle_program, ["circle_max_mentees"])


def test_a_pool_too_small_for_one_circle_says_so_in_the_programs_labels(board):
    assert circle_size_problems(board, mentors=2, mentees=3) == [
        "A circle needs at least 4 juniors and 3 executives; the pool has 2 juniors."
    ]
    assert circle_size_problems(board, mentors=1, mentees=0) == [
        "A circle needs at least 4 juniors and 3 executives; the pool has 1 junior and 0 executives."
    ]


def test_a_pool_that_fills_one_circle_has_no_problem(board):
    assert circle_size_problems(board, mentors=4, mentees=3) == []
    assert circle_size_problems(board, mentors=20, mentees=9) == []


def test_the_unfillable_error_says_its_sentences(board):
    sentences = circle_size_problems(board, mentors=2, mentees=1)
    error = CircleSizesUnfillable(sentences)
    assert error.message == " ".join(sentences)
    assert error.sentences == sentences


def test_the_format_is_worded_with_the_sizes_in_the_programs_labels(board, manager):
    assert board.pairing_format_label == "Circles of 4–8 juniors with 3–6 executives"
    change_program_status(program=board, to=ProgramStatus.DRAFT, by=manager)
    one = update_program(program=board, changes={"circle_min_mentors": 1, "circle_max_mentors": 1, "circle_min_mentees": 3,
                                                 "circle_max_mentees": 5}, by=manager)  # fmt: skip
    assert one.pairing_format_label == "Circles of 1 junior with 3–5 executives"
    choices = dict(ProgramSetupForm(instance=one).fields["pairing_format"].choices)
    assert choices[PairingFormat.CIRCLES] == "Circles of juniors and executives"


def test_the_program_page_shows_the_format_and_a_pool_too_small(client, manager, acme, board):
    # given two approved juniors and three approved executives
    for number in range(1, 3):
        make_ready(board, add_person(acme, f"J{number}", grade="G2", department="Technology"), Role.MENTOR, manager, skills={GOALS[0]: 5})
    for number in range(1, 4):
        make_ready(board, add_person(acme, f"S{number}", grade="G9", department="Sales"), Role.MENTEE, manager, skills={GOALS[0]: 3})
    client.force_login(manager)

    # when
    html = client.get(reverse("programs:detail", args=[board.pk])).content.decode()

    # then
    assert "Circles of 4–8 juniors with 3–6 executives" in html
    assert "A circle needs at least 4 juniors and 3 executives; the pool has 2 juniors." in html
    assert board.circle_pool_problems == ["A circle needs at least 4 juniors and 3 executives; the pool has 2 juniors."]


def test_a_pool_that_fits_shows_no_circle_problem(manager, acme, circle_program):
    circle_program = update_program(program=circle_program, changes={"circle_min_mentors": 1}, by=manager)
    make_ready(circle_program, add_person(acme, "J1", grade="G2", department="Technology"), Role.MENTOR, manager, skills={GOALS[0]: 5})
    for number in range(1, 4):
        person = add_person(acme, f"S{number}", grade="G9", department="Sales")
        make_ready(circle_program, person, Role.MENTEE, manager, skills={GOALS[0]: 3})
    assert circle_program.circle_pool_problems == []


def test_a_pair_program_never_shows_a_circle_problem(matching_program):
    assert matching_program.circle_pool_problems == []


def settings_of(client, program):
    """The settings page's form as the browser would post it back unchanged."""
    form = client.get(reverse("programs:edit", args=[program.pk])).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False or form.fields[name].disabled:
            continue
        data[name] = [item.pk if hasattr(item, "pk") else item for item in value] if isinstance(value, list) else value
    return data


def test_the_settings_page_shows_the_sizes_together_and_saves_them(client, manager, circle_program):
    # given
    client.force_login(manager)
    page = client.get(reverse("programs:edit", args=[circle_program.pk])).content.decode()
    assert "Circle sizes (circles format only)" in page
    assert "Fewest mentors in a circle" in page
    data = settings_of(client, circle_program)

    # when
    data.update({"circle_min_mentors": "5", "circle_max_mentees": "4"})
    response = client.post(reverse("programs:edit", args=[circle_program.pk]), data)

    # then
    assert response.status_code == 302, response.context["form"].errors
    circle_program.refresh_from_db()
    assert (circle_program.circle_min_mentors, circle_program.circle_max_mentees) == (5, 4)


def test_the_settings_page_refuses_the_fewest_above_the_most(client, manager, circle_program):
    client.force_login(manager)
    data = {**settings_of(client, circle_program), "circle_min_mentors": "9"}
    response = client.post(reverse("programs:edit", args=[circle_program.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["circle_min_mentors"] == [
        "The fewest mentors in a circle (9) must not be more than the most (8)."
    ]
    circle_program.refresh_from_db()
    assert circle_program.circle_min_mentors == 4


def test_while_matching_a_size_the_approved_pool_cannot_fill_is_refused(client, manager, acme, circle_program):
    # given one approved junior and three executives, the program matching
    make_ready(circle_program, add_person(acme, "J1", grade="G2", department="Technology"), Role.MENTOR, manager, skills={GOALS[0]: 5})
    for number in range(1, 4):
        person = add_person(acme, f"S{number}", grade="G9", department="Sales")
        make_ready(circle_program, person, Role.MENTEE, manager, skills={GOALS[0]: 3})
    change_program_status(program=circle_program, to=ProgramStatus.MATCHING, by=manager)
    client.force_login(manager)
    data = settings_of(client, circle_program)

    # when the fewest juniors falls to 2, still more than the pool
    response = client.post(reverse("programs:edit", args=[circle_program.pk]), {**data, "circle_min_mentors": "2"})

    # then
    assert response.context["form"].errors["circle_min_mentors"] == [
        "A circle needs at least 2 mentors and 3 mentees; the pool has 1 mentor."
    ]
    circle_program.refresh_from_db()
    assert circle_program.circle_min_mentors == 4

    # and a size the pool fills is saved
    response = client.post(reverse("programs:edit", args=[circle_program.pk]), {**data, "circle_min_mentors": "1"})
    assert response.status_code == 302
    circle_program.refresh_from_db()
    assert circle_program.circle_min_mentors == 1


def patch(client, program, body):
    return client.patch(f"/api/programs/{program.pk}", json.dumps(body), content_type="application/json")


def test_the_api_shows_and_changes_the_format_and_sizes(client, manager, program):
    # given
    client.force_login(manager)
    shown = client.get(f"/api/programs/{program.pk}").json()
    assert shown["pairing_format"] == PairingFormat.ONE_TO_ONE
    assert [shown[name] for name in ("circle_min_mentors", "circle_max_mentors", "circle_min_mentees", "circle_max_mentees")] == [
        1,
        1,
        3,
        5,
    ]

    # when
    body = {"pairing_format": "circles", "circle_min_mentors": 4, "circle_max_mentors": 8, "circle_min_mentees": 3, "circle_max_mentees": 6}
    response = patch(client, program, body)

    # then
    assert response.status_code == 200, response.json()
    assert {name: response.json()[name] for name in body} == body
    assert client.get(f"/api/programs/{program.pk}").json()["pairing_format"] == "circles"
    assert Program.objects.get(pk=program.pk).is_circles


def test_the_api_refuses_sizes_out_of_order_naming_the_field(client, manager, circle_program):
    client.force_login(manager)
    response = patch(client, circle_program, {"circle_min_mentees": 7})
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", "payload", "circle_min_mentees"]]
    assert Program.objects.get(pk=circle_program.pk).circle_min_mentees == 3


def test_the_api_says_when_the_pool_cannot_fill_a_circle(client, manager, circle_program):
    client.force_login(manager)
    problems = client.get(f"/api/programs/{circle_program.pk}").json()["circle_pool_problems"]
    assert problems == ["A circle needs at least 4 mentors and 3 mentees; the pool has 0 mentors and 0 mentees."]
