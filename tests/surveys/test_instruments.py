"""The shipped instruments: wording, scales, waves and licence metadata, loaded by the data migration."""

from turnabout.surveys.models import Instrument
from turnabout.surveys.services import sync_instruments

LICENCE = "CC BY 4.0, Turnabout contributors"


def subscales_of(slug: str) -> list[str]:
    return [subscale["slug"] for subscale in Instrument.objects.get(slug=slug).subscales]


def test_the_migration_loads_every_instrument_with_version_scale_licence_and_attribution(db):
    # when
    instruments = {instrument.slug: instrument for instrument in Instrument.objects.filter(is_active=True)}

    # then
    assert {slug: (instrument.audience, instrument.waves) for slug, instrument in instruments.items()} == {
        "relationship-quality-mentee": ("mentee", ["midpoint", "end"]),
        "relationship-quality-mentor": ("mentor", ["midpoint", "end"]),
        "digital-skills": ("both", ["baseline", "end"]),
        "mentor-skills": ("mentor", ["baseline", "end"]),
        "confidence-mentor": ("mentor", ["baseline", "end"]),
        "confidence-mentee": ("mentee", ["baseline", "end"]),
        "program-nps": ("both", ["midpoint", "end"]),
    }
    for instrument in instruments.values():
        assert instrument.version == "1.0"
        assert instrument.licence == LICENCE
        assert "Turnabout" in instrument.attribution
        assert instrument.is_validated is False
    assert instruments["relationship-quality-mentee"].scale == {
        "type": "likert",
        "min": 1,
        "max": 5,
        "labels": ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"],
    }
    assert instruments["program-nps"].scale["type"] == "nps"
    assert (instruments["program-nps"].scale_min, instruments["program-nps"].scale_max) == (0, 10)
    assert instruments["digital-skills"].scale["labels"] == ["Foundation", "Developing", "Capable", "Advanced", "Expert"]


def test_relationship_quality_is_asked_in_both_directions_with_the_three_functions(db):
    for slug in ("relationship-quality-mentee", "relationship-quality-mentor"):
        assert subscales_of(slug) == ["career", "psychosocial", "role_modelling"]
    about_mentor = Instrument.objects.get(slug="relationship-quality-mentee")
    about_mentee = Instrument.objects.get(slug="relationship-quality-mentor")
    assert about_mentor.items[0] == {
        "id": "rq.mentee.career.1",
        "subscale": "career",
        "text": "My {mentor} helped me understand how digital tools and trends affect my work.",
        "reverse": False,
        "descriptors": [],
    }
    assert all("{mentor}" in item["text"] for item in about_mentor.items)
    assert all("{mentee}" in item["text"] for item in about_mentee.items)
    assert [item["id"] for item in about_mentor.items if item["reverse"]] == ["rq.mentee.psychosocial.3"]
    assert [item["id"] for item in about_mentee.items if item["reverse"]] == ["rq.mentor.psychosocial.3"]


def test_skills_confidence_and_recommendation_have_the_agreed_shape(db):
    digital = Instrument.objects.get(slug="digital-skills")
    assert subscales_of("digital-skills") == [
        "information", "communication", "content", "safety", "problem_solving", "ai_tools", "social_media",
    ]  # fmt: skip
    assert all(len(item["descriptors"]) == 5 for item in digital.items)
    assert len(Instrument.objects.get(slug="mentor-skills").items) == 10
    assert len(Instrument.objects.get(slug="confidence-mentor").items) == 5
    assert len(Instrument.objects.get(slug="confidence-mentee").items) == 5
    assert Instrument.objects.get(slug="program-nps").items[0]["text"] == "How likely are you to recommend this program to a colleague?"
    ids = [item["id"] for instrument in Instrument.objects.all() for item in instrument.items]
    assert len(ids) == len(set(ids)) == 46


def test_syncing_is_idempotent_and_retires_instruments_no_longer_shipped(db):
    # given an instrument the file no longer ships
    Instrument.objects.create(
        slug="old-pulse", version="0.9", name="Old", audience="both", scale={"type": "likert", "min": 1, "max": 5, "labels": []},
        licence=LICENCE, attribution="Ours", waves=["end"],
    )  # fmt: skip

    # when
    first = sync_instruments()
    second = sync_instruments()

    # then
    assert (first.created, first.updated, first.deactivated) == (0, 7, 1)
    assert (second.created, second.updated, second.deactivated) == (0, 7, 0)
    assert Instrument.objects.filter(is_active=True).count() == 7
    assert Instrument.objects.get(slug="old-pulse").is_active is False
    assert str(second) == "Instruments: 0 added, 7 updated, 0 retired."
