"""What stops a program opening enrolment, and what stops a person joining it (turnabout/programs/rules.py)."""

from datetime import date

import pytest

from tests.builders import add_person
from turnabout.people.models import Department, Site
from turnabout.programs.models import Role, StrategicDriver
from turnabout.programs.rules import eligibility_problems, launch_problems

TODAY = date(2026, 12, 3)


def test_a_ready_draft_has_no_launch_problems(program):
    assert launch_problems(program) == []


def test_each_unsettled_part_of_a_draft_is_named_before_enrolment_opens(program):
    # given a draft with everything but its purpose, topics and sponsor left unsettled
    program.strategic_driver, program.custom_driver = StrategicDriver.CUSTOM, " "
    program.outcomes_for_mentees = ""
    program.purpose_statement = "Pair [department] leaders with the people who know the tools best."
    program.target_meeting_count = 0
    program.code_of_conduct = ""
    program.training_required = True
    program.training_modules.clear()

    # when
    problems = launch_problems(program)

    # then
    bracketed = next(problem for problem in problems if problem.startswith("Replace the [bracketed]"))
    assert problems == [
        "Name the strategic driver",
        "Describe the intended outcomes for mentors, mentees and the organisation",
        bracketed,
        "Set a target number of meetings",
        "Write a code of conduct",
        "Choose the training modules, or do not require training",
    ]


@pytest.mark.parametrize(
    ("dates", "problem"),
    [
        ((date(2027, 2, 1), date(2027, 1, 1), date(2027, 3, 1), date(2027, 9, 1)), "Enrolment must close after it opens"),
        ((date(2027, 1, 1), date(2027, 2, 1), date(2027, 1, 15), date(2027, 9, 1)), "The program must start after enrolment closes"),
        ((date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1), date(2027, 4, 1)), "A program runs between 3 and 18 months"),
        ((date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1), date(2029, 3, 1)), "A program runs between 3 and 18 months"),
        ((None, date(2027, 2, 1), date(2027, 3, 1), date(2027, 9, 1)), "Set the enrolment window, start and end dates"),
    ],
)
def test_a_schedule_out_of_order_or_of_the_wrong_length_is_named(program, dates, problem):
    # given
    program.enrolment_opens_on, program.enrolment_closes_on, program.starts_on, program.ends_on = dates

    # when / then
    assert launch_problems(program) == [problem]


def test_someone_of_another_organisation_is_refused_for_that_alone(program, globex):
    # given
    stranger = add_person(globex, "X1", grade="G1", department="Elsewhere")

    # when / then
    assert eligibility_problems(program, stranger, Role.MENTOR, today=TODAY) == ["belongs to another organisation"]


def test_every_unmet_criterion_of_a_program_is_named(program, acme):
    # given a program for mentees from G8, mentors to G3, a year's tenure, one site and one department
    program.mentee_min_grade = acme.grades.get(code="G8")
    program.mentor_max_grade = acme.grades.get(code="G3")
    program.min_tenure_months = 12
    program.eligible_sites.set([Site.objects.create(organisation=acme, name="Leeds")])
    program.eligible_departments.set([Department.objects.create(organisation=acme, name="Finance")])
    person = add_person(acme, "P1", grade="G5", department="Technology")
    person.hire_date = date(2026, 6, 1)

    # when
    as_mentee = eligibility_problems(program, person, Role.MENTEE, today=TODAY)
    as_mentor = eligibility_problems(program, person, Role.MENTOR, today=TODAY)

    # then
    outside = ["has been with us less than 12 months", "works at a site outside the program", "works in a department outside the program"]
    assert as_mentee == ["grade is below G8", *outside]
    assert as_mentor == ["grade is above G3", *outside]


def test_someone_who_meets_every_criterion_is_eligible(program, acme):
    # given
    program.mentee_min_grade = acme.grades.get(code="G8")
    program.min_tenure_months = 1
    person = add_person(acme, "P2", grade="G9", department="Finance")
    person.hire_date = date(2020, 1, 1)

    # when / then
    assert eligibility_problems(program, person, Role.MENTEE, today=TODAY) == []
