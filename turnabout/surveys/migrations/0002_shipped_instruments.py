"""Load the survey instruments shipped with Turnabout so a fresh install can open waves."""

from django.db import migrations

from turnabout.surveys.catalogue import instrument_catalogue


def load_instruments(apps, schema_editor):
    Instrument = apps.get_model("surveys", "Instrument")
    for fields in instrument_catalogue():
        Instrument.objects.update_or_create(slug=fields["slug"], version=fields["version"], defaults={**fields, "is_active": True})


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]
    operations = [migrations.RunPython(load_instruments, migrations.RunPython.noop)]
