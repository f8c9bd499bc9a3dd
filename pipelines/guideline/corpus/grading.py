"""Grading schemes as data: native grades, their normalised class, and whether the mapping is exact."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Grade:
    scheme: str
    version: str | None
    grade: str
    strength_class: str
    mapping: str
    wording: tuple[str, ...]


@dataclass
class GradingSchemes:
    classes: dict[str, str] = field(default_factory=dict)
    # (scheme id, version or None) -> {grade label lower-cased -> Grade}
    schemes: dict[tuple[str, str | None], dict[str, Grade]] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Any) -> GradingSchemes:
        result = cls()
        if not isinstance(data, dict):
            return result
        for item in data.get("classes") or []:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                result.classes[item["id"]] = str(item.get("description", ""))
        for scheme in data.get("schemes") or []:
            if not isinstance(scheme, dict) or not isinstance(scheme.get("id"), str):
                continue
            version = str(scheme["version"]) if scheme.get("version") is not None else None
            grades = result.schemes.setdefault((scheme["id"], version), {})
            for item in scheme.get("grades") or []:
                if isinstance(item, dict) and isinstance(item.get("grade"), str):
                    grades[item["grade"].lower()] = Grade(
                        scheme["id"], version, item["grade"], str(item.get("class", "")),
                        str(item.get("mapping", "lossy")),
                        tuple(str(w) for w in item.get("wording") or ()))
        return result

    def scheme_ids(self) -> set[str]:
        return {scheme for scheme, _ in self.schemes}

    def versions(self, scheme: str) -> list[str | None]:
        return [version for sid, version in self.schemes if sid == scheme]

    def grades_of(self, scheme: str, version: str | None) -> dict[str, Grade] | None:
        if (scheme, version) in self.schemes:
            return self.schemes[(scheme, version)]
        if version is None:
            versions = self.versions(scheme)
            if len(versions) == 1:
                return self.schemes[(scheme, versions[0])]
        return None

    def lookup(self, scheme: str, version: str | None, grade: str) -> Grade | None:
        grades = self.grades_of(scheme, version)
        return grades.get(grade.lower()) if grades else None
