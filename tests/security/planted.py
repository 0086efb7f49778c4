"""Known secrets planted in a run, and a search for them in everything the run wrote."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote


def planted(name: str) -> str:
    """A secret no code would write by accident, so that finding it means it leaked."""
    return f"planted-{name}-{uuid.uuid4().hex}"


@dataclass
class Secrets:
    values: dict[str, str] = field(default_factory=dict)  # what it is -> the secret

    def add(self, name: str, value: str) -> str:
        self.values[name] = value
        return value

    def found_in(self, text: str | bytes, where: str) -> list[str]:
        """`what (where)` for every secret in the text, as written or URL-encoded."""
        data = text.encode("utf-8", "replace") if isinstance(text, str) else text
        hits = []
        for name, value in self.values.items():
            forms = {value, quote(value, safe=""), quote(value)}
            if any(form.encode() in data for form in forms):
                hits.append(f"{name} ({where})")
        return hits

    def found_in_files(self, root: Path, where: str) -> list[str]:
        hits = []
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            hits += self.found_in(path.read_bytes(), f"{where}/{path.relative_to(root)}")
        return hits
