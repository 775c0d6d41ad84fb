"""What the CMS API accepts and answers. Inputs refuse unknown fields: a misspelt field is a
400, not a silently ignored value."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

from integrations.downloads import Part

_http_url = URLValidator(schemes=["http", "https"])


class _Input(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- errors (RFC 9457) -------------------------------------------------------------------


class FieldProblem(Schema):
    location: str = Field(description="Where: `body.public_url`, `query.limit`, `header.…`.")
    message: str


class Problem(Schema):
    """`application/problem+json` (RFC 9457)."""

    type: str = Field(description="A stable identifier of the kind of problem (a tag: URI).")
    title: str
    status: int
    detail: str
    reasons: list[str] | None = Field(
        None, description="Why an asset is not cleared (409), in the order the desk checks."
    )
    errors: list[FieldProblem] | None = Field(None, description="Invalid fields (400).")


# --- the list ----------------------------------------------------------------------------


class AssetListParams(Schema):
    story: str | None = Field(None, max_length=200, description="The story reference.")
    changed_since: datetime | None = Field(
        None,
        description="Only assets cleared, changed or with a webhook event since then "
        "(ISO 8601; without an offset, UTC).",
    )
    cursor: str | None = Field(None, max_length=100, description="From `next_cursor`.")
    limit: int = Field(50, ge=1, le=200)


class ClearedAsset(Schema):
    id: int
    uid: str
    story_ref: str
    media_kind: Literal["image", "video", "audio"]
    media_type: str
    status: Literal["approved", "published"] = Field(
        description="The desk's workflow status: published once a CMS reported a publication."
    )
    cleared_at: datetime
    changed_at: datetime = Field(
        description="The latest of: clearance, status change, newest webhook event."
    )
    content_hash: str = Field(description="sha256 of exactly what the sign-off approved.")
    url: str = Field(description="This asset's clearance (GET).")


class ClearedAssetPage(Schema):
    items: list[ClearedAsset]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


# --- one asset's clearance ---------------------------------------------------------------


class ClearanceState(Schema):
    status: Literal["cleared", "pending_second_approval", "not_cleared"]
    reasons: list[str] = Field(description="Empty when cleared.")


class SignOffSummary(Schema):
    approved_at: datetime
    cleared_at: datetime | None
    content_hash: str
    second_approval_required: bool
    second_approved_at: datetime | None


class LabelOut(Schema):
    name: str = Field(description="The short label, e.g. 'AI-generated'.")
    text: str = Field(description="The audience-facing context note.")
    language: str
    version: int
    caption: str = Field(description="Name and text as one caption line.")
    html: str = Field(description="An accessible HTML snippet to place next to the media.")
    json_ld: dict[str, Any] = Field(description="schema.org JSON-LD with the IPTC source type.")


class RenditionOut(Schema):
    id: int
    media_type: str
    size_bytes: int
    sha256: str
    placement: Literal["embedded", "sidecar"] = Field(
        description="Where the newsroom's C2PA manifest is: in the file or in the sidecar."
    )
    download_url: str = Field(description="The signed, labeled file; no token needed.")
    sidecar_url: str | None = Field(description="The .c2pa manifest, when placement=sidecar.")
    sidecar_sha256: str
    slate_url: str | None = Field(description="The disclosure slate (audio, video).")
    links_expire_at: datetime = Field(description="The download links work until then.")


class ProvenanceOut(Schema):
    state: str
    state_label: str
    signer_organisation: str
    digital_source_types: list[str] = Field(description="IPTC digital source type URIs.")
    checked_at: datetime


class ConsentOut(Schema):
    complete: bool
    parties: int = Field(description="Creators and people depicted.")
    waived: int = Field(description="Parties whose consent legal waived, with a stated basis.")


class AssetClearance(Schema):
    id: int
    uid: str
    story_ref: str
    media_kind: Literal["image", "video", "audio"]
    media_type: str
    status: str = Field(description="The desk's workflow status.")
    clearance: ClearanceState
    signoff: SignOffSummary | None = Field(description="The sign-off in force, if any.")
    label: LabelOut | None = Field(
        description="Only when cleared; null when cleared as plainly captured (no label needed)."
    )
    rendition: RenditionOut | None = Field(
        description="Only when cleared; null when no labeled rendition was needed."
    )
    provenance: ProvenanceOut | None
    consent: ConsentOut


class DownloadParams(Schema):
    sig: str = Field(max_length=200, description="The link's signature.")
    part: Part = Field(Part.FILE, description="The labeled file, its sidecar or its slate.")


# --- publications ------------------------------------------------------------------------


class PublicationIn(_Input):
    cms_reference: str = Field(min_length=1, max_length=200, description="The CMS's own id.")
    public_url: str = Field(min_length=1, max_length=500)

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        try:
            _http_url(value)
        except DjangoValidationError:
            raise ValueError("must be an http or https URL") from None
        return value


class UnpublicationIn(_Input):
    cms_reference: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=300)


class PublicationOut(Schema):
    id: int
    asset_id: int
    cms_reference: str
    public_url: str
    published_at: datetime
    unpublished_at: datetime | None
    unpublish_reason: str
    signoff_content_hash: str = Field(description="The sign-off the publication relied on.")
    rendition_sha256: str = Field(description="The approved rendition; empty if none needed.")
    asset_status: str


# --- incidents ---------------------------------------------------------------------------


class IncidentOut(Schema):
    id: int
    type: str
    status: str
    opened_at: datetime
    public_note: str


class IncidentList(Schema):
    items: list[IncidentOut]
