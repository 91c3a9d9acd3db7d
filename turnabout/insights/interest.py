"""The published results of an interest survey (``surveys.InterestSurvey``): aggregates only, every count about people
suppressed at ``k`` with its complement, the share of yes-answers with its Wilson interval.

The counts come from ``surveys.queries.interest_counts``; the rules are the house's (:mod:`turnabout.insights.suppression`,
:func:`~turnabout.insights.figures.proportion_kpi`), here rather than in surveys because surveys sits below insights
and every figure about people is published through this package.

- Fewer than ``k`` people asked, or fewer than ``k`` answers: nothing but a sentence saying why.
- The answers (yes, maybe, no) are a one-way breakdown with its total (:func:`suppress_counts`); so is the role split
  of those who would take part (a two-way split hides both sides when one is small).
- A topic count (several topics each) is shown only when it and its complement among those who would take part are
  each 0 or at least ``k``.
- Cuts by department or site are a table (group × yes/other) with its totals (:func:`suppress_table`), published only
  when the overall answers are shown in full, so no cut's total can be set against a hidden overall count.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from turnabout.insights.figures import Kpi, min_cell, proportion_kpi
from turnabout.insights.presentation import HIDDEN, KpiLine, format_number, kpi_line, shown
from turnabout.insights.suppression import suppress_counts, suppress_table
from turnabout.programs.models import Role
from turnabout.surveys.models import InterestAnswer, InterestSurvey
from turnabout.surveys.queries import InterestCounts, interest_counts


@dataclass(frozen=True)
class CutRow:
    label: str
    respondents: str
    yes_share: str


@dataclass(frozen=True)
class Cut:
    name: str
    rows: list[CutRow]


@dataclass(frozen=True)
class InterestResults:
    """What the results page shows, already suppressed; ``withheld`` is the sentence shown instead when nothing is."""

    survey: InterestSurvey
    k: int
    invited: str
    withheld: str = ""
    headline: str = ""
    responded: KpiLine | None = None
    yes: KpiLine | None = None
    answers: list[tuple[str, str]] | None = None
    roles: list[tuple[str, str]] | None = None
    topics: list[tuple[str, str]] | None = None
    cuts: list[Cut] | None = None
    cuts_note: str = ""


def _shown_share(count: int, total: int, k: int) -> str:
    """A count among ``total`` shown only when it and its complement are each 0 or at least ``k``."""
    if 0 < count < k or 0 < total - count < k:
        return HIDDEN
    return str(count)


def _cut(name: str, groups: dict[str, tuple[int, int]], k: int) -> Cut:
    none_label = _("None recorded")
    labels = [label or none_label for label in groups]
    counts = {label or none_label: {"yes": yes, "other": total - yes} for label, (total, yes) in groups.items()}
    table = suppress_table(counts, k=k, rows=labels, columns=["yes", "other"])
    rows = []
    for label in labels:
        total, yes = table.row_totals[label], table.value(label, "yes")
        share = HIDDEN
        if total and yes is not None and table.value(label, "other") is not None:
            share = kpi_line(proportion_kpi("yes", label, yes, total, k)).value
        rows.append(CutRow(label=label, respondents=shown(total), yes_share=share))
    return Cut(name=name, rows=rows)


def interest_results(survey: InterestSurvey, *, counts: InterestCounts | None = None, k: int | None = None) -> InterestResults:
    """The survey's results as published: every figure suppressed at ``k`` (``INSIGHTS_MIN_CELL`` by default)."""
    k = min_cell() if k is None else k
    counts = interest_counts(survey) if counts is None else counts
    if counts.invited < k:
        return InterestResults(survey=survey, k=k, invited=HIDDEN, withheld=_(
            "Results are withheld: fewer than %(k)d people were asked, too few to keep anyone's answers anonymous."
        ) % {"k": k})  # fmt: skip
    not_responded = counts.invited - counts.responded
    invited = str(counts.invited) if not 0 < not_responded < k else HIDDEN
    if counts.responded < k:
        return InterestResults(survey=survey, k=k, invited=invited, withheld=_(
            "Results are withheld until at least %(k)d people have answered, so that no one's answers can be told apart."
        ) % {"k": k})  # fmt: skip
    responded = kpi_line(proportion_kpi("responded", _("Answered"), counts.responded, counts.invited, k))
    yes_kpi: Kpi = proportion_kpi("yes", _("Would take part"), counts.yes, counts.responded, k)
    yes = kpi_line(yes_kpi)
    headline = ""
    if not yes_kpi.is_withheld:
        headline = _("%(share)s of %(n)d people who answered would take part (%(interval)s).") % {
            "share": format_number(yes_kpi, yes_kpi.estimate),
            "n": counts.responded,
            "interval": yes.interval,
        }
    answers = suppress_counts(counts.answers, k=k, total_shown=True)
    answer_rows = [(str(InterestAnswer(value).label), shown(answers.values[value])) for value in counts.answers]
    roles = suppress_counts(counts.roles, k=k, total_shown=True)
    role_rows = [(str(Role(value).label), shown(roles.values[value])) for value in counts.roles]
    topic_rows = [(label, _shown_share(count, counts.would_take_part, k)) for label, count in counts.topics.items()]
    cuts: list[Cut] = []
    cuts_note = ""
    if answers.hidden:
        cuts_note = _("Not broken down by department or site: some overall answer counts are hidden.")
    else:
        cuts = [_cut(_("Department"), counts.by_department, k), _cut(_("Site"), counts.by_site, k)]
    return InterestResults(survey=survey, k=k, invited=invited, headline=headline, responded=responded, yes=yes, answers=answer_rows,
                           roles=role_rows, topics=topic_rows, cuts=cuts, cuts_note=cuts_note)  # fmt: skip
