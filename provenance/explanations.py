"""What a provenance state or status code means to an editor, and what to do about it.

Written for people on deadline: plain words, and never "no credentials" read as "fake"."""

from __future__ import annotations

from dataclasses import dataclass

from provenance.states import ProvenanceState


@dataclass(frozen=True)
class Explanation:
    title: str
    text: str
    hint: str
    tone: str  # "good", "neutral", "warning", "bad": colours the panel


STATE_EXPLANATIONS: dict[str, Explanation] = {
    ProvenanceState.TRUSTED: Explanation(
        "Content Credentials verified and trusted",
        "The file carries Content Credentials, they are intact, and they were signed by an "
        "organisation on our trust list.",
        "Read who signed it and how it was made below; the credentials say what the signer "
        "claims, not that the content is true.",
        "good",
    ),
    ProvenanceState.VALID: Explanation(
        "Content Credentials intact, signer not on our trust list",
        "The file carries Content Credentials and they have not been altered since signing, but "
        "the certificate that signed them is not on our trust list.",
        "Check that the signer named below is who you expect. If it is a source we work with, "
        "ask the standards desk to add its certificate to the trust list.",
        "neutral",
    ),
    ProvenanceState.INVALID: Explanation(
        "Content Credentials fail verification",
        "The file carries Content Credentials, but they do not match the file: it was changed "
        "after signing, or the signature is broken.",
        "Do not rely on anything the credentials say. Ask the source for the original file; "
        "approving needs an explicit note explaining why.",
        "bad",
    ),
    ProvenanceState.NO_MANIFEST: Explanation(
        "No Content Credentials",
        "The file has no Content Credentials. Most cameras, phones and tools still do not add "
        "them, and many platforms strip them: this says nothing about whether it is genuine.",
        "Verify the file the usual way: the source, the original, reverse image search, and "
        "what the creator declares.",
        "neutral",
    ),
    ProvenanceState.REMOTE_UNAVAILABLE: Explanation(
        "Content Credentials stored elsewhere, not fetched",
        "The file points to Content Credentials stored on a remote server. Fetching them is "
        "turned off, or the server did not answer.",
        "Ask the source for a copy with embedded credentials, or ask an administrator to allow "
        "that host for remote manifests and re-run the check.",
        "neutral",
    ),
    ProvenanceState.UNSUPPORTED: Explanation(
        "Format not checked for Content Credentials",
        "This file format cannot carry Content Credentials, or the verifier cannot read it.",
        "Verify the file the usual way; if a version in a common format (JPEG, PNG, MP4, WAV) "
        "exists, ask for that.",
        "neutral",
    ),
    ProvenanceState.UNREADABLE: Explanation(
        "Content Credentials could not be read",
        "The file seems to carry Content Credentials, but they are damaged, cut short, or could "
        "not be checked in time.",
        "Re-run the check; if it fails again, ask the source for the original file.",
        "warning",
    ),
}

# Status codes an editor is likely to meet. Anything else is shown with the library's own text.
CODE_EXPLANATIONS: dict[str, str] = {
    "signingCredential.untrusted": "The signing certificate is not on our trust list.",
    "signingCredential.expired": "The signing certificate had expired when it signed.",
    "signingCredential.revoked": "The signing certificate has been revoked by its issuer.",
    "signingCredential.invalid": "The signing certificate is malformed or not allowed to sign.",
    "claimSignature.mismatch": "The signature does not match the claim: the credentials were "
    "altered after signing.",
    "claimSignature.missing": "The credentials are not signed.",
    "assertion.dataHash.mismatch": "The image or media data was changed after signing.",
    "assertion.bmffHash.mismatch": "The video or audio data was changed after signing.",
    "assertion.boxesHash.mismatch": "Part of the file was changed after signing.",
    "assertion.hashedURI.mismatch": "A statement inside the credentials was changed after signing.",
    "assertion.missing": "A statement the credentials refer to is missing.",
    "ingredient.hashedURI.mismatch": "An ingredient's credentials were changed.",
    "ingredient.manifest.missing": "An ingredient's credentials are missing.",
    "ingredient.unknownProvenance": "An ingredient has no credentials of its own.",
    "timeStamp.mismatch": "The trusted timestamp does not match the signature.",
    "timeStamp.untrusted": "The timestamp authority is not trusted.",
    "cawg.x509.credential.untrusted": "The creator identity (CAWG) was signed with a "
    "certificate not on our trust list.",
    "cawg.identity.signature.mismatch": "The creator identity (CAWG) signature is broken.",
    "manifest.inaccessible": "The credentials could not be loaded.",
    "general.error": "The verifier hit an error.",
}


def explain_state(state: str) -> Explanation:
    return STATE_EXPLANATIONS.get(state, STATE_EXPLANATIONS[ProvenanceState.UNREADABLE])


def explain_code(code: str, fallback: str = "") -> str:
    if code in CODE_EXPLANATIONS:
        return CODE_EXPLANATIONS[code]
    if code.startswith("cawg."):
        return "A creator identity (CAWG) check: " + (fallback or code)
    return fallback or code


# Action names as an editor would say them.
ACTION_LABELS: dict[str, str] = {
    "c2pa.created": "Created",
    "c2pa.opened": "Opened an existing file",
    "c2pa.edited": "Edited",
    "c2pa.color_adjustments": "Adjusted colours",
    "c2pa.cropped": "Cropped",
    "c2pa.resized": "Resized",
    "c2pa.converted": "Converted to another format",
    "c2pa.placed": "Placed another item into it",
    "c2pa.removed": "Removed something",
    "c2pa.filtered": "Applied a filter",
    "c2pa.drawing": "Drew on it",
    "c2pa.published": "Published",
    "c2pa.transcoded": "Transcoded",
    "c2pa.repackaged": "Repackaged",
    "c2pa.watermarked": "Watermarked",
}

SOURCE_TYPE_LABELS: dict[str, str] = {
    "digitalCapture": "Captured by a camera or recorder",
    "computationalCapture": "Captured with computational processing (e.g. phone camera)",
    "negativeFilm": "Scanned from negative film",
    "positiveFilm": "Scanned from positive film",
    "print": "Scanned from a print",
    "humanEdits": "Edited by a person",
    "minorHumanEdits": "Minor edits by a person",
    "algorithmicallyEnhanced": "Enhanced by an algorithm",
    "digitalArt": "Digital art made by a person",
    "digitalCreation": "Made by a person with digital tools",
    "dataDrivenMedia": "Generated from data",
    "trainedAlgorithmicMedia": "Generated by AI",
    "algorithmicMedia": "Generated by an algorithm (not trained AI)",
    "screenCapture": "Screen capture",
    "virtualRecording": "Recording of a virtual event",
    "composite": "Composite of several elements",
    "compositeCapture": "Composite of captured elements",
    "compositeSynthetic": "Composite including synthetic elements",
    "compositeWithTrainedAlgorithmicMedia": "Includes AI-generated elements",
    "softwareImage": "Made by software",
}


def action_label(name: str) -> str:
    return ACTION_LABELS.get(name, name)


def source_type_label(term: str) -> str:
    return SOURCE_TYPE_LABELS.get(term, term)
