"""Why patients come to an emergency department, as the generator draws them.

Each presentation has a share of visits, a latent severity distribution (Beta), whether it is a
high-risk situation in ESI's sense (chest pain, stroke signs: ESI 2 well before the vital signs
fail), the resources its milder cases need, how its severity moves each vital sign (the change at
severity 1), how often an ECG is recorded and which rhythms severity brings, and the words patients
and nurses use for it. Shares roughly follow US emergency visit mixes (injuries, minor illness and
abdominal pain first; chest pain and breathing problems next; strokes, major trauma and overdoses
few); they are a design choice, not a measurement.

A heart attack does not always come as chest pain: 33% of 434,877 patients with a myocardial
infarction in the US National Registry had none at presentation (Canto et al., 'Prevalence, clinical
characteristics, and mortality among patients with myocardial infarction presenting without chest
pain', JAMA 283(24), 2000); shortness of breath, nausea or epigastric pain and fainting were what
they came with, and they were older. So ST elevation arises in breathing problems, abdominal pain
and syncope too (about 37% of the generated STEMIs): such a patient has the vital signs and words of
the presentation, an ECG as often as others with the same complaint and age, and ESI level 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Presentation:
    name: str
    share: float
    severity: tuple[float, float]
    resources: tuple[float, float, float]
    """Chance of needing 0, 1, or 2+ resources for a mild case (severity pushes towards 2+)."""
    complaints: tuple[str, ...]
    effects: dict[str, float] = field(default_factory=dict)
    """Change of a vital sign at severity 1: hr, sbp, rr, spo2, temp, avpu (towards unresponsive), pain."""
    high_risk: bool = False
    ecg_share: float = 0.1
    elderly: bool = False
    rhythms: tuple[tuple[str, float, float], ...] = ()
    """(rhythm, from severity, chance): the first that applies replaces sinus rhythm."""


PRESENTATIONS = (
    Presentation("minor_injury", 0.14, (1.2, 9), (0.45, 0.45, 0.10),
                 ("twisted ankle", "{side} wrist pain after fall", "laceration to {part}", "cut finger",
                  "sprained knee playing {sport}", "bruised {part}", "{side} foot injury", "splinter in {part}"),
                 {"hr": 8, "pain": 6}, ecg_share=0.02),
    Presentation("minor_illness", 0.12, (1.2, 9), (0.6, 0.35, 0.05),
                 ("sore throat", "cough and cold symptoms", "rash on {part}", "ear pain", "medication refill",
                  "burning when urinating", "toothache", "pink eye", "insect bite on {part}"),
                 {"temp": 1.0, "hr": 8}, ecg_share=0.03),
    Presentation("abdominal_pain", 0.12, (2, 4), (0.05, 0.25, 0.70),
                 ("abdominal pain", "abd pain with vomiting", "{side} lower quadrant pain", "epigastric pain",
                  "nausea vomiting and diarrhea", "stomach cramps", "flank pain"),
                 {"hr": 28, "sbp": -22, "temp": 1.2, "pain": 6, "rr": 4}, ecg_share=0.15,
                 rhythms=(("stemi", 0.25, 0.06),)),
    Presentation("back_pain_headache", 0.08, (1.5, 6), (0.35, 0.45, 0.20),
                 ("low back pain", "headache", "migraine", "neck pain", "back spasm after lifting"),
                 {"sbp": 15, "pain": 6}, ecg_share=0.05),
    Presentation("chest_pain", 0.11, (2, 3), (0.0, 0.1, 0.9),
                 ("chest pain", "chest pain radiating to {side} arm", "crushing chest pressure", "chest tightness",
                  "cp since {dur}", "pressure in chest with sweating", "chest discomfort and nausea"),
                 {"hr": 22, "sbp": -30, "spo2": -4, "rr": 6, "pain": 5}, high_risk=True, ecg_share=0.95,
                 elderly=True, rhythms=(("stemi", 0.55, 0.7), ("af", 0.3, 0.08))),
    Presentation("palpitations", 0.05, (2, 3), (0.05, 0.25, 0.70),
                 ("palpitations", "heart racing", "fast heartbeat", "heart fluttering", "dizzy with racing heart"),
                 {"sbp": -35, "rr": 6, "spo2": -3}, high_risk=True, ecg_share=0.95, elderly=True,
                 rhythms=(("vt", 0.72, 0.8), ("svt", 0.45, 0.35), ("af", 0.2, 0.6), ("sinus_tachy", 0.0, 1.0))),
    Presentation("breathing", 0.09, (2.2, 3), (0.0, 0.15, 0.85),
                 ("shortness of breath", "sob", "difficulty breathing", "wheezing", "can't catch breath",
                  "asthma attack", "copd exacerbation", "cough with shortness of breath"),
                 {"rr": 18, "spo2": -15, "hr": 25, "temp": 0.4, "avpu": 0.5}, ecg_share=0.6, elderly=True,
                 rhythms=(("stemi", 0.3, 0.08), ("af", 0.3, 0.15))),
    Presentation("infection", 0.07, (2, 3.5), (0.05, 0.3, 0.65),
                 ("fever", "fever and chills", "feels unwell with fever", "fever and confusion",
                  "urinary symptoms with fever", "cellulitis of {part}"),
                 {"temp": 2.3, "hr": 35, "rr": 10, "sbp": -42, "spo2": -5, "avpu": 0.9}, ecg_share=0.4,
                 elderly=True),
    Presentation("stroke_signs", 0.04, (3, 3), (0.0, 0.1, 0.9),
                 ("facial droop", "slurred speech", "weakness on {side} side", "sudden numbness of {side} arm",
                  "sudden confusion", "trouble speaking"),
                 {"sbp": 45, "avpu": 1.0}, high_risk=True, ecg_share=0.6, elderly=True, rhythms=(("af", 0.0, 0.25),)),
    Presentation("major_trauma", 0.04, (3, 2.5), (0.0, 0.1, 0.9),
                 ("motor vehicle collision", "fall from height", "pedestrian struck by car", "stab wound to {part}",
                  "head injury", "assault with head injury"),
                 {"hr": 38, "sbp": -55, "rr": 10, "spo2": -6, "avpu": 1.1, "pain": 7}, high_risk=True,
                 ecg_share=0.2),
    Presentation("altered_overdose", 0.04, (2.5, 2.5), (0.05, 0.25, 0.70),
                 ("overdose", "found down", "altered mental status", "intoxicated", "unresponsive", "took too many pills"),
                 {"avpu": 1.5, "rr": -8, "spo2": -13, "hr": -4}, high_risk=True, ecg_share=0.5),
    Presentation("syncope", 0.04, (2, 4), (0.05, 0.25, 0.70),
                 ("fainted", "syncope", "passed out", "collapsed at home", "dizzy and fell"),
                 {"sbp": -18}, high_risk=False, ecg_share=0.9, elderly=True,
                 rhythms=(("stemi", 0.3, 0.08), ("brady", 0.5, 0.4))),
    Presentation("mental_health", 0.03, (1.5, 4), (0.6, 0.3, 0.1),
                 ("suicidal thoughts", "anxiety", "panic attack", "depression", "hearing voices"),
                 {"hr": 18}, ecg_share=0.1),
    Presentation("gi_bleed", 0.03, (2.5, 3), (0.0, 0.1, 0.9),
                 ("vomiting blood", "black stools", "rectal bleeding", "blood in vomit"),
                 {"hr": 32, "sbp": -42, "avpu": 0.5}, ecg_share=0.4, elderly=True),
)

SLOTS = {
    "side": ("left", "right", "L", "R"),
    "part": ("hand", "forearm", "leg", "scalp", "foot", "knee", "chest", "back", "face"),
    "dur": ("2 hours", "yesterday", "this morning", "3 days", "an hour"),
    "sport": ("football", "basketball", "soccer", "running"),
}
MODIFIERS = ("since this morning", "x 2 days", "for 3 hours", "sudden onset", "getting worse", "on and off",
             "started last night")
NEGATIONS = ("no fever", "denies chest pain", "no trauma", "no vomiting", "no shortness of breath", "no head injury")
