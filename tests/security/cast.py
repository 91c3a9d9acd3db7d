"""One Acme with something of every kind, built through the services, for the permission matrix and the encoding tests.

The people are the named cast of tests/conftest.py: Ada (admin), Alice (program manager), Charlie (participant,
the mentor of the pair), Bob (participant, the mentee), Diana (sponsor), Eve (administrator at Globex). Around
them: a running program whose match run was published and accepted, so Charlie and Bob are a pair with an
agreement, goals, notes, an insight, a concern, a held meeting (with Charlie's pulse link) and a scheduled one; an
open baseline survey; an import job; a SAML identity provider; Acme's SCIM token (the scim identity); API tokens;
Frank, a newcomer with a sign-in link; a calendar feed; and a live task worker, as on a healthy install. Beside the
pair program, a second one, "Junior board", forms circles (1–2 mentors, 2–3 mentees): its run was published, so
Charlie (its mentor), Bob and Helen Elder (a senior with no login) are a circle proposal awaiting their answers.
Everything happens at ``NOW``
(tests/security/conftest.py stops the clock there for every test), when the baseline survey is open.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from datetime import UTC, date, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.builders import make_ready
from turnabout.accounts.models import Organisation, User
from turnabout.core.services import record_worker_heartbeat
from turnabout.engagement.guides import topic_guides
from turnabout.engagement.models import Concern, Goal, Meeting, MeetingMode, Milestone, NoteVisibility, Pair
from turnabout.engagement.pulse_links import pulse_token
from turnabout.engagement.services import (
    add_goal,
    add_milestone,
    ensure_calendar_feed,
    log_insight,
    log_meeting_held,
    raise_concern,
    schedule_meeting,
    write_note,
)
from turnabout.identity.links import issue_sign_in_link
from turnabout.identity.models import ApiToken, IdentityProvider, TokenScope
from turnabout.identity.scim.services import rotate_scim_token
from turnabout.identity.sso import services as sso_services
from turnabout.identity.tokens import create_api_token
from turnabout.matching.models import CircleMatch, Match, MatchRun, ProposedCircle
from turnabout.matching.runs import execute_match_run
from turnabout.matching.services import publish_circle_run, publish_match_run, respond_to_match, start_match_run
from turnabout.people.communities import create_community
from turnabout.people.hris_jobs import create_import_job
from turnabout.people.models import ImportJob, Person
from turnabout.people.services import create_person, department_named, update_person
from turnabout.programs.models import Enrolment, PairingFormat, Program, ProgramStatus, Role, StrategicDriver, TrainingModule
from turnabout.programs.services import change_program_status, create_program_from_preset, update_program
from turnabout.surveys.models import SurveyAssignment, SurveyWave, WaveKind
from turnabout.surveys.queries import PopulationFilter
from turnabout.surveys.services import create_interest_survey, open_wave, schedule_waves

# A Tuesday inside the program's baseline survey window (5 January to 5 July 2026; the baseline is open 5–26 January).
NOW = datetime.datetime(2026, 1, 6, 9, 0, tzinfo=UTC)
STARTS_ON, ENDS_ON = date(2026, 1, 5), date(2026, 7, 5)
SKILL = "generative-ai-prompting"


@dataclass(frozen=True)
class Cast:
    acme: Organisation
    globex: Organisation
    admin: User
    manager: User
    mentor: User  # Charlie, the participant identity
    mentee: User  # Bob
    sponsor: User
    outsider: User
    program: Program
    mentor_enrolment: Enrolment
    mentee_enrolment: Enrolment
    run: MatchRun
    match: Match
    pair: Pair
    goal: Goal
    milestone: Milestone
    concern: Concern
    held_meeting: Meeting
    scheduled_meeting: Meeting
    pulse_token: str
    calendar_token: str
    sign_in_token: str
    wave: SurveyWave
    assignment: SurveyAssignment
    import_job: ImportJob
    identity_provider: IdentityProvider
    training_slug: str
    guide_slug: str
    api_token: ApiToken  # the token identity: Acme's organisation token, read scope
    api_secret: str
    personal_token: ApiToken  # Ada's own
    scim_secret: str  # the scim identity: Acme's SCIM provisioning token
    newcomer: Person  # Frank: in the directory, no login yet, in no program (his sign-in link is sign_in_token)
    circle_program: Program  # "Junior board": circles of 1–2 mentors and 2–3 mentees, matching
    circle_run: MatchRun  # its published run
    proposed_circle: ProposedCircle  # the run's one circle: Charlie, Bob and Helen
    circle_match: CircleMatch  # that circle, published, awaiting every member's answer
    circle_enrolment: Enrolment  # Charlie's enrolment in the junior board


def saml_metadata(entity_id: str = "https://idp.acme.test/saml/metadata") -> str:
    """An identity provider's SAML metadata with a fresh self-signed signing certificate (no network, no xmlsec)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.acme.test")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    body = "".join(certificate.public_bytes(serialization.Encoding.PEM).decode().splitlines()[1:-1])
    return (
        f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
        f'entityID="{entity_id}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f'<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{body}</ds:X509Certificate>'
        "</ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        'Location="https://idp.acme.test/saml/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>'
    )


def build_cast(
    *, acme: Organisation, globex: Organisation, admin: User, manager: User, mentor: User, mentee: User, sponsor: User, outsider: User,
    program: Program,
) -> Cast:  # fmt: skip
    """Everything of the module docstring, around ``program`` (a draft with its sponsor, tests/conftest.py)."""
    program = update_program(
        program=program,
        changes={
            "starts_on": STARTS_ON,
            "ends_on": ENDS_ON,
            "min_grade_gap": 2,
            "enrolment_opens_on": date(2025, 12, 1),
            "enrolment_closes_on": date(2026, 1, 4),
        },
        by=manager,
    )
    program = change_program_status(program=program, to=ProgramStatus.ENROLLING, by=manager)
    # The program pairs across departments only.
    update_person(person=mentor.person, department=department_named(organisation=acme, name="Technology"))
    update_person(person=mentee.person, department=department_named(organisation=acme, name="Finance"))
    mentor_enrolment = make_ready(program, mentor.person, Role.MENTOR, manager, skills={SKILL: 5})
    mentee_enrolment = make_ready(program, mentee.person, Role.MENTEE, manager, skills={SKILL: 3})
    program = change_program_status(program=program, to=ProgramStatus.MATCHING, by=manager)

    run = start_match_run(program=program, by=manager)
    execute_match_run(run_id=run.pk)  # what the worker does once the run's transaction commits
    (match,) = publish_match_run(run=run, by=manager)
    respond_to_match(match=match, role=Role.MENTOR, accept=True)
    match = respond_to_match(match=match, role=Role.MENTEE, accept=True)
    program = change_program_status(program=program, to=ProgramStatus.RUNNING, by=manager)
    pair = Pair.objects.get(program=program, mentor=mentor_enrolment, mentee=mentee_enrolment)

    goal = add_goal(pair=pair, owner_role=Role.MENTEE, title="Use prompts to draft board papers")
    milestone = add_milestone(goal=goal, title="A first draft")
    write_note(pair=pair, author=mentor, role=Role.MENTOR, body="Bring two examples.", visibility=NoteVisibility.SHARED)
    write_note(pair=pair, author=mentee, role=Role.MENTEE, body="My own reminder.", visibility=NoteVisibility.PRIVATE)
    log_insight(pair=pair, description="Board papers start from a prompt", owner="Bob", adopted_on=STARTS_ON, by=mentee)
    concern = raise_concern(pair=pair, by=mentee, role=Role.MENTEE, body="We keep moving meetings.")
    # A meeting from before today cannot be scheduled: it is recorded as the calendar left it, then logged as held.
    held = Meeting.objects.create(pair=pair, starts_at=NOW - timedelta(days=1), duration_minutes=45, mode=MeetingMode.VIDEO)
    held = log_meeting_held(meeting=held, held_minutes=40, topics=["prompts"], mode=MeetingMode.VIDEO)
    scheduled = schedule_meeting(
        pair=pair, starts_at=NOW + timedelta(days=7), duration_minutes=45, mode=MeetingMode.VIDEO, location="Room 1", by_role=Role.MENTOR
    )

    (wave, *_) = schedule_waves(program=program)
    assert wave.kind == WaveKind.BASELINE
    open_wave(wave=wave, now=NOW)
    assignment = SurveyAssignment.objects.get(wave=wave, enrolment=mentor_enrolment)

    identity_provider = sso_services.configure_identity_provider(
        organisation=acme,
        display_name="Acme ID",
        email_domains=["acme.test"],
        saml=sso_services.SamlSettings(metadata_xml=saml_metadata()),
        by=admin,
    )
    sso_services.update_sign_in_rules(identity_provider=identity_provider, rules=sso_services.SignInRules(is_enabled=True), by=admin)
    scim_token = rotate_scim_token(organisation=acme, by=admin)
    organisation_token = create_api_token(
        owner=admin, name="Dashboard sync", scope=TokenScope.READ, expires_in_days=90, organisation_wide=True
    )
    personal_token = create_api_token(owner=admin, name="Ada's scripts", scope=TokenScope.READ_WRITE, expires_in_days=30)
    newcomer = create_person(
        organisation=acme, employee_id="A100", given_name="Frank", family_name="Field", email="frank@acme.test",
        grade=acme.grades.get(code="G3"),
    )  # fmt: skip
    sign_in_url = issue_sign_in_link(person=newcomer)
    job = create_import_job(
        organisation=acme, uploaded_by=manager, filename="people.csv", content=b"employee_id,given_name,family_name,email\n"
    )
    record_worker_heartbeat(worker_id="cast-worker", now=NOW)
    # An open community of Acme with no leads: the community pages' rows (its id is the matrix's community_id).
    create_community(organisation=acme, name="Early careers", purpose="", is_open=True, is_identity_based=False, leads=[])
    # An interest survey asking Technology (Charlie): the interest pages' rows (the matrix's survey_id and invitation_id).
    technology = PopulationFilter(department=mentor.person.department)
    create_interest_survey(organisation=acme, title="Would you take part?", population=technology, topics=[], by=manager)
    circle_program, circle_run, circle_match, circle_enrolment = _junior_board(
        acme=acme, manager=manager, sponsor=sponsor, mentor=mentor, mentee=mentee
    )
    training = TrainingModule.objects.filter(pk__in=program.training_modules.all()).order_by("pk")
    module = next(module for module in training if module.is_for(Role.MENTOR))
    return Cast(
        acme=acme,
        globex=globex,
        admin=admin,
        manager=manager,
        mentor=mentor,
        mentee=mentee,
        sponsor=sponsor,
        outsider=outsider,
        program=program,
        mentor_enrolment=mentor_enrolment,
        mentee_enrolment=mentee_enrolment,
        run=run,
        match=match,
        pair=pair,
        goal=goal,
        milestone=milestone,
        concern=concern,
        held_meeting=held,
        scheduled_meeting=scheduled,
        pulse_token=pulse_token(held, Role.MENTOR),
        calendar_token=ensure_calendar_feed(user=mentor).token,
        sign_in_token=sign_in_url.rstrip("/").rsplit("/", 1)[1],
        wave=wave,
        assignment=assignment,
        import_job=job,
        identity_provider=identity_provider,
        training_slug=module.slug,
        guide_slug=next(iter(topic_guides())),
        api_token=organisation_token.token,
        api_secret=organisation_token.secret,
        personal_token=personal_token.token,
        scim_secret=scim_token.secret,
        newcomer=newcomer,
        circle_program=circle_program,
        circle_run=circle_run,
        proposed_circle=ProposedCircle.objects.get(run=circle_run),
        circle_match=circle_match,
        circle_enrolment=circle_enrolment,
    )


def _junior_board(
    *, acme: Organisation, manager: User, sponsor: User, mentor: User, mentee: User
) -> tuple[Program, MatchRun, CircleMatch, Enrolment]:
    """The circle program of the module docstring, its published run, its one circle match and Charlie's enrolment in it."""
    board = create_program_from_preset(organisation=acme, driver=StrategicDriver.DIGITAL_TRANSFORMATION, by=manager)
    sizes = {"circle_min_mentors": 1, "circle_max_mentors": 2, "circle_min_mentees": 2, "circle_max_mentees": 3}
    changes = {"name": "Junior board", "sponsor": sponsor, "min_grade_gap": 2, "pairing_format": PairingFormat.CIRCLES, **sizes}
    board = update_program(program=board, changes=changes, by=manager)
    board = change_program_status(program=board, to=ProgramStatus.ENROLLING, by=manager)
    helen = create_person(
        organisation=acme, employee_id="A101", given_name="Helen", family_name="Elder", email="helen@acme.test",
        grade=acme.grades.get(code="G9"), department=department_named(organisation=acme, name="Operations"),
    )  # fmt: skip
    enrolment = make_ready(board, mentor.person, Role.MENTOR, manager, skills={SKILL: 5})
    for senior in (mentee.person, helen):
        make_ready(board, senior, Role.MENTEE, manager, skills={SKILL: 3})
    board = change_program_status(program=board, to=ProgramStatus.MATCHING, by=manager)
    run = start_match_run(program=board, by=manager)
    execute_match_run(run_id=run.pk)
    (circle_match,) = publish_circle_run(run=run, by=manager)
    run.refresh_from_db()
    return board, run, circle_match, enrolment
