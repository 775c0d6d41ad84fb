from __future__ import annotations

from django.db import models


class ProvenanceState(models.TextChoices):
    TRUSTED = "trusted", "Trusted credentials"
    VALID = "valid", "Valid credentials, signer not on our trust list"
    INVALID = "invalid", "Credentials fail verification"
    NO_MANIFEST = "no_manifest", "No Content Credentials"
    REMOTE_UNAVAILABLE = "remote_unavailable", "Credentials stored remotely, not fetched"
    UNSUPPORTED = "unsupported", "Format cannot carry or be checked for credentials"
    UNREADABLE = "unreadable", "Credentials could not be read"


IPTC_DST_PREFIX = "http://cv.iptc.org/newscodes/digitalsourcetype/"

# IPTC digital source types that mean "made or changed by generative AI / algorithms".
SYNTHETIC_SOURCE_TYPES = frozenset(
    {
        "trainedAlgorithmicMedia",
        "compositeWithTrainedAlgorithmicMedia",
        "algorithmicMedia",
        "compositeSynthetic",
        "dataDrivenMedia",
        "digitalCreation",
        "digitalArt",
        "algorithmicallyEnhanced",
        "virtualRecording",
    }
)
GENERATIVE_SOURCE_TYPES = frozenset(
    {
        "trainedAlgorithmicMedia",
        "compositeWithTrainedAlgorithmicMedia",
        "compositeSynthetic",
    }
)
CAPTURE_SOURCE_TYPES = frozenset(
    {
        "digitalCapture",
        "computationalCapture",
        "negativeFilm",
        "positiveFilm",
        "print",
        "compositeCapture",
        "screenCapture",
    }
)


def source_type_term(uri: str) -> str:
    """The IPTC term at the end of a digital source type URI (tolerating stray spaces)."""
    uri = uri.strip()
    return (
        uri[len(IPTC_DST_PREFIX) :] if uri.startswith(IPTC_DST_PREFIX) else uri.rsplit("/", 1)[-1]
    )
