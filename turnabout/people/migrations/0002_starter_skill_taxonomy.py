"""Load the starter skills taxonomy so a fresh install can be used at once."""

import json
from pathlib import Path

from django.db import migrations

TAXONOMY_FILE = Path(__file__).resolve().parent.parent / "data" / "skills.json"


def load_starter_taxonomy(apps, schema_editor):
    SkillCategory = apps.get_model("people", "SkillCategory")
    Skill = apps.get_model("people", "Skill")
    data = json.loads(TAXONOMY_FILE.read_text(encoding="utf-8"))
    categories = {}
    for item in data["categories"]:
        categories[item["slug"]], _ = SkillCategory.objects.update_or_create(slug=item["slug"], defaults={"name": item["name"]})
    skills = {}
    for item in data["skills"]:
        skills[item["slug"]], _ = Skill.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "name": item["name"],
                "category": categories[item["category"]],
                "description": item["description"],
                "synonyms": item["synonyms"],
            },
        )
    for item in data["skills"]:
        skills[item["slug"]].related.set([skills[slug] for slug in item["related"]])


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(load_starter_taxonomy, migrations.RunPython.noop)]
