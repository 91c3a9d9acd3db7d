"""Domain errors for surveys; each carries a stable code for the API."""

from django.utils.translation import ngettext

from turnabout.core.errors import DomainError


class SurveyError(DomainError):
    code = "survey_error"


class ProgramNotScheduled(SurveyError):
    code = "program_not_scheduled"


class WaveNotOpen(SurveyError):
    code = "wave_not_open"


class WaveClosed(SurveyError):
    code = "wave_closed"


class AnswersInvalid(SurveyError):
    """Some answers are missing or out of range; ``errors`` maps each bad item id (or instrument slug) to a sentence."""

    code = "answers_invalid"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(
            ngettext("%(count)d answer needs attention.", "%(count)d answers need attention.", len(errors)) % {"count": len(errors)}
        )
        self.errors = errors


class EmptyPopulation(SurveyError):
    code = "empty_population"


class InterestSurveyClosed(SurveyError):
    code = "interest_survey_closed"


class InterestAnswerInvalid(SurveyError):
    code = "interest_answer_invalid"


class ProgramAlreadyCreated(SurveyError):
    code = "program_already_created"
