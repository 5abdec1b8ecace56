"""Opening an Office file (a ZIP package) read from a person's disk, without letting it unpack beyond reason."""

from __future__ import annotations

import io
import zipfile

from governance.errors import BadInput

# What the parts of one package may unpack to in all: a draft of a thousand pages is a few MB of XML.
MAX_UNPACKED = 200 * 1024 * 1024


def check_package(data: bytes, name: str, kind: str) -> None:
    """Refuse, in one sentence, what is not a ZIP package or would unpack to more than MAX_UNPACKED bytes.

    `kind` names what the file should be ("a Word file (.docx)"), so the sentence says what was expected.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            unpacked = sum(member.file_size for member in package.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise BadInput(f"{name} is not {kind}: it is not an Office file (no ZIP package inside)") from None
    if unpacked > MAX_UNPACKED:
        raise BadInput(f"{name} would unpack to {unpacked:,} bytes, more than the {MAX_UNPACKED // (1024 * 1024)} MB "
                       f"a document's file may hold")
