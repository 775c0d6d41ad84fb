"""What the Proofdesk API answers, as frozen dataclasses.

Each class names the OpenAPI schema it mirrors (`SCHEMA`), and its fields are exactly that
schema's properties with the same names: tests/test_openapi_drift.py compares them with
docs/openapi.json, so a field renamed or added on the server fails the client's tests before
it fails a newsroom's CMS. Parsing is driven by the type hints, so the declaration is the only
place a field is described.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Literal, TypeVar, Union

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class ClearedAsset:
    """One item of `GET /api/v1/assets`."""

    SCHEMA: ClassVar[str] = "ClearedAsset"

    id: int
    uid: str
    story_ref: str
    media_kind: str
    media_type: str
    status: str
    clearance: Literal["cleared", "not_cleared"]
    cleared_at: datetime | None
    revoked_at: datetime | None
    changed_at: datetime
    content_hash: str | None
    url: str


@dataclasses.dataclass(frozen=True)
class ClearedAssetPage:
    SCHEMA: ClassVar[str] = "ClearedAssetPage"

    items: list[ClearedAsset]
    next_cursor: str | None


@dataclasses.dataclass(frozen=True)
class ClearanceState:
    SCHEMA: ClassVar[str] = "ClearanceState"

    status: Literal["cleared", "pending_second_approval", "not_cleared"]
    reasons: list[str]


@dataclasses.dataclass(frozen=True)
class SignOffSummary:
    SCHEMA: ClassVar[str] = "SignOffSummary"

    approved_at: datetime
    cleared_at: datetime | None
    content_hash: str
    second_approval_required: bool
    second_approved_at: datetime | None


@dataclasses.dataclass(frozen=True)
class Label:
    """The audience-facing label: `html` is the snippet to place next to the media, `json_ld`
    the schema.org description with the IPTC digital source type."""

    SCHEMA: ClassVar[str] = "LabelOut"

    name: str
    text: str
    language: str
    version: int
    caption: str
    html: str
    json_ld: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Rendition:
    """The signed, labeled file. The links work until `links_expire_at` (ten minutes)."""

    SCHEMA: ClassVar[str] = "RenditionOut"

    id: int
    media_type: str
    size_bytes: int
    sha256: str
    placement: Literal["embedded", "sidecar"]
    download_url: str
    sidecar_url: str | None
    sidecar_sha256: str
    slate_url: str | None
    links_expire_at: datetime


@dataclasses.dataclass(frozen=True)
class Provenance:
    SCHEMA: ClassVar[str] = "ProvenanceOut"

    state: str
    state_label: str
    signer_organisation: str
    digital_source_types: list[str]
    checked_at: datetime


@dataclasses.dataclass(frozen=True)
class Consent:
    SCHEMA: ClassVar[str] = "ConsentOut"

    complete: bool
    parties: int
    waived: int


@dataclasses.dataclass(frozen=True)
class AssetClearance:
    """`GET /api/v1/assets/{id}`: whether the CMS may publish the asset, and what with."""

    SCHEMA: ClassVar[str] = "AssetClearance"

    id: int
    uid: str
    story_ref: str
    media_kind: str
    media_type: str
    status: str
    clearance: ClearanceState
    signoff: SignOffSummary | None
    label: Label | None
    rendition: Rendition | None
    provenance: Provenance | None
    consent: Consent

    @property
    def cleared(self) -> bool:
        return self.clearance.status == "cleared"


@dataclasses.dataclass(frozen=True)
class Publication:
    """The answer to a reported publication or unpublication."""

    SCHEMA: ClassVar[str] = "PublicationOut"

    id: int
    asset_id: int
    cms_reference: str
    public_url: str
    published_at: datetime
    unpublished_at: datetime | None
    unpublish_reason: str
    signoff_content_hash: str
    rendition_sha256: str
    asset_status: str


@dataclasses.dataclass(frozen=True)
class Incident:
    SCHEMA: ClassVar[str] = "IncidentOut"

    id: int
    type: str
    status: str
    opened_at: datetime
    public_note: str


@dataclasses.dataclass(frozen=True)
class IncidentList:
    SCHEMA: ClassVar[str] = "IncidentList"

    items: list[Incident]


@dataclasses.dataclass(frozen=True)
class FieldProblem:
    SCHEMA: ClassVar[str] = "FieldProblem"

    location: str
    message: str


@dataclasses.dataclass(frozen=True)
class PublicationIn:
    """The body of `reportPublication` (what the client sends)."""

    SCHEMA: ClassVar[str] = "PublicationIn"

    cms_reference: str
    public_url: str


@dataclasses.dataclass(frozen=True)
class UnpublicationIn:
    SCHEMA: ClassVar[str] = "UnpublicationIn"

    cms_reference: str
    reason: str


# Every class above: the drift test walks them all.
SCHEMA_CLASSES: tuple[type[Any], ...] = (
    ClearedAsset,
    ClearedAssetPage,
    ClearanceState,
    SignOffSummary,
    Label,
    Rendition,
    Provenance,
    Consent,
    AssetClearance,
    Publication,
    Incident,
    IncidentList,
    FieldProblem,
    PublicationIn,
    UnpublicationIn,
)


class ResponseShapeError(ValueError):
    """The server answered JSON the client's model does not describe."""


def parse(cls: type[T], data: Any) -> T:
    """An instance of the dataclass `cls` from decoded JSON, checked against its hints."""
    return typing.cast(T, _convert(cls, data, cls.__name__))


def _hints(cls: type[Any]) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def field_types(cls: type[Any]) -> dict[str, Any]:
    """The dataclass's fields and their resolved types, in declaration order."""
    hints = _hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _convert(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None:
            if type(None) in options:
                return None
            raise ResponseShapeError(f"{where}: null where a value is required")
        (inner,) = [o for o in options if o is not type(None)]
        return _convert(inner, value, where)
    if value is None:
        raise ResponseShapeError(f"{where}: null where a value is required")
    if origin is Literal:
        if value not in typing.get_args(hint):
            raise ResponseShapeError(f"{where}: unexpected value {value!r}")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise ResponseShapeError(f"{where}: expected a list")
        (item,) = typing.get_args(hint)
        return [_convert(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise ResponseShapeError(f"{where}: expected an object")
        return dict(value)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if not isinstance(value, Mapping):
            raise ResponseShapeError(f"{where}: expected an object")
        kwargs = {}
        defaults = {
            f.name for f in dataclasses.fields(hint) if f.default is not dataclasses.MISSING
        }
        for name, field_hint in field_types(hint).items():
            if name not in value:
                if name in defaults:
                    continue
                raise ResponseShapeError(f"{where}.{name}: missing")
            kwargs[name] = _convert(field_hint, value[name], f"{where}.{name}")
        return hint(**kwargs)
    if hint is datetime:
        if not isinstance(value, str):
            raise ResponseShapeError(f"{where}: expected an RFC 3339 date-time")
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ResponseShapeError(f"{where}: not a date-time: {value!r}") from None
    if hint is bool:
        if not isinstance(value, bool):
            raise ResponseShapeError(f"{where}: expected a boolean")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ResponseShapeError(f"{where}: expected an integer")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ResponseShapeError(f"{where}: expected a string")
        return value
    raise TypeError(f"{where}: the client cannot parse {hint!r}")  # a bug in this module
