"""Relationships have members (ADR 0008, expand step): `Pair.kind`, `PairMember`, and a nullable member key beside
each per-role key, backfilled from (pair, role); the per-side unique constraints now guard only rows without a member.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BATCH = 1000

# (model, role field, member field): every row's member is the member of its pair on that side.
MEMBER_KEYS = [
    ("AgreementSignature", "role", "member"),
    ("Pulse", "role", "member"),
    ("Reflection", "role", "member"),
    ("Note", "author_role", "author_member"),
    ("Concern", "raised_by_role", "raised_by_member"),
    ("Quote", "author_role", "author_member"),
    ("Goal", "owner_role", "owner_member"),
    ("Meeting", "cancelled_by_role", "cancelled_by_member"),
]
# How each model reaches its pair.
PAIR_PATHS = {"AgreementSignature": "agreement__pair_id"}


def add_members(apps, schema_editor):
    """Two members per existing pair, its mentor and its mentee, joined when the pair was created; then every row's
    member from (pair, role), in batches."""
    Pair = apps.get_model("engagement", "Pair")
    PairMember = apps.get_model("engagement", "PairMember")
    pairs = Pair.objects.filter(members__isnull=True).order_by("pk").values_list("pk", "mentor_id", "mentee_id", "created_at")
    batch = []
    for pair_id, mentor_id, mentee_id, created_at in pairs.iterator(chunk_size=BATCH):
        batch.append(PairMember(pair_id=pair_id, enrolment_id=mentor_id, role="mentor", joined_at=created_at))
        batch.append(PairMember(pair_id=pair_id, enrolment_id=mentee_id, role="mentee", joined_at=created_at))
        if len(batch) >= BATCH:
            PairMember.objects.bulk_create(batch)
            batch = []
    PairMember.objects.bulk_create(batch)
    # The (pair, role) -> member map is built per chunk of pair ids, so memory stays bounded on a large install.
    chunk = []
    for pair_id in Pair.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=BATCH):
        chunk.append(pair_id)
        if len(chunk) >= BATCH:
            _backfill_member_keys(apps, PairMember, chunk)
            chunk = []
    if chunk:
        _backfill_member_keys(apps, PairMember, chunk)


def _backfill_member_keys(apps, PairMember, pair_ids):
    """Every row of the pairs ``pair_ids`` gets the member of its pair on its side, in batches."""
    members = {
        (pair_id, role): pk for pk, pair_id, role in PairMember.objects.filter(pair_id__in=pair_ids).values_list("pk", "pair_id", "role")
    }
    for model_name, role_field, member_field in MEMBER_KEYS:
        model = apps.get_model("engagement", model_name)
        pair_path = PAIR_PATHS.get(model_name, "pair_id")
        rows = (
            model.objects.filter(**{f"{member_field}__isnull": True, f"{pair_path}__in": pair_ids})
            .exclude(**{role_field: ""})
            .order_by("pk")
            .values_list("pk", pair_path, role_field)
        )
        batch = []
        for pk, pair_id, role in rows.iterator(chunk_size=BATCH):
            member_id = members.get((pair_id, role))
            if member_id is not None:
                batch.append(model(pk=pk, **{f"{member_field}_id": member_id}))
            if len(batch) >= BATCH:
                model.objects.bulk_update(batch, [member_field])
                batch = []
        model.objects.bulk_update(batch, [member_field])


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0005_quotes_offered_for_the_report"),
        ("programs", "0007_guests"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PairMember",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("role", models.CharField(choices=[("mentor", "Mentor"), ("mentee", "Mentee")], max_length=10)),
                ("joined_at", models.DateTimeField()),
                ("left_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "ordering": ["pair", "pk"],
            },
        ),
        migrations.RemoveConstraint(
            model_name="agreementsignature",
            name="agreement_signed_once_per_side",
        ),
        migrations.RemoveConstraint(
            model_name="pulse",
            name="pulse_once_per_side",
        ),
        migrations.RemoveConstraint(
            model_name="reflection",
            name="reflection_once_per_side",
        ),
        migrations.AddField(
            model_name="pair",
            name="kind",
            field=models.CharField(choices=[("pair", "Pair"), ("circle", "Circle")], default="pair", max_length=10),
        ),
        migrations.AddField(
            model_name="pairmember",
            name="enrolment",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="memberships", to="programs.enrolment"),
        ),
        migrations.AddField(
            model_name="pairmember",
            name="pair",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="members", to="engagement.pair"),
        ),
        migrations.AddField(
            model_name="agreementsignature",
            name="member",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="engagement.pairmember"),
        ),
        migrations.AddField(
            model_name="concern",
            name="raised_by_member",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="engagement.pairmember"),
        ),
        migrations.AddField(
            model_name="goal",
            name="owner_member",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="engagement.pairmember"
            ),
        ),
        migrations.AddField(
            model_name="meeting",
            name="cancelled_by_member",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="engagement.pairmember"
            ),
        ),
        migrations.AddField(
            model_name="note",
            name="author_member",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="engagement.pairmember"),
        ),
        migrations.AddField(
            model_name="pulse",
            name="member",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="engagement.pairmember"),
        ),
        migrations.AddField(
            model_name="quote",
            name="author_member",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="engagement.pairmember"),
        ),
        migrations.AddField(
            model_name="reflection",
            name="member",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="engagement.pairmember"),
        ),
        migrations.RunPython(add_members, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="agreementsignature",
            constraint=models.UniqueConstraint(
                condition=models.Q(("member__isnull", False)), fields=("agreement", "member"), name="agreement_signed_once_per_member"
            ),
        ),
        migrations.AddConstraint(
            model_name="agreementsignature",
            constraint=models.UniqueConstraint(
                condition=models.Q(("member__isnull", True)), fields=("agreement", "role"), name="agreement_signed_once_per_side"
            ),
        ),
        migrations.AddConstraint(
            model_name="pulse",
            constraint=models.UniqueConstraint(
                condition=models.Q(("member__isnull", False)), fields=("meeting", "member"), name="pulse_once_per_member"
            ),
        ),
        migrations.AddConstraint(
            model_name="pulse",
            constraint=models.UniqueConstraint(
                condition=models.Q(("member__isnull", True)), fields=("meeting", "role"), name="pulse_once_per_side"
            ),
        ),
        migrations.AddConstraint(
            model_name="reflection",
            constraint=models.UniqueConstraint(
                condition=models.Q(("member__isnull", False)), fields=("pair", "member"), name="reflection_once_per_member"
            ),
        ),
        migrations.AddConstraint(
            model_name="reflection",
            constraint=models.UniqueConstraint(
                condition=models.Q(("member__isnull", True)), fields=("pair", "role"), name="reflection_once_per_side"
            ),
        ),
        migrations.AddConstraint(
            model_name="pairmember",
            constraint=models.UniqueConstraint(fields=("pair", "enrolment"), name="pair_member_once"),
        ),
    ]
