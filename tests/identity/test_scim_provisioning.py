"""An identity provider's life cycle of a user, driven by scim2-client over HTTP against a live server.

It creates, reads, finds, replaces, patches, deactivates and deletes people, and the directory, the enrolments
and the administrators' audit page follow.
"""

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from django.test import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import Error, PatchOp, PatchOperation, SearchRequest

from tests.builders import GOALS, make_ready
from tests.matching.test_rule_breaks import running_pair
from turnabout.accounts.models import AuditEntry, User
from turnabout.identity.scim.resources import PROVIDER, EnterpriseUser, Manager, Name, ScimUser
from turnabout.identity.scim.services import rotate_scim_token
from turnabout.matching.rule_breaks import MENTOR_IN_MENTEE_LINE
from turnabout.people.models import EmploymentStatus, Person
from turnabout.programs.models import EnrolmentStatus
from turnabout.programs.models import Role as ProgramRole


@pytest.fixture
def idp(live_server, settings, acme, admin) -> Iterator[SyncSCIMClient]:
    """Acme's identity provider: a scim2-client with Acme's SCIM token, describing the server with its own models."""
    settings.SITE_URL = live_server.url
    secret = rotate_scim_token(organisation=acme, by=admin).secret
    with httpx2.Client(base_url=f"{live_server.url}/scim/v2", headers={"Authorization": f"Bearer {secret}"}, timeout=30) as http:
        yield SyncSCIMClient(http, provider=PROVIDER)


def new_user(**fields: Any) -> Any:
    enterprise = fields.pop("enterprise")
    user = ScimUser(**fields)
    user[EnterpriseUser] = enterprise
    return user


def only(listed: Any) -> Any:
    assert listed.total_results == 1, listed
    return listed.resources[0]


def test_the_directory_follows_the_identity_provider(idp, live_server, acme, admin, mentee, manager):
    # given Bob (a directory person imported from the HR system) as the manager to be
    bob = idp.query(ScimUser, query_parameters=SearchRequest(filter='userName eq "bob@acme.test"'))
    bob_id = only(bob).id
    assert bob_id == str(mentee.person.pk)

    # when the identity provider creates Zoe
    created = idp.create(
        new_user(
            user_name="zoe@acme.test",
            external_id="entra-0001",
            name=Name(given_name="Zoe", family_name="Zed"),
            title="Analyst",
            active=True,
            enterprise=EnterpriseUser(employee_number="A200", department="Finance", manager=Manager(value=bob_id)),
        )
    )

    # then she is in the directory, reporting to Bob
    zoe = Person.objects.get(organisation=acme, email="zoe@acme.test")
    assert created.id == str(zoe.pk)
    assert (zoe.employee_id, zoe.given_name, zoe.family_name, zoe.job_title) == ("A200", "Zoe", "Zed", "Analyst")
    assert (zoe.department.name, zoe.manager, zoe.scim_external_id) == ("Finance", mentee.person, "entra-0001")
    assert zoe.reporting_path == f"{mentee.person.reporting_path}{zoe.pk}/"
    assert zoe.employment_status == EmploymentStatus.ACTIVE
    assert (created[EnterpriseUser].manager.value, created[EnterpriseUser].manager.ref) == (
        bob_id,
        f"{live_server.url}/scim/v2/Users/{bob_id}",
    )

    # when it reads her, and finds her by userName and by externalId
    read = idp.query(ScimUser, created.id)
    by_name = only(idp.query(ScimUser, query_parameters=SearchRequest(filter='userName eq "ZOE@acme.test"')))
    by_external_id = only(idp.query(ScimUser, query_parameters=SearchRequest(filter='externalId eq "entra-0001"')))

    # then each is her
    assert read.user_name == by_name.user_name == by_external_id.user_name == "zoe@acme.test"
    assert read[EnterpriseUser].employee_number == "A200"

    # when it replaces her (PUT): a new title and department, no manager any more
    replacement = new_user(
        id=created.id,
        user_name="zoe@acme.test",
        external_id="entra-0001",
        name=Name(given_name="Zoe", family_name="Zed"),
        title="Senior analyst",
        active=True,
        enterprise=EnterpriseUser(employee_number="A200", department="Strategy"),
    )
    replaced = idp.replace(replacement)

    # then the directory has it
    zoe.refresh_from_db()
    assert (replaced.title, zoe.job_title, zoe.department.name, zoe.manager) == ("Senior analyst", "Senior analyst", "Strategy", None)

    # when it patches her family name
    idp.modify(
        ScimUser,
        created.id,
        PatchOp[ScimUser](operations=[PatchOperation(op="replace", path="name.familyName", value="Zed-Young")]),
    )

    # then
    zoe.refresh_from_db()
    assert (zoe.given_name, zoe.family_name) == ("Zoe", "Zed-Young")

    # when it deletes her
    idp.delete(ScimUser, created.id)

    # then she is kept in the directory as a leaver, and SCIM no longer knows her
    zoe.refresh_from_db()
    assert (zoe.employment_status, zoe.scim_deleted_at is not None) == (EmploymentStatus.LEAVER, True)
    gone = idp.query(ScimUser, created.id, raise_scim_errors=False, expected_status_codes=None)
    assert isinstance(gone, Error)
    assert gone.status == 404
    assert idp.query(ScimUser, query_parameters=SearchRequest(filter='userName eq "zoe@acme.test"')).total_results == 0

    # and the administrators' audit page shows every change
    browser = Client()
    browser.force_login(admin)
    audit = browser.get("/users/audit/").content.decode()
    for summary in (
        "Zoe Zed &lt;zoe@acme.test&gt; (A200) added to the directory by SCIM",
        "Zoe Zed &lt;zoe@acme.test&gt; (A200) updated by SCIM: title, department, manager",
        "Zoe Zed-Young &lt;zoe@acme.test&gt; (A200) updated by SCIM: name.familyName",
        "Zoe Zed-Young &lt;zoe@acme.test&gt; (A200) marked as having left by SCIM: deleted by the identity provider",
    ):
        assert summary in audit
    scim_login = User.objects.get(organisation=acme, is_service_account=True, full_name="SCIM provisioning")
    assert AuditEntry.objects.filter(actor=scim_login).count() == 4


def test_deactivating_an_enrolled_person_runs_the_leaver_workflow(idp, acme, admin, manager, mentor, matching_program):
    # given Charlie, enrolled as a mentor, with a login
    enrolment = make_ready(matching_program, mentor.person, ProgramRole.MENTOR, manager, skills={GOALS[0]: 5})
    assert enrolment.status == EnrolmentStatus.APPROVED
    charlie = only(idp.query(ScimUser, query_parameters=SearchRequest(filter='userName eq "charlie@acme.test"')))
    assert charlie.active is True

    # when the identity provider deactivates him
    patched = idp.modify(ScimUser, charlie.id, PatchOp[ScimUser](operations=[PatchOperation(op="replace", path="active", value=False)]))

    # then the directory lists him as having left, with his history kept
    assert patched.active is False
    person = Person.objects.get(pk=mentor.person.pk)
    assert person.employment_status == EmploymentStatus.LEAVER
    assert person.end_date is not None
    # and the leaver workflow ran: enrolment withdrawn, login deactivated
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.withdrawn_reason) == (EnrolmentStatus.WITHDRAWN, "Left the organisation")
    mentor.refresh_from_db()
    assert mentor.is_active is False
    # and SCIM still shows him, inactive
    again = idp.query(ScimUser, charlie.id)
    assert again.active is False
    assert only(idp.query(ScimUser, query_parameters=SearchRequest(filter="active eq false"))).id == charlie.id
    # and the audit page says so
    browser = Client()
    browser.force_login(admin)
    assert "Charlie Junior &lt;charlie@acme.test&gt; (A004) marked as having left by SCIM: active set to false" in (
        browser.get("/users/audit/").content.decode()
    )


def test_the_client_discovers_the_directorys_user(live_server, settings, acme, admin):
    # given a scim2-client that knows nothing of the server
    settings.SITE_URL = live_server.url
    secret = rotate_scim_token(organisation=acme, by=admin).secret
    with httpx2.Client(base_url=f"{live_server.url}/scim/v2", headers={"Authorization": f"Bearer {secret}"}) as http:
        client = SyncSCIMClient(http)

        # when it reads the discovery endpoints
        client.discover()

    # then it knows the User with the directory's attributes and the required enterprise extension
    user_model = client.provider.model_for("User")
    assert user_model is not None
    assert [str(extension.__schema__) for extension in user_model.get_extension_models().values()] == [
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    ]
    assert client.provider.config.patch.supported is True
    assert client.provider.config.filter.max_results == 200


def test_a_scim_update_that_moves_a_mentor_into_their_mentees_line_flags_the_running_pair(
    idp, matching_program, pool, manager, django_capture_on_commit_callbacks
):
    # given a running pair J1–S1
    match = running_pair(matching_program, manager, django_capture_on_commit_callbacks, mentee=pool["S1"])
    junior, senior = pool["J1"].person, pool["S1"].person

    # when the identity provider says J1 now reports to S1 (the directory fires people_changed after commit)
    manager_path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"
    move = PatchOperation(op="replace", path=manager_path, value={"value": str(senior.pk)})
    idp.modify(ScimUser, str(junior.pk), PatchOp[ScimUser](operations=[move]))

    # then the directory has it, and the pair is flagged with what broke
    junior.refresh_from_db()
    assert junior.manager == senior
    match.refresh_from_db()
    assert match.rule_breaks == [{"code": MENTOR_IN_MENTEE_LINE, "params": {"mentor": "J1 Tester", "mentee": "S1 Tester"}}]
    assert match.breaks_rules
