"""Engagement emails count in words that agree with the number and speak to the reader."""

from types import SimpleNamespace

from turnabout.core.email import render_plain_text


def _overdue(days: int, *, never_met: bool) -> str:
    context = {
        "person": SimpleNamespace(given_name="Ana"),
        "partner": SimpleNamespace(full_name="Ben Cole"),
        "partner_label": "digital guide",
        "days": days,
        "never_met": never_met,
        "cadence": "every two weeks",
        "action_url": "https://turnabout.test/p/1",
        "link_max_age_days": 1,
    }
    return render_plain_text("engagement/email/overdue.txt", context)


def test_overdue_email_says_one_day_in_the_singular_and_many_in_the_plural():
    # when
    one, many = _overdue(1, never_met=False), _overdue(15, never_met=True)

    # then
    assert "It has been 1 day since you and your digital guide, Ben Cole, last met" in one
    assert "1 days" not in one
    assert "expires in 1 day." in one
    assert "You and your digital guide, Ben Cole, started 15 days ago and have not met yet" in many


def test_digest_counts_each_pair_cancellations_in_the_singular_and_the_plural():
    # given
    health = SimpleNamespace(counts={"healthy": 3, "watch": 1, "at_risk": 0}, paused=[], at_risk=[])
    digest = SimpleNamespace(
        starts_on=None, ends_on=None, week="2026-W48", health=health, meetings_held=4,
        senior_cancellations=[SimpleNamespace(mentor_name="Ana", mentee_name="Ben", count=1),
                              SimpleNamespace(mentor_name="Cy", mentee_name="Di", count=2)],
    )  # fmt: skip
    program = SimpleNamespace(name="Digital", pk=1, mentee_label="learner")

    # when
    body = render_plain_text("engagement/email/digest.txt", {"digest": digest, "program": program, "site_url": "https://t.test"})

    # then
    assert "- Ana and Ben: 1 meeting\n" in body
    assert "- Cy and Di: 2 meetings\n" in body
    assert "Cancelled by the learner:" in body
    assert "Pairs: 3 healthy, 1 to watch, 0 at risk." in body
