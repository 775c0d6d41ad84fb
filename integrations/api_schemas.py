"""What the CMS API accepts and answers. Inputs refuse unknown fields: a misspelt field is a
400, not a silently ignored value.

Every rule an input must follow is one the OpenAPI schema states (lengths, patterns), and the
API checks nothing more: a client that validates against the schema is never surprised by a
400 (tests/integrations/test_api_contract.py holds the API to that). Hence patterns rather
than Django's URLValidator, whose rules no JSON Schema can state, and no silent stripping of
whitespace: a value is refused or kept as sent."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, ConfigDict

from integrations.downloads import Part
from review.models import AssetStatus

# Explicit ranges only: Python, the Rust engine pydantic uses and the ECMA 262 dialect of
# JSON Schema differ on what `.`, `\s` and `\w` match, and they must agree on the contract.
# \x00-\x1f and \x7f-\x9f are the control characters (tab, line breaks, escape...), \xa0 the
# no-break space, \u2028 and \u2029 Unicode's line and paragraph separators.
ONE_LINE_PATTERN = (  # no control characters or line breaks, trimmed
    r"^[^\x00-\x20\x7f-\xa0\u2028\u2029]"
    r"([^\x00-\x1f\x7f-\x9f\u2028\u2029]*[^\x00-\x20\x7f-\xa0\u2028\u2029])?$"
)
# Any text without control characters (a filter compared with what the desk stored).
NO_CONTROL_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
# Free text over several lines: tabs and line breaks, but no other control character, and
# somewhere a character that is not a space.
_TEXT_CHAR = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
NOT_BLANK_PATTERN = rf"^{_TEXT_CHAR}*[^\x00-\x20\x7f-\xa0]{_TEXT_CHAR}*$"
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
# An absolute http(s) URL: a host name or IPv4 address, an optional port, then printable ASCII
# (RFC 3986: anything else is percent-encoded; an international domain name as punycode).
HTTP_URL_PATTERN = rf"^https?://{_LABEL}(\.{_LABEL})*(:[0-9]{{1,5}})?([/?#][!-~]*)?$"


class _Input(Schema):
    model_config = ConfigDict(extra="forbid")


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


# RFC 3339, what OpenAPI's `format: date-time` means: the offset is required. pydantic alone
# would also take a Unix timestamp ("1700000000", 0.5) or a time without an offset.
_RFC3339 = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:(?P<second>[0-9]{2})(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)


def _rfc3339(value: Any) -> Any:
    if value is None:
        return None
    match = _RFC3339.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("must be an RFC 3339 date-time with an offset, e.g. 2026-11-28T10:15:02Z")
    if match["second"] == "60":
        # A leap second (RFC 3339 allows them, Python cannot hold them): the second before it,
        # so that the list errs on the side of showing an asset.
        start, end = match.span("second")
        value = value[:start] + "59" + value[end:]
    return value


def _in_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00:00+01:00 is before the first moment Python can hold in UTC, and
        # 9999-12-31T23:59:59-01:00 after the last: "since the beginning" and "since the end".
        return (
            datetime.min.replace(tzinfo=UTC)
            if value.year == 1
            else datetime.max.replace(tzinfo=UTC)
        )


ChangedSince = Annotated[AwareDatetime, BeforeValidator(_rfc3339), AfterValidator(_in_utc)]


class AssetListParams(Schema):
    story: str | None = Field(
        None, max_length=200, pattern=NO_CONTROL_PATTERN, description="The story reference."
    )
    changed_since: ChangedSince | None = Field(
        None,
        description="Only assets cleared, changed or with a webhook event since then, and "
        "those whose clearance was revoked since then (RFC 3339, with an offset: "
        "`2026-11-28T10:15:02Z`).",
    )
    cursor: str | None = Field(None, max_length=100, description="From `next_cursor`.")
    limit: int = Field(50, ge=1, le=200)


class ClearedAsset(Schema):
    id: int
    uid: str
    story_ref: str
    media_kind: Literal["image", "video", "audio"]
    media_type: str
    status: AssetStatus = Field(
        description="The desk's workflow status: `approved`, or `published` once a CMS reported "
        "a publication; any other only for a revoked clearance."
    )
    clearance: Literal["cleared", "not_cleared"] = Field(
        description="`not_cleared` only with `changed_since`: the asset was cleared, and its "
        "clearance was revoked since then. Do not publish it; its clearance says why."
    )
    cleared_at: datetime | None = Field(description="Null when not cleared.")
    revoked_at: datetime | None = Field(
        description="When the clearance was revoked; null when cleared."
    )
    changed_at: datetime = Field(
        description="The latest of: clearance or revocation, status change, newest webhook event."
    )
    content_hash: str | None = Field(
        description="sha256 of exactly what the sign-off in force approved; null when not cleared."
    )
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


CmsReference = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        pattern=ONE_LINE_PATTERN,
        description="The CMS's own id: one line, no spaces around it.",
    ),
]


class PublicationIn(_Input):
    cms_reference: CmsReference
    public_url: str = Field(
        max_length=500,
        pattern=HTTP_URL_PATTERN,
        description="Where the asset is published: an absolute http or https URL.",
    )


class UnpublicationIn(_Input):
    cms_reference: CmsReference
    reason: str = Field(min_length=1, max_length=300, pattern=NOT_BLANK_PATTERN)


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
