"""Pulses carry their meeting's pair, so that per-pair and per-program figures skip the meetings."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_meeting_pair(apps, schema_editor):
    Pulse = apps.get_model("engagement", "Pulse")
    Meeting = apps.get_model("engagement", "Meeting")
    Pulse.objects.update(pair_id=Subquery(Meeting.objects.filter(pk=OuterRef("meeting_id")).values("pair_id")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0002_pulse_meeting_role_rating_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="pulse",
            name="pair",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="pulses", to="engagement.pair"),
        ),
        migrations.RunPython(copy_meeting_pair, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="pulse",
            name="pair",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="pulses", to="engagement.pair"),
        ),
        migrations.RemoveIndex(model_name="pulse", name="engagement__meeting_7b2cd1_idx"),
        migrations.AddIndex(
            model_name="pulse",
            index=models.Index(fields=["pair", "role", "rating"], name="engagement__pair_id_2cc854_idx"),
        ),
    ]
