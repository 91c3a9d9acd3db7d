"""Every state change of programs, enrolment and training goes through these functions."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from turnabout.accounts.models import AccountRole, Organisation, User
from turnabout.core.content import content_text
from turnabout.core.email import DIRECTION_CONTROLS
from turnabout.engine import Mode
from turnabout.identity.links import login_elsewhere_refusal
from turnabout.people.models import Community, Department, EmploymentStatus, Person, PersonKind, Site, Skill
from turnabout.people.services import create_guest
from turnabout.programs.catalogue import program_presets, structure_section, training_catalogue
from turnabout.programs.errors import (
    EnrolmentStateError,
    FieldLocked,
    GuestAccessEndInvalid,
    GuestGradeMissing,
    GuestIsEmployee,
    GuestListInvalid,
    GuestLoginElsewhere,
    GuestNotEligible,
    GuestOrganisationMissing,
    InvalidTransition,
    NotReadyToLaunch,
    ProgramNotDeletable,
    TrainingAnswerWrong,
)
from turnabout.programs.models import (
    LABEL_MAX_LENGTH,
    Enrolment,
    EnrolmentSkill,
    EnrolmentStatus,
    Program,
    ProgramStatus,
    Role,
    StrategicDriver,
    TrainingCompletion,
    TrainingModule,
)
from turnabout.programs.rules import (
    DEFAULT_RULES,
    DEFAULT_WEIGHTS,
    EDITABLE_FIELDS,
    RULE_NAMES,
    TRANSITIONS,
    WEIGHT_NAMES,
    add_months,
    deletion_problems,
    eligibility_problems,
    eligible_community_members,
    has_grade_rules,
    is_in_eligible_communities,
    launch_problems,
    withholds_non_members,
)
from turnabout.programs.tasks import send_invitation_email

# The preset's fields that are text of ours, translated (turnabout.core.content); the agreement template stays in the
# default language, as the agreement filling reads it (see below).
PRESET_TEXTS = frozenset(
    {"name", "purpose_statement", "outcomes_for_mentors", "outcomes_for_mentees", "outcomes_for_organisation", "code_of_conduct"}
)


@transaction.atomic
def sync_training_modules() -> int:
    """Upsert the shipped training modules by slug; idempotent. Returns how many exist."""
    for item in training_catalogue():
        TrainingModule.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "title": item["title"],
                "audience": item["audience"],
                "minutes": item["minutes"],
                "summary": item["summary"],
                "sections": [structure_section(section) for section in item["sections"]],
                "check_questions": item["check"],
            },
        )
    return TrainingModule.objects.count()


@transaction.atomic
def create_program_from_preset(
    *,
    organisation: Organisation,
    driver: StrategicDriver | str,
    by: User,
    today: date | None = None,
    community: Community | None = None,
) -> Program:
    """A draft program filled in from the driver's preset, with every training module required.

    The preset's texts are written in the language of the manager creating it (the active one): they become the
    program's own texts, which its managers then edit. A program of a ``community`` is run by its leads and open to
    its members (its eligible communities start as that one).
    """
    if community is not None and community.organisation_id != organisation.pk:
        raise ValueError("A program's community belongs to the program's organisation.")
    preset: dict[str, Any] = {
        key: content_text(value) if key in PRESET_TEXTS else value for key, value in program_presets()[str(driver)].items()
    }
    today = today or timezone.localdate()
    enrolment_opens = today
    starts = add_months(today, 1)
    program = Program.objects.create(
        organisation=organisation,
        name=preset["name"],
        created_by=by,
        community=community,
        strategic_driver=preset["driver"],
        purpose_statement=preset["purpose_statement"],
        outcomes_for_mentors=preset["outcomes_for_mentors"],
        outcomes_for_mentees=preset["outcomes_for_mentees"],
        outcomes_for_organisation=preset["outcomes_for_organisation"],
        cadence=preset["cadence"],
        target_meeting_count=preset["target_meeting_count"],
        pairing_format=preset["pairing_format"],
        wording=preset["wording"],
        min_grade_gap=preset["min_grade_gap"],
        enrolment_opens_on=enrolment_opens,
        enrolment_closes_on=add_months(today, 1),
        starts_on=starts,
        ends_on=add_months(starts, preset["duration_months"]),
        match_weights={**DEFAULT_WEIGHTS, **preset["weights"]},
        match_rules={
            **DEFAULT_RULES,
            "forbid_same_department": preset["forbid_same_department"],
            "use_diversity": preset["use_diversity"],
        },
        code_of_conduct=preset["code_of_conduct"],
    )
    # The agreement is a document the pair signs: its words are fixed in the wording the program starts with (in the
    # default language, as the template is written), while the code of conduct and outcomes follow the wording as it changes.
    with translation.override(settings.LANGUAGE_CODE):
        program.agreement_template = program.worded(preset["agreement_template"])
    program.save(update_fields=["agreement_template"])
    program.topics.set(Skill.objects.filter(slug__in=preset["topic_skill_slugs"]))
    if not TrainingModule.objects.exists():
        sync_training_modules()
    program.training_modules.set(TrainingModule.objects.all())
    if community is not None:
        program.eligible_communities.set([community])
    return program


# Free-text settings have no database limit; these keep a page, an email or a PDF built from them bounded.
PROGRAM_TEXT_MAX_LENGTHS: dict[str, int] = {
    "purpose_statement": 5_000,
    "outcomes_for_mentors": 2_000,
    "outcomes_for_mentees": 2_000,
    "outcomes_for_organisation": 2_000,
    "code_of_conduct": 10_000,
    "agreement_template": 10_000,
}
MAX_MIN_OVERLAP_MINUTES = 600


def _is_number_from(value: object, low: float, high: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and low <= value <= high


# What each engine rule accepts, and how to say so; the keys are exactly RULE_NAMES.
# Each rule's check, with the message when it fails (%(name)s: the rule; %(modes)s: the engine's modes; %(limit)s: the
# largest number of minutes).
_MATCH_RULE_CHECKS: dict[str, tuple[Callable[[object], bool], Promise]] = {
    "mode": (lambda value: isinstance(value, str) and value in {mode.value for mode in Mode}, _("%(name)s must be one of %(modes)s.")),
    "forbid_same_department": (lambda value: isinstance(value, bool), _("%(name)s must be true or false.")),
    "require_shared_language": (lambda value: isinstance(value, bool), _("%(name)s must be true or false.")),
    "min_overlap_minutes": (
        lambda value: isinstance(value, int) and _is_number_from(value, 0, MAX_MIN_OVERLAP_MINUTES),
        _("%(name)s must be a whole number of minutes from 0 to %(limit)s."),
    ),
    "min_pair_score": (lambda value: _is_number_from(value, 0, 1), _("%(name)s must be a number from 0 to 1.")),
    "use_diversity": (lambda value: isinstance(value, bool), _("%(name)s must be true or false.")),
}


def _match_weights_problems(weights: object) -> list[str]:
    if not isinstance(weights, dict):
        return [gettext("Give the weights as names with numbers.")]
    problems = [gettext("%(name)s is not a weight.") % {"name": name} for name in sorted(set(weights) - set(WEIGHT_NAMES))]
    merged = {**DEFAULT_WEIGHTS, **weights}
    problems += [
        gettext("%(name)s must be a number from 0 to 1.") % {"name": name}
        for name in WEIGHT_NAMES
        if not _is_number_from(merged[name], 0, 1)
    ]
    if not problems and sum(merged[name] for name in WEIGHT_NAMES) <= 0:
        problems.append(gettext("At least one weight must be above zero."))
    return problems


def _match_rules_problems(rules: object) -> list[str]:
    if not isinstance(rules, dict):
        return [gettext("Give the rules as names with values.")]
    problems = [gettext("%(name)s is not a rule.") % {"name": name} for name in sorted(set(rules) - set(RULE_NAMES))]
    merged = {**DEFAULT_RULES, **rules}
    details = {"modes": ", ".join(Mode), "limit": MAX_MIN_OVERLAP_MINUTES}
    problems += [
        str(message) % {"name": name, **details} for name, (accepts, message) in _MATCH_RULE_CHECKS.items() if not accepts(merged[name])
    ]
    return problems


def _custom_labels_problems(labels: object) -> list[str]:
    """What is wrong with per-language labels: {"es": {"mentor": "…", "mentee": "…"}} for shipped languages, both sides named."""
    languages = {code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE}
    if not isinstance(labels, dict):
        return [gettext("Give the labels by language, each with both sides.")]
    problems = [gettext("%(code)s is not a language of Turnabout.") % {"code": code} for code in sorted(map(str, set(labels) - languages))]
    for code in sorted(set(labels) & languages):
        sides = labels[code]
        if not isinstance(sides, dict) or set(sides) != {Role.MENTOR.value, Role.MENTEE.value}:
            problems.append(gettext("Give both sides' labels for %(code)s.") % {"code": code})
            continue
        for label in sides.values():
            if not isinstance(label, str) or not label.strip() or len(label) > LABEL_MAX_LENGTH:
                problems.append(
                    gettext("Each label for %(code)s is one to %(limit)s characters.") % {"code": code, "limit": LABEL_MAX_LENGTH}
                )
            elif re.search(f"[{DIRECTION_CONTROLS}]", label) or any(ord(char) < 32 for char in label):
                problems.append(gettext("Remove the control characters from the labels for %(code)s.") % {"code": code})
    return problems


def _program_settings_errors(program: Program, *, changed: set[str], many_to_many: dict[str, list[Any]]) -> dict[str, list[str]]:
    """What is wrong with the ``changed`` settings of the unsaved ``program``, by field; empty when nothing is."""
    errors: dict[str, list[str]] = {}
    unchanged = [field.name for field in Program._meta.concrete_fields if field.name not in changed]
    # Program.clean checks what involves several fields whatever changed: the dates in order, and the circle settings
    # (each size from 1 to 20, the fewest no more than the most, circles managed and asked all at once).
    try:
        program.full_clean(exclude=unchanged, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    for name, limit in PROGRAM_TEXT_MAX_LENGTHS.items():
        if name in changed and name not in errors and len(getattr(program, name)) > limit:
            errors[name] = [
                ngettext("Keep this to %(limit)s character.", "Keep this to %(limit)s characters.", limit) % {"limit": f"{limit:,}"}
            ]
    checks = {"match_weights": _match_weights_problems, "match_rules": _match_rules_problems, "custom_labels": _custom_labels_problems}
    errors.update({name: problems for name, check in checks.items() if name in changed and (problems := check(getattr(program, name)))})
    organisation_id = program.organisation_id
    sponsor = program.sponsor if "sponsor" in changed and "sponsor" not in errors else None
    if sponsor is not None and (sponsor.organisation_id != organisation_id or sponsor.role != AccountRole.SPONSOR):
        errors["sponsor"] = [gettext("Choose an executive sponsor of the program's organisation.")]
    for name in ("mentee_min_grade", "mentor_max_grade", "guest_grade"):
        grade = getattr(program, name) if name in changed and name not in errors else None
        if grade is not None and grade.organisation_id != organisation_id:
            errors[name] = [gettext("Choose a grade of the program's organisation.")]
    choices: tuple[tuple[str, type[Site] | type[Department] | type[Community], str], ...] = (
        ("eligible_sites", Site, gettext("Choose only sites of the program's organisation.")),
        ("eligible_departments", Department, gettext("Choose only departments of the program's organisation.")),
        ("eligible_communities", Community, gettext("Choose only communities of the program's organisation.")),
    )
    for name, model, message in choices:
        if name in many_to_many:
            ids = {getattr(item, "pk", item) for item in many_to_many[name]}
            if model.objects.filter(pk__in=ids, organisation_id=organisation_id).count() != len(ids):
                errors[name] = [message]
    return errors


def check_settings_editable(program: Program, names: Iterable[str]) -> None:
    """Raise FieldLocked naming every setting in ``names`` that cannot change in the program's current state."""
    locked = sorted(name for name in names if name not in EDITABLE_FIELDS[ProgramStatus(program.status)])
    if locked:
        raise FieldLocked(
            gettext("These settings cannot change while the program is %(status)s: %(settings)s.")
            % {"status": program.get_status_display().lower(), "settings": ", ".join(locked)}
        )


@transaction.atomic
def update_program(*, program: Program, changes: dict[str, Any], by: User) -> Program:
    """Apply ``changes`` (field → value; many-to-many fields take iterables) all together, or save nothing.

    Raises FieldLocked for a setting locked in the current state, and ValidationError (a message list per
    field) for a value the model, the engine or the program's organisation would not accept. Locks the
    program row so two editors cannot interleave a status change with an edit.
    """
    program = Program.objects.select_for_update().get(pk=program.pk)
    check_settings_editable(program, changes)
    many_to_many: dict[str, list[Any]] = {}
    for name, value in changes.items():
        if Program._meta.get_field(name).many_to_many:
            many_to_many[name] = list(value)
        else:
            setattr(program, name, value)
    errors = _program_settings_errors(program, changed=set(changes), many_to_many=many_to_many)
    if errors:
        raise ValidationError(errors)
    program.save()
    for name, values in many_to_many.items():
        getattr(program, name).set(values)
    return program


@transaction.atomic
def change_program_status(*, program: Program, to: ProgramStatus, by: User) -> Program:
    """Move the program along its lifecycle; opening enrolment requires a complete purpose and schedule."""
    program = Program.objects.select_for_update().get(pk=program.pk)
    current = ProgramStatus(program.status)
    if to not in TRANSITIONS[current]:
        raise InvalidTransition(
            gettext("A %(current)s program cannot become %(status)s.")
            % {"current": current.label.lower(), "status": ProgramStatus(to).label.lower()}
        )
    if current == ProgramStatus.DRAFT and to == ProgramStatus.ENROLLING:
        problems = launch_problems(program)
        if problems:
            raise NotReadyToLaunch(problems)
    program.status = to
    program.save(update_fields=["status", "updated_at"])
    if to == ProgramStatus.ENROLLING:
        # People invited while the program was a draft hear about it now.
        waiting = list(
            program.enrolments.filter(status=EnrolmentStatus.INVITED, invitation_emailed_at__isnull=True).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: [send_invitation_email.enqueue(enrolment_id) for enrolment_id in waiting])
    return program


@dataclass(frozen=True)
class InvitationResult:
    invited: list[Enrolment]
    already_enrolled: int
    # Not eligible, by name, with the reasons; never someone failing an identity-based community's rule.
    not_eligible: dict[str, list[str]]
    # Eligible people left out because the limit was reached.
    over_limit: int = 0
    # Not eligible, counted only: people who are not members of the program's communities when one of them is
    # identity-based (naming them would tell the inviter who is and is not in it), whatever their other reasons.
    outside_communities: int = 0


@transaction.atomic
def invite_people(*, program: Program, people: Iterable[Person], role: Role, by: User, limit: int | None = None) -> InvitationResult:
    """Invite eligible people on one side; skips those already enrolled and reports why others are not eligible.

    Eligibility is checked first, then ``limit`` applies: exactly ``limit`` people are invited when that many
    are eligible, the first ones in the order of ``people``; ``over_limit`` counts the eligible ones left out.
    Invitation emails are sent by a background task after commit.
    """
    if not program.accepts_invitations:
        raise InvalidTransition(gettext("Invitations are sent while a program is a draft or enrolling."))
    if limit is not None and limit < 1:
        raise ValueError(f"An invitation limit is at least 1, not {limit}.")
    people = list(people)
    # Eligibility reads the program's site and department lists: load them once, not once per person.
    program = (
        Program.objects.prefetch_related("eligible_sites", "eligible_departments", "eligible_communities")
        .select_related("mentee_min_grade", "mentor_max_grade", "guest_grade")
        .get(pk=program.pk)
    )
    enrolled = set(Enrolment.objects.filter(program=program, person__in=people).values_list("person_id", flat=True))
    now, today = timezone.now(), timezone.localdate()
    to_invite: list[Enrolment] = []
    not_eligible: dict[str, list[str]] = {}
    over_limit = outside_communities = 0
    withhold = withholds_non_members(program)
    members = eligible_community_members(program, people)
    for person in people:
        if person.pk in enrolled:
            continue
        problems = eligibility_problems(program, person, role, today=today, community_members=members)
        if problems and withhold and not is_in_eligible_communities(program, person, community_members=members):
            outside_communities += 1
            continue
        if problems:
            not_eligible[person.full_name] = problems
            continue
        if limit is not None and len(to_invite) >= limit:
            over_limit += 1
            continue
        to_invite.append(
            Enrolment(program=program, person=person, role=role, invited_at=now, languages=list(person.languages), timezone=person.timezone)
        )
    invited = Enrolment.objects.bulk_create(to_invite)
    if program.status == ProgramStatus.ENROLLING:
        ids = [enrolment.pk for enrolment in invited]
        transaction.on_commit(lambda: [send_invitation_email.enqueue(enrolment_id) for enrolment_id in ids])
    return InvitationResult(
        invited=invited,
        already_enrolled=len(enrolled),
        not_eligible=not_eligible,
        over_limit=over_limit,
        outside_communities=outside_communities,
    )


# A guest's access lasts at most this many months from the day they are invited (or invited again).
GUEST_ACCESS_MAX_MONTHS = 24
GUEST_NAME_MAX_LENGTH = Person._meta.get_field("given_name").max_length or 100
GUEST_ORGANISATION_MAX_LENGTH = Person._meta.get_field("guest_organisation").max_length or 200


@dataclass(frozen=True)
class GuestInvitation:
    """One guest from outside to invite: their name and address, their own organisation and the last day of their access."""

    given_name: str
    family_name: str
    email: str
    guest_organisation: str
    access_ends_on: date


def _guest_refusal(program: Program, guest: GuestInvitation, *, role: Role, today: date) -> Exception | None:
    """Why ``guest`` cannot be invited to ``program`` on ``role``'s side, as the error to raise; None when they can. Reads only."""
    email = guest.email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        return GuestListInvalid(gettext("“%(email)s” is not an email address.") % {"email": guest.email})
    names = (guest.given_name.strip(), guest.family_name.strip())
    if not all(names) or any(len(name) > GUEST_NAME_MAX_LENGTH for name in names):
        return GuestListInvalid(
            gettext("Give %(email)s's given and family names, each up to %(limit)s characters.")
            % {"email": email, "limit": GUEST_NAME_MAX_LENGTH}
        )
    organisation_name = guest.guest_organisation.strip()
    if not organisation_name or len(organisation_name) > GUEST_ORGANISATION_MAX_LENGTH:
        return GuestOrganisationMissing(
            gettext("Name the organisation %(email)s comes from, in up to %(limit)s characters.")
            % {"email": email, "limit": GUEST_ORGANISATION_MAX_LENGTH}
        )
    latest = add_months(today, GUEST_ACCESS_MAX_MONTHS)
    if guest.access_ends_on <= today:
        return GuestAccessEndInvalid(
            gettext("The access of %(email)s must end after today, not on %(date)s.")
            % {"email": email, "date": formats.date_format(guest.access_ends_on)}
        )
    if guest.access_ends_on > latest:
        return GuestAccessEndInvalid(
            gettext("A guest's access lasts at most two years: end the access of %(email)s by %(date)s.")
            % {"email": email, "date": formats.date_format(latest)}
        )
    login = User.objects.filter(email__iexact=email).first()
    if (elsewhere := login_elsewhere_refusal(email=email, login=login, organisation_id=program.organisation_id)) is not None:
        return GuestLoginElsewhere(elsewhere)
    person = Person.objects.filter(organisation_id=program.organisation_id, email__iexact=email).first()
    if person is not None and not person.is_guest:
        return GuestIsEmployee(email=email, name=person.full_name)
    if login is not None and login.role != AccountRole.GUEST:
        # An administrator, sponsor or program manager of this organisation without a directory record: making their
        # address a guest's would bind their login to a guest whose access ends.
        return GuestLoginElsewhere(
            gettext("%(email)s already signs in to Turnabout here as %(role)s: a login of the organisation is never a guest's.")
            % {"email": email, "role": login.get_role_display().lower()}
        )
    # Eligibility as the guest will stand once invited: a new one, or the existing one with the later access end.
    candidate = person or Person(organisation_id=program.organisation_id, email=email, kind=PersonKind.GUEST)
    if candidate.access_ends_on is None or guest.access_ends_on > candidate.access_ends_on:
        candidate.access_ends_on = guest.access_ends_on
    problems = eligibility_problems(program, candidate, role, today=today)
    return GuestNotEligible(email=email, problems=problems) if problems else None


@transaction.atomic
def invite_guests(*, program: Program, guests: list[GuestInvitation], role: Role = Role.MENTOR, by: User) -> InvitationResult:
    """Invite guests from outside to ``program``: every row is checked first, and one refusal writes nothing.

    Raises a ``GuestInvitationRefused`` naming the first row that cannot go ahead (an address that is an employee's,
    a login of another organisation or a token's, an access end that is not after today or more than two years ahead,
    a blank organisation name, a guest the program's rules refuse) and ``GuestGradeMissing`` when the program has grade
    rules but does not say where guests stand. Then each guest is created, or found and their access extended
    (``people.services.create_guest``), and invited as ``invite_people`` invites (emailed after commit when enrolling).
    """
    if not program.accepts_invitations:
        raise InvalidTransition(gettext("Invitations are sent while a program is a draft or enrolling."))
    program = Program.objects.select_related("organisation", "mentee_min_grade", "mentor_max_grade", "guest_grade").get(pk=program.pk)
    if not guests:
        raise GuestListInvalid(gettext("Give at least one guest to invite."))
    if has_grade_rules(program) and program.guest_grade_id is None:
        raise GuestGradeMissing(gettext("Say where guests stand on the grade ladder (the program's settings) before inviting guests."))
    today = timezone.localdate()
    seen: set[str] = set()
    for guest in guests:
        email = guest.email.strip().lower()
        if email in seen:
            raise GuestListInvalid(gettext("%(email)s is in the list twice.") % {"email": email})
        seen.add(email)
        refusal = _guest_refusal(program, guest, role=role, today=today)
        if refusal is not None:
            raise refusal
    people = [
        create_guest(
            organisation=program.organisation,
            email=guest.email,
            given_name=guest.given_name,
            family_name=guest.family_name,
            guest_organisation=guest.guest_organisation,
            access_ends_on=guest.access_ends_on,
            by=by,
        )
        for guest in guests
    ]
    return invite_people(program=program, people=people, role=role, by=by)


@transaction.atomic
def delete_draft_program(*, program: Program, by: User) -> None:
    """Delete a draft nobody has heard of, with its unsent invitations; raise ProgramNotDeletable (saying why) otherwise.

    Locks the program row, so enrolment cannot open, and nobody can be invited, while it goes.
    """
    program = Program.objects.select_for_update().get(pk=program.pk)
    problems = deletion_problems(program)
    if problems:
        raise ProgramNotDeletable(problems)
    program.delete()


@dataclass(frozen=True)
class Application:
    motivation: str
    goals_text: str
    skills: dict[Skill, int]
    availability: list[dict[str, Any]]
    timezone: str
    interests: list[str]
    values: list[str]
    languages: list[str]
    capacity: int
    diversity_consent: bool
    conduct_acknowledged: bool


@transaction.atomic
def submit_application(*, enrolment: Enrolment, application: Application) -> Enrolment:
    """Store the participant's own application; may be resubmitted until a decision is taken."""
    enrolment = Enrolment.objects.select_for_update().select_related("program").get(pk=enrolment.pk)
    if enrolment.program.status != ProgramStatus.ENROLLING:
        raise EnrolmentStateError(gettext("Applications are open only while the program is enrolling."))
    if enrolment.status not in (EnrolmentStatus.INVITED, EnrolmentStatus.APPLIED):
        raise EnrolmentStateError(gettext("This application is already %(status)s.") % {"status": enrolment.get_status_display().lower()})
    if not application.conduct_acknowledged:
        raise EnrolmentStateError(gettext("Please acknowledge the code of conduct."))
    enrolment.motivation = application.motivation
    enrolment.goals_text = application.goals_text
    enrolment.availability = application.availability
    enrolment.timezone = application.timezone
    enrolment.interests = application.interests
    enrolment.values = application.values
    enrolment.languages = application.languages
    enrolment.capacity = application.capacity
    enrolment.diversity_consent = application.diversity_consent
    enrolment.conduct_acknowledged_at = enrolment.conduct_acknowledged_at or timezone.now()
    enrolment.status = EnrolmentStatus.APPLIED
    enrolment.applied_at = timezone.now()
    enrolment.save()
    enrolment.skills.all().delete()
    EnrolmentSkill.objects.bulk_create(
        [EnrolmentSkill(enrolment=enrolment, skill=skill, strength=strength) for skill, strength in application.skills.items()]
    )
    return enrolment


@transaction.atomic
def decide_application(*, enrolment: Enrolment, approve: bool, by: User) -> Enrolment:
    """Approve or turn down an application; idempotent for the same decision."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    target = EnrolmentStatus.APPROVED if approve else EnrolmentStatus.REJECTED
    if enrolment.status == target:
        return enrolment
    if enrolment.status != EnrolmentStatus.APPLIED:
        raise EnrolmentStateError(
            gettext("Only applications can be decided; this one is %(status)s.") % {"status": enrolment.get_status_display().lower()}
        )
    enrolment.status = target
    enrolment.decided_at = timezone.now()
    enrolment.decided_by = by
    enrolment.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
    return enrolment


@transaction.atomic
def complete_training_module(*, enrolment: Enrolment, module: TrainingModule, answers: list[int]) -> TrainingCompletion:
    """Record a finished module once every check question is answered correctly; idempotent."""
    questions = module.check_questions
    wrong = [index + 1 for index, question in enumerate(questions) if index >= len(answers) or answers[index] != question["answer"]]
    if wrong:
        numbers = ", ".join(str(number) for number in wrong[:-1]) + (" and " if len(wrong) > 1 else "") + str(wrong[-1])
        message = ngettext(
            "Not quite: have another look at question %(numbers)s.", "Not quite: have another look at questions %(numbers)s.", len(wrong)
        )
        raise TrainingAnswerWrong(message % {"numbers": numbers})
    completion, _ = TrainingCompletion.objects.get_or_create(enrolment=enrolment, module=module, defaults={"completed_at": timezone.now()})
    return completion


@transaction.atomic
def withdraw_leavers(*, organisation: Organisation) -> list[Enrolment]:
    """Withdraw every open enrolment of people who have left; the matching app tells their partners."""
    open_statuses = [EnrolmentStatus.INVITED, EnrolmentStatus.APPLIED, EnrolmentStatus.APPROVED]
    enrolments = list(
        Enrolment.objects.select_for_update().filter(
            program__organisation=organisation, status__in=open_statuses, person__employment_status=EmploymentStatus.LEAVER
        )
    )
    for enrolment in enrolments:
        enrolment.status = EnrolmentStatus.WITHDRAWN
        enrolment.withdrawn_reason = "Left the organisation"
    Enrolment.objects.bulk_update(enrolments, ["status", "withdrawn_reason"])
    return enrolments
