"""Conflicts between recommendations: contradictions, tensions, subgroup disagreements, redundancy and doses.

Never all pairs. Each recommendation states one fact per intervention (concept, direction, population,
comparators, strength); records stating the same fact form a class. Classes are indexed by concept, ancestor
and parent, under their conditions (and broader ones) and qualifier sets, and only classes that share an
index key are compared. A record is reported once per conflicting class, against that class's earliest
earlier record (with the count of the others), so a corpus where hundreds of records repeat one fact stays
linear.
"""

from __future__ import annotations

from guideline.checks.base import Check
from guideline.checks.conflicts import directions, doses, redundancy
from guideline.checks.conflicts.directions import CONTRADICTION, DISAGREEMENT, TENSION
from guideline.checks.conflicts.doses import DOSE_CONFLICT, dose_keys
from guideline.checks.conflicts.redundancy import REDUNDANT
from guideline.checks.conflicts.scopes import concept_keys

CHECKS = (
    Check("conflicts", (CONTRADICTION, TENSION, DISAGREEMENT), directions.run, slow=True, keys=(concept_keys,)),
    Check("redundancy", (REDUNDANT,), redundancy.run, slow=True, keys=(concept_keys,)),
    Check("dose-conflicts", (DOSE_CONFLICT,), doses.run, keys=(dose_keys,)),
)
