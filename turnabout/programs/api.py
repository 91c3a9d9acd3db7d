"""REST endpoints for programs and enrolment: access → parse → service → serialise.

Writes parse with the pages' own forms, so the API accepts exactly what the pages accept; a refused write
answers 422 in ninja's shape (``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``) and changes nothing.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Path, Router, Status
from ninja.errors import ValidationError as InvalidInput

from turnabout.accounts.access import access_managed_organisation
from turnabout.accounts.models import User
from turnabout.core.api_types import DatabaseId, refusals
from turnabout.people.models import EmploymentStatus, Person
from turnabout.programs.access import access_managed_enrolment, access_program
from turnabout.programs.forms import InviteByEmailForm, ProgramSetupForm
from turnabout.programs.models import Enrolment, Program, ProgramStatus, Role
from turnabout.programs.queries import programs_of
from turnabout.programs.rules import launch_problems
from turnabout.programs.schemas import (
    API_SETTING_NAMES,
    DecisionIn,
    EnrolmentOut,
    InvitationIn,
    InvitationOut,
    ProgramCreateIn,
    ProgramOut,
    ProgramUpdateIn,
    StatusIn,
)
from turnabout.programs.services import (
    change_program_status,
    check_settings_editable,
    create_program_from_preset,
    decide_application,
    invite_people,
    update_program,
)

router = Router(tags=["programs"])


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _invalid(errors: Mapping[str, Iterable[ValidationError]]) -> InvalidInput:
    """Form or model errors in ninja's own 422 shape, each located at the API's name for the field.

    The page's names differ from the API's in three places: ``sponsor`` is ``sponsor_id``, and the
    page's ``weight_x`` and ``rule_x`` fields are the keys of ``match_weights`` and ``match_rules`` that
    the API names for the stored setting ``x`` (API_SETTING_NAMES).
    """
    located = []
    for name, field_errors in errors.items():
        if name.startswith("weight_"):
            path = ["match_weights", API_SETTING_NAMES["match_weights"][name.removeprefix("weight_")]]
        elif name.startswith("rule_"):
            path = ["match_rules", API_SETTING_NAMES["match_rules"][name.removeprefix("rule_")]]
        else:
            path = [] if name == "__all__" else ["sponsor_id" if name == "sponsor" else name]
        for error in field_errors:
            located += [{"type": error.code or "invalid", "loc": ["body", "payload", *path], "msg": message} for message in error.messages]
    return InvalidInput(located)


def _stored_settings(changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` with the keys of its settings documents (the API's names) turned into the stored names."""
    for document, names in API_SETTING_NAMES.items():
        if isinstance(changes.get(document), Mapping):
            stored = {api: name for name, api in names.items()}
            changes[document] = {stored[key]: value for key, value in changes[document].items()}
    return changes


def _settings_out(program: Program) -> ProgramOut:
    """The program as the API shows it, its settings documents under the API's names."""
    out = ProgramOut.from_orm(program)
    for document, names in API_SETTING_NAMES.items():
        setattr(out, document, {names.get(key, key): value for key, value in getattr(program, document).items()})
    return out


def _program_out(program: Program) -> ProgramOut:
    out = _settings_out(program)
    if program.status == ProgramStatus.DRAFT:
        out.launch_problems = launch_problems(program)
    return out


def _enrolment_out(enrolment: Enrolment) -> EnrolmentOut:
    return EnrolmentOut(
        id=enrolment.pk,
        person_id=enrolment.person_id,
        full_name=enrolment.person.full_name,
        role=enrolment.role,
        status=enrolment.status,
        applied_at=enrolment.applied_at,
    )


@router.get("", response={200: list[ProgramOut], **refusals(401, 403)}, summary="Programs of your organisation (managers)")
def list_programs(request: HttpRequest) -> list[ProgramOut]:
    organisation = access_managed_organisation(_user(request))
    return [_settings_out(program) for program in programs_of(organisation)]


@router.post("", response={201: ProgramOut, **refusals(400, 401, 403, 422)}, summary="Create a draft from a strategic driver's template")
def create_program(request: HttpRequest, payload: ProgramCreateIn) -> Status[ProgramOut]:
    organisation = access_managed_organisation(_user(request))
    program = create_program_from_preset(organisation=organisation, driver=payload.driver, by=_user(request))
    return Status(201, _program_out(program))


@router.get("/{program_id}", response={200: ProgramOut, **refusals(401, 403, 404, 422)})
def get_program(request: HttpRequest, program_id: Path[DatabaseId]) -> ProgramOut:
    return _program_out(access_program(_user(request), program_id))


@router.patch(
    "/{program_id}",
    response={200: ProgramOut, **refusals(400, 401, 403, 404, 409, 422)},
    summary="Change settings; locked ones answer 409, invalid ones 422 naming each field",
)
def patch_program(request: HttpRequest, program_id: Path[DatabaseId], payload: ProgramUpdateIn) -> ProgramOut:
    program = access_program(_user(request), program_id, write=True)
    changes = _stored_settings(payload.dict(exclude_unset=True))
    if "sponsor_id" in changes:
        changes["sponsor"] = changes.pop("sponsor_id")
    # The form shows locked settings disabled and ignores what is posted for them; the API refuses them.
    check_settings_editable(program, changes)
    form = ProgramSetupForm.bound_to_changes(program, changes)
    if not form.is_valid():
        raise _invalid(form.errors.as_data())
    try:
        program = update_program(program=program, changes=form.changes(), by=_user(request))
    except ValidationError as error:
        raise _invalid(error.error_dict) from error
    return _program_out(program)


@router.post(
    "/{program_id}/status", response={200: ProgramOut, **refusals(400, 401, 403, 404, 409, 422)}, summary="Move along the lifecycle"
)
def post_status(request: HttpRequest, program_id: Path[DatabaseId], payload: StatusIn) -> ProgramOut:
    program = access_program(_user(request), program_id, write=True)
    return _program_out(change_program_status(program=program, to=payload.status, by=_user(request)))


@router.post(
    "/{program_id}/invitations",
    response={200: InvitationOut, **refusals(400, 401, 403, 404, 409, 422)},
    summary="Invite people by email; all must be in the directory",
)
def post_invitations(request: HttpRequest, program_id: Path[DatabaseId], payload: InvitationIn) -> InvitationOut:
    program = access_program(_user(request), program_id, write=True)
    form = InviteByEmailForm.for_values(program=program, role=payload.role, emails=payload.emails)
    if not form.is_valid():
        raise _invalid(form.errors.as_data())
    emails = set(form.cleaned_data["emails"])
    people = list(Person.objects.filter(organisation=program.organisation, employment_status=EmploymentStatus.ACTIVE, email__in=emails))
    unknown = sorted(emails - {person.email.lower() for person in people})
    if unknown:
        raise _invalid({"emails": [ValidationError("Nobody in the directory has these addresses: " + ", ".join(unknown), code="unknown")]})
    result = invite_people(program=program, people=people, role=Role(form.cleaned_data["role"]), by=_user(request))
    return InvitationOut(
        invited=len(result.invited),
        already_enrolled=result.already_enrolled,
        not_eligible=result.not_eligible,
        outside_communities=result.outside_communities,
    )


@router.get("/{program_id}/enrolments", response={200: list[EnrolmentOut], **refusals(401, 403, 404, 422)})
def list_enrolments(request: HttpRequest, program_id: Path[DatabaseId]) -> list[EnrolmentOut]:
    program = access_program(_user(request), program_id)
    return [_enrolment_out(e) for e in program.enrolments.select_related("person").order_by("role", "pk")]


@router.post(
    "/enrolments/{enrolment_id}/decision",
    response={200: EnrolmentOut, **refusals(400, 401, 403, 404, 409, 422)},
    summary="Approve or decline an application",
)
def post_decision(request: HttpRequest, enrolment_id: Path[DatabaseId], payload: DecisionIn) -> EnrolmentOut:
    enrolment = access_managed_enrolment(_user(request), enrolment_id)
    return _enrolment_out(decide_application(enrolment=enrolment, approve=payload.approve, by=_user(request)))
