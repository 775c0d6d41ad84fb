"""The public pages' generated sentences in each language the audience reads (English and
Spanish, like the labels). Template text is translated in the templates themselves."""

from __future__ import annotations

from provenance.explanations import source_type_label
from provenance.states import ProvenanceState

LANGUAGES = ("en", "es")

CREDENTIALS = {
    "en": {
        ProvenanceState.TRUSTED: "The file we received carried Content Credentials that "
        "verified and were signed by a source on our trust list.",
        ProvenanceState.VALID: "The file we received carried Content Credentials that verified, "
        "signed by a source that is not on our trust list.",
        ProvenanceState.INVALID: "The file we received carried Content Credentials that did not "
        "verify; our editors took that into account.",
        ProvenanceState.NO_MANIFEST: "The file we received carried no Content Credentials.",
        ProvenanceState.REMOTE_UNAVAILABLE: "The file we received pointed to Content "
        "Credentials stored elsewhere, which we did not fetch.",
        ProvenanceState.UNSUPPORTED: "The file we received is in a format that cannot carry "
        "Content Credentials.",
        ProvenanceState.UNREADABLE: "The Content Credentials of the file we received could not "
        "be read.",
    },
    "es": {
        ProvenanceState.TRUSTED: "El archivo que recibimos llevaba credenciales de contenido "
        "válidas, firmadas por una fuente de nuestra lista de confianza.",
        ProvenanceState.VALID: "El archivo que recibimos llevaba credenciales de contenido "
        "válidas, firmadas por una fuente que no está en nuestra lista de confianza.",
        ProvenanceState.INVALID: "El archivo que recibimos llevaba credenciales de contenido que "
        "no se pudieron verificar; nuestros editores lo tuvieron en cuenta.",
        ProvenanceState.NO_MANIFEST: "El archivo que recibimos no llevaba credenciales de "
        "contenido.",
        ProvenanceState.REMOTE_UNAVAILABLE: "El archivo que recibimos remitía a credenciales de "
        "contenido guardadas en otro lugar, que no consultamos.",
        ProvenanceState.UNSUPPORTED: "El archivo que recibimos tiene un formato que no puede "
        "llevar credenciales de contenido.",
        ProvenanceState.UNREADABLE: "No se pudieron leer las credenciales de contenido del "
        "archivo que recibimos.",
    },
}

MEDIUM = {
    "en": {"image": "image", "video": "video", "audio": "audio"},
    "es": {"image": "imagen", "video": "vídeo", "audio": "audio"},
}

DECISIONS = {
    "en": {"correction": "Correction", "relabel": "Relabel", "takedown": "Takedown"},
    "es": {"correction": "Corrección", "relabel": "Cambio de etiqueta", "takedown": "Retirada"},
}

# IPTC digital source types, as the Spanish-speaking audience reads them.
SOURCE_TYPES_ES = {
    "digitalCapture": "Captado con una cámara o una grabadora",
    "computationalCapture": "Captado con procesamiento computacional (p. ej., un móvil)",
    "negativeFilm": "Escaneado de un negativo",
    "positiveFilm": "Escaneado de una diapositiva",
    "print": "Escaneado de una copia impresa",
    "humanEdits": "Editado por una persona",
    "minorHumanEdits": "Con pequeñas ediciones de una persona",
    "algorithmicallyEnhanced": "Mejorado con un algoritmo",
    "digitalArt": "Arte digital hecho por una persona",
    "digitalCreation": "Creado por una persona con herramientas digitales",
    "dataDrivenMedia": "Generado a partir de datos",
    "trainedAlgorithmicMedia": "Generado con IA",
    "algorithmicMedia": "Generado con un algoritmo (no IA entrenada)",
    "screenCapture": "Captura de pantalla",
    "virtualRecording": "Grabación de un evento virtual",
    "composite": "Composición de varios elementos",
    "compositeCapture": "Composición de elementos captados",
    "compositeSynthetic": "Composición con elementos sintéticos",
    "compositeWithTrainedAlgorithmicMedia": "Incluye elementos generados con IA",
    "softwareImage": "Creado con un programa informático",
}


# Appendix B's harms (and ours), as the Spanish-speaking audience reads them.
HARMS_ES = {
    "impersonation": "suplantación de identidad para obtener información o privilegios",
    "deceptive_messages": "llamadas, mensajes o publicaciones masivos que engañan o acosan",
    "fraud": "fraude con fines económicos",
    "disinformation": "desinformación sobre una persona, un grupo o una organización",
    "child_exploitation": "explotación o manipulación de menores",
    "harassment": "acoso",
    "espionage": "espionaje",
    "political_manipulation": "manipulación de procesos democráticos y políticos",
    "market_manipulation": "manipulación del mercado y sabotaje empresarial",
    "hate_or_violence": "discurso de odio, discriminación, terrorismo o incitación a la violencia",
    "defamation": "difamación y sabotaje de la reputación",
    "intimate_content": "contenido íntimo o sexual sin consentimiento",
    "extortion": "extorsión y chantaje",
    "fake_identities": "identidades falsas a gran escala para fabricar opinión pública",
    "mislabeled": "mal etiquetado: la etiqueta es incorrecta o falta",
    "factual_error": "un error de hecho en el contenido o en su pie",
    "consent_withdrawn": "una persona que aparece retiró su consentimiento",
    "other": "otro motivo",
}


def harm(language: str, category: str, english: str) -> str:
    return HARMS_ES.get(category, english) if language == "es" else english


def medium(language: str, media_kind: str) -> str:
    return MEDIUM.get(language, MEDIUM["en"]).get(media_kind, media_kind)


def made(language: str, source_type: str) -> str:
    if language == "es":
        return SOURCE_TYPES_ES.get(source_type, source_type)
    return source_type_label(source_type)


def taken_down(language: str, media_kind: str, harm: str) -> str:
    if language == "es":
        return f"Retiramos este contenido ({medium('es', media_kind)}): {harm}."
    return f"We took this {medium('en', media_kind)} down: {harm}."


def consent_lines(
    language: str,
    *,
    creator: tuple[int, int, list[str]],
    shown: tuple[int, int, list[str]],
) -> list[str]:
    """(written, verbal, waiver bases) for the creator and for the people shown."""
    lines = []
    es = language == "es"
    written, verbal, waived = creator
    if written:
        lines.append(
            "Consentimiento por escrito del autor." if es else "Written consent from the creator."
        )
    if verbal:
        lines.append(
            "Consentimiento verbal grabado del autor."
            if es
            else "Recorded verbal consent from the creator."
        )
    for basis in waived:
        lines.append(
            f"No se requirió el consentimiento del autor: {basis}."
            if es
            else f"Consent waived for the creator: {basis}."
        )
    written, verbal, waived = shown
    for count, kind_en, kind_es in (
        (written, "Written consent", "Consentimiento por escrito"),
        (verbal, "Recorded verbal consent", "Consentimiento verbal grabado"),
    ):
        if count:
            if es:
                who = (
                    "la persona que aparece" if count == 1 else f"las {count} personas que aparecen"
                )
                lines.append(f"{kind_es} de {who}.")
            else:
                who = "the person shown" if count == 1 else f"the {count} people shown"
                lines.append(f"{kind_en} from {who}.")
    for basis, count in sorted({b: waived.count(b) for b in waived}.items()):
        if es:
            lines.append(
                f"No se requirió el consentimiento de {count} de las personas que "
                f"aparecen: {basis}."
            )
        else:
            lines.append(f"Consent waived for {count} of the people shown: {basis}.")
    if not lines:
        return [
            "No aparece ni se representa a ninguna persona; no se necesitaba consentimiento."
            if es
            else "No person is shown or represented; no consent was needed."
        ]
    return lines
