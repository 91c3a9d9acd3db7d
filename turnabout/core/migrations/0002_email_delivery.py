from django.db import migrations, models


def carry_over_sent_nudges(apps, schema_editor):
    """Every nudge, meeting and health email already sent (engagement's SentNudge keys) stays sent: the keys are the same."""
    sent_nudge = apps.get_model("engagement", "SentNudge")
    email_delivery = apps.get_model("core", "EmailDelivery")
    email_delivery.objects.bulk_create(
        [email_delivery(key=key, claimed_at=sent_at, sent_at=sent_at) for key, sent_at in sent_nudge.objects.values_list("key", "sent_at")],
        batch_size=1000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_worker_heartbeats_and_scheduled_jobs"),
        ("engagement", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="EmailDelivery",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=200, unique=True)),
                ("claimed_at", models.DateTimeField()),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={"verbose_name_plural": "email deliveries"},
        ),
        migrations.RunPython(carry_over_sent_nudges, migrations.RunPython.noop),
    ]
