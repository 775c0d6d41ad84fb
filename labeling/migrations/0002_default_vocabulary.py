"""The default label vocabulary in English and Spanish (labeling/vocabulary.py)."""

from __future__ import annotations

from django.db import migrations


def load(apps, schema_editor):
    from labeling.vocabulary import DEFAULT_TERMS

    Term = apps.get_model("labeling", "LabelTerm")
    Text = apps.get_model("labeling", "LabelTermText")
    for position, entry in enumerate(DEFAULT_TERMS):
        term, _ = Term.objects.get_or_create(
            key=entry["key"],
            defaults={
                "source_types": entry["source_types"],
                "techniques": entry["techniques"],
                "position": position,
            },
        )
        for language, (name, firm, uncertain) in entry["texts"].items():
            Text.objects.get_or_create(
                term=term,
                language=language,
                defaults={"name": name, "firm_note": firm, "uncertain_note": uncertain},
            )


class Migration(migrations.Migration):
    dependencies = [("labeling", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
