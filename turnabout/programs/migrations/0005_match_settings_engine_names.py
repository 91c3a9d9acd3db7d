"""Store a program's matching settings under the engine's names (``Weights`` and ``Rules`` fields).

The names are written out here, as they were when the settings moved, so that the migration keeps working
whatever the code calls them later. A key that was never a setting (the old code read the settings by name and
ignored any other key, so it had no effect) is dropped: the settings are now read strictly, and such a key would
refuse every page of its program.
"""

from typing import Any

from django.db import migrations

WEIGHTS = {"learning_goals": "goals", "crossing_boundaries": "boundaries"}
RULES = {
    "require_different_department": "forbid_same_department",
    "min_availability_minutes": "min_overlap_minutes",
    "use_diversity_attributes": "use_diversity",
}
# The names that stay as they are.
KEPT_WEIGHTS = ("common_ground", "availability", "diversity", "grade_gap")
KEPT_RULES = ("mode", "require_shared_language", "min_pair_score")


def renamed(document: object, names: dict[str, str], kept: tuple[str, ...]) -> object:
    """``document`` with the keys of ``names`` renamed, in order, the ``kept`` ones as they are and any other dropped;
    anything but a mapping is left as it is."""
    if not isinstance(document, dict):
        return document
    return {names.get(key, key): value for key, value in document.items() if key in names or key in kept}


def rename(apps: Any, names_of_weights: dict[str, str], names_of_rules: dict[str, str]) -> None:
    program_model = apps.get_model("programs", "Program")
    changed = []
    for program in program_model.objects.only("pk", "match_weights", "match_rules").iterator():
        weights, rules = (
            renamed(program.match_weights, names_of_weights, KEPT_WEIGHTS),
            renamed(program.match_rules, names_of_rules, KEPT_RULES),
        )
        if (weights, rules) != (program.match_weights, program.match_rules):
            program.match_weights, program.match_rules = weights, rules
            changed.append(program)
    program_model.objects.bulk_update(changed, ["match_weights", "match_rules"], batch_size=500)


def to_engine_names(apps: Any, schema_editor: Any) -> None:
    rename(apps, WEIGHTS, RULES)


def to_old_names(apps: Any, schema_editor: Any) -> None:
    rename(apps, {new: old for old, new in WEIGHTS.items()}, {new: old for old, new in RULES.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0004_program_custom_labels"),
    ]

    operations = [
        migrations.RunPython(to_engine_names, to_old_names),
    ]
