"""Acuity levels, what acting on each means, and the safety rule no price may overrule.

Classes run from the least to the most urgent level, so that index 0 is the platform's "nothing
wrong" class (automatic accept): ESI 5, a patient who needs no resources, is fast-tracked. The
Emergency Severity Index (ESI, AHRQ implementation handbook, version 4) sorts patients by how long
they can safely wait: level 1 needs a life-saving intervention now, level 2 must not wait (a
high-risk situation, confusion, severe pain or danger-zone vital signs), levels 3 to 5 are sorted
by the resources (labs, imaging, IV fluids, specialists) they are expected to need.
"""

from deepto.decisions import SafetyRule

LABEL_VALUES = (5, 4, 3, 2, 1)
"""The ``acuity`` column's value for each class, in class order."""
CLASS_NAMES = ("esi5", "esi4", "esi3", "esi2", "esi1")
ACTIONS = (
    "fast-track (no resources expected)",
    "fast-track (one resource expected)",
    "main emergency queue (urgent, two or more resources)",
    "call a clinician now (immediate bed, seen within 10 minutes)",
    "call the resuscitation team now",
)
"""Acting automatically on a level is what the department does with it; a review is the triage
nurse's own assessment, as today."""
FAST_TRACK = (0, 1)
CRITICAL = (3, 4)
CRITICAL_LIMIT = 0.05
"""A 1-in-20 chance of a critical level is not "low acuity": such a patient goes to the nurse."""

SAFETY = SafetyRule(
    never_decide=FAST_TRACK,
    when_any_of=CRITICAL,
    above=CRITICAL_LIMIT,
    reason="a patient with a real chance of ESI 1 or 2 is never fast-tracked by a machine",
)
