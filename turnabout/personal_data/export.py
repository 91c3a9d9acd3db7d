"""Everything Turnabout holds about one person, as one JSON document they download from their privacy page.

The document holds their directory record and skills, their consented sensitive answers, their login (tokens listed
without secrets), enrolments and applications, matches, and for each pair: agreements, goals, meetings, the pulses,
notes, reflection and concerns they wrote themselves, and the insights logged; then the survey answers they gave and
the audit entries about them. It never holds what only their partner wrote (notes, pulses, reflection, concerns):
that is the partner's. Read-only; ``services.export_personal_data`` audits the download.
"""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.models import SocialAccount
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext

from turnabout.accounts.models import AuditEntry, User
from turnabout.engagement.models import Concern, Meeting, Note, Pair, PairMember, Pulse, Quote, Reflection
from turnabout.identity.models import ApiToken
from turnabout.matching.models import Match
from turnabout.matching.presentation import reason_texts
from turnabout.people.models import Person, SensitiveProfile
from turnabout.programs.models import Enrolment, Role
from turnabout.surveys.models import SurveyResponse

FORMAT = "turnabout-personal-data"
FORMAT_VERSION = 1


def personal_data_document(person: Person) -> dict[str, Any]:
    """The whole document for ``person`` (dates as ``date``/``datetime``: serialise with DjangoJSONEncoder)."""
    user = person.user
    enrolments = list(
        Enrolment.objects.filter(person=person)
        .select_related("program")
        .prefetch_related("skills__skill", "training_completions__module")
        .order_by("created_at", "pk")
    )
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "exported_at": timezone.now(),
        "directory_record": _directory_record(person),
        "sensitive_answers": _sensitive_answers(person),
        "login": _login(user) if user is not None else None,
        "enrolments": [_enrolment(enrolment) for enrolment in enrolments],
        "matches": _matches(person),
        "pairs": _pairs(person, user),
        "survey_answers": _survey_answers(person),
        "audit_entries_about_you": _audit_entries(user) if user is not None else [],
    }


def _name(record: object | None) -> str | None:
    return str(record) if record is not None else None


def _directory_record(person: Person) -> dict[str, Any]:
    person = Person.objects.select_related("grade", "department", "site", "manager").get(pk=person.pk)
    return {
        "employee_id": person.employee_id,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "email": person.email,
        "job_title": person.job_title,
        "grade": _name(person.grade),
        "department": _name(person.department),
        "site": _name(person.site),
        "country": person.country,
        "timezone": person.timezone,
        "languages": person.languages,
        "preferred_language": person.preferred_language,
        "manager": person.manager.full_name if person.manager is not None else None,
        "hire_date": person.hire_date,
        "employment_status": person.get_employment_status_display(),
        "end_date": person.end_date,
        "skills": [
            {"skill": level.skill.name, "level": level.get_level_display()} for level in person.skill_levels.select_related("skill")
        ],
        "grade_changes": [
            {"from": _name(change.from_grade), "to": _name(change.to_grade), "changed_on": change.changed_on}
            for change in person.grade_changes.select_related("from_grade", "to_grade")
        ],
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }


def _sensitive_answers(person: Person) -> dict[str, Any] | None:
    profile = SensitiveProfile.objects.filter(person=person).first()
    if profile is None:
        return None
    return {
        "gender": profile.gender,
        "ethnicity": profile.ethnicity,
        "has_disability": profile.has_disability,
        "is_under_represented": profile.is_under_represented,
        "age_band": profile.get_age_band_display() if profile.age_band else "",
        "consent_given_at": profile.consent_given_at,
        "consent_purpose": profile.consent_purpose,
        "consent_legal_basis": profile.consent_legal_basis,
    }


def _login(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "full_name": user.full_name,
        "role": user.get_role_display(),
        "is_active": user.is_active,
        "has_password": user.has_usable_password(),
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "api_tokens": [
            {
                "name": token.name,
                "kind": token.get_kind_display(),
                "scope": token.get_scope_display(),
                "prefix": token.prefix,
                "created_at": token.created_at,
                "expires_at": token.expires_at,
                "last_used_at": token.last_used_at,
                "revoked_at": token.revoked_at,
            }
            for token in ApiToken.objects.filter(user=user).order_by("created_at", "pk")
        ],
        "single_sign_on_accounts": [
            {"provider": account.provider, "subject": account.uid, "claims": account.extra_data, "last_login": account.last_login}
            for account in SocialAccount.objects.filter(user=user).order_by("pk")
        ],
        "has_calendar_feed": hasattr(user, "calendar_feed"),
    }


def _enrolment(enrolment: Enrolment) -> dict[str, Any]:
    return {
        "program": enrolment.program.name,
        "role": enrolment.program.mentor_label if enrolment.role == Role.MENTOR else enrolment.program.mentee_label,
        "status": enrolment.get_status_display(),
        "invited_at": enrolment.invited_at,
        "applied_at": enrolment.applied_at,
        "decided_at": enrolment.decided_at,
        "withdrawn_reason": enrolment.withdrawn_reason,
        "motivation": enrolment.motivation,
        "goals_text": enrolment.goals_text,
        "skills": [{"skill": item.skill.name, "strength": item.strength} for item in enrolment.skills.all()],
        "capacity": enrolment.capacity,
        "availability": enrolment.availability,
        "timezone": enrolment.timezone,
        "interests": enrolment.interests,
        "values": enrolment.values,
        "languages": enrolment.languages,
        "diversity_consent": enrolment.diversity_consent,
        "conduct_acknowledged_at": enrolment.conduct_acknowledged_at,
        "training_completed": [
            {"module": completion.module.title, "completed_at": completion.completed_at}
            for completion in enrolment.training_completions.all()
        ],
    }


def _side(role: str, pair_or_match: Pair | Match) -> str:
    program = pair_or_match.program
    return program.mentor_label if role == Role.MENTOR else program.mentee_label


def _matches(person: Person) -> list[dict[str, Any]]:
    matches = (
        Match.objects.filter(Q(mentor__person=person) | Q(mentee__person=person))
        .select_related("program", "mentor__person", "mentee__person")
        .order_by("created_at", "pk")
    )
    documents = []
    for match in matches:
        role = Role.MENTOR if match.mentor.person_id == person.pk else Role.MENTEE
        partner = match.mentee if role == Role.MENTOR else match.mentor
        documents.append(
            {
                "program": match.program.name,
                "your_side": _side(role, match),
                "partner": partner.person.full_name,
                "status": match.get_status_display(),
                "proposed_at": match.created_at,
                "score": match.score,
                "reasons": reason_texts(match.reasons, match.program),
                "your_response": (match.get_mentor_response_display() if role == Role.MENTOR else match.get_mentee_response_display()),
                "you_responded_at": match.mentor_responded_at if role == Role.MENTOR else match.mentee_responded_at,
            }
        )
    return documents


def _pairs(person: Person, user: User | None) -> list[dict[str, Any]]:
    pairs = (
        Pair.objects.filter(Q(mentor__person=person) | Q(mentee__person=person) | Q(members__enrolment__person=person))
        .distinct()
        .select_related("program", "mentor__person", "mentee__person")
        .prefetch_related(
            Prefetch("members", queryset=PairMember.objects.filter(enrolment__person=person), to_attr="own_members"),
            "agreements__signatures",
            "goals__milestones",
            Prefetch("meetings", queryset=Meeting.objects.order_by("starts_at", "pk")),
            "insights",
            "manager_actions",
            Prefetch("pulses", queryset=Pulse.objects.select_related("meeting").order_by("submitted_at", "pk")),
            "reflections",
            # Only what they wrote themselves: the partner's notes and concerns never enter the document.
            Prefetch("notes", queryset=Note.objects.filter(author=user).order_by("created_at", "pk") if user else Note.objects.none()),
            Prefetch(
                "concerns", queryset=Concern.objects.filter(raised_by=user).order_by("created_at", "pk") if user else Concern.objects.none()
            ),
            Prefetch("quotes", queryset=Quote.objects.filter(author=user).order_by("created_at", "pk") if user else Quote.objects.none()),
        )
        .order_by("started_on", "pk")
    )
    return [_pair(pair, person) for pair in pairs]


def _pair(pair: Pair, person: Person) -> dict[str, Any]:
    member: PairMember | None = next(iter(pair.own_members), None)  # type: ignore[attr-defined]
    # Their member's side; a pair without member rows tells it from its sides.
    role = Role(member.role) if member is not None else Role.MENTOR if pair.mentor.person_id == person.pk else Role.MENTEE

    def own(member_id: int | None, row_role: str) -> bool:
        """A row of theirs: by its member once written, else (rows of a pair without members) by its side."""
        return member_id == member.pk if member is not None and member_id is not None else row_role == role

    partner = pair.partner_of(role)
    reflection: Reflection | None = next((item for item in pair.reflections.all() if own(item.member_id, item.role)), None)
    return {
        "program": pair.program.name,
        "kind": pair.get_kind_display(),
        "your_side": _side(role, pair),
        "joined_at": member.joined_at if member is not None else None,
        "left_at": member.left_at if member is not None else None,
        "partner": partner.person.full_name,
        "status": pair.get_status_display(),
        "started_on": pair.started_on,
        "closed_at": pair.closed_at,
        "close_reason": pair.get_close_reason_display() if pair.close_reason else "",
        "continue_informally": pair.continue_informally,
        "health": pair.get_health_state_display(),
        "agreements": [
            {
                "version": agreement.version,
                "mentee_goals": agreement.mentee_goals,
                "mentor_goals": agreement.mentor_goals,
                "cadence": agreement.cadence,
                "meeting_mode": agreement.get_meeting_mode_display(),
                "confidentiality": agreement.confidentiality,
                "share_with_line_managers": agreement.get_share_with_line_managers_display(),
                "not_for_performance_management": agreement.not_for_performance_management,
                "body": agreement.body,
                "created_at": agreement.created_at,
                "signatures": [
                    {"side": _side(signature.role, pair), "signed_at": signature.signed_at} for signature in agreement.signatures.all()
                ],
            }
            for agreement in pair.agreements.all()
        ],
        "goals": [
            {
                "side": _side(goal.owner_role, pair),
                "title": goal.title,
                "description": goal.description,
                "progress_percent": goal.progress_percent,
                "status": goal.get_status_display(),
                "completed_at": goal.completed_at,
                "milestones": [
                    {"title": milestone.title, "due_on": milestone.due_on, "done_at": milestone.done_at}
                    for milestone in goal.milestones.all()
                ],
            }
            for goal in pair.goals.all()
        ],
        "meetings": [
            {
                "starts_at": meeting.starts_at,
                "duration_minutes": meeting.duration_minutes,
                "mode": meeting.get_mode_display(),
                "location": meeting.location,
                "status": meeting.get_status_display(),
                "held_minutes": meeting.held_minutes,
                "topics": meeting.topics,
                "agenda": meeting.agenda,
            }
            for meeting in pair.meetings.all()
        ],
        "your_pulses": [
            {
                "meeting_starts_at": pulse.meeting.starts_at,
                "rating": pulse.rating,
                "learned": pulse.learned,
                "submitted_at": pulse.submitted_at,
            }
            for pulse in pair.pulses.all()
            if own(pulse.member_id, pulse.role)
        ],
        "your_notes": [
            {"visibility": note.get_visibility_display(), "body": note.body, "created_at": note.created_at, "updated_at": note.updated_at}
            for note in pair.notes.all()
        ],
        "your_reflection": (
            {
                "learned": reflection.learned,
                "proudest": reflection.proudest,
                "next_steps": reflection.next_steps,
                "written_at": reflection.created_at,
            }
            if reflection is not None
            else None
        ),
        "concerns_you_raised": [
            {
                "body": concern.body,
                "status": concern.get_status_display(),
                "raised_at": concern.created_at,
                "resolved_at": concern.resolved_at,
            }
            for concern in pair.concerns.all()
        ],
        "insights": [
            {"description": insight.description, "owner": insight.owner, "adopted_on": insight.adopted_on}
            for insight in pair.insights.all()
        ],
        "quotes_you_offered": [
            {
                "text": quote.text,
                "signed": quote.get_attribution_display(),
                "offered_at": quote.created_at,
                "chosen_for_the_report_at": quote.chosen_at,
                "withdrawn_at": quote.withdrawn_at,
            }
            for quote in pair.quotes.all()
        ],
        "program_manager_actions": [
            {"kind": action.kind, "taken_at": action.taken_at, "message": action.message} for action in pair.manager_actions.all()
        ],
    }


def _survey_answers(person: Person) -> list[dict[str, Any]]:
    responses = (
        SurveyResponse.objects.filter(assignment__enrolment__person=person)
        .select_related("assignment__wave__program", "instrument")
        .order_by("submitted_at", "pk")
    )
    return [
        {
            "program": response.assignment.wave.program.name,
            "wave": response.assignment.wave.get_kind_display(),
            "instrument": f"{response.instrument.name} (version {response.instrument.version})",
            "answers": response.answers,
            "submitted_at": response.submitted_at,
        }
        for response in responses
    ]


def _audit_entries(user: User) -> list[dict[str, Any]]:
    entries = AuditEntry.objects.filter(target=user).select_related("actor").order_by("created_at", "pk")
    return [
        {
            "at": entry.created_at,
            "event": entry.get_action_display(),
            "summary": entry.summary,
            "by": entry.actor.email if entry.actor is not None else gettext("Turnabout (system)"),
        }
        for entry in entries
    ]
