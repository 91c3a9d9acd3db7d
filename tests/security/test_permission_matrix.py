"""The permission matrix: every URL pattern × eight identities × the methods it takes, against one table (``MATRIX``).

Identities (tests/security/cast.py): admin (Ada), program manager (Alice), participant (Charlie, the mentor of the
cast's pair), sponsor (Diana), a user of another organisation (Eve, Globex's administrator), anonymous, Acme's
organisation API token with read scope, and Acme's SCIM provisioning token (scim). Both tokens are sent as
``Authorization: Bearer``; the HTML pages ignore it, so a token is anonymous there. The REST API refuses the SCIM
token (401) and /scim/v2/ refuses everything but it (401: sessions and REST API tokens open nothing there), where
the SCIM token reads, creates, replaces, patches and deletes Acme's users. A Globex SCIM token touching Acme's
users is tested in tests/security/test_scim_across_organisations.py.
Answers: ``login`` is a 302 to the sign-in page with ``?next=``; any other answer is the status code.

- Every pattern of turnabout/urls.py, found with ``get_resolver`` (API operations and the Django admin included),
  needs a row: a new URL fails ``test_every_url_pattern_has_a_row_and_every_row_a_pattern`` until one is added. Pages take GET and POST
  (both are tried, so a POST-only action shows 405 on GET); API rows list exactly the methods the OpenAPI document
  gives each operation.
- A state-changing request (POST, PUT, PATCH, DELETE) answered with a refusal (``login`` or any 4xx) changes nothing:
  the row count and a digest of every row of every table are the same after it. ``Row.data`` is a body the
  allowed identities' request would have carried out, so a refusal after a write would show
  (``test_the_checksum_sees_the_allowed_writes_of_the_table`` checks that the digest does see writes).
- Every request runs in a savepoint that is rolled back, so each one meets the same cast.
- The production settings apply (``matrix.production_settings``: HTTPS only, secure cookies, no demo), over HTTPS.
- CSRF is not checked: Django's test client skips it. This is a test of who may do what; the CSRF middleware
  and the API's bearer-or-session rule are tested on their own (tests/identity/test_api_tokens.py).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import PASSWORD
from tests.security.cast import Cast
from tests.security.matrix import IDENTITIES, Row, everyone, is_refusal, observe, row, url_patterns
from turnabout.api import api
from turnabout.engagement.queries import current_agreement
from turnabout.programs.forms import ProgramSetupForm


def _program_edit(cast: Cast) -> dict[str, Any]:
    """The settings page as the browser posts it, with a new name."""
    form = ProgramSetupForm.bound_to_changes(cast.program, {"name": "Renamed by the matrix"})
    return {name: value for name, value in form.data.items() if value is not None}


def _survey_answers(cast: Cast) -> dict[str, int]:
    answers = {}
    for instrument in cast.assignment.instruments.all():
        for item in instrument.items:
            answers[item["id"]] = 8 if instrument.scale_max == 10 else 4
    return answers


def _upload(cast: Cast) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("people.csv", b"employee_id,given_name,family_name,email\nA200,Gina,Green,gina@acme.test\n")}


def _mapping(cast: Cast) -> dict[str, str]:
    return {name: name for name in ("employee_id", "given_name", "family_name", "email")}


def _sign(cast: Cast) -> dict[str, int]:
    return {"agreement": current_agreement(cast.pair).pk}


def _pair_rule(cast: Cast) -> dict[str, Any]:
    return {"mentor": cast.mentor_enrolment.pk, "mentee": cast.mentee_enrolment.pk, "kind": "forbid"}


def _api_pair_rule(cast: Cast) -> dict[str, Any]:
    return {"mentor_enrolment_id": cast.mentor_enrolment.pk, "mentee_enrolment_id": cast.mentee_enrolment.pk, "kind": "forbid"}


def _circle_pin(cast: Cast) -> dict[str, Any]:
    return {"circle": cast.proposed_circle.pk}


def _circle_ban(cast: Cast) -> dict[str, Any]:
    return {"circle": cast.proposed_circle.pk, "enrolment": cast.circle_enrolment.pk}


def _api_circle_ban(cast: Cast) -> dict[str, Any]:
    return {"enrolment_id": cast.circle_enrolment.pk}


def _erasure(cast: Cast) -> dict[str, str]:
    return {"confirmation": cast.newcomer.full_name}


def _suggestion(cast: Cast) -> dict[str, int]:
    return {"mentor": cast.mentor_enrolment.pk, "confirm": "yes"}


AGREEMENT = {
    "mentee_goals": "Prompts for board papers.", "mentor_goals": "Presenting to executives.", "cadence": "monthly",
    "meeting_mode": "video", "confidentiality": "Ours.", "share_with_line_managers": "existence", "body": "",
}  # fmt: skip
MEETING = {"starts_at": "2026-01-20T10:00", "duration_minutes": "45", "mode": "video", "location": "Room 2"}
CLOSURE = {"learned": "A lot.", "proudest": "", "next_steps": "", "continue_informally": "yes"}
TOKEN = {"name": "CI", "scope": "read", "expires_in_days": "30"}
QUOTE = {"text": "We now webcast in addition to emailing a memo.", "attribution": "anonymous", "consent": "on"}

SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SCIM_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
# What an identity provider sends: a new joiner (POST /Users, also tried on every other SCIM row's POST), a search
# for Bob, and a new job title for Bob (PATCH; PUT sends his whole record with it).
SCIM_NEW_USER = {
    "schemas": [SCIM_USER, SCIM_ENTERPRISE], "userName": "gina@acme.test", "name": {"givenName": "Gina", "familyName": "Green"},
    "active": True, SCIM_ENTERPRISE: {"employeeNumber": "A200", "department": "Finance"},
}  # fmt: skip
SCIM_SEARCH = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": 'userName eq "bob@acme.test"'}
SCIM_PATCH = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{"op": "replace", "path": "title", "value": "Head of prompts"}],
}


def _scim_replacement(cast: Cast) -> dict[str, Any]:
    """Bob's record as his identity provider holds it, with a new job title (``user_id`` is Bob's person)."""
    bob = cast.mentee.person
    return {
        "schemas": [SCIM_USER, SCIM_ENTERPRISE], "userName": bob.email, "active": True, "title": "Head of prompts",
        "name": {"givenName": bob.given_name, "familyName": bob.family_name},
        SCIM_ENTERPRISE: {"employeeNumber": bob.employee_id, "department": bob.department.name},
    }  # fmt: skip


def admin_model(app_label: str, model: str) -> dict[str, Row]:
    """The Django admin's six pages of one registered model (superusers only: none of the seven identities is one)."""
    names = ("changelist", "add", "history", "delete", "change")
    rows = {f"admin:{app_label}_{model}_{name}": row(**everyone("302", "GET", "POST")) for name in names}
    rows[f"admin/{app_label}/{model}/<path:object_id>/"] = row(**everyone("302", "GET", "POST"))
    return rows


def scim_only(**answers: str) -> dict[str, str]:
    """A /scim/v2/ row: every identity but the SCIM token is refused (401: sessions and REST API tokens open nothing
    there), and the SCIM token gets ``answers``, by method."""
    assert IDENTITIES[-1] == "scim"
    refused = ["401"] * (len(IDENTITIES) - 1)
    return {method: " ".join([*refused, answer]) for method, answer in answers.items()}


# fmt: off
# Eight answers a method, in IDENTITIES order: admin, manager, participant, sponsor, outsider, anonymous, token, scim.
MATRIX: dict[str, Row] = {
    "healthz": row(**everyone("200", "GET"), **everyone("405", "POST")),
    "favicon": row(**everyone("302", "GET"), **everyone("405", "POST")),
    "home": row(GET="302 302 302 200 302 login login login", POST="302 302 302 200 302 login login login"),
    "scim_admin:settings": row(GET="200 403 403 403 200 login login login", POST="200 403 403 403 200 login login login"),
    "scim_admin:rotate": row(GET="405 405 405 405 405 405 405 405", POST="200 403 403 403 200 login login login"),
    "scim_admin:revoke": row(GET="405 405 405 405 405 405 405 405", POST="302 403 403 403 302 login login login"),
    "identity:setup": row(**everyone("410", "GET", "POST")),
    "identity:request_link": row(**everyone("200", "GET", "POST"), data={"email": "bob@acme.test"}),
    "identity:redeem_link": row(**everyone("200", "GET"), **everyone("302", "POST")),
    "identity:my_account": row(GET="200 200 200 200 200 login login login", POST="302 302 302 302 302 login login login",
        data={"current": PASSWORD, "password": "a new long passphrase 42", "confirm": "a new long passphrase 42"}),
    "identity:create_personal_token": row(GET="405 405 405 405 405 405 405 405", POST="200 200 200 200 200 login login login", data=TOKEN),
    "identity:revoke_personal_token": row(GET="405 405 405 405 405 405 405 405", POST="302 404 404 404 404 login login login"),
    "identity:users": row(GET="200 403 403 403 200 login login login", POST="302 403 403 403 302 login login login",
        data={"email": "gina@acme.test", "role": "sponsor", "full_name": "Gina"}),
    "identity:audit": row(GET="200 403 403 403 200 login login login", POST="200 403 403 403 200 login login login"),
    "identity:api_tokens": row(GET="200 403 403 403 200 login login login", POST="200 403 403 403 200 login login login", data=TOKEN),
    "identity:sso_settings": row(GET="200 403 403 403 200 login login login", POST="302 403 403 403 400 login login login",
        data={"form": "rules", "is_enabled": "on", "groups_claim": "groups"}),
    "identity:revoke_organisation_token": row(GET="405 405 405 405 405 405 405 405", POST="302 403 403 403 404 login login login",
        path={"token_id": "organisation_token"}),
    "identity:user": row(GET="200 403 403 403 404 login login login", POST="200 403 403 403 404 login login login"),
    "identity:user_action": row(GET="405 405 405 405 405 405 405 405", POST="302 403 403 403 404 login login login"),
    "accounts:login": row(GET="302 302 302 302 302 200 200 200", POST="302 302 302 302 302 302 302 302",
        data={"username": "ada@acme.test", "password": PASSWORD}),
    "accounts:logout": row(GET="405 405 405 405 405 405 405 405", POST="302 302 302 302 302 302 302 302"),
    "sso:discover": row(**everyone("200", "GET", "POST"), query={"email": "bob@acme.test"}),
    "sso:organisation": row(**everyone("200", "GET", "POST")),
    "openid_connect_login": row(**everyone("404", "GET", "POST")),
    "openid_connect_callback": row(**everyone("404", "GET", "POST")),
    "saml_acs": row(**everyone("302", "GET", "POST")),
    "saml_finish_acs": row(**everyone("400", "GET", "POST")),
    "saml_sls": row(**everyone("400", "GET", "POST")),
    "saml_metadata": row(**everyone("200", "GET", "POST")),
    "saml_login": row(**everyone("302", "GET", "POST")),
    "people:directory": row(GET="200 200 200 403 200 login login login", POST="200 200 200 403 200 login login login"),
    "people:org_chart": row(GET="200 200 200 403 200 login login login", POST="200 200 200 403 200 login login login"),
    "people:org_chart_reports": row(GET="200 200 200 403 404 login login login", POST="200 200 200 403 404 login login login"),
    "people:my_privacy": row(GET="200 200 200 200 200 login login login", POST="302 302 302 302 302 login login login",
        data={"consent": "on", "gender": "Woman", "age_band": ""}),
    "people:withdraw_privacy": row(GET="405 405 405 405 405 login login login", POST="302 302 302 302 302 login login login"),
    "people:person": row(GET="200 200 200 403 404 login login login", POST="200 200 200 403 404 login login login"),
    "personal_data:download_my_data": row(GET="405 405 405 405 405 login login login", POST="200 200 200 200 200 login login login"),
    "personal_data:my_language": row(GET="200 200 200 200 200 login login login", POST="302 302 302 302 302 login login login",
        data={"language": "es"}),
    "personal_data:erase": row(GET="200 403 403 403 404 login login login", POST="302 403 403 403 404 login login login", data=_erasure,
        path={"person_id": "newcomer"}),
    "people:import_upload": row(GET="200 200 403 403 200 login login login", POST="302 302 403 403 302 login login login", data=_upload),
    "people:import_mapping": row(GET="200 200 403 403 404 login login login", POST="302 302 403 403 404 login login login", data=_mapping),
    "people:import_preview": row(GET="302 302 403 403 404 login login login", POST="405 405 405 405 405 login login login"),
    "people:import_apply": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login"),
    "people:communities": row(GET="200 200 200 403 200 login login login", POST="200 200 200 403 200 login login login"),
    "people:community_new": row(GET="200 200 403 403 200 login login login", POST="302 302 403 403 302 login login login",
        data={"name": "Matrix network", "purpose": "", "lead_emails": ""}),
    "people:community": row(GET="200 200 200 403 404 login login login", POST="200 200 200 403 404 login login login"),
    "people:community_join": row(GET="405 405 405 405 405 login login login", POST="302 302 302 403 404 login login login"),
    "people:community_leave": row(GET="405 405 405 405 405 login login login", POST="302 302 302 403 404 login login login"),
    # Only a person the HR system lists in an identity-based network confirms or removes that membership; the cast has none.
    "people:confirm_listed_network": row(GET="405 405 405 405 405 login login login", POST="404 404 404 404 404 login login login"),
    "people:remove_listed_network": row(GET="405 405 405 405 405 login login login", POST="404 404 404 404 404 login login login"),
    "people:community_leads": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login",
        data={"lead_emails": "alice@acme.test"}),
    "programs:list": row(GET="200 200 200 200 200 login login login", POST="200 200 200 200 200 login login login"),
    "programs:new": row(GET="200 200 403 403 200 login login login", POST="302 302 403 403 302 login login login",
        data={"driver": "digital_transformation"}),
    "programs:detail": row(GET="200 200 403 403 404 login login login", POST="200 200 403 403 404 login login login"),
    "programs:edit": row(GET="200 200 403 403 404 login login login", POST="302 302 403 403 404 login login login", data=_program_edit),
    "programs:delete": row(GET="200 200 403 403 404 login login login", POST="302 302 403 403 404 login login login"),
    "programs:status": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login",
        data={"status": "closing"}),
    "programs:invite": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login",
        data={"mode": "emails", "email-role": "mentor", "email-emails": "frank@acme.test"}),
    "programs:invite_guests": row(GET="405 405 405 405 405 login login login", POST="200 200 403 403 404 login login login",
        data={"guest-guests": "Gabriela, Student, gabriela@miami.test", "guest-guest_organisation": "University of Miami",
              "guest-access_ends_on": "2026-06-30"}),
    "programs:enrolment": row(GET="404 404 200 404 404 login login login", POST="404 404 200 404 404 login login login"),
    "programs:apply": row(GET="404 404 200 404 404 login login login", POST="404 404 200 404 404 login login login"),
    "programs:decide": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login",
        data={"decision": "decline"}),
    "programs:training": row(GET="404 404 200 404 404 login login login", POST="404 404 200 404 404 login login login",
        path={"slug": "training"}),
    "matching:review": row(GET="200 200 403 403 404 login login login", POST="200 200 403 403 404 login login login"),
    "matching:start_run": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login"),
    "matching:pair_rule": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login", data=_pair_rule),
    "matching:run_progress": row(GET="200 200 403 403 404 login login login", POST="200 200 403 403 404 login login login"),
    "matching:publish": row(GET="200 200 403 403 404 login login login", POST="302 302 403 403 404 login login login"),
    "matching:my_matches": row(GET="200 200 200 200 200 login login login", POST="200 200 200 200 200 login login login"),
    "matching:my_match": row(GET="404 404 200 404 404 login login login", POST="404 404 302 404 404 login login login",
        data={"answer": "decline", "reason": "workload", "confirm": "yes"}),
    # The junior board's circle (tests/security/cast.py): Charlie is its mentor, so he alone reads and answers it.
    "matching:my_circle": row(GET="404 404 200 404 404 login login login", POST="404 404 302 404 404 login login login",
        data={"answer": "decline", "reason": "workload", "confirm": "yes"}, path={"match_id": "circle_match"}),
    "matching:circle_pin": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login",
        data=_circle_pin, path={"program_id": "circle_program"}),
    "matching:circle_ban": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login",
        data=_circle_ban, path={"program_id": "circle_program"}),
    "matching:suggestions": row(GET="404 404 302 404 404 login login login", POST="404 404 302 404 404 login login login",
        data=_suggestion),
    "matching:rematch": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login",
        data={"confirm": "yes"}),
    "engagement:my_pairs": row(GET="200 200 302 200 200 login login login", POST="200 200 302 200 200 login login login"),
    "engagement:pair": row(GET="404 404 200 404 404 login login login", POST="404 404 200 404 404 login login login"),
    "engagement:agreement": row(GET="404 404 200 404 404 login login login", POST="404 404 302 404 404 login login login", data=AGREEMENT),
    "engagement:sign": row(GET="405 405 405 405 405 login login login", POST="404 404 302 404 404 login login login", data=_sign),
    "engagement:goal_add": row(GET="405 405 405 405 405 login login login", POST="404 404 302 404 404 login login login",
        data={"owner_role": "mentor", "title": "Present to the board"}),
    "engagement:goal_update": row(GET="405 405 405 405 405 login login login", POST="404 404 302 404 404 login login login",
        data={"progress_percent": "50", "status": "open"}),
    "engagement:milestone_add": row(GET="405 405 405 405 405 login login login", POST="404 404 302 404 404 login login login",
        data={"title": "A second draft"}),
    "engagement:milestone_done": row(GET="405 405 405 405 405 login login login", POST="404 404 302 404 404 login login login"),
    "engagement:note_add": row(GET="405 405 405 405 405 login login login", POST="404 404 302 404 404 login login login",
        data={"body": "Next time: slides.", "visibility": "shared"}),
    "engagement:insight_add": row(GET="405 405 405 405 405 login login login", POST="404 404 302 404 404 login login login",
        data={"description": "Slides start from a prompt", "owner": "Bob", "adopted_on": "2026-01-05"}),
    "engagement:concern": row(GET="404 404 200 404 404 login login login", POST="404 404 302 404 404 login login login",
        data={"body": "My partner is unkind."}),
    "engagement:closure": row(GET="404 404 200 404 404 login login login", POST="404 404 302 404 404 login login login", data=CLOSURE),
    "engagement:certificate": row(GET="404 404 200 404 404 login login login", POST="404 404 200 404 404 login login login"),
    "engagement:guides": row(GET="200 200 200 200 200 login login login", POST="200 200 200 200 200 login login login"),
    "engagement:guide": row(GET="200 200 200 200 200 login login login", POST="200 200 200 200 200 login login login",
        path={"slug": "guide"}),
    "engagement:concerns": row(GET="200 200 403 403 404 login login login", POST="200 200 403 403 404 login login login"),
    "engagement:concern_resolve": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login"),
    "engagement:health": row(GET="200 200 403 403 404 login login login", POST="200 200 403 403 404 login login login"),
    "engagement:health_check_in": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login"),
    "engagement:health_pause": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login"),
    "engagement:health_resume": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login"),
    "engagement:health_close": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login",
        data={"confirm": "yes"}),
    "engagement:meetings": row(GET="404 404 200 404 404 login login login", POST="405 405 405 405 405 login login login"),
    "engagement:meeting_schedule": row(GET="405 405 405 405 405 login login login", POST="404 404 302 404 404 login login login",
        data=MEETING),
    "engagement:meeting": row(GET="404 404 200 404 404 login login login", POST="405 405 405 405 405 login login login"),
    "engagement:meeting_log": row(GET="405 405 405 405 405 login login login", POST="404 404 302 404 404 login login login",
        path={"meeting_id": "held_meeting"}, data={"held_minutes": "50", "mode": "video", "topics": "prompts, slides"}),
    "engagement:meeting_cancel": row(GET="405 405 405 405 405 login login login", POST="404 404 302 404 404 login login login"),
    "engagement:meeting_reschedule": row(GET="405 405 405 405 405 login login login", POST="404 404 302 404 404 login login login",
        data=MEETING),
    "engagement:meeting_agenda": row(GET="405 405 405 405 405 login login login", POST="404 404 302 404 404 login login login",
        data={"agenda": "1. Prompts 2. Slides"}),
    "engagement:meeting_invite": row(GET="404 404 200 404 404 login login login", POST="405 405 405 405 405 login login login"),
    "engagement:calendar": row(GET="200 200 200 200 200 login login login", POST="405 405 405 405 405 login login login"),
    "engagement:calendar_rotate": row(GET="405 405 405 405 405 login login login", POST="302 302 302 302 302 login login login"),
    "engagement:calendar_feed": row(GET="200 200 200 200 200 200 200 200", POST="405 405 405 405 405 405 405 405",
        path={"token": "calendar"}),
    "engagement:pulse": row(GET="404 404 200 404 404 login login login", POST="404 404 302 404 404 login login login",
        path={"token": "pulse"}, data={"rating": "5", "learned": "Slides."}),
    "engagement:quotes": row(GET="404 404 200 404 404 login login login", POST="404 404 302 404 404 login login login", data=QUOTE),
    "engagement:quote_edit": row(GET="405 405 405 405 405 login login login", POST="404 404 302 404 404 login login login", data=QUOTE),
    "engagement:quote_withdraw": row(GET="405 405 405 405 405 login login login", POST="404 404 302 404 404 login login login"),
    "engagement:program_quotes": row(GET="200 200 403 403 404 login login login", POST="405 405 405 405 405 login login login"),
    "engagement:quote_choose": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login"),
    "engagement:quote_unchoose": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login"),
    "surveys:my_surveys": row(GET="200 200 200 200 200 login login login", POST="200 200 200 200 200 login login login"),
    "surveys:survey": row(GET="404 404 200 404 404 login login login", POST="404 404 302 404 404 login login login", data=_survey_answers),
    "surveys:thanks": row(GET="404 404 200 404 404 login login login", POST="404 404 200 404 404 login login login"),
    "surveys:program_waves": row(GET="200 200 403 403 404 login login login", POST="200 200 403 403 404 login login login"),
    "surveys:schedule": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login"),
    "surveys:open_wave": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login"),
    # Interest surveys: for the organisation's managers (Eve reaches Globex's own list and creates there); sponsors 403.
    "surveys:interest_surveys": row(GET="200 200 403 403 200 login login login", POST="200 200 403 403 200 login login login"),
    "surveys:interest_new": row(GET="200 200 403 403 200 login login login", POST="302 302 403 403 302 login login login",
                                data={"title": "Matrix survey"}),
    "surveys:interest_close": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login"),
    "surveys:interest_create_program": row(GET="405 405 405 405 405 login login login", POST="302 302 403 403 404 login login login",
                                           data={"driver": "leadership_development"}),
    "surveys:interest_answer": row(GET="404 404 200 404 404 login login login", POST="404 404 302 404 404 login login login",
                                   data={"answer": "yes", "role": "mentor"}),
    "insights:organisation": row(GET="200 200 403 200 200 login login login", POST="200 200 403 200 200 login login login"),
    "insights:program": row(GET="200 200 403 200 404 login login login", POST="200 200 403 200 404 login login login"),
    "insights:program_csv": row(GET="200 200 403 200 404 login login login", POST="200 200 403 200 404 login login login"),
    "insights:program_pdf": row(GET="200 200 403 200 404 login login login", POST="200 200 403 200 404 login login login"),
    "insights:interest": row(GET="200 200 403 403 404 login login login", POST="200 200 403 403 404 login login login"),
    "api:openapi-json": row(**everyone("200", "GET", "POST")),
    "api:openapi-view": row(**everyone("200", "GET", "POST")),
    "api:api-root": row(**everyone("404", "GET", "POST")),
    "api:list_people": row(GET="200 200 200 403 200 401 200 401"),
    "api:get_person": row(GET="200 200 200 403 404 401 200 401"),
    "api:list_programs": row(GET="200 200 403 403 200 401 200 401"),
    "api:create_program": row(POST="201 201 403 403 201 401 403 401", json_body=True, data={"driver": "digital_transformation"}),
    "api:get_program": row(GET="200 200 403 403 404 401 200 401"),
    "api:patch_program": row(PATCH="200 200 403 403 404 401 403 401", json_body=True, data={"name": "Renamed by the matrix"}),
    "api:post_status": row(POST="200 200 403 403 404 401 403 401", json_body=True, data={"status": "closing"}),
    "api:post_invitations": row(POST="409 409 403 403 404 401 403 401",
        json_body=True, data={"role": "mentor", "emails": ["frank@acme.test"]}),
    "api:list_enrolments": row(GET="200 200 403 403 404 401 200 401"),
    "api:post_decision": row(POST="409 409 403 403 404 401 403 401", json_body=True, data={"approve": False}),
    "api:post_run": row(POST="409 409 403 403 404 401 403 401", json_body=True, data={"mode": "score"}),
    "api:get_run": row(GET="200 200 403 403 404 401 200 401"),
    "api:get_run_pairs": row(GET="200 200 403 403 404 401 200 401"),
    "api:post_publish": row(POST="409 409 403 403 404 401 403 401", json_body=True),
    "api:post_pair_rule": row(POST="204 204 403 403 404 401 403 401", json_body=True, data=_api_pair_rule),
    "api:my_matches": row(GET="200 200 200 200 200 401 200 401"),
    "api:post_response": row(POST="404 404 409 404 404 401 403 401", json_body=True, data={"accept": False, "reason": "workload"}),
    "api:get_run_circles": row(GET="200 200 403 403 404 401 200 401", path={"run_id": "circle_run"}),
    "api:post_circle_pin": row(POST="204 204 403 403 404 401 403 401", json_body=True, path={"program_id": "circle_program"}),
    "api:delete_circle_pin": row(DELETE="204 204 403 403 404 401 403 401", json_body=True, path={"program_id": "circle_program"}),
    "api:post_circle_ban": row(POST="204 204 403 403 404 401 403 401", json_body=True, data=_api_circle_ban,
        path={"program_id": "circle_program"}),
    # Published when the cast was built, so publishing again is refused (409) to those who may publish.
    "api:post_publish_circles": row(POST="409 409 403 403 404 401 403 401", json_body=True, path={"run_id": "circle_run"}),
    "api:my_circles": row(GET="200 200 200 200 200 401 200 401"),
    "api:get_circle": row(GET="404 404 200 404 404 401 404 401"),
    "api:post_circle_response": row(POST="404 404 200 404 404 401 403 401", json_body=True, data={"accept": False, "reason": "workload"}),
    "api:get_program_kpis": row(GET="200 200 403 200 404 401 200 401"),
    "api:get_rollup": row(GET="200 200 403 200 200 401 200 401"),
    "scim:root": row(**scim_only(GET="404", POST="404"), json_body=True, data=SCIM_NEW_USER),
    "scim:service_provider_config": row(**scim_only(GET="200", POST="405"), json_body=True, data=SCIM_NEW_USER),
    "scim:resource_types": row(**scim_only(GET="200", POST="405"), json_body=True, data=SCIM_NEW_USER),
    "scim:resource_type": row(**scim_only(GET="200", POST="405"), json_body=True, data=SCIM_NEW_USER),
    "scim:schemas": row(**scim_only(GET="200", POST="405"), json_body=True, data=SCIM_NEW_USER),
    "scim:schema": row(**scim_only(GET="200", POST="405"), json_body=True, data=SCIM_NEW_USER),
    "scim:search": row(**scim_only(GET="405", POST="200"), json_body=True, data=SCIM_SEARCH),
    "scim:users": row(**scim_only(GET="200", POST="201"), json_body=True, data=SCIM_NEW_USER),
    "scim:users_search": row(**scim_only(GET="405", POST="200"), json_body=True, data=SCIM_SEARCH),
    "scim:user": row(**scim_only(GET="200", POST="405", PUT="200", PATCH="200", DELETE="204"), json_body=True,
        data=SCIM_NEW_USER, bodies={"PUT": _scim_replacement, "PATCH": SCIM_PATCH}),
    "scim:not_found": row(**scim_only(GET="404", POST="404"), json_body=True, data=SCIM_NEW_USER),
    "admin:index": row(**everyone("302", "GET", "POST")),
    "admin:login": row(**everyone("200", "GET", "POST")),
    "admin:logout": row(**everyone("302", "GET", "POST")),
    "admin:password_change": row(**everyone("302", "GET", "POST")),
    "admin:password_change_done": row(**everyone("302", "GET", "POST")),
    "admin:autocomplete": row(**everyone("302", "GET", "POST")),
    "admin:jsi18n": row(**everyone("302", "GET", "POST")),
    "admin:view_on_site": row(**everyone("302", "GET", "POST")),
    "admin:auth_user_password_change": row(**everyone("302", "GET", "POST")),
    "admin:app_list": row(**everyone("302", "GET", "POST")),
    "admin/(?P<url>.*)$": row(**everyone("302", "GET", "POST")),
    **admin_model("auth", "group"),
    **admin_model("django_tasks_database", "dbtaskresult"),
    **admin_model("accounts", "organisation"),
    **admin_model("accounts", "user"),
    **admin_model("people", "grade"),
    **admin_model("people", "department"),
    **admin_model("people", "site"),
    **admin_model("people", "person"),
    **admin_model("people", "skillcategory"),
    **admin_model("people", "skill"),
    **admin_model("account", "emailaddress"),
    **admin_model("socialaccount", "socialapp"),
    **admin_model("socialaccount", "socialtoken"),
    **admin_model("socialaccount", "socialaccount"),
}
# fmt: on


def _operations() -> dict[str, set[str]]:
    """The methods of each path of the OpenAPI document, by its route in Django's notation (``api/programs/<program_id>``)."""
    paths = api.get_openapi_schema()["paths"]
    return {
        re.sub(r"\{(\w+)\}", r"<\1>", path.removeprefix("/")): {method.upper() for method in operations}
        for path, operations in paths.items()
    }


def test_every_url_pattern_has_a_row_and_every_row_a_pattern():
    # given
    keys = [pattern.key for pattern in url_patterns()]

    # then
    assert len(keys) == len(set(keys)), "two URL patterns share a name: key one of them by its route"
    missing = [key for key in keys if key not in MATRIX]
    assert not missing, (
        "These URL patterns have no row in MATRIX (tests/security/test_permission_matrix.py). Add one per pattern with "
        "the answer each identity should get for GET and POST (API operations: for their methods): " + ", ".join(missing)
    )
    stale = sorted(set(MATRIX) - set(keys))
    assert not stale, "These rows of MATRIX name no URL pattern any more; remove them: " + ", ".join(stale)


def test_pages_are_tried_with_get_and_post_and_api_operations_with_exactly_their_methods():
    # given
    operations = _operations()
    tried: dict[str, set[str]] = {}
    wrong = []
    for pattern in url_patterns():
        if pattern.key not in MATRIX:
            continue  # the first test names it
        methods = set(MATRIX[pattern.key].answers)
        if pattern.route in operations:
            tried.setdefault(pattern.route, set()).update(methods)
        elif not {"GET", "POST"} <= methods:
            wrong.append(f"{pattern.key} tries {sorted(methods)}: a page row needs GET and POST")

    # then
    assert wrong == []
    assert tried == operations


@pytest.mark.parametrize("identity", IDENTITIES)
def test_each_identity_gets_the_answer_of_the_table_and_a_refused_write_changes_nothing(cast, identity):
    # given: the patterns with a row (the first test names any without one)
    patterns = [pattern for pattern in url_patterns() if pattern.key in MATRIX]

    # when
    observations = observe(cast, MATRIX, patterns, only=[identity])

    # then
    wrong = [
        f"{seen.key} {seen.method}: expected {MATRIX[seen.key].answers[seen.method][IDENTITIES.index(identity)]}, got {seen.answer}"
        for seen in observations
        if seen.answer != MATRIX[seen.key].answers[seen.method][IDENTITIES.index(identity)]
    ]
    changed = [f"{seen.key} {seen.method} refused ({seen.answer}) but changed {', '.join(seen.changed)}" for seen in observations
               if is_refusal(seen.answer) and seen.changed]  # fmt: skip
    assert wrong == [], "\n".join(wrong)
    assert changed == [], "\n".join(changed)
    assert len(observations) == sum(len(MATRIX[pattern.key].answers) for pattern in patterns)


# Allowed writes of the table, each of which must show in the checksum: the bodies are real and the digest sees them.
WRITES = {
    ("engagement:note_add", "POST", "participant"): {"engagement_note"},
    ("identity:users", "POST", "admin"): {"accounts_user", "accounts_auditentry"},
    ("programs:edit", "POST", "manager"): {"programs_program"},
    ("api:patch_program", "PATCH", "admin"): {"programs_program"},
    ("engagement:health_pause", "POST", "manager"): {"engagement_pair", "engagement_manageraction"},
    ("matching:circle_pin", "POST", "manager"): {"matching_circlepin", "matching_circlepinmember", "matching_proposedcircle"},
    ("api:post_circle_response", "POST", "participant"): {"matching_circlematch", "matching_circlematchmember"},
    ("scim:users", "POST", "scim"): {"people_person", "accounts_auditentry"},
    ("scim:user", "PUT", "scim"): {"people_person", "accounts_auditentry"},
    ("scim:user", "PATCH", "scim"): {"people_person", "accounts_auditentry"},
    # The leaver workflow: Bob left, his sign-in ended (his enrolments are withdrawn by the worker after commit).
    ("scim:user", "DELETE", "scim"): {"people_person", "accounts_user", "accounts_auditentry"},
}


def test_the_checksum_sees_the_allowed_writes_of_the_table(cast):
    # given
    keys = {key for key, _method, _identity in WRITES}
    patterns = [pattern for pattern in url_patterns() if pattern.key in keys]

    # when
    observations = observe(cast, MATRIX, patterns, only=sorted({identity for _key, _method, identity in WRITES}))

    # then
    seen = {(found.key, found.method, found.identity): set(found.changed) for found in observations}
    assert {write: seen[write] for write in WRITES} == WRITES
