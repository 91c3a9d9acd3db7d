from django.db import migrations


class Migration(migrations.Migration):
    """SentNudge gives way to core's EmailDelivery; core's 0002 copies its keys first, so nothing is sent again."""

    dependencies = [
        ("engagement", "0003_pulse_pair"),
        ("core", "0002_email_delivery"),
    ]

    operations = [
        migrations.DeleteModel(name="SentNudge"),
    ]
