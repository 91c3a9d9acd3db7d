"""The HRIS import's one table of columns: each column described once, and every view of the columns derived from it."""

import pytest
from django.db.models import CharField

from turnabout.people.hris import apply_people_import
from turnabout.people.hris_columns import (
    COLUMN_INDEX,
    COLUMN_NAMED,
    COLUMN_NAMES,
    COLUMNS,
    FIELD_COLUMNS,
    guess_mapping,
    normalise_header,
)
from turnabout.people.hris_reading import ImportFile
from turnabout.people.import_forms import ImportMappingForm
from turnabout.people.management.commands.import_people import Command
from turnabout.people.models import Community, CommunityMembership, MembershipSource, Person


def test_each_column_is_described_once():
    # given the table
    names = [column.name for column in COLUMNS]
    labels = [column.label for column in COLUMNS]
    aliases = [alias for column in COLUMNS for alias in column.aliases]

    # then no name, label, Person field, relation or alias belongs to two columns
    assert len(set(names)) == len(names)
    assert len(set(labels)) == len(labels)
    assert len({column.field for column in FIELD_COLUMNS}) == len(FIELD_COLUMNS)
    assert len({(column.field, column.relation) for column in COLUMNS}) == len(COLUMNS)
    assert len(set(aliases)) == len(aliases)
    # and every alias is written as a header is compared
    assert all(normalise_header(alias) == alias for alias in aliases)


def test_the_derived_views_agree_with_the_table():
    # given the table
    # then the names, positions and lookups are the table's, in its order
    assert tuple(column.name for column in COLUMNS) == COLUMN_NAMES
    assert all(COLUMNS[COLUMN_INDEX[name]].name == name for name in COLUMN_NAMES)
    assert all(COLUMN_NAMED[column.name] is column for column in COLUMNS)
    # and every column has a label, a parser or a length its text is held to, and a Person field or else a relation
    for column in COLUMNS:
        assert column.label
        assert column.clean is not None or column.max_length is not None, column.name
        if column.field is None:
            assert column.relation, column.name
        else:
            assert column.model_field.model is Person
    # and the Person-field columns come first, in the table's order, then the relation columns
    assert COLUMNS[: len(FIELD_COLUMNS)] == FIELD_COLUMNS
    assert all(column.field is None for column in COLUMNS[len(FIELD_COLUMNS) :])
    # and a file headed with the columns' own names is mapped to every column
    assert guess_mapping(list(COLUMN_NAMES)) == {name: name for name in COLUMN_NAMES}


def test_a_text_columns_length_is_the_model_fields():
    # given the columns kept as text (their cell is a person's field, or names a grade, department, site or manager)
    text_columns = [column for column in COLUMNS if column.clean is None]

    # then each holds exactly as many characters as the model field it is matched to
    for column in text_columns:
        related = column.model_field.related_model
        stored = related._meta.get_field(column.matched_by) if column.matched_by else column.model_field
        assert isinstance(stored, CharField)
        assert column.max_length == stored.max_length
        assert column.parse("x" * stored.max_length) == "x" * stored.max_length
        with pytest.raises(ValueError, match=f"at most {stored.max_length} fit"):
            column.parse("x" * (stored.max_length + 1))


def test_the_mapping_page_offers_one_choice_per_column_and_requires_the_required_ones():
    # when the mapping form is built for a file
    form = ImportMappingForm(headers=["Employee ID", "Email"])

    # then it has one field per column, in the table's order, then the leavers checkbox
    assert list(form.fields) == [*COLUMN_NAMES, "mark_missing_as_leavers"]
    assert {name for name in COLUMN_NAMES if form.fields[name].required} == {column.name for column in COLUMNS if column.required}


def test_the_command_names_every_column_in_its_help():
    # when the command's help is written
    help_text = " ".join(Command().create_parser("turnabout", "import-people").format_help().split())

    # then the mapping option lists every column by name
    assert ", ".join(COLUMN_NAMES) in help_text


@pytest.mark.django_db
def test_every_column_reads_and_writes_its_person_field(acme):
    # given a file holding every column, the communities column naming two of the organisation's communities
    women = Community.objects.create(organisation=acme, name="Women in Tech")
    pride = Community.objects.create(organisation=acme, name="Pride", is_identity_based=True)
    assert COLUMN_NAMES[len(FIELD_COLUMNS) :] == ("communities",)
    header = ",".join(COLUMN_NAMES)
    row = "E1,Grace,Hopper,grace@acme.test,CEO,G10,Board,London,GB,Europe/London,,2001-02-03,,en fr,active,fr,women in tech; PRIDE"
    file = ImportFile.from_bytes("people.csv", f"{header}\n{row}\n".encode())

    # when it is applied
    result = apply_people_import(organisation=acme, file=file)

    # then each column's value is read back from the field the table names for it
    assert result.created == 1
    stored = Person.objects.filter(organisation=acme, employee_id="E1").values_list(*(column.compared for column in FIELD_COLUMNS)).get()
    assert stored == (
        "E1", "Grace", "Hopper", "grace@acme.test", "CEO", "G10", "Board", "London", "GB", "Europe/London", None,
        Person._meta.get_field("hire_date").to_python("2001-02-03"), None, ["en", "fr"], "active", "fr",
    )  # fmt: skip
    # and the relation column wrote the person's memberships, from the HR system and not yet consented to
    memberships = CommunityMembership.objects.filter(person__employee_id="E1", person__organisation=acme)
    assert sorted(memberships.values_list("community_id", "source", "consented_at")) == sorted(
        [(women.pk, MembershipSource.HRIS, None), (pride.pk, MembershipSource.HRIS, None)]
    )
    assert result.memberships_added == 2
