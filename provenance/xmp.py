"""IPTC/XMP metadata: the digital source type and credit fields, read with or without C2PA.

Many AI tools write only `Iptc4xmpExt:DigitalSourceType` into XMP and no C2PA manifest, so the
desk reads both. XMP packets are plain XML inside the file (JPEG APP1, PNG iTXt, MP4/MOV uuid
box, TIFF tag, WebP chunk), so scanning the bytes finds them in every format we accept.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from provenance.states import IPTC_DST_PREFIX, source_type_term

HEAD_BYTES = 8 * 1024 * 1024
TAIL_BYTES = 2 * 1024 * 1024
MAX_PACKET_BYTES = 2 * 1024 * 1024

_PACKET = re.compile(rb"<x:xmpmeta[\s>].*?</x:xmpmeta>", re.DOTALL)
_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
}


@dataclass
class XmpMetadata:
    found: bool = False
    digital_source_type: str = ""  # the IPTC term, e.g. "trainedAlgorithmicMedia"
    creators: list[str] = field(default_factory=list)
    credit: str = ""
    creator_tool: str = ""
    # Where the file says its C2PA manifest lives when it is not embedded (C2PA 2.x, 9.3).
    remote_manifest_url: str = ""
    error: str = ""


# A JPEG's segments before its image data; a chain longer than this is not a real JPEG's.
MAX_JPEG_SEGMENTS = 4096


def _jpeg_app1_segments(handle: IO[bytes]) -> bytes | None:
    """A JPEG keeps its XMP in APP1 segments, which all come before the image data (SOS): read
    those, a few kilobytes, instead of scanning megabytes of pixels. None when the segment
    chain is not well formed; the caller then scans the bytes as for any other format."""
    handle.seek(2)
    found: list[bytes] = []
    for _ in range(MAX_JPEG_SEGMENTS):
        header = handle.read(4)
        if len(header) < 4 or header[0] != 0xFF:
            return None
        marker, length = header[1], struct.unpack(">H", header[2:])[0]
        if marker in (0xDA, 0xD9):  # start of scan, end of image: no metadata after these
            return b"\n".join(found)
        if length < 2:
            return None
        if marker == 0xE1:
            found.append(handle.read(length - 2))
        else:
            handle.seek(length - 2, 1)
    return None


def _read_candidates(handle: IO[bytes]) -> bytes:
    handle.seek(0)
    if handle.read(2) == b"\xff\xd8":
        segments = _jpeg_app1_segments(handle)
        if segments is not None:
            return segments
    handle.seek(0, 2)
    size = handle.tell()
    handle.seek(0)
    head = handle.read(HEAD_BYTES)
    if size <= HEAD_BYTES:
        return head
    handle.seek(max(size - TAIL_BYTES, HEAD_BYTES))
    return head + b"\n" + handle.read(TAIL_BYTES)


def _texts(element: ET.Element | None) -> list[str]:
    if element is None:
        return []
    items = [li.text.strip() for li in element.iter(f"{{{_NS['rdf']}}}li") if li.text]
    if items:
        return items
    return [element.text.strip()] if element.text and element.text.strip() else []


def _value(root: ET.Element, prefix: str, name: str) -> list[str]:
    qualified = f"{{{_NS[prefix]}}}{name}"
    values: list[str] = []
    for description in root.iter(f"{{{_NS['rdf']}}}Description"):
        attr = description.get(qualified)
        if attr:
            values.append(attr.strip())
        for child in description.findall(qualified):
            resource = child.get(f"{{{_NS['rdf']}}}resource")
            values.extend([resource] if resource else _texts(child))
    return values


def read_xmp(handle: IO[bytes]) -> XmpMetadata:
    data = _read_candidates(handle)
    handle.seek(0)
    match = _PACKET.search(data)
    if match is None:
        return XmpMetadata()
    packet = match.group(0)
    if len(packet) > MAX_PACKET_BYTES:
        return XmpMetadata(found=True, error="XMP packet too large to read")
    if b"<!ENTITY" in packet or b"<!DOCTYPE" in packet:
        # XMP never needs a DTD; refusing one keeps entity expansion attacks out.
        return XmpMetadata(found=True, error="XMP packet declares a DTD; not read")
    try:
        root = ET.fromstring(packet)
    except ET.ParseError as exc:
        return XmpMetadata(found=True, error=f"XMP packet is not well-formed XML: {exc}")
    source_types = _value(root, "Iptc4xmpExt", "DigitalSourceType")
    credit = _value(root, "photoshop", "Credit") or _value(root, "Iptc4xmpCore", "CreditLine")
    tool = _value(root, "xmp", "CreatorTool")
    remote = _value(root, "dcterms", "provenance")
    return XmpMetadata(
        remote_manifest_url=remote[0] if remote else "",
        found=True,
        digital_source_type=source_type_term(source_types[0]) if source_types else "",
        creators=_value(root, "dc", "creator"),
        credit=credit[0] if credit else "",
        creator_tool=tool[0] if tool else "",
    )


def xmp_packet(
    *, digital_source_type: str = "", creator: str = "", credit: str = "", creator_tool: str = ""
) -> bytes:
    """An XMP packet carrying the IPTC fields the desk reads (for renditions and tests)."""
    attrs = []
    if digital_source_type:
        attrs.append(
            f"Iptc4xmpExt:DigitalSourceType={quoteattr(IPTC_DST_PREFIX + digital_source_type)}"
        )
    if credit:
        attrs.append(f"photoshop:Credit={quoteattr(credit)}")
    if creator_tool:
        attrs.append(f"xmp:CreatorTool={quoteattr(creator_tool)}")
    creator_xml = (
        f"<dc:creator><rdf:Seq><rdf:li>{escape(creator)}</rdf:li></rdf:Seq></dc:creator>"
        if creator
        else ""
    )
    body = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        f'<rdf:RDF xmlns:rdf="{_NS["rdf"]}">'
        f'<rdf:Description rdf:about="" xmlns:dc="{_NS["dc"]}" xmlns:xmp="{_NS["xmp"]}" '
        f'xmlns:photoshop="{_NS["photoshop"]}" xmlns:Iptc4xmpExt="{_NS["Iptc4xmpExt"]}" '
        f"{' '.join(attrs)}>{creator_xml}</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>' + body + '<?xpacket end="w"?>'
    ).encode("utf-8")
