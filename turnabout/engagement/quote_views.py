"""Quotes for the program's report: participants offer, edit and withdraw their own; program managers choose.

A participant's page lists only the quotes they wrote in that pair (the partner's never). Program managers and
administrators read the offered quotes of a program, signed as they will be shown, and choose which appear on the
outcomes dashboard and in the executive report; sponsors see only the chosen ones, there.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from turnabout.accounts.http import AuthenticatedRequest
from turnabout.core.forms import form_problems
from turnabout.engagement.access import access_own_quote, access_pair, access_pair_member, access_program_quote
from turnabout.engagement.errors import EngagementError
from turnabout.engagement.forms import QuoteChoiceForm, QuoteForm
from turnabout.engagement.models import Pair, PairMember, Quote
from turnabout.engagement.queries import offered_quotes, own_quotes, quote_attribution
from turnabout.engagement.services import choose_quote, edit_quote, offer_quote, unchoose_quote, withdraw_quote
from turnabout.programs.access import access_program
from turnabout.programs.models import Role


def _prefill(request: AuthenticatedRequest, pair: Pair, role: Role, member: PairMember | None = None) -> str:
    """The user's own words to start from: their reflection (``?from=reflection``) or an insight they logged
    (``?insight=<id>``). Nothing the partner wrote is ever offered."""
    if request.GET.get("from") == "reflection":
        reflection = (pair.reflections.filter(member=member) if pair.is_circle else pair.reflections.filter(role=role)).first()
        return reflection.learned if reflection else ""
    insight_id = request.GET.get("insight", "")
    if insight_id.isdigit():
        insight = pair.insights.filter(pk=int(insight_id), created_by=request.user).first()
        return insight.description if insight else ""
    return ""


def _edit_form(quote: Quote) -> QuoteForm:
    return QuoteForm(initial={"text": quote.text, "attribution": quote.attribution}, auto_id=f"id_quote{quote.pk}_%s")


@login_required
@require_http_methods(["GET", "POST"])
def quotes(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    pair, role, member = access_pair_member(request.user, pair_id)
    form = QuoteForm(request.POST or None, initial={"text": _prefill(request, pair, role, member)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            offer_quote(
                pair=pair,
                author=request.user,
                role=role,
                text=data["text"],
                attribution=data["attribution"],
                consent=data["consent"],
                member=member,
            )
        except EngagementError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you: your quote is offered. Program managers choose which quotes the report shows."))
            return redirect("engagement:quotes", pair.pk)
    mine = [(quote, _edit_form(quote)) for quote in own_quotes(pair, request.user)]
    context = {"pair": pair, "program": pair.program, "role": role, "form": form, "quotes": mine}
    return render(request, "engagement/quotes.html", context)


def _own_quote(request: AuthenticatedRequest, pair_id: int) -> tuple[Pair, Quote | None]:
    pair, _role = access_pair(request.user, pair_id)
    choice = QuoteChoiceForm(request.POST)
    if not choice.is_valid():
        messages.error(request, form_problems(choice))
        return pair, None
    return pair, access_own_quote(request.user, pair, choice.cleaned_data["quote"])


@login_required
@require_POST
def quote_edit(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    pair, quote = _own_quote(request, pair_id)
    if quote is not None:
        form = QuoteForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_problems(form))
        else:
            data = form.cleaned_data
            try:
                edit_quote(quote=quote, author=request.user, text=data["text"], attribution=data["attribution"], consent=data["consent"])
            except EngagementError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Your quote is changed. If it was shown, it waits to be chosen again."))
    return redirect("engagement:quotes", pair.pk)


@login_required
@require_POST
def quote_withdraw(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    pair, quote = _own_quote(request, pair_id)
    if quote is not None:
        try:
            withdraw_quote(quote=quote, author=request.user)
        except EngagementError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your quote is withdrawn: its words are deleted and it appears nowhere."))
    return redirect("engagement:quotes", pair.pk)


@login_required
@require_GET
def program_quotes(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    program = access_program(request.user, program_id)
    rows = [{"quote": quote, "attribution": quote_attribution(quote)} for quote in offered_quotes(program)]
    return render(request, "engagement/program_quotes.html", {"program": program, "rows": rows})


def _program_quote(request: AuthenticatedRequest, program_id: int) -> tuple[int, Quote | None]:
    program = access_program(request.user, program_id, write=True)
    choice = QuoteChoiceForm(request.POST)
    if not choice.is_valid():
        messages.error(request, form_problems(choice))
        return program.pk, None
    return program.pk, access_program_quote(program, choice.cleaned_data["quote"])


@login_required
@require_POST
def quote_choose(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    program_pk, quote = _program_quote(request, program_id)
    if quote is not None:
        try:
            choose_quote(quote=quote, by=request.user)
        except EngagementError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Chosen: the quote appears on the dashboard and in the executive report."))
    return redirect("engagement:program_quotes", program_pk)


@login_required
@require_POST
def quote_unchoose(request: AuthenticatedRequest, program_id: int) -> HttpResponse:
    program_pk, quote = _program_quote(request, program_id)
    if quote is not None:
        try:
            unchoose_quote(quote=quote)
        except EngagementError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The quote no longer appears on the dashboard or in the executive report."))
    return redirect("engagement:program_quotes", program_pk)
