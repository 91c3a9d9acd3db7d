"""The review page reads the program's matching settings through their typed accessor, never the stored rules."""

from django import template

from turnabout.programs.models import Program
from turnabout.programs.rules import match_settings

register = template.Library()


@register.filter
def match_mode(program: Program) -> str:
    """``{{ program|match_mode }}``: the program's matching mode ("score", "coverage" or "fair"), its default when unset."""
    return match_settings(program).mode.value
