"""The rule `guideline import --from fhir` reports. Apart from guideline.fhir because the registry, which lists
every rule, sits below the FHIR layer."""

from __future__ import annotations

from guideline.findings import Severity
from guideline.rules import Rule

NOT_IMPORTED = Rule(
    "FHR001", "FHIR element not imported", Severity.WARNING,
    "An element of the imported FHIR Bundle that the draft records have no field for: a Composition's "
    "custodian or attesters (board approvals live in the signed review log, not in records), review comments, a "
    "Group characteristic that is neither a vocabulary concept nor a text qualifier, a resource no "
    "recommendation refers to. The finding names the resource and the FHIR path; the drafts are written "
    "without it. Carry it over by hand if it matters (a note, a qualifier), or ignore it. Bad: importing a "
    "Recommendation with a custodian. Good: a Bundle written by 'guideline export' of records with no "
    "approvals or comments.")

RULES = (NOT_IMPORTED,)
