"""A default synthetic-media policy, in English and Spanish, so that the link every label carries
(DISCLOSURE_POLICY_URL, /policy/synthetic-media/) never points at a missing page. Built from the
Partnership on AI's Responsible Practices for Synthetic Media, practices 10 to 17. Standards
editors replace it from the desk; this version stays in the history."""

from __future__ import annotations

from django.db import migrations
from django.utils import timezone

EN_TITLE = "How we use and label synthetic media"
EN_SUMMARY = (
    "When we publish images, video or audio made or changed with AI, we say so next to it, "
    "explain how it was made, and correct or remove it quickly if we got something wrong."
)
EN_BODY = """\
This policy explains how our newsroom handles **synthetic media**: images, video and audio that
were generated or substantially changed with artificial intelligence or similar tools. Every
label we place next to such media links here.

## What we label

We label any media we publish that includes synthetic elements, whenever knowing that would
change how you understand it. That covers media our own staff made with AI tools, and media
made by others that we publish or report on. A label says what the media is (for example
"AI-generated" or "Digitally altered") and, in a sentence, how it was made. When we are not
certain how something was made, the label says so instead of guessing.

We never publish synthetic media without a label and the context a reasonable reader needs to
know it is synthetic.

## Content Credentials

Where we can, the published file also carries **Content Credentials** (the C2PA open
standard): a signed record, inside the file, of who published it and how it was made. You can
inspect it with a Content Credentials viewer. We check the credentials of media we receive
before we publish it, and we sign what we publish with our own. Credentials describe a file's
history; they do not by themselves prove that what it shows is true.

## Consent

Before we publish synthetic media that shows or represents a real person, we obtain informed
consent from the person who created it and from every person shown, and we keep a record of it.
We say on each item's disclosure page how consent was obtained. In rare cases, for example
satire or reporting on a public figure's public conduct, our legal team may record that consent
was not needed, and why; the disclosure page says so too.

## Review

An editor who did not make or upload the media checks its provenance, consent and label before
it is published, and approves exactly what was checked. Any later change to the file, the
label or the consent record withdraws that approval until it is checked again.

## When we get it wrong

If we published synthetic media that turns out to be harmful, mislabeled or misleading, we act
promptly: we correct the label or the context, or we take the media down. Every correction and
takedown is listed in our public corrections log, with the date and what changed.

You can report a problem with anything you saw on our pages. We read every report.

## Limits of the technology

Tools that detect synthetic media make mistakes, and provenance can be stripped from a file.
We use them as evidence alongside editorial judgment, never as the only test.
"""

ES_TITLE = "Cómo usamos y etiquetamos los contenidos sintéticos"
ES_SUMMARY = (
    "Cuando publicamos imágenes, vídeo o audio creados o modificados con IA, lo indicamos junto "
    "al contenido, explicamos cómo se hizo y lo corregimos o retiramos con rapidez si nos "
    "equivocamos."
)
ES_BODY = """\
Esta política explica cómo trata nuestra redacción los **contenidos sintéticos**: imágenes,
vídeo y audio generados o modificados de forma sustancial con inteligencia artificial u otras
herramientas similares. Cada etiqueta que colocamos junto a estos contenidos enlaza aquí.

## Qué etiquetamos

Etiquetamos todo contenido que publicamos con elementos sintéticos cuando saberlo cambiaría la
forma de entenderlo: lo que crea nuestro equipo con herramientas de IA y lo que crean otros y
publicamos o sobre lo que informamos. La etiqueta dice qué es (por ejemplo, "Generado con IA" o
"Alterado digitalmente") y, en una frase, cómo se hizo. Si no sabemos con certeza cómo se hizo,
la etiqueta lo dice en lugar de suponerlo.

Nunca publicamos contenidos sintéticos sin etiqueta y sin el contexto que un lector razonable
necesita para saber que lo son.

## Credenciales de contenido

Siempre que podemos, el archivo publicado lleva también **credenciales de contenido** (el
estándar abierto C2PA): un registro firmado, dentro del archivo, de quién lo publicó y cómo se
hizo. Puede consultarlo con un visor de credenciales de contenido. Comprobamos las credenciales
de lo que recibimos antes de publicarlo y firmamos lo que publicamos con las nuestras. Las
credenciales describen la historia de un archivo; por sí solas no prueban que lo que muestra
sea cierto.

## Consentimiento

Antes de publicar contenido sintético que muestra o representa a una persona real, obtenemos el
consentimiento informado de quien lo creó y de cada persona que aparece, y guardamos constancia
de ello. En la página de transparencia de cada contenido explicamos cómo se obtuvo. En casos
excepcionales, como la sátira o la información sobre la actuación pública de un cargo público,
nuestro equipo jurídico puede dejar constancia de que no era necesario y por qué; la página de
transparencia también lo indica.

## Revisión

Un editor que no ha creado ni subido el contenido comprueba su procedencia, el consentimiento y
la etiqueta antes de publicarlo, y aprueba exactamente lo que ha comprobado. Cualquier cambio
posterior en el archivo, la etiqueta o el consentimiento anula esa aprobación hasta que se
vuelva a comprobar.

## Cuando nos equivocamos

Si publicamos contenido sintético que resulta dañino, mal etiquetado o engañoso, actuamos con
rapidez: corregimos la etiqueta o el contexto, o retiramos el contenido. Cada corrección y cada
retirada figura en nuestro registro público de correcciones, con la fecha y lo que cambió.

Puede informarnos de un problema con cualquier contenido de nuestras páginas. Leemos todos los
avisos.

## Límites de la tecnología

Las herramientas que detectan contenidos sintéticos se equivocan y la procedencia puede
eliminarse de un archivo. Las usamos como indicios junto al criterio editorial, nunca como única
prueba.
"""

DEFAULTS = [
    ("en", EN_TITLE, EN_SUMMARY, EN_BODY),
    ("es", ES_TITLE, ES_SUMMARY, ES_BODY),
]


def install(apps, schema_editor):
    PolicyDocument = apps.get_model("public", "PolicyDocument")
    PolicyVersion = apps.get_model("public", "PolicyVersion")
    now = timezone.now()
    for language, title, summary, body in DEFAULTS:
        document, _ = PolicyDocument.objects.get_or_create(
            slug="synthetic-media", language=language
        )
        if not PolicyVersion.objects.filter(document=document).exists():
            PolicyVersion.objects.create(
                document=document,
                version=1,
                title=title,
                summary=summary,
                body=body,
                change_note="The default policy installed with Proofdesk.",
                published_at=now,
            )


class Migration(migrations.Migration):
    dependencies = [("public", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
