"""REST endpoints for programs and enrolment: access → parse → service → serialise."""

from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError

from turnabout.accounts.access import access_managed_organisation
from turnabout.accounts.models import Role as AccountRole
from turnabout.accounts.models import User
from turnabout.people.models import EmploymentStatus, Person
from turnabout.programs.access import access_managed_enrolment, access_program
from turnabout.programs.models import Enrolment, Program, ProgramStatus, Role, StrategicDriver
from turnabout.programs.queries import programs_of
from turnabout.programs.rules import launch_problems
from turnabout.programs.schemas import (
    DecisionIn,
    EnrolmentOut,
    InvitationIn,
    InvitationOut,
    ProgramCreateIn,
    ProgramOut,
    ProgramUpdateIn,
    StatusIn,
)
from turnabout.programs.services import change_program_status, create_program_from_preset, decide_application, invite_people, update_program

router = Router(tags=["programs"])


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _program_out(program: Program) -> ProgramOut:
    out = ProgramOut.from_orm(program)
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


@router.get("", response=list[ProgramOut], summary="Programs of your organisation (managers)")
def list_programs(request: HttpRequest) -> list[ProgramOut]:
    organisation = access_managed_organisation(_user(request))
    return [ProgramOut.from_orm(program) for program in programs_of(organisation)]


@router.post("", response={201: ProgramOut}, summary="Create a draft from a strategic driver's template")
def create_program(request: HttpRequest, payload: ProgramCreateIn) -> Status[ProgramOut]:
    organisation = access_managed_organisation(_user(request))
    if payload.driver not in StrategicDriver.values:
        raise HttpError(422, f"driver must be one of {', '.join(StrategicDriver.values)}")
    program = create_program_from_preset(organisation=organisation, driver=payload.driver, by=_user(request))
    return Status(201, _program_out(program))


@router.get("/{program_id}", response=ProgramOut)
def get_program(request: HttpRequest, program_id: int) -> ProgramOut:
    return _program_out(access_program(_user(request), program_id))


@router.patch("/{program_id}", response=ProgramOut, summary="Change settings; locked ones answer 409")
def patch_program(request: HttpRequest, program_id: int, payload: ProgramUpdateIn) -> ProgramOut:
    program = access_program(_user(request), program_id, write=True)
    changes = payload.dict(exclude_unset=True)
    if "sponsor_id" in changes:
        sponsor_id = changes.pop("sponsor_id")
        sponsor = User.objects.filter(pk=sponsor_id, organisation=program.organisation, role=AccountRole.SPONSOR).first()
        if sponsor_id is not None and sponsor is None:
            raise HttpError(422, "sponsor_id must name an executive sponsor of your organisation")
        changes["sponsor"] = sponsor
    return _program_out(update_program(program=program, changes=changes, by=_user(request)))


@router.post("/{program_id}/status", response=ProgramOut, summary="Move along the lifecycle")
def post_status(request: HttpRequest, program_id: int, payload: StatusIn) -> ProgramOut:
    program = access_program(_user(request), program_id, write=True)
    if payload.status not in ProgramStatus.values:
        raise HttpError(422, f"status must be one of {', '.join(ProgramStatus.values)}")
    return _program_out(change_program_status(program=program, to=ProgramStatus(payload.status), by=_user(request)))


@router.post("/{program_id}/invitations", response=InvitationOut, summary="Invite people by email; all must be in the directory")
def post_invitations(request: HttpRequest, program_id: int, payload: InvitationIn) -> InvitationOut:
    program = access_program(_user(request), program_id, write=True)
    if payload.role not in Role.values:
        raise HttpError(422, "role must be mentor or mentee")
    emails = {email.strip().lower() for email in payload.emails}
    people = list(Person.objects.filter(organisation=program.organisation, employment_status=EmploymentStatus.ACTIVE, email__in=emails))
    unknown = sorted(emails - {person.email.lower() for person in people})
    if unknown:
        raise HttpError(422, "Nobody in the directory has these addresses: " + ", ".join(unknown))
    result = invite_people(program=program, people=people, role=Role(payload.role), by=_user(request))
    return InvitationOut(invited=len(result.invited), already_enrolled=result.already_enrolled, not_eligible=result.not_eligible)


@router.get("/{program_id}/enrolments", response=list[EnrolmentOut])
def list_enrolments(request: HttpRequest, program_id: int) -> list[EnrolmentOut]:
    program = access_program(_user(request), program_id)
    return [_enrolment_out(e) for e in program.enrolments.select_related("person").order_by("role", "pk")]


@router.post("/enrolments/{enrolment_id}/decision", response=EnrolmentOut, summary="Approve or decline an application")
def post_decision(request: HttpRequest, enrolment_id: int, payload: DecisionIn) -> EnrolmentOut:
    enrolment = access_managed_enrolment(_user(request), enrolment_id)
    return _enrolment_out(decide_application(enrolment=enrolment, approve=payload.approve, by=_user(request)))
