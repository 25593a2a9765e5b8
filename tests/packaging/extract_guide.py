"""Writes the files of docs/vendor-guide.md into a directory.

Each block the guide marks with `<!-- file: NAME -->` becomes DIR/NAME and
the block marked `<!-- run -->` becomes DIR/run.sh, so the packaging test
builds and runs exactly what the guide shows.
"""
import pathlib
import re
import sys

guide, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
text = guide.read_text()
blocks = re.findall(r"<!-- (file: (\S+)|run) -->\n```\w*\n(.*?)```", text, re.S)
if not blocks:
    sys.exit(f"{guide}: no marked blocks")
out.mkdir(parents=True, exist_ok=True)
for marker, name, body in blocks:
    (out / (name if marker.startswith("file:") else "run.sh")).write_text(body)
    print(name or "run.sh")
