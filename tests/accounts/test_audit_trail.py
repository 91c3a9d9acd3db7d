"""The audit trail: every security-relevant event writes one entry, entries never change, and admins filter them."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.engagement.health_builders import at
from tests.insights.dataset import seeded_program
from turnabout.accounts.errors import AuditEntryPermanent
from turnabout.accounts.models import AuditAction, AuditEntry, AuditGroup, SignInMethod
from turnabout.accounts.services import record_audit_entry
from turnabout.identity.links import issue_sign_in_link
from turnabout.matching.services import publish_match_run, start_match_run
from turnabout.people.errors import ImportRejected
from turnabout.people.hris import apply_people_import
from turnabout.people.hris_reading import ImportFile
from turnabout.people.services import delete_organisation, mark_leaver

IMPORT_CSV = """employee_id,given_name,family_name,email,grade
E1,Grace,Hopper,grace@acme.test,G10
E2,Alan,Turing,alan@acme.test,G8
"""


@pytest.fixture
def seeded(matching_program, manager, mentor, mentee):
    """The insights tests' running program (tests/insights/dataset.py), sponsored by Diana."""
    seeded_program(matching_program, manager=manager, mentor=mentor, mentee=mentee)
    matching_program.refresh_from_db()
    return matching_program


def entries(action: AuditAction) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).select_related("actor", "target").order_by("pk"))


# ------------------------------------------------------------------------------------------------------- sign-ins


def test_a_password_sign_in_is_audited(client, mentor):
    # when
    response = client.post(reverse("accounts:login"), {"username": "Charlie@Acme.test", "password": PASSWORD})

    # then
    assert response.status_code == 302
    [entry] = entries(AuditAction.SIGNED_IN)
    assert (entry.organisation, entry.actor, entry.target) == (mentor.organisation, mentor, mentor)
    assert entry.details == {"method": SignInMethod.PASSWORD, "ip_address": "127.0.0.1"}
    assert entry.summary == "charlie@acme.test signed in (password)"


def test_a_wrong_password_is_audited_for_a_known_login_and_never_for_an_unknown_address(client, mentor):
    # when
    client.post(reverse("accounts:login"), {"username": "charlie@acme.test", "password": "not the password"})
    client.post(reverse("accounts:login"), {"username": "nobody@acme.test", "password": "not the password"})

    # then
    [entry] = entries(AuditAction.SIGN_IN_FAILED)
    assert (entry.actor, entry.target, entry.details["method"]) == (None, mentor, SignInMethod.PASSWORD)
    assert "not the password" not in str(entry.details) + entry.summary
    assert not entries(AuditAction.SIGNED_IN)
    assert AuditEntry.objects.count() == 1


def test_a_sign_in_by_link_is_audited(client, mentor):
    # given
    path = urlparse(issue_sign_in_link(person=mentor.person)).path

    # when
    response = client.post(path)

    # then
    assert response.status_code == 302
    [entry] = entries(AuditAction.SIGNED_IN)
    assert (entry.target, entry.details["method"]) == (mentor, SignInMethod.LINK)


def test_a_link_refused_to_a_leaver_is_audited(client, mentor):
    # given
    path = urlparse(issue_sign_in_link(person=mentor.person)).path
    mark_leaver(person=mentor.person, end_date=at(2026, 1, 31).date())

    # when
    response = client.post(path)

    # then
    assert response.status_code == 410
    [entry] = entries(AuditAction.SIGN_IN_FAILED)
    assert (entry.target, entry.details["method"]) == (mentor, SignInMethod.LINK)
    assert "having left" in entry.details["reason"]
    assert "_auth_user_id" not in client.session


# --------------------------------------------------------------------------------------------- imports, runs, reads


def test_an_applied_import_is_audited_with_its_counts_only(acme, admin):
    # when
    apply_people_import(organisation=acme, file=ImportFile.from_bytes("people.csv", IMPORT_CSV.encode()), by=admin)

    # then
    [entry] = entries(AuditAction.IMPORT_APPLIED)
    assert (entry.actor, entry.details) == (
        admin,
        {"file": "people.csv", "rows": 2, "created": 2, "updated": 0, "unchanged": 0, "leavers_marked": 0, "missing_marked": 0},
    )
    assert "Grace" not in entry.summary


def test_a_refused_import_writes_no_entry(acme, admin):
    # given a grade the ladder does not have
    bad = IMPORT_CSV.replace("G10", "G99")

    # when
    with pytest.raises(ImportRejected):
        apply_people_import(organisation=acme, file=ImportFile.from_bytes("people.csv", bad.encode()), by=admin)

    # then
    assert not entries(AuditAction.IMPORT_APPLIED)


def test_publishing_a_match_run_is_audited(matching_program, pool, manager, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        run = start_match_run(program=matching_program, by=manager)
    run.refresh_from_db()

    # when
    publish_match_run(run=run, by=manager)

    # then
    [entry] = entries(AuditAction.MATCH_RUN_PUBLISHED)
    assert (entry.actor, entry.details) == (manager, {"run_id": run.pk, "program_id": matching_program.pk, "matches": 3})
    assert entry.summary == f"Match run #{run.pk} of {matching_program.name} published: 3 pairs proposed"


@pytest.mark.parametrize(("page", "report_format"), [("insights:program_csv", "csv"), ("insights:program_pdf", "pdf")])
def test_each_download_of_a_report_is_audited(client, seeded, sponsor, page, report_format):
    # given
    client.force_login(sponsor)

    # when
    response = client.get(reverse(page, args=[seeded.pk]), {"cohort": "2026-01"})

    # then
    assert response.status_code == 200
    [entry] = entries(AuditAction.REPORT_EXPORTED)
    assert (entry.actor, entry.details) == (
        sponsor,
        {"program_id": seeded.pk, "format": report_format, "includes_diversity_reach": True, "site_id": None, "cohort": "2026-01"},
    )


def test_reading_the_diversity_reach_is_audited_on_the_dashboard_and_the_api(client, seeded, manager):
    # given
    client.force_login(manager)

    # when
    client.get(reverse("insights:program", args=[seeded.pk]))
    client.get(f"/api/insights/programs/{seeded.pk}/kpis")

    # then
    assert [(entry.actor, entry.details["channel"]) for entry in entries(AuditAction.DIVERSITY_REACH_READ)] == [
        (manager, "dashboard"),
        (manager, "api"),
    ]


def test_a_refused_dashboard_writes_no_entry(client, seeded, mentor):
    # given
    client.force_login(mentor)

    # when
    response = client.get(reverse("insights:program", args=[seeded.pk]))

    # then
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.DIVERSITY_REACH_READ).exists()


def test_saving_and_withdrawing_consented_answers_is_audited_without_the_answers(client, mentor):
    # given
    client.force_login(mentor)

    # when
    client.post(reverse("people:my_privacy"), {"consent": "on", "gender": "Woman", "ethnicity": "Maori", "age_band": "25_34"})
    client.post(reverse("people:withdraw_privacy"))

    # then
    logged = [(entry.action, entry.actor, entry.target) for entry in AuditEntry.objects.order_by("pk")]
    assert logged == [
        (AuditAction.SENSITIVE_PROFILE_SAVED, mentor, mentor),
        (AuditAction.SENSITIVE_PROFILE_WITHDRAWN, mentor, mentor),
    ]
    assert [entry.details for entry in AuditEntry.objects.order_by("pk")] == [{"person_id": mentor.person.pk}] * 2
    summaries = " ".join(AuditEntry.objects.values_list("summary", flat=True))
    assert "Woman" not in summaries
    assert "Maori" not in summaries


# ---------------------------------------------------------------------------------------------------- append-only


def test_an_entry_can_be_neither_changed_nor_deleted(acme, admin):
    # given
    entry = record_audit_entry(organisation=acme, actor=admin, action=AuditAction.ROLE_CHANGED, summary="as it happened")

    # when / then
    entry.summary = "rewritten"
    with pytest.raises(AuditEntryPermanent):
        entry.save()
    with pytest.raises(AuditEntryPermanent):
        entry.delete()
    with pytest.raises(AuditEntryPermanent):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="rewritten")
    with pytest.raises(AuditEntryPermanent):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    # Both run inside a transaction of their own that the refusal rolls back.
    with pytest.raises(AuditEntryPermanent), transaction.atomic():
        AuditEntry.objects.bulk_update([entry], ["summary"])
    with pytest.raises(AuditEntryPermanent), transaction.atomic():
        AuditEntry.objects.update_or_create(pk=entry.pk, defaults={"summary": "rewritten"})
    assert list(AuditEntry.objects.values_list("summary", flat=True)) == ["as it happened"]


def test_deleting_a_whole_organisation_still_removes_its_log(acme, admin, globex, outsider):
    # given
    record_audit_entry(organisation=acme, actor=admin, action=AuditAction.ROLE_CHANGED, summary="Acme's")
    record_audit_entry(organisation=globex, actor=outsider, action=AuditAction.ROLE_CHANGED, summary="Globex's")

    # when
    delete_organisation(organisation=acme)

    # then
    assert list(AuditEntry.objects.values_list("summary", flat=True)) == ["Globex's"]


# ---------------------------------------------------------------------------------------------------------- page


@pytest.fixture
def history(acme, admin, manager, mentor):
    """Five entries over three days: Ada changes Alice's role, Charlie signs in twice, a system import, a download."""
    with time_machine.travel(at(2026, 3, 1), tick=False):
        record_audit_entry(organisation=acme, actor=admin, action=AuditAction.ROLE_CHANGED, target=manager, summary="role")
    with time_machine.travel(at(2026, 3, 2), tick=False):
        for _ in range(2):
            record_audit_entry(organisation=acme, actor=mentor, action=AuditAction.SIGNED_IN, target=mentor, summary="sign-in")
    with time_machine.travel(at(2026, 3, 3), tick=False):
        record_audit_entry(organisation=acme, actor=None, action=AuditAction.IMPORT_APPLIED, summary="import")
        record_audit_entry(organisation=acme, actor=manager, action=AuditAction.REPORT_EXPORTED, summary="download")
    return AuditEntry.objects.order_by("-created_at", "-pk")


def shown(response) -> list[str]:
    return [entry.summary for entry in response.context["page"].object_list]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["download", "import", "sign-in", "sign-in", "role"]),
        ({"group": AuditGroup.SIGN_IN}, ["sign-in", "sign-in"]),
        ({"group": AuditGroup.SENSITIVE}, ["download"]),
        ({"action": AuditAction.ROLE_CHANGED}, ["role"]),
        ({"actor": "alice"}, ["download"]),
        ({"actor": "Ada Admin"}, ["role"]),
        ({"about": "charlie@"}, ["sign-in", "sign-in"]),
        ({"about": "A002"}, ["role"]),
        ({"since": "2026-03-02", "until": "2026-03-02"}, ["sign-in", "sign-in"]),
        ({"since": "2026-03-03"}, ["download", "import"]),
        ({"until": "2026-03-01"}, ["role"]),
        ({"group": AuditGroup.SIGN_IN, "actor": "alice"}, []),
    ],
)
def test_the_filters_narrow_the_log(client, admin, history, query, expected):
    # given
    client.force_login(admin)

    # when
    response = client.get(reverse("identity:audit"), query)

    # then
    assert response.status_code == 200
    assert shown(response) == expected


def test_a_refused_filter_says_why_and_lists_nothing(client, admin, history):
    # given
    client.force_login(admin)

    # when
    response = client.get(reverse("identity:audit"), {"since": "2026-03-03", "until": "2026-03-01"})

    # then
    assert response.status_code == 400
    assert shown(response) == []
    assert "The last day comes before the first" in response.content.decode()


def test_pages_keep_the_filters(client, admin, acme, mentor, django_assert_max_num_queries):
    # given 130 sign-ins and one other entry
    for number in range(130):
        record_audit_entry(organisation=acme, actor=mentor, action=AuditAction.SIGNED_IN, target=mentor, summary=f"sign-in {number}")
    record_audit_entry(organisation=acme, actor=admin, action=AuditAction.ROLE_CHANGED, summary="role")
    client.force_login(admin)

    # when
    with django_assert_max_num_queries(8):
        first = client.get(reverse("identity:audit"), {"group": AuditGroup.SIGN_IN})
    second = client.get(reverse("identity:audit"), {"group": AuditGroup.SIGN_IN, "page": 2})

    # then
    assert len(shown(first)) == 100
    assert "?group=sign_in&amp;page=2" in first.content.decode()
    assert shown(second) == [f"sign-in {number}" for number in range(29, -1, -1)]
    assert "?group=sign_in&amp;page=1" in second.content.decode()


def test_htmx_gets_only_the_results(client, admin, history):
    # given
    client.force_login(admin)

    # when
    response = client.get(reverse("identity:audit"), {"group": AuditGroup.SIGN_IN}, headers={"HX-Request": "true"})

    # then
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="results">')
    assert "<h1>" not in page
    assert shown(response) == ["sign-in", "sign-in"]


def test_only_admins_see_the_log_and_only_their_organisation(client, history, manager, mentor, sponsor, outsider):
    # when / then
    assert client.get(reverse("identity:audit")).status_code == 302
    for user in (manager, mentor, sponsor):
        client.force_login(user)
        assert client.get(reverse("identity:audit"), {"group": AuditGroup.SIGN_IN}).status_code == 403
    client.force_login(outsider)
    response = client.get(reverse("identity:audit"))
    assert response.status_code == 200
    assert shown(response) == []
