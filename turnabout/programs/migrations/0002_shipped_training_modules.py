"""Load the training modules shipped with Turnabout so a fresh install can require them."""

from django.db import migrations

from turnabout.programs.catalogue import structure_section, training_catalogue


def load_training_modules(apps, schema_editor):
    TrainingModule = apps.get_model("programs", "TrainingModule")
    for item in training_catalogue():
        TrainingModule.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "title": item["title"],
                "audience": item["audience"],
                "minutes": item["minutes"],
                "summary": item["summary"],
                "sections": [structure_section(section) for section in item["sections"]],
                "check_questions": item["check"],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]
    operations = [migrations.RunPython(load_training_modules, migrations.RunPython.noop)]
