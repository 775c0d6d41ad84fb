"""The default consent statement in Spanish (version 1), the translation of consent.0002.

A translation of a statement has the key `<key>-<language>` (here `synthetic-media-es`): the
desk picks it like any statement, and the remote signing page offers it to the person as the
same text in another language (consent.remote.texts.statement_family)."""

from __future__ import annotations

import hashlib

from django.db import migrations

KEY = "synthetic-media-es"

BODY = """\
Acepto que la redacción utilice el contenido descrito a continuación, en el que aparezco o \
que he creado.

Entiendo que:
- el contenido es sintético o ha sido alterado: se ha creado o modificado, en parte o en su \
totalidad, con inteligencia artificial u otras herramientas digitales, y puede mostrarme \
haciendo o diciendo cosas que no hice ni dije;
- solo se utilizará tal como se describe a continuación (usos, canales, territorios y fechas);
- dondequiera que se publique llevará una etiqueta clara que indique que es sintético o \
alterado, y el archivo llevará la misma indicación en sus Content Credentials;
- puedo revocar este consentimiento en cualquier momento poniéndome en contacto con la \
redacción; a partir de entonces la redacción no volverá a publicar el contenido y corregirá \
o retirará lo que razonablemente pueda.

Doy este consentimiento libremente y he tenido la oportunidad de hacer preguntas."""


def create(apps, schema_editor):
    Statement = apps.get_model("consent", "ConsentStatement")
    if not Statement.objects.filter(key=KEY, version=1).exists():
        Statement.objects.create(
            key=KEY,
            version=1,
            title="Consentimiento para el uso de contenido sintético o alterado",
            language="es",
            body=BODY,
            sha256=hashlib.sha256(BODY.encode("utf-8")).hexdigest(),
        )


class Migration(migrations.Migration):
    dependencies = [("consent", "0003_link_media_description")]

    # Never removed on the way back: records may quote it.
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
