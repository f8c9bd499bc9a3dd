"""Drug names from a published terminology, read offline: the fallback for names the vocabulary lacks.

The source is the dictionary shipped inside the `drug-named-entity-recognition` package (MIT licence; names,
brand names and synonyms of about 20,000 drugs and drug classes from DrugBank, MeSH, MedlinePlus and the NHS,
with MeSH descriptor ids and tree numbers). Only its data file is read: the package's own module would load
structure files and call a web API, and nothing here may touch the network. Loading takes a few seconds, so
it happens once per process and only when an importer asks (validation never does).
"""

from __future__ import annotations

import bz2
import pickle
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

PACKAGE = "drug_named_entity_recognition"
DATA_FILE = "drug_ner_dictionary.pkl.bz2"
# MeSH tree D27 is "Chemical Actions and Uses": a pharmacological class, not a substance. D26 holds dosage
# forms ("nasal spray"), and an entry only under D12.776 is a protein measured, not given ("C-reactive protein").
CLASS_TREE = "D27."
FORM_TREE = "D26."
PROTEIN_TREE = "D12.776."
_CLASS_NAME_RE = re.compile(r"(?:agents|inhibitors|antagonists|agonists|blockers|drugs|antibodies)$")
_SLUG_RE = re.compile(r"[^a-z0-9]+")
# Dictionary variants that are also ordinary words of clinical prose ("ice", "max", "plan"...): a statement
# naming them is not naming a drug. Short variants are brand abbreviations more often than drugs.
MIN_VARIANT = 5
COMMON_WORDS = frozenset({
    "alcohol", "oxygen", "water", "sugar", "salt", "caffeine", "ethanol", "placebo", "control", "standard",
    "therapy", "treatment", "lifestyle", "mineral", "minerals", "vitamin", "vitamins", "protein", "fiber", "fibre",
    "benefit", "target", "option", "select", "relief", "advance", "balance", "comfort", "complete", "defend",
    "ensure", "escape", "focus", "nature", "natural", "prevent", "prime", "restore", "simple", "smart", "solution",
    "support", "today", "total", "triumph", "unity", "vital", "factor", "health", "active", "daily", "release",
    "extended", "regular", "maximum", "minimum", "initial", "loading", "single", "double", "triple", "combination",
})


@dataclass(frozen=True)
class TermEntry:
    """A drug or drug class the terminology knows: the concept an importer proposes for it."""

    id: str
    label: str
    kind: str
    codes: tuple[tuple[str, str], ...]


def concept_id(name: str) -> str:
    return _SLUG_RE.sub("-", name.lower()).strip("-")


@cache
def _dictionary() -> tuple[dict[str, list[str]], dict[str, dict[str, Any]]]:
    with resources.files(PACKAGE).joinpath(DATA_FILE).open("rb") as raw, bz2.open(raw, "rb") as data:
        # The file is the installed package's own data, not user input.
        loaded = pickle.load(data)
    return loaded["drug_variant_to_canonical"], loaded["drug_canonical_to_data"]


def available() -> bool:
    try:
        return resources.files(PACKAGE).joinpath(DATA_FILE).is_file()
    except ModuleNotFoundError:
        return False


def lookup(phrase: str) -> TermEntry | None:
    """The entry for a lower-case phrase of a statement, or None when it is no drug name or a common word."""
    if (len(phrase) < MIN_VARIANT or phrase in COMMON_WORDS or any(word.isdigit() for word in phrase.split())
            or not available()):
        return None
    variants, canonical = _dictionary()
    names = variants.get(phrase)
    if not names:
        return None
    data = canonical.get(names[0], {})
    label = str(data.get("name") or names[0])
    trees = [str(t) for t in data.get("mesh_tree") or ()]
    if any(t.startswith(FORM_TREE) for t in trees) or (trees and all(t.startswith(PROTEIN_TREE) for t in trees)):
        return None
    is_class = any(t.startswith(CLASS_TREE) for t in trees) or bool(_CLASS_NAME_RE.search(names[0]))
    codes = tuple((system, str(data[key])) for system, key in (("mesh", "mesh_id"),) if data.get(key))
    return TermEntry(concept_id(label), label, "drug-class" if is_class else "drug", codes)
