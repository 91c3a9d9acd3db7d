"""What the review page asks of a run's status: one property per question, read from RunStatus, never a bare string."""

import pytest
from django.urls import reverse

from turnabout.matching.models import MatchRun, RunStatus


@pytest.mark.parametrize("status", list(RunStatus))
def test_a_run_has_failed_or_succeeded_only_in_that_status(status):
    run = MatchRun(status=status)
    assert (run.has_failed, run.has_succeeded, run.is_finished) == (
        status == RunStatus.FAILED,
        status == RunStatus.SUCCEEDED,
        status in (RunStatus.FAILED, RunStatus.SUCCEEDED),
    )


def test_the_review_page_says_why_a_run_failed(client, manager, matching_program):
    # given a failed run
    MatchRun.objects.create(
        program=matching_program, requested_by=manager, status=RunStatus.FAILED, error="The worker stopped while matching."
    )

    # when
    client.force_login(manager)
    page = client.get(reverse("matching:review", args=[matching_program.pk])).content.decode()

    # then
    assert '<p class="error">The run failed: The worker stopped while matching.</p>' in page
    assert 'id="summary"' not in page
