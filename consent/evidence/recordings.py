"""Structure checks for recordings of verbal consent, with the standard library only.

A recording is evidence: a file cut short by a failed transfer, or junk behind a valid magic
number, must be refused when it is handed in, not found out when a judge asks to hear it. No
audio or video library is installed (and none is added for this), so what is checked is the
container, read from its headers, never the codec's data:

* WAV and AVI (RIFF) and AIFF (IFF): the form's size equals the file's; every chunk's size keeps
  it inside the form and the chunks tile it; WAV has a sane `fmt ` before a non-empty `data`,
  AIFF a `COMM` with channels and an `SSND`, AVI a `hdrl` and a `movi` list.
* MP3 and AAC (ADTS): after any ID3v2 tag, the first frames' headers are valid and each frame's
  length (from bitrate and sample rate, or ADTS's own field) lands on the next header; a file
  shorter than that must end exactly after a frame (or in an ID3v1 tag).
* FLAC: `fLaC`, a STREAMINFO block first with a sample rate, metadata blocks that fit the file,
  then a frame sync where the audio starts (FLAC frames carry no length, so a file cut inside
  the audio is not caught).
* Ogg (Vorbis, Opus, FLAC in Ogg): pages chained header to header from the first byte to the
  last, the first page flagged as the beginning of a stream, the CRC of the first pages right.
* MP4, MOV, M4A, M4V (ISO BMFF): `ftyp` first; top-level box sizes tile the file exactly; a
  `moov` with an `mvhd` and at least one `trak`, whose own boxes tile it; an `mdat`.
* WebM and Matroska (EBML): an EBML header whose DocType is webm or matroska, a Segment that
  ends where the file ends (or has the unknown size live recorders write), and in it, before
  the media, Info and Tracks; every element, down to each block of a Cluster of unknown size
  (as a browser's MediaRecorder writes them), fits in the file.
* MPEG program streams: pack headers and packets chained for the first packets.

Not verified: that the coded audio or video decodes or is audible, the frames after the first
ones in MP3 and AAC, the blocks inside Matroska clusters of known size, the sample tables
inside `moov` (offsets into `mdat`), the CRCs of later Ogg pages. A stream whose container has
no overall size (a live WebM, an MP3, Ogg) and that was cut exactly between two blocks, frames
or pages reads as a shorter recording. A file that passes is whole as a container; whether the
words on it are a consent is for the person who listens to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Literal

# How many frames or packets are followed from the start of an MP3, AAC or MPEG stream.
FIRST_FRAMES = 16
# Blocks walked in a WebM or Matroska file: an hour of audio and video has about 300,000.
MAX_ELEMENTS = 1_000_000
# How many Ogg pages have their CRC checked (the headers: identification, comments, setup).
OGG_CRC_PAGES = 3
# Boxes, chunks or elements walked in one file before giving up: a real recording has far
# fewer at the top level, and a crafted one must not keep the request busy.
MAX_STRUCTURES = 200_000


class DamagedRecording(Exception):
    """The container is not whole; the message says where, in words for the uploader."""


class _Reader:
    def __init__(self, handle: IO[bytes], size: int) -> None:
        self.handle = handle
        self.size = size

    def at(self, offset: int, length: int) -> bytes:
        if offset < 0 or offset >= self.size:
            return b""
        self.handle.seek(offset)
        return self.handle.read(min(length, self.size - offset))


def _printable(tag: bytes) -> bool:
    return len(tag) == 4 and all(0x20 <= b <= 0x7E for b in tag)


# --- RIFF (WAV, AVI) and IFF (AIFF) ----------------------------------------------------------


def _chunks(data: _Reader, *, big_endian: bool) -> Iterator[tuple[bytes, int, int]]:
    """(id, payload offset, payload size) of every chunk of the form, checking they tile it."""
    order: Literal["big", "little"] = "big" if big_endian else "little"
    declared = int.from_bytes(data.at(4, 4), order)
    end = 8 + declared
    # One pad byte after the form is tolerated: some writers pad the file, not the form.
    if declared < 4 or end > data.size or data.size - end > 1:
        raise DamagedRecording(
            f"the header says {end:,} bytes, the file has {data.size:,}: it was cut short or "
            "has something appended"
        )
    pos = 12
    for _ in range(MAX_STRUCTURES):
        # Past the end by one: the last chunk lacks its pad byte, which writers often omit.
        if pos >= end:
            return
        head = data.at(pos, 8)
        tag, length = head[:4], int.from_bytes(head[4:8], order)
        if end - pos < 8 or not _printable(tag):
            raise DamagedRecording(f"no valid chunk at byte {pos:,}")
        if pos + 8 + length > end:
            raise DamagedRecording(f"the {tag.decode('latin-1')!r} chunk runs past the end")
        yield tag, pos + 8, length
        pos += 8 + length + (length & 1)
    raise DamagedRecording("too many chunks")


def _wav(data: _Reader) -> None:
    fmt_ok = False
    for tag, offset, length in _chunks(data, big_endian=False):
        if tag == b"fmt ":
            fmt = data.at(offset, 16)
            if length < 16 or len(fmt) < 16:
                raise DamagedRecording("the format chunk is too short")
            channels = int.from_bytes(fmt[2:4], "little")
            rate = int.from_bytes(fmt[4:8], "little")
            block_align = int.from_bytes(fmt[12:14], "little")
            if not (channels and rate and block_align):
                raise DamagedRecording("the format chunk has no channels or sample rate")
            fmt_ok = True
        elif tag == b"data":
            if not fmt_ok:
                raise DamagedRecording("the sound comes before its format")
            if length == 0:
                raise DamagedRecording("it holds no sound")
            return
    raise DamagedRecording("it has no sound data chunk")


def _aiff(data: _Reader) -> None:
    seen: set[bytes] = set()
    for tag, offset, length in _chunks(data, big_endian=True):
        if tag == b"COMM":
            comm = data.at(offset, 8)
            if length < 18 or int.from_bytes(comm[0:2], "big") == 0:
                raise DamagedRecording("the common chunk has no channels")
        elif tag == b"SSND" and length <= 8:
            raise DamagedRecording("it holds no sound")
        seen.add(tag)
    if not {b"COMM", b"SSND"} <= seen:
        raise DamagedRecording("the format or the sound chunk is missing")


def _avi(data: _Reader) -> None:
    lists = {
        data.at(offset, 4) for tag, offset, _ in _chunks(data, big_endian=False) if tag == b"LIST"
    }
    if not {b"hdrl", b"movi"} <= lists:
        raise DamagedRecording("the header list or the movie data is missing")


def _riff(data: _Reader) -> None:
    kind = data.at(8, 4)
    if kind == b"WAVE":
        _wav(data)
    elif kind == b"AVI ":
        _avi(data)
    else:
        raise DamagedRecording("not a WAV or AVI file")


# --- MP3 and AAC frames ----------------------------------------------------------------------

_MP3_BITRATES = {
    (3, 3): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (3, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (3, 1): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (2, 3): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (2, 1): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
# By the version bits: 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5 (1 is reserved).
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mp3_frame_length(header: bytes) -> int:
    """The length of the MPEG audio frame starting with these 4 bytes, or 0 if invalid."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return 0
    version, layer = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate_index, rate_index = header[2] >> 4, (header[2] >> 2) & 3
    if version == 1 or layer == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return 0
    kbps = _MP3_BITRATES[(3 if version == 3 else 2, layer)][bitrate_index]
    rate = _MP3_RATES[version][rate_index]
    padding = (header[2] >> 1) & 1
    if layer == 3:  # Layer I
        return (12 * kbps * 1000 // rate + padding) * 4
    per_frame = 72 if layer == 1 and version != 3 else 144  # MPEG-2 Layer III: half the slots
    return per_frame * kbps * 1000 // rate + padding


def _adts_frame_length(header: bytes) -> int:
    if len(header) < 7 or header[0] != 0xFF or header[1] & 0xF6 != 0xF0:
        return 0
    if (header[2] >> 2) & 0x0F > 12:  # sampling frequency index
        return 0
    length = ((header[3] & 0x03) << 11) | (header[4] << 3) | (header[5] >> 5)
    minimum = 7 if header[1] & 1 else 9  # protection_absent = 0 adds a CRC
    return length if length >= minimum else 0


def _frames(data: _Reader, start: int, frame_length: Callable[[bytes], int]) -> None:
    pos, count = start, 0
    while count < FIRST_FRAMES:
        if pos == data.size or (count and data.at(pos, 3) == b"TAG" and data.size - pos == 128):
            break
        length = frame_length(data.at(pos, 7))
        if not length:
            where = "where the audio should start" if not count else f"after frame {count}"
            raise DamagedRecording(f"no valid audio frame {where} (byte {pos:,})")
        if pos + length > data.size:
            raise DamagedRecording(f"frame {count + 1} is cut short")
        pos += length
        count += 1
    if not count:
        raise DamagedRecording("it holds no audio frames")


def _id3_end(data: _Reader) -> int:
    head = data.at(0, 10)
    if head[:3] != b"ID3":
        return 0
    if len(head) < 10 or any(b & 0x80 for b in head[6:10]):
        raise DamagedRecording("the ID3 tag at the start is damaged")
    size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
    end = 10 + size + (10 if head[5] & 0x10 else 0)
    if end >= data.size:
        raise DamagedRecording("it holds a tag but no audio")
    return end


def _mp3(data: _Reader) -> None:
    _frames(data, _id3_end(data), _mp3_frame_length)


def _aac(data: _Reader) -> None:
    _frames(data, _id3_end(data), _adts_frame_length)


# --- FLAC ------------------------------------------------------------------------------------


def _flac(data: _Reader) -> None:
    pos, first = 4, True
    for _ in range(MAX_STRUCTURES):
        head = data.at(pos, 4)
        if len(head) < 4:
            raise DamagedRecording("the metadata ends before the audio")
        last, kind = head[0] & 0x80, head[0] & 0x7F
        length = int.from_bytes(head[1:4], "big")
        if first:
            info = data.at(pos + 4, 34)
            rate = (info[10] << 12) | (info[11] << 4) | (info[12] >> 4) if len(info) == 34 else 0
            if kind != 0 or length != 34 or not rate:
                raise DamagedRecording("the stream information block is missing or damaged")
            first = False
        elif kind == 127:
            raise DamagedRecording(f"an invalid metadata block at byte {pos:,}")
        pos += 4 + length
        if pos > data.size:
            raise DamagedRecording("a metadata block runs past the end")
        if last:
            break
    else:
        raise DamagedRecording("too many metadata blocks")
    sync = data.at(pos, 2)
    if len(sync) < 2 or sync[0] != 0xFF or sync[1] & 0xFE != 0xF8:
        raise DamagedRecording("no audio frame where the audio should start")


# --- Ogg -------------------------------------------------------------------------------------


def _ogg_crc_table() -> tuple[int, ...]:
    table = []
    for i in range(256):
        crc = i << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
        table.append(crc & 0xFFFFFFFF)
    return tuple(table)


_OGG_CRC = _ogg_crc_table()


def _ogg_crc(page: bytes) -> int:
    # Ogg's CRC-32 is not zlib's (no bit reflection, no final xor), so it is computed here.
    crc = 0
    for byte in page:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _OGG_CRC[(crc >> 24) ^ byte]
    return crc


def _ogg(data: _Reader) -> None:
    pos = 0
    for number in range(MAX_STRUCTURES):
        if pos == data.size:
            if number == 0:
                raise DamagedRecording("it holds no pages")
            return
        head = data.at(pos, 27)
        if len(head) < 27 and b"OggS".startswith(head[:4]):
            raise DamagedRecording(f"page {number + 1} is cut short")
        if len(head) < 27 or head[:4] != b"OggS" or head[4] != 0 or head[5] & 0xF8:
            raise DamagedRecording(f"no valid Ogg page at byte {pos:,}")
        if number == 0 and not head[5] & 0x02:
            raise DamagedRecording("the first page does not begin a stream")
        table = data.at(pos + 27, head[26])
        length = 27 + head[26] + sum(table)
        if len(table) < head[26] or pos + length > data.size:
            raise DamagedRecording(f"page {number + 1} is cut short")
        if number < OGG_CRC_PAGES:
            page = bytearray(data.at(pos, length))
            stored = int.from_bytes(page[22:26], "little")
            page[22:26] = b"\0\0\0\0"
            if _ogg_crc(bytes(page)) != stored:
                raise DamagedRecording(f"page {number + 1} fails its checksum")
        pos += length
    raise DamagedRecording("too many pages")


# --- ISO BMFF (MP4, MOV, M4A, M4V) -----------------------------------------------------------


def _boxes(data: _Reader, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload offset, box end) of the boxes between start and end, which must tile it."""
    pos = start
    for _ in range(MAX_STRUCTURES):
        if pos == end:
            return
        head = data.at(pos, 16)
        if len(head) < 8:
            raise DamagedRecording(f"a box header is cut short at byte {pos:,}")
        size, kind = int.from_bytes(head[:4], "big"), head[4:8]
        header = 8
        if size == 1:
            if len(head) < 16:
                raise DamagedRecording(f"a box header is cut short at byte {pos:,}")
            size, header = int.from_bytes(head[8:16], "big"), 16
        elif size == 0:  # "to the end of the file": only the last top-level box
            size = end - pos
        if not _printable(kind) or size < header:
            raise DamagedRecording(f"no valid box at byte {pos:,}")
        if pos + size > end:
            raise DamagedRecording(f"the {kind.decode('latin-1')!r} box runs past the end")
        yield kind, pos + header, pos + size
        pos += size
    raise DamagedRecording("too many boxes")


def _iso_bmff(data: _Reader) -> None:
    top = list(_boxes(data, 0, data.size))
    if not top or top[0][0] != b"ftyp":
        raise DamagedRecording("it does not start with a file type box")
    kinds = [kind for kind, _, _ in top]
    if b"moov" not in kinds:
        raise DamagedRecording("the movie header (moov) is missing: the recording was not closed")
    if b"mdat" not in kinds:
        raise DamagedRecording("it holds no media data (mdat)")
    for kind, payload, box_end in top:
        if kind == b"moov":
            inner = [k for k, _, _ in _boxes(data, payload, box_end)]
            if b"mvhd" not in inner or b"trak" not in inner:
                raise DamagedRecording("the movie header has no tracks")


# --- EBML (WebM, Matroska) -------------------------------------------------------------------

EBML_HEADER, SEGMENT, CLUSTER = 0x1A45DFA3, 0x18538067, 0x1F43B675
INFO, TRACKS, DOCTYPE = 0x1549A966, 0x1654AE6B, 0x4282
# What may follow a Segment's cluster: where a cluster of unknown size ends.
SEGMENT_CHILDREN = frozenset(
    {0x114D9B74, INFO, TRACKS, CLUSTER, 0x1C53BB6B, 0x1254C367, 0x1043A770, 0x1941A469}
)


def _vint(data: _Reader, pos: int, *, keep_marker: bool) -> tuple[int, int, bool]:
    """(value, length, unknown size) of the variable-length integer at pos."""
    first = data.at(pos, 1)
    if not first or first[0] == 0:
        raise DamagedRecording(f"no valid element at byte {pos:,}")
    length = 9 - first[0].bit_length()
    raw = data.at(pos, length)
    if len(raw) < length or (keep_marker and length > 4):
        raise DamagedRecording(f"no valid element at byte {pos:,}")
    value = int.from_bytes(raw, "big")
    if keep_marker:
        return value, length, False
    value &= (1 << (7 * length)) - 1
    return value, length, value == (1 << (7 * length)) - 1


def _element(data: _Reader, pos: int) -> tuple[int, int, int | None]:
    """(id, payload offset, payload size or None when unknown) of the element at pos."""
    ident, id_length, _ = _vint(data, pos, keep_marker=True)
    size, size_length, unknown = _vint(data, pos + id_length, keep_marker=False)
    return ident, pos + id_length + size_length, None if unknown else size


def _ebml(data: _Reader) -> None:
    ident, payload, size = _element(data, 0)
    # A real EBML header is a few dozen bytes; a huge one would only make the walk long.
    if ident != EBML_HEADER or size is None or size > 1024 or payload + size > data.size:
        raise DamagedRecording("the EBML header is damaged")
    doctype = b""
    pos = payload
    while pos < payload + size:
        child, child_payload, child_size = _element(data, pos)
        if child_size is None or child_payload + child_size > payload + size:
            raise DamagedRecording("the EBML header is damaged")
        if child == DOCTYPE:
            doctype = data.at(child_payload, child_size).rstrip(b"\0")
        pos = child_payload + child_size
    if doctype not in (b"webm", b"matroska"):
        raise DamagedRecording("it is not a WebM or Matroska file")

    ident, segment, segment_size = _element(data, payload + size)
    if ident != SEGMENT:
        raise DamagedRecording("the segment is missing")
    end = data.size if segment_size is None else segment + segment_size
    if end != data.size:
        raise DamagedRecording(
            f"the segment says {end:,} bytes, the file has {data.size:,}: it was cut short"
        )
    seen: set[int] = set()
    pos, in_open_cluster = segment, False
    for _ in range(MAX_ELEMENTS):
        if pos == end:
            break
        child, child_payload, child_size = _element(data, pos)
        if in_open_cluster and child not in SEGMENT_CHILDREN:
            pass  # a block (or the timestamp) of the cluster of unknown size being walked
        else:
            in_open_cluster = False
            if child == CLUSTER and not {INFO, TRACKS} <= seen:
                raise DamagedRecording("the media comes before its track description")
            seen.add(child)
            if child_size is None and child == CLUSTER:
                # Live recorders cannot know a cluster's size: it ends where the next
                # top-level element starts, so its blocks are walked one by one.
                in_open_cluster = True
                pos = child_payload
                continue
        if child_size is None:
            raise DamagedRecording(f"an element of unknown size at byte {pos:,}")
        if child_payload + child_size > end:
            raise DamagedRecording(f"an element at byte {pos:,} runs past the end of the file")
        pos = child_payload + child_size
    else:
        raise DamagedRecording("too many elements")
    if CLUSTER not in seen:
        raise DamagedRecording("it holds no media (no cluster)")


# --- MPEG program stream ---------------------------------------------------------------------


def _mpeg_ps(data: _Reader) -> None:
    if data.at(0, 4) != b"\x00\x00\x01\xba":
        raise DamagedRecording(
            "it is not an MPEG program stream (a bare video stream cannot be checked; "
            "export the recording as MP4)"
        )
    pos = 0
    for count in range(FIRST_FRAMES):
        if pos == data.size:
            return
        head = data.at(pos, 14)
        if head[:4] == b"\x00\x00\x01\xb9":  # program end
            return
        if len(head) < 6 or head[:3] != b"\x00\x00\x01":
            raise DamagedRecording(f"no valid packet after packet {count} (byte {pos:,})")
        code = head[3]
        if code == 0xBA:
            if len(head) >= 14 and head[4] >> 6 == 1:  # MPEG-2 pack header
                length = 14 + (head[13] & 7)
            elif head[4] >> 4 == 2:  # MPEG-1
                length = 12
            else:
                raise DamagedRecording(f"a damaged pack header at byte {pos:,}")
        elif code >= 0xBB:
            length = 6 + int.from_bytes(head[4:6], "big")
        else:
            raise DamagedRecording(f"no valid packet after packet {count} (byte {pos:,})")
        if pos + length > data.size:
            raise DamagedRecording(f"packet {count + 1} is cut short")
        pos += length


# --- by media type ---------------------------------------------------------------------------

CHECKS: dict[str, Callable[[_Reader], None]] = {
    "audio/x-wav": _riff,
    "video/x-msvideo": _riff,
    "audio/x-aiff": _aiff,
    "audio/mpeg": _mp3,
    "audio/aac": _aac,
    "audio/x-flac": _flac,
    "audio/ogg": _ogg,
    "audio/opus": _ogg,
    "video/mp4": _iso_bmff,
    "video/quicktime": _iso_bmff,
    "video/x-m4v": _iso_bmff,
    "audio/mp4": _iso_bmff,
    "audio/m4a": _iso_bmff,
    "video/webm": _ebml,
    "video/x-matroska": _ebml,
    "video/mpeg": _mpeg_ps,
}


def check_recording(handle: IO[bytes], *, size: int, media_type: str) -> None:
    """Raise DamagedRecording unless the file is a whole container of its type. A type with no
    check here is refused: evidence nobody checked is not accepted by default."""
    if media_type == "video/iso.segment":
        raise DamagedRecording("it is one segment of a streamed recording, not the whole file")
    check = CHECKS.get(media_type)
    if check is None:
        raise DamagedRecording(f"{media_type} recordings cannot be checked; use WAV, MP3 or MP4")
    try:
        check(_Reader(handle, size))
    finally:
        handle.seek(0)
