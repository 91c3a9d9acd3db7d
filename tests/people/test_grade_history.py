"""Promotion history: a grade change through update_person or the HRIS import writes exactly one GradeChange."""

from datetime import date, datetime

import pytest
import time_machine
from django.utils import timezone

from tests.people.test_hris_import import GOOD_CSV, csv_file
from turnabout.people.errors import ImportRejected
from turnabout.people.hris import apply_people_import
from turnabout.people.models import GradeChange, Person
from turnabout.people.services import update_person

IMPORT_DAY = timezone.make_aware(datetime(2026, 4, 1, 10, 0))


def test_update_person_records_a_grade_change(acme, mentor):
    # given Charlie at G2
    person = Person.objects.get(user=mentor)
    g2, g3 = acme.grades.get(code="G2"), acme.grades.get(code="G3")

    # when he is promoted, then his name is corrected
    with time_machine.travel(IMPORT_DAY, tick=False):
        update_person(person=person, grade=g3)
        update_person(person=person, given_name="Charles")

    # then one row, dated that day, from G2 to G3
    assert list(GradeChange.objects.values_list("person_id", "from_grade_id", "to_grade_id", "changed_on")) == [
        (person.pk, g2.pk, g3.pk, date(2026, 4, 1))
    ]


def test_update_person_with_the_same_grade_records_nothing(acme, mentor):
    # given
    person = Person.objects.get(user=mentor)

    # when
    update_person(person=person, grade=acme.grades.get(code="G2"))

    # then
    assert not GradeChange.objects.exists()


def test_import_of_new_people_then_the_same_file_again_writes_no_history(acme):
    # given a first import creating three people
    apply_people_import(organisation=acme, file=csv_file(GOOD_CSV))

    # when the same file is imported again
    apply_people_import(organisation=acme, file=csv_file(GOOD_CSV))

    # then nobody has a grade change
    assert not GradeChange.objects.exists()


def test_import_changing_one_grade_writes_exactly_one_row_dated_the_import_day(acme):
    # given three people, Katherine at G3
    apply_people_import(organisation=acme, file=csv_file(GOOD_CSV))
    katherine = Person.objects.get(organisation=acme, employee_id="E3")

    # when a later file has her at G4
    promoted = GOOD_CSV.replace("Analyst,G3,", "Analyst,G4,")
    with time_machine.travel(IMPORT_DAY, tick=False):
        result = apply_people_import(organisation=acme, file=csv_file(promoted))
        apply_people_import(organisation=acme, file=csv_file(promoted))

    # then one row, from G3 to G4 on the import's day; the repeat adds none
    assert result.updated == 1
    assert list(GradeChange.objects.values_list("person_id", "from_grade__code", "to_grade__code", "changed_on")) == [
        (katherine.pk, "G3", "G4", date(2026, 4, 1))
    ]


def test_a_rejected_import_writes_no_history(acme):
    # given
    apply_people_import(organisation=acme, file=csv_file(GOOD_CSV))
    broken = GOOD_CSV.replace("Analyst,G3,", "Analyst,G4,").replace("alan@acme.test", "not-an-email")

    # when
    with pytest.raises(ImportRejected):
        apply_people_import(organisation=acme, file=csv_file(broken))

    # then
    assert not GradeChange.objects.exists()
