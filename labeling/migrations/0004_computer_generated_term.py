"""algorithmicMedia (made by an algorithm without training data) had the "AI-generated" label,
whose wording says "generated with artificial intelligence". Vocabularies loaded before this
get their own term for it; the texts are copied here, as a migration must not change later."""

from __future__ import annotations

from django.db import migrations

TEXTS = {
    "en": (
        "Computer-generated",
        "This {medium} was created by a computer program, not recorded from a real scene. It "
        "was not made with generative AI.",
        "This {medium} appears to have been created by a computer program. We could not "
        "confirm how it was made.",
    ),
    "es": (
        "Generado por ordenador",
        "Este contenido ({medium}) fue creado por un programa informático y no registra una "
        "escena real. No se hizo con IA generativa.",
        "Este contenido ({medium}) parece haber sido creado por un programa informático. No "
        "pudimos confirmar cómo se hizo.",
    ),
}


def add_term(apps, schema_editor):
    Term = apps.get_model("labeling", "LabelTerm")
    Text = apps.get_model("labeling", "LabelTermText")
    ai = Term.objects.filter(key="ai-generated").first()
    if ai is not None and "algorithmicMedia" in ai.source_types:
        ai.source_types = [t for t in ai.source_types if t != "algorithmicMedia"]
        ai.save(update_fields=["source_types"])
    # Only where no term claims algorithmicMedia now (standards may have made their own).
    if any("algorithmicMedia" in term.source_types for term in Term.objects.all()):
        return
    position = ai.position + 1 if ai is not None else 0
    term, _ = Term.objects.get_or_create(
        key="computer-generated",
        defaults={
            "source_types": ["algorithmicMedia"],
            "techniques": ["wholly_synthetic", "events_not_occurred"],
            "position": position,
        },
    )
    for language, (name, firm, uncertain) in TEXTS.items():
        Text.objects.get_or_create(
            term=term,
            language=language,
            defaults={"name": name, "firm_note": firm, "uncertain_note": uncertain},
        )


class Migration(migrations.Migration):
    dependencies = [("labeling", "0003_rendition_metadata_note")]

    operations = [migrations.RunPython(add_term, migrations.RunPython.noop)]
