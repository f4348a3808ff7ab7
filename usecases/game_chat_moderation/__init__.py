"""Game chat moderation (written by `deepto new game-chat-moderation --kind text`): decide each message, or send it to a person.

CHANGE THIS: say who it is for and what it decides (title, industry, decision), the classes and what
acting on each means. The other files each say what to change in them; economics.py comes first.
"""

from deepto.text import TextPreprocessor
from deepto.usecase import TrainDefaults, UseCase

from .baselines import BASELINES
from .batch import ACTIONS, BATCH_FORMAT, CLASS_NAMES, ID_COLUMN, LABEL_COLUMN, load_batch
from .economics import ECONOMICS
from .expectations import expectations
from .features import make_preprocessor
from .generator import generate_batch
from .model import DEFAULTS, build_model

USECASE = UseCase(
    name="game-chat-moderation",
    title="Game chat moderation",
    industry="CHANGE THIS: the industry",
    decision="CHANGE THIS: accept a message, act on it, or send it to a person",
    class_names=CLASS_NAMES,
    actions=ACTIONS,
    data_kind="text",
    batch_format=BATCH_FORMAT,
    id_column=ID_COLUMN,
    label_column=LABEL_COLUMN,
    load_batch=load_batch,
    generate_batch=generate_batch,
    expectations=expectations,
    make_preprocessor=make_preprocessor,
    load_preprocessor=TextPreprocessor.from_dict,
    build_model=build_model,
    baselines=BASELINES,
    economics=ECONOMICS,
    training=TrainDefaults(epochs=10, batch_size=128, learning_rate=2e-3, patience=3, model=dict(DEFAULTS)),
    # Enough messages for every split to hold both classes; `deepto check` and `deepto demo --quick` use it.
    smoke_rows=600,
    demo_rows=5000,
)

__all__ = ["USECASE"]
