"""The recognition certificate for the mentor: a one-page PDF."""

from __future__ import annotations

import unicodedata

from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from fpdf import FPDF

from turnabout.engagement.models import Pair


def _one_line(text: str) -> str:
    r"""``text`` on one line, whatever was typed into a name: control characters (newlines, tabs, NUL) become
    spaces, invisible format characters go, and runs of whitespace (line separators included) become one space.

    >>> _one_line("Tester\nEvil\u2028\x00Name\u200b")
    'Tester Evil Name'
    """
    visible = "".join(" " if unicodedata.category(char) == "Cc" else "" if unicodedata.category(char)[0] == "C" else char for char in text)
    return " ".join(visible.split())


def _latin1(text: str) -> str:
    r"""One line the core PDF fonts can draw: what Latin-1 lacks is replaced rather than failing the download.

    >>> _latin1("Zoë Łukasz\n–’")
    "Zoë ?ukasz -'"
    """
    return _one_line(text).replace("–", "-").replace("’", "'").encode("latin-1", "replace").decode("latin-1")


def certificate_filename(pair: Pair) -> str:
    """The certificate's download name, safe in a Content-Disposition header: ASCII letters, digits and hyphens.

    A header value cannot hold a newline or, in Django, a character outside Latin-1, and a family name can.
    """
    return f"certificate-{slugify(pair.mentor.person.family_name) or pair.pk}.pdf"


def mentor_certificate_pdf(pair: Pair, *, meetings_held: int, goals_achieved: int) -> bytes:
    """Recognise the junior's contribution: who they mentored, in which program, and what they achieved together."""
    program = pair.program
    mentor, mentee = pair.mentor.person, pair.mentee.person
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(_one_line(_("Certificate of recognition - %(name)s") % {"name": mentor.full_name}))
    pdf.set_author("Turnabout")
    pdf.add_page()
    pdf.set_draw_color(43, 89, 195)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, 277, 190)
    pdf.set_font("Helvetica", "B", 30)
    pdf.set_y(38)
    pdf.cell(0, 14, _latin1(_("Certificate of recognition")), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 15)
    pdf.ln(6)
    pdf.cell(0, 9, _latin1(_("This certifies that")), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 24)
    pdf.cell(0, 14, _latin1(mentor.full_name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 15)
    values = {
        "role": program.mentor_label,
        "mentee": mentee.full_name,
        "program": program.name,
        "start": date_format(pair.started_on, "d F Y"),
    }
    if pair.closed_at:
        served = _(
            "served as %(role)s to %(mentee)s in %(program)s, sharing expertise with a senior leader and leading the "
            "learning from %(start)s to %(end)s."
        ) % {**values, "end": date_format(pair.closed_at, "d F Y")}
    else:
        served = (
            _(
                "served as %(role)s to %(mentee)s in %(program)s, sharing expertise with a senior leader and leading the "
                "learning from %(start)s."
            )
            % values
        )
    pdf.multi_cell(0, 9, _latin1(served), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "I", 13)
    meetings = ngettext("%(count)d meeting held", "%(count)d meetings held", meetings_held) % {"count": meetings_held}
    goals = ngettext("%(count)d goal achieved together", "%(count)d goals achieved together", goals_achieved) % {"count": goals_achieved}
    # Translators: the certificate's line of achievements, e.g. "6 meetings held - 3 goals achieved together".
    achieved = pgettext("certificate", "%(meetings)s - %(goals)s") % {"meetings": meetings, "goals": goals}
    pdf.cell(0, 8, _latin1(achieved), align="C", new_x="LMARGIN", new_y="NEXT")
    if program.sponsor:
        pdf.set_y(165)
        pdf.set_font("Helvetica", "", 12)
        pdf.cell(0, 7, _latin1(_("Executive sponsor: %(sponsor)s") % {"sponsor": program.sponsor}), align="C")
    return bytes(pdf.output())
