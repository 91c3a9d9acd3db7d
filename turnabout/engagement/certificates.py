"""The recognition certificate: a one-page PDF for a pair's mentor, or for one member of a circle."""

from __future__ import annotations

import unicodedata

from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from fpdf import FPDF

from turnabout.engagement.models import Pair, PairMember
from turnabout.engagement.queries import circle_members
from turnabout.programs.models import Role


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


def certificate_filename(pair: Pair, member: PairMember | None = None) -> str:
    """The certificate's download name, safe in a Content-Disposition header: ASCII letters, digits and hyphens.

    A header value cannot hold a newline or, in Django, a character outside Latin-1, and a family name can.
    """
    person = member.enrolment.person if pair.is_circle and member is not None else pair.mentor.person
    return f"certificate-{slugify(person.family_name) or pair.pk}.pdf"


def recognition_text(pair: Pair, member: PairMember | None = None) -> str:
    """What the certificate says its person did: a pair's mentor served the mentee; a circle's member (``member``)
    took part with the other members of their circle, named."""
    program = pair.program
    values = {"start": date_format(pair.started_on, "d F Y"), "program": program.name}
    if pair.is_circle and member is not None:
        others = [other.enrolment.person.full_name for other in circle_members(pair) if other.pk != member.pk]
        values |= {"role": program.label_for(member.role), "members": ", ".join(others)}
        if member.role == Role.MENTOR and pair.closed_at:
            text = _(
                "served as %(role)s in %(program)s with the members of their circle: %(members)s, sharing expertise with "
                "senior leaders and leading the learning from %(start)s to %(end)s."
            )
        elif member.role == Role.MENTOR:
            text = _(
                "served as %(role)s in %(program)s with the members of their circle: %(members)s, sharing expertise with "
                "senior leaders and leading the learning from %(start)s."
            )
        elif pair.closed_at:
            text = _(
                "took part as %(role)s in %(program)s with the members of their circle: %(members)s, learning from their "
                "junior colleagues from %(start)s to %(end)s."
            )
        else:
            text = _(
                "took part as %(role)s in %(program)s with the members of their circle: %(members)s, learning from their "
                "junior colleagues from %(start)s."
            )
        return text % ({**values, "end": date_format(pair.closed_at, "d F Y")} if pair.closed_at else values)
    values |= {"role": program.mentor_label, "mentee": pair.mentee.person.full_name}
    if pair.closed_at:
        return _(
            "served as %(role)s to %(mentee)s in %(program)s, sharing expertise with a senior leader and leading the "
            "learning from %(start)s to %(end)s."
        ) % {**values, "end": date_format(pair.closed_at, "d F Y")}
    return (
        _(
            "served as %(role)s to %(mentee)s in %(program)s, sharing expertise with a senior leader and leading the "
            "learning from %(start)s."
        )
        % values
    )


def mentor_certificate_pdf(pair: Pair, *, meetings_held: int, goals_achieved: int, member: PairMember | None = None) -> bytes:
    """Recognise the junior's contribution: who they mentored, in which program, and what they achieved together.

    For a circle, the certificate is ``member``'s (any member's), naming the others of their circle.
    """
    program = pair.program
    person = member.enrolment.person if pair.is_circle and member is not None else pair.mentor.person
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(_one_line(_("Certificate of recognition - %(name)s") % {"name": person.full_name}))
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
    pdf.cell(0, 14, _latin1(person.full_name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 15)
    served = recognition_text(pair, member)
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
