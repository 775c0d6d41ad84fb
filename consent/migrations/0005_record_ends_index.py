# Legal's dashboard (bench/million.py, consent dashboard): the "expiring" list orders by end date
# then id, and with the id in the index reads the index alone for the records in its window; the
# recent lapses and the newest waivers are read through an index instead of sorting every row.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0004_spanish_statement"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="consentrecord",
            name="consent_con_valid_u_ca4bda_idx",
        ),
        migrations.AddIndex(
            model_name="consentrecord",
            index=models.Index(fields=["valid_until", "id"], name="consent_record_ends_idx"),
        ),
        migrations.AddIndex(
            model_name="consentlapse",
            index=models.Index(fields=["effective_at", "id"], name="consent_lapse_when_idx"),
        ),
        migrations.AddIndex(
            model_name="consentwaiver",
            index=models.Index(fields=["created_at", "id"], name="consent_waiver_when_idx"),
        ),
    ]
