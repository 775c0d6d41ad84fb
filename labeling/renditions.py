"""Building the published rendition: the label burned in and IPTC XMP written (images), and a new
C2PA manifest signed with the newsroom's certificate, with the original as `parentOf`
ingredient. The result is read back and must verify against the newsroom's own root before
anyone is offered it: an unsigned or unverifiable file raises, it is never passed off as signed.

Runs outside any transaction (signing and reading are native work on the whole file).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
from dataclasses import dataclass
from typing import IO, Any

import c2pa
import pillow_heif
from django.conf import settings
from PIL import Image, ImageOps, PngImagePlugin

from labeling.badge import burn_badge, disclosure_slate
from labeling.models import BadgeOutcome, Classification, Label, ManifestPlacement
from labeling.signing import SigningCredentials
from labeling.snippets import disclosure_url, policy_url
from provenance.reader import reader_context
from provenance.states import IPTC_DST_PREFIX
from provenance.xmp import xmp_packet
from review.images import ImageTooLarge, decodable_image_type, untrusted_image
from review.models import Asset, MediaKind

DISCLOSURE_ASSERTION = "org.proofdesk.disclosure"
# Pillow writes these with XMP; the library embeds C2PA into each.
IMAGE_OUTPUTS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# Formats the library embeds into; anything else gets a sidecar .c2pa manifest.
EMBEDDABLE = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/tiff",
    "image/gif",
    "image/heic",
    "image/heif",
    "image/avif",
    "video/mp4",
    "video/quicktime",
    "video/x-msvideo",
    "video/x-m4v",
    "audio/mpeg",
    "audio/x-wav",
    "audio/mp4",
    "audio/m4a",
    "audio/x-flac",
}
# What the read-back's failure codes mean for the operator; other codes are shown as they are.
READ_BACK_FAILURES = {
    "signingCredential.untrusted": "the signing certificate does not chain to that root",
    "signingCredential.expired": "the signing certificate has expired",
    "assertion.dataHash.mismatch": "the file changed after signing",
    "claimSignature.mismatch": "the signature does not match the manifest",
}
# Audio and video renditions are the original's bytes plus the manifest: c2pa-python has no way
# to write XMP into them, and Proofdesk does not rewrite the media itself. Said plainly on the
# rendition, because platforms that label from XMP alone will not see the source type.
NO_XMP_NOTE = (
    "No XMP in this format: the {kind} rendition carries the IPTC digital source type "
    "({term}) only in its signed C2PA manifest, not as XMP metadata, so platforms that read "
    "XMP alone will not see it."
)
# The library's names for a few sniffed types.
C2PA_FORMAT = {"audio/x-flac": "audio/flac", "audio/m4a": "audio/mp4"}


class RenditionError(Exception):
    """The rendition could not be made or did not verify; the message says why."""


@functools.cache
def register_heif_opener() -> None:
    """Teach Pillow to decode HEIC/HEIF (phones' default format). Pillow's plugin registry is
    process-wide, so this runs once per process: from the app's ready() for every process that
    loads Django, and again (a cached no-op) before decoding, for callers such as the
    benchmark that build renditions without going through the app registry."""
    pillow_heif.register_heif_opener()


@dataclass
class BuiltRendition:
    data: bytes
    media_type: str
    filename: str
    placement: str
    sidecar: bytes
    badge: str
    badge_note: str
    metadata_note: str
    slate_png: bytes
    verification_state: str
    manifest_label: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _manifest(
    *, asset: Asset, label: Label, classification: Classification, edited: bool, title: str
) -> dict[str, Any]:
    when = _now()
    source_type = IPTC_DST_PREFIX + classification.source_type
    actions: list[dict[str, Any]] = [
        {
            "action": "c2pa.opened",
            "when": when,
            "digitalSourceType": source_type,
            "parameters": {"ingredientIds": ["original"]},
        }
    ]
    if edited:
        actions.append(
            {
                "action": "c2pa.edited",
                "when": when,
                "digitalSourceType": source_type,
                "description": f"Audience label added: {label.name}",
                "softwareAgent": {"name": "Proofdesk"},
            }
        )
    actions.append({"action": "c2pa.published", "when": when})
    return {
        "claim_generator_info": [{"name": "Proofdesk", "version": "1.0"}],
        "title": title,
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": actions}},
            {
                "label": DISCLOSURE_ASSERTION,
                "data": {
                    "newsroom": settings.NEWSROOM_NAME,
                    "term": label.term.key,
                    "label": label.name,
                    "text": label.text,
                    "language": label.language,
                    "certainty": classification.certainty,
                    "digital_source_type": source_type,
                    "techniques": list(classification.techniques),
                    "policy_url": policy_url(),
                    "disclosure_url": disclosure_url(asset),
                    "label_version": label.version,
                    "asset_sha256": asset.sha256,
                },
            },
        ],
    }


def decode_for_render(source: IO[bytes]) -> Image.Image:
    """The upright, fully decoded picture a badge is drawn on (the rendition and its preview),
    its size checked before decoding (RENDER_MAX_PIXELS); RenditionError says why not."""
    register_heif_opener()
    try:
        with untrusted_image(source, max_pixels=settings.RENDER_MAX_PIXELS) as opened:
            image = ImageOps.exif_transpose(opened)
            image.load()
    except ImageTooLarge as exc:
        raise RenditionError(
            f"{exc} Export a smaller version of the image, upload it and label that one."
        ) from None
    except Exception as exc:  # Pillow raises many kinds on hostile input (broken chunks, …)
        raise RenditionError(f"The image could not be decoded: {exc}") from None
    return image


def _labeled_image(
    original: bytes, media_type: str, label: Label, xmp: bytes
) -> tuple[bytes, str, BadgeResultLike]:
    image = decode_for_render(io.BytesIO(original))
    result = burn_badge(image, label.name)
    out_type = media_type if media_type in IMAGE_OUTPUTS else "image/jpeg"
    fmt = IMAGE_OUTPUTS[out_type]
    picture = result.image
    if fmt == "JPEG" and picture.mode not in ("RGB", "L"):
        picture = picture.convert("RGB")
    buffer = io.BytesIO()
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", xmp.decode("utf-8"))
        picture.save(buffer, format="PNG", pnginfo=info)
    elif fmt == "JPEG":
        picture.save(buffer, format="JPEG", quality=90, xmp=xmp)
    else:
        picture.save(buffer, format=fmt, quality=90, xmp=xmp)
    return buffer.getvalue(), out_type, result


BadgeResultLike = Any  # labeling.badge.BadgeResult; kept loose for the tuple above


def _sign(
    manifest: dict[str, Any],
    *,
    original: IO[bytes],
    original_type: str,
    source: bytes,
    source_type: str,
    credentials: SigningCredentials,
    sidecar: bool,
) -> tuple[bytes, bytes]:
    """Returns (file bytes, sidecar manifest bytes or b"")."""
    context = reader_context(trust_anchors=credentials.anchor_pem)
    builder = c2pa.Builder(json.dumps(manifest), context)
    original.seek(0)
    builder.add_ingredient(
        {
            "title": "original",
            "relationship": "parentOf",
            "instance_id": "original",
            "label": "original",
        },
        C2PA_FORMAT.get(original_type, original_type),
        original,
    )
    if sidecar:
        builder.set_no_embed()
    out = io.BytesIO()
    try:
        manifest_bytes = builder.sign(
            credentials.signer(),
            C2PA_FORMAT.get(source_type, source_type),
            io.BytesIO(source),
            out,
        )
    except c2pa.C2paError as exc:
        raise RenditionError(f"Signing failed: {exc}") from None
    if sidecar:
        return source, bytes(manifest_bytes)
    return out.getvalue(), b""


def xmp_note(*, media_kind: str, source_type: str) -> str:
    """ "" when the rendition gets IPTC XMP (images); otherwise the note saying it does not."""
    if media_kind == MediaKind.IMAGE:
        return ""
    return NO_XMP_NOTE.format(kind=media_kind, term=source_type)


def verify_rendition(
    data: bytes, media_type: str, *, anchor_pem: str, sidecar: bytes = b""
) -> tuple[str, str]:
    """Read the rendition back with only the newsroom's root as anchor. Returns (state of the
    newsroom's own manifest, manifest label); raises unless that manifest is intact, trusted and
    carries the disclosure."""
    context = reader_context(trust_anchors=anchor_pem)
    fmt = C2PA_FORMAT.get(media_type, media_type)
    try:
        if sidecar:
            reader = c2pa.Reader(fmt, io.BytesIO(data), sidecar, context)
        else:
            reader = c2pa.Reader(fmt, io.BytesIO(data), context=context)
        with reader:
            store = json.loads(reader.json())
    except c2pa.C2paError as exc:
        raise RenditionError(f"The signed rendition could not be read back: {exc}") from None
    active = store.get("active_manifest", "")
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    failures = [s.get("code") for s in results.get("failure") or []]
    trusted = any(
        s.get("code") == "signingCredential.trusted" for s in results.get("success") or []
    )
    manifest = (store.get("manifests") or {}).get(active) or {}
    labels = {a.get("label") for a in manifest.get("assertions") or []}
    if failures or not trusted:
        reasons = [READ_BACK_FAILURES.get(str(code), str(code)) for code in failures]
        raise RenditionError(
            "The signed rendition does not verify against the newsroom's root "
            f"({'; '.join(reasons) or 'signer not trusted'}); it was not stored."
        )
    if DISCLOSURE_ASSERTION not in labels:
        raise RenditionError("The disclosure assertion is missing from the signed rendition.")
    return "trusted", str(active)


def build_rendition(
    *,
    asset: Asset,
    original: IO[bytes],
    label: Label,
    classification: Classification,
    credentials: SigningCredentials,
) -> BuiltRendition:
    original.seek(0)
    stem = asset.original_filename.rsplit(".", 1)[0][:80] or f"asset-{asset.pk}"
    slate = b""
    badge = BadgeOutcome.SLATE
    badge_note = ""
    # SVG and JPEG XL are never decoded (review.images): they get a slate, as audio and video do.
    if asset.media_kind == MediaKind.IMAGE and decodable_image_type(asset.media_type):
        xmp = xmp_packet(
            digital_source_type=classification.source_type,
            credit=settings.NEWSROOM_NAME,
            creator_tool="Proofdesk",
        )
        source, media_type, result = _labeled_image(original.read(), asset.media_type, label, xmp)
        badge = BadgeOutcome.BURNED_IN if result.burned_in else BadgeOutcome.CAPTION_ONLY
        badge_note = result.note
        edited = True  # the XMP is rewritten even when no badge fits
        extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[media_type]
    else:
        source = original.read()
        media_type = asset.media_type
        edited = False
        extension = (
            asset.original_filename.rsplit(".", 1)[-1][:8]
            if "." in asset.original_filename
            else "bin"
        )
        image = disclosure_slate(name=label.name, text=label.text, newsroom=settings.NEWSROOM_NAME)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        slate = buffer.getvalue()
    sidecar = media_type not in EMBEDDABLE
    filename = f"{stem}-labeled.{extension}"
    manifest = _manifest(
        asset=asset, label=label, classification=classification, edited=edited, title=filename
    )
    data, sidecar_bytes = _sign(
        manifest,
        original=original,
        original_type=asset.media_type,
        source=source,
        source_type=media_type,
        credentials=credentials,
        sidecar=sidecar,
    )
    state, manifest_label = verify_rendition(
        data, media_type, anchor_pem=credentials.anchor_pem, sidecar=sidecar_bytes
    )
    return BuiltRendition(
        data=data,
        media_type=media_type,
        filename=filename,
        placement=ManifestPlacement.SIDECAR if sidecar else ManifestPlacement.EMBEDDED,
        sidecar=sidecar_bytes,
        badge=badge,
        badge_note=badge_note,
        metadata_note=xmp_note(media_kind=asset.media_kind, source_type=classification.source_type),
        slate_png=slate,
        verification_state=state,
        manifest_label=manifest_label,
    )
