#!/usr/bin/python3
"""Reads the genre values of audio files with mutagen (Debian's python3-mutagen), a reader independent of TagLib,
for the tagging tests. Usage: read_genres.py FILE... -> one JSON object on stdout:
{FILE: {"genres": [...], "id3": "2.3" | "2.4" | null, "id3v1": bool}}, each value as the file stores it."""
import json
import sys

import mutagen
import mutagen.id3
import mutagen.mp4


def genres(path):
    f = mutagen.File(path)
    if f is None:
        raise SystemExit(f"read_genres.py: mutagen cannot open {path}")
    tags, out, id3 = f.tags, [], None
    if isinstance(tags, mutagen.id3.ID3):  # mp3, and wav's "id3 " chunk
        id3 = f"2.{tags.version[1]}"
        # translate=False: the frames as stored (mutagen would otherwise rewrite ID3v2.3 text on load).
        raw = mutagen.id3.ID3(path, translate=False) if path.endswith(".mp3") else tags
        for frame in raw.getall("TCON"):
            out += list(frame.text)
    elif isinstance(tags, mutagen.mp4.MP4Tags):
        out = list(tags.get("\xa9gen", []))
    elif tags is not None:  # Vorbis comments: flac, ogg, opus
        out = list(tags.get("genre", []))
    with open(path, "rb") as fh:
        fh.seek(-128, 2)
        id3v1 = fh.read(3) == b"TAG"
    return {"genres": [str(v) for v in out], "id3": id3, "id3v1": id3v1}


print(json.dumps({p: genres(p) for p in sys.argv[1:]}))
