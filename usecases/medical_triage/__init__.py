"""Medical triage in the emergency department (health): propose each arriving patient's ESI level
from vital signs, the chief complaint and, when recorded, an ECG strip; fast-track the clearly
low-acuity, call a clinician at once for the clearly critical, send the rest to the triage nurse.
See README.md in this folder."""

from deepto.usecase import TrainDefaults, UseCase
from usecases.medical_triage.baselines import BASELINES
from usecases.medical_triage.batch import BATCH_FORMAT, ID_COLUMN, LABEL_COLUMN, load_batch
from usecases.medical_triage.classes import ACTIONS, CLASS_NAMES, LABEL_VALUES, SAFETY
from usecases.medical_triage.economics import ECONOMICS
from usecases.medical_triage.expectations import expectations
from usecases.medical_triage.features import TriagePreprocessor, load_strips
from usecases.medical_triage.generator import generate_batch
from usecases.medical_triage.model import DEFAULTS, build_model
from usecases.medical_triage.notes import input_notes, missingness_lines, triage_metrics
from usecases.medical_triage.profile import profile

USECASE = UseCase(
    name="medical-triage",
    title="Emergency triage from vitals, complaint and ECG",
    industry="health",
    decision="Which ESI level an arriving patient needs: fast-track, main queue or a clinician now; "
             "unsure or possibly critical patients go to the triage nurse.",
    class_names=CLASS_NAMES,
    actions=ACTIONS,
    data_kind="signals",
    batch_format=BATCH_FORMAT,
    id_column=ID_COLUMN,
    label_column=LABEL_COLUMN,
    label_values=LABEL_VALUES,
    load_batch=load_batch,
    generate_batch=generate_batch,
    expectations=expectations,
    make_preprocessor=TriagePreprocessor,
    load_preprocessor=TriagePreprocessor.from_dict,
    build_model=build_model,
    baselines=BASELINES,
    economics=ECONOMICS,
    training=TrainDefaults(epochs=30, batch_size=256, learning_rate=2e-3, weight_decay=1e-3, patience=6,
                           monitor="val_cost", ema_decay=0.995, model=dict(DEFAULTS)),
    profile=profile,
    transform_batch=load_strips,
    smoke_rows=800,
    demo_rows=4000,
    decision_metrics=triage_metrics,
    case_notes=input_notes,
    batch_notes=missingness_lines,
    safety=SAFETY,
)

__all__ = ["USECASE"]
