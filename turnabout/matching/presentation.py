"""What the match pages say about a run in plain words: its score distribution, and what publishing it will do."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from turnabout.core.content import content_text
from turnabout.matching.models import MatchRun, ProposedCircle, ProposedCircleMember, UnmatchedEnrolment
from turnabout.matching.pool import StoredReason
from turnabout.matching.queries import RunReview, roles_asked_first, run_unmatched
from turnabout.matching.rechecks import stale_changes
from turnabout.programs.models import Program, Role

Params = Mapping[str, Any]

# The engine's reasons, by code (turnabout.engine.REASON_CODES), in words: code → variant → message. The
# message's placeholders are filled from the reason's params by the code's filler below, with the program's
# own words for each side. A reason whose code has no entry shows the engine's English text.
REASON_MESSAGES: dict[str, dict[str, Promise]] = {
    "goals": {"": gettext_lazy("%(mentor)s can help %(mentee)s with %(skills)s.")},
    "common_ground": {
        "both": gettext_lazy("They have common ground: both enjoy %(interests)s, and both value %(values)s."),
        "interests": gettext_lazy("They have common ground: both enjoy %(interests)s."),
        "values": gettext_lazy("They have common ground: both value %(values)s."),
    },
    "availability": {"": gettext_lazy("Their calendars overlap %(duration)s a week.")},
    "boundaries": {
        "both": gettext_lazy(
            "They work in different departments (%(department_1)s and %(department_2)s) and sites (%(site_1)s and %(site_2)s), "
            "so each sees another part of the organisation."
        ),
        "departments": gettext_lazy(
            "They work in different departments (%(department_1)s and %(department_2)s), so each sees another part of the organisation."
        ),
        "sites": gettext_lazy("They work at different sites (%(site_1)s and %(site_2)s), so each sees another part of the organisation."),
    },
    "diversity": {
        "": gettext_lazy("They bring different perspectives, as the program asks."),
        "attributes": gettext_lazy("They bring different perspectives (%(attributes)s), as the program asks."),
    },
    "grade_gap": {
        "": ngettext_lazy(
            "%(mentee)s is %(gap)s grade more senior than %(mentor)s: a genuine reverse-mentoring pair.",
            "%(mentee)s is %(gap)s grades more senior than %(mentor)s: a genuine reverse-mentoring pair.",
            "gap",
        )
    },
    "no_capacity": {"": gettext_lazy("Their capacity is 0, so they take no partner in this run.")},
    "nobody_on_other_side": {"": gettext_lazy("Nobody in this run takes part as %(other)s.")},
    "ruled_out": {
        "": ngettext_lazy(
            "No %(other)s meets this rule: %(rules)s.",
            "No %(other)s meets all of these rules together: %(rules)s.",
            "count",
        )
    },
    "below_minimum_score": {
        "": gettext_lazy("Every %(other)s would score below the program's minimum pair score of %(minimum)s."),
        "rules": ngettext_lazy(
            "Every %(other)s who meets this rule (%(rules)s) would score below the program's minimum pair score of %(minimum)s.",
            "Every %(other)s who meets these rules (%(rules)s) would score below the program's minimum pair score of %(minimum)s.",
            "count",
        ),
    },
    "below_fairness_floor": {
        "": ngettext_lazy(
            "The one person who could be their %(other)s under the rules is taken, or would pair below the fairness floor of "
            "%(floor)s that lets everyone else be matched.",
            "Each of the %(count)s people who could be their %(other)s under the rules is taken, or would pair below the fairness "
            "floor of %(floor)s that lets everyone else be matched.",
            "count",
        )
    },
    "partner_taken": {"": gettext_lazy("The one %(other)s who meets the rules is already matched with someone they fit better.")},
    "partners_taken": {
        "": ngettext_lazy(
            "The one person who could be their %(other)s under the rules is already matched at capacity with pairs that score "
            "higher overall.",
            "All %(count)s people who could be their %(other)s under the rules are already matched at capacity with pairs that "
            "score higher overall.",
            "count",
        )
    },
    # Circles (turnabout.engine.CIRCLE_REASON_CODES): a member's place, and why someone is in no circle.
    "circle_fit": {"": gettext_lazy("%(member)s is in a circle with %(others)s: %(clauses)s.")},
    "no_circle_fits": {
        "": ngettext_lazy(
            "The one circle formed could not take them: %(blockers)s.",
            "None of the %(count)s circles formed could take them: %(blockers)s.",
            "count",
        )
    },
    "circle_not_formed": {
        "mentor": ngettext_lazy(
            "No circle around them reached the program's minimum of %(count)s %(other)s: those who fit them are in circles "
            "that score higher, or do not fit together.",
            "No circle around them reached the program's minimum of %(count)s people taking part as %(other)s: those who fit "
            "them are in circles that score higher, or do not fit together.",
            "count",
        ),
        "mentee": gettext_lazy(
            "No circle with them reached the program's minimum size (%(mentors)s as %(mentor)s and %(mentees)s as %(mentee)s) "
            "with everyone fitting together."
        ),
    },
}

# The hard rules an unmatched reason names (turnabout.engine.RULE_CODES), each a phrase for the list in "ruled_out".
# Grade gap and availability depend on the side: a mentor is junior to the mentee.
RULE_PHRASES: dict[str, Promise] = {
    "capacity": gettext_lazy("room for a partner"),
    "grade_gap": ngettext_lazy("at least %(gap)s grade junior", "at least %(gap)s grades junior", "gap"),
    "grade_gap_senior": ngettext_lazy("at least %(gap)s grade senior", "at least %(gap)s grades senior", "gap"),
    "language": gettext_lazy("a shared language"),
    "reporting_line": gettext_lazy("outside their reporting line"),
    "department": gettext_lazy("in another department"),
    "availability": ngettext_lazy(
        "at least %(minutes)s minute of shared weekly availability", "at least %(minutes)s minutes of shared weekly availability", "minutes"
    ),
    "forbidden": gettext_lazy("allowed by the program"),
    "past_pair": gettext_lazy("not paired with them before"),
}


def join_words(items: Iterable[str]) -> str:
    """Words as one list: "a", "a and b", "a, b and c" (in the active language)."""
    words = [str(item) for item in items]
    if len(words) <= 1:
        return "".join(words)
    return _("%(items)s and %(last)s") % {"items": _(", ").join(words[:-1]), "last": words[-1]}


def _role(program: Program, role: object) -> str:
    return program.mentor_label if role == Role.MENTOR else program.mentee_label


def _duration(minutes: int) -> str:
    hours, rest = divmod(int(minutes), 60)
    minutes_text = ngettext("%(count)s minute", "%(count)s minutes", rest) % {"count": rest}
    if not hours:
        return minutes_text
    hours_text = ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}
    return _("%(hours)s %(minutes)s") % {"hours": hours_text, "minutes": minutes_text} if rest else hours_text


def _skill(skill: Params, mentee: str) -> str:
    # Skill names are stored as the engine gave them (the taxonomy's own names); shown in the reader's language.
    name = content_text(str(skill.get("skill", "")))
    values = {"skill": name, "level": skill.get("level"), "max": skill.get("max_level"), "mentee": mentee}
    through, top = skill.get("through"), skill.get("top", "")
    if through:
        values["through"] = content_text(str(through))
        message = {
            "only": _("%(skill)s (through the related skill %(through)s, %(mentee)s's top goal)"),
            "one_of": _("%(skill)s (through the related skill %(through)s, one of %(mentee)s's top goals)"),
        }.get(top, _("%(skill)s (through the related skill %(through)s)"))
    else:
        message = {
            "only": _("%(skill)s (level %(level)s of %(max)s, %(mentee)s's top goal)"),
            "one_of": _("%(skill)s (level %(level)s of %(max)s, one of %(mentee)s's top goals)"),
        }.get(top, _("%(skill)s (level %(level)s of %(max)s)"))
    return message % values


def _unspecified(name: object) -> str:
    return str(name) if name else _("unspecified")


def _goals(params: Params, program: Program) -> tuple[str, dict[str, object]]:
    mentee = str(params.get("mentee", ""))
    return "", {
        "mentor": params.get("mentor", ""),
        "mentee": mentee,
        "skills": join_words(_skill(s, mentee) for s in params.get("skills", [])),
    }


def _common_ground(params: Params, program: Program) -> tuple[str, dict[str, object]]:
    interests, values = params.get("interests") or [], params.get("values") or []
    variant = "both" if interests and values else "interests" if interests else "values"
    return variant, {"interests": join_words(interests), "values": join_words(values)}


def _boundaries(params: Params, program: Program) -> tuple[str, dict[str, object]]:
    departments, sites = params.get("departments"), params.get("sites")
    variant = "both" if departments and sites else "departments" if departments else "sites"
    values: dict[str, object] = {}
    for name, pair in (("department", departments), ("site", sites)):
        first, second = pair or (None, None)
        values |= {f"{name}_1": _unspecified(first), f"{name}_2": _unspecified(second)}
    return variant, values


def _rules(params: Params, program: Program) -> str:
    gap, minutes = int(params.get("min_grade_gap") or 0), int(params.get("min_overlap_minutes") or 0)
    phrases = []
    for rule in params.get("rules", []):
        key = "grade_gap_senior" if rule == "grade_gap" and params.get("other") == Role.MENTEE else rule
        phrase = RULE_PHRASES.get(key)
        if phrase is not None:
            phrases.append(str(phrase % {"gap": gap, "minutes": minutes}))
    return join_words(phrases)


def _other(params: Params, program: Program) -> dict[str, object]:
    return {"other": _role(program, params.get("other")), "count": int(params.get("count") or 0)}


def _ruled(params: Params, program: Program) -> tuple[str, dict[str, object]]:
    return "", {**_other(params, program), "rules": _rules(params, program), "count": len(params.get("rules", []))}


def _below_minimum(params: Params, program: Program) -> tuple[str, dict[str, object]]:
    minimum = number_format(float(params.get("min_pair_score") or 0), 2)
    named = len(params.get("rules", []))
    return ("rules" if named else ""), {**_other(params, program), "rules": _rules(params, program), "count": named, "minimum": minimum}


def _fairness(params: Params, program: Program) -> tuple[str, dict[str, object]]:
    return "", {**_other(params, program), "floor": number_format(float(params.get("fairness_floor") or 0), 2)}


# What kept someone out of each circle formed (the engine's blocker codes of "no_circle_fits"), by how many circles.
CIRCLE_BLOCKERS: dict[str, Promise] = {
    "full": ngettext_lazy("%(count)s is full", "%(count)s are full", "count"),
    "pair_rules": ngettext_lazy(
        "%(count)s has a member they may not be paired with under the program's rules",
        "%(count)s have a member they may not be paired with under the program's rules",
        "count",
    ),
    "reporting_line": ngettext_lazy(
        "%(count)s has a member in their reporting line", "%(count)s have a member in their reporting line", "count"
    ),
    "language": ngettext_lazy("%(count)s shares no language with them", "%(count)s share no language with them", "count"),
    "availability": ngettext_lazy(
        "%(count)s has no common weekly window of %(duration)s with them",
        "%(count)s have no common weekly window of %(duration)s with them",
        "count",
    ),
}


def _circle_fit(params: Params, program: Program) -> tuple[str, dict[str, object]]:
    others = [str(name) for name in params.get("others") or []]
    languages, minutes = params.get("languages") or [], int(params.get("minutes") or 0)
    clauses = []
    if languages:
        clauses.append(_("everyone speaks %(languages)s") % {"languages": join_words(languages)})
    clauses.append(_("nobody is in anyone else's reporting line"))
    if minutes:
        clauses.append(
            _("all %(count)s are free together %(duration)s a week") % {"count": len(others) + 1, "duration": _duration(minutes)}
        )
    return "", {"member": params.get("member", ""), "others": join_words(others), "clauses": join_words(clauses)}


def _no_circle_fits(params: Params, program: Program) -> tuple[str, dict[str, object]]:
    counts = params.get("counts") or {}
    duration = _duration(int(params.get("min_overlap_minutes") or 0))
    blockers = [
        str(phrase % {"count": int(counts.get(code) or 0), "duration": duration})
        for code, phrase in CIRCLE_BLOCKERS.items()
        if int(counts.get(code) or 0)
    ]
    return "", {"count": int(params.get("circles") or 0), "blockers": join_words(blockers)}


def _circle_not_formed(params: Params, program: Program) -> tuple[str, dict[str, object]]:
    mentors, mentees = int(params.get("mentors") or 0), int(params.get("mentees") or 0)
    if params.get("side") == Role.MENTOR:
        return "mentor", {"count": mentees, "other": program.mentee_label}
    return "mentee", {"mentors": mentors, "mentees": mentees, "mentor": program.mentor_label, "mentee": program.mentee_label}


def _plain(params: Params, program: Program) -> tuple[str, dict[str, object]]:
    return "", {**params, **_other(params, program)}


_FILLERS: dict[str, Callable[[Params, Program], tuple[str, dict[str, object]]]] = {
    "goals": _goals,
    "common_ground": _common_ground,
    "availability": lambda params, program: ("", {"duration": _duration(int(params.get("minutes") or 0))}),
    "boundaries": _boundaries,
    # Stored for participants without its attributes (pool.participant_safe_reasons): then the generic sentence.
    "diversity": lambda params, program: (
        ("attributes" if params.get("attributes") else ""),
        {"attributes": join_words(params.get("attributes") or [])},
    ),
    "grade_gap": lambda params, program: (
        "",
        {"mentor": params.get("mentor", ""), "mentee": params.get("mentee", ""), "gap": int(params.get("gap") or 0)},
    ),
    "no_capacity": _plain,
    "nobody_on_other_side": _plain,
    "ruled_out": _ruled,
    "below_minimum_score": _below_minimum,
    "below_fairness_floor": _fairness,
    "partner_taken": _plain,
    "partners_taken": _plain,
    "circle_fit": _circle_fit,
    "no_circle_fits": _no_circle_fits,
    "circle_not_formed": _circle_not_formed,
}


def reason_text(reason: StoredReason, program: Program) -> str:
    """A stored reason in the active language with the program's words for each side; by its code, never its text.

    A bare sentence (stored before reasons had codes) or an unknown code shows the English text as stored.
    """
    if isinstance(reason, str):
        return reason
    code, params = str(reason.get("code", "")), reason.get("params") or {}
    fill, messages = _FILLERS.get(code), REASON_MESSAGES.get(code)
    if fill is None or messages is None:
        return str(reason.get("text", ""))
    variant, values = fill(params, program)
    return str(messages[variant] % values)


def reason_texts(reasons: Iterable[StoredReason], program: Program) -> list[str]:
    return [reason_text(reason, program) for reason in reasons]


@dataclass(frozen=True)
class WordedReason:
    """A stored reason worded when shown (``str``), in the language active then: an email renders once per recipient language."""

    reason: StoredReason
    program: Program

    def __str__(self) -> str:
        return reason_text(self.reason, self.program)


def worded_review(review: RunReview, program: Program) -> RunReview:
    """The review with each pair's reasons in words (``reason_text``), for pages and the API."""
    return RunReview([replace(pair, reasons=list(reason_texts(pair.reasons, program))) for pair in review.pairs], review.summary)


@dataclass(frozen=True)
class UnmatchedRow:
    """Someone a run could not pair, as the pages show them: their side in the program's words and the reason in words."""

    item: UnmatchedEnrolment
    role_label: str
    reason: str

    @property
    def person_name(self) -> str:
        return self.item.enrolment.person.full_name


def unmatched_rows(items: Iterable[UnmatchedEnrolment], program: Program) -> list[UnmatchedRow]:
    return [
        UnmatchedRow(
            item,
            _role(program, item.enrolment.role),
            reason_text({"code": item.code, "text": item.reason, "params": item.params} if item.code else item.reason, program),
        )
        for item in items
    ]


# What a computing run is doing (MatchRun.stage: the service's stages and the engine's progress stages), in words.
RUN_STAGES: dict[str, Promise] = {
    "reading the pool": gettext_lazy("Reading the pool"),
    "preparing": gettext_lazy("Preparing"),
    "scoring pairs": gettext_lazy("Scoring pairs"),
    "pricing": gettext_lazy("Looking for better pairs"),
    "proving optimality": gettext_lazy("Checking that no better set of pairs exists"),
    "explaining": gettext_lazy("Writing the reasons"),
    "forming circles": gettext_lazy("Forming circles"),
    "done": gettext_lazy("Done"),
}


def run_stage(run: MatchRun) -> str:
    """The run's stage in words; "" before the worker starts it, and a stage not listed as stored."""
    stage = run.stage.strip()
    words = RUN_STAGES.get(stage.lower())
    return str(words) if words is not None else stage


def score_distribution(summary: dict[str, object]) -> list[tuple[str, int]]:
    """The run's pairs by fit score, one (score range, pairs) row per tenth of the 0–1 scale; empty without pairs."""
    histogram = summary.get("score_histogram")
    if not isinstance(histogram, list) or not any(histogram):
        return []
    return [(f"{index / 10:.1f}–{(index + 1) / 10:.1f}", int(count)) for index, count in enumerate(histogram)]


@dataclass(frozen=True)
class PublishPreview:
    """What publishing a run will do, for the confirmation page: the pairs proposed and the emails sent at once.

    ``emailed_now`` are the labels of the sides asked first (each pair's side gets one email); ``emailed_later``
    the label of the side asked once the first has accepted, or None when both are asked at once.
    ``stale`` names what changed in the pool since the run (publishing refuses then); ``unmatched`` are the
    people the run could not pair, who are not emailed.
    """

    run: MatchRun
    pairs: int
    emailed_now: list[str]
    emailed_later: str | None
    emails: int
    stale: list[str]
    unmatched: list[UnmatchedRow]

    @property
    def confirm_label(self) -> str:
        """The publish button's words, both counts pluralised: "Yes, publish 3 pairs and send 6 emails"."""
        emails = ngettext("%(count)s email", "%(count)s emails", self.emails) % {"count": self.emails}
        return ngettext(
            "Yes, publish %(count)s pair and send %(emails)s", "Yes, publish %(count)s pairs and send %(emails)s", self.pairs
        ) % {
            "count": self.pairs,
            "emails": emails,
        }

    @property
    def can_publish(self) -> bool:
        return self.pairs > 0 and not self.stale and self.run.published_at is None and self.run.has_succeeded


def publish_preview(run: MatchRun, review: RunReview) -> PublishPreview:
    """The confirmation page's figures for a finished run; the service checks the same again when it publishes."""
    program: Program = run.program
    first = roles_asked_first(program)
    later = next((role for role in (Role.MENTOR, Role.MENTEE) if role not in first), None)
    pairs = len(review)
    pending = run.published_at is None and pairs > 0
    return PublishPreview(
        run=run,
        pairs=pairs,
        emailed_now=[program.label_for(role) for role in first],
        emailed_later=program.label_for(later) if later else None,
        emails=pairs * len(first),
        stale=stale_changes(run) if pending else [],
        unmatched=unmatched_rows(run_unmatched(run), program),
    )


@dataclass(frozen=True)
class WordedCircleMember:
    """A member of a proposed circle as the review page shows them: name, side in the program's words, score and reasons."""

    member: ProposedCircleMember
    role_label: str
    reasons: list[str]

    @property
    def person_name(self) -> str:
        return self.member.enrolment.person.full_name


@dataclass(frozen=True)
class ReviewedCircle:
    """A proposed circle for the review page: its members by side, score, common languages and weekly overlap in words."""

    circle: ProposedCircle
    mentors: list[WordedCircleMember]
    mentees: list[WordedCircleMember]
    overlap: str

    @property
    def members(self) -> list[WordedCircleMember]:
        return [*self.mentors, *self.mentees]

    @property
    def languages(self) -> str:
        return join_words(str(language) for language in self.circle.languages)


def reviewed_circles(circles: Iterable[ProposedCircle], program: Program) -> list[ReviewedCircle]:
    """The run's proposed circles with each member's place worded (``reason_text``)."""
    reviewed = []
    for circle in circles:
        worded = [
            WordedCircleMember(member, _role(program, member.role), reason_texts(member.reasons, program))
            for member in circle.members.all()
        ]
        reviewed.append(
            ReviewedCircle(
                circle,
                [member for member in worded if member.member.role == Role.MENTOR],
                [member for member in worded if member.member.role == Role.MENTEE],
                _duration(circle.common_minutes) if circle.common_minutes else "",
            )
        )
    return reviewed


def circle_certificate_line(summary: Mapping[str, Any]) -> str:
    """The certificate in words: "optimal", or how close to the best possible the circles are (a percentage of the bound)."""
    certificate = summary.get("certificate") or {}
    if not isinstance(certificate, Mapping) or not certificate:
        return ""
    if certificate.get("optimal"):
        return _("These circles are optimal: no other set of circles scores higher under the program's rules.")
    bound, gap = float(certificate.get("upper_bound") or 0), float(certificate.get("gap") or 0)
    percent = number_format(100 * gap / bound, 1) if bound > 0 else "0"
    return _("These circles are within %(percent)s %% of the best possible total under the program's rules.") % {"percent": percent}


@dataclass(frozen=True)
class CirclePublishPreview:
    """What publishing a circle run will do: the circles proposed and one email to every member, all at once."""

    run: MatchRun
    circles: int
    emails: int
    stale: list[str]
    unmatched: list[UnmatchedRow]

    @property
    def confirm_label(self) -> str:
        """The publish button's words: "Publish 2 circles and send 11 emails"."""
        emails = ngettext("%(count)s email", "%(count)s emails", self.emails) % {"count": self.emails}
        return ngettext("Publish %(count)s circle and send %(emails)s", "Publish %(count)s circles and send %(emails)s", self.circles) % {
            "count": self.circles,
            "emails": emails,
        }

    @property
    def can_publish(self) -> bool:
        return self.circles > 0 and not self.stale and self.run.published_at is None and self.run.has_succeeded


def circle_publish_preview(run: MatchRun, circles: list[ReviewedCircle]) -> CirclePublishPreview:
    """The confirmation page's figures for a finished circle run; the service checks the same again when it publishes."""
    pending = run.published_at is None and bool(circles)
    return CirclePublishPreview(
        run=run,
        circles=len(circles),
        emails=sum(len(circle.members) for circle in circles),
        stale=stale_changes(run) if pending else [],
        unmatched=unmatched_rows(run_unmatched(run), run.program),
    )
