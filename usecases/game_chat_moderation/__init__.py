"""Game chat moderation (entertainment): for each line typed in an online game's or a live stream's
chat, let it show, hide it, or send it to a moderator. The model reads the line's characters and the
two lines before it; it replaces the keyword blocklist platforms run today. See README.md.

Made with `deepto new game-chat-moderation --kind text`; the README says what changed and how long it took.
"""

from deepto.text import TextPreprocessor
from deepto.usecase import TrainDefaults, UseCase

from .baselines import BASELINES
from .batch import ACTIONS, BATCH_FORMAT, CLASS_NAMES, ID_COLUMN, LABEL_COLUMN, load_batch, work_units
from .economics import ECONOMICS
from .expectations import expectations
from .features import make_preprocessor
from .generator import generate_batch
from .metrics import moderation_metrics
from .model import DEFAULTS, build_model

USECASE = UseCase(
    name="game-chat-moderation",
    title="Game chat moderation",
    industry="entertainment",
    decision="Whether a line typed in a game's or a stream's chat shows, is hidden, or goes to a moderator first.",
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
    training=TrainDefaults(epochs=12, batch_size=128, learning_rate=2e-3, weight_decay=1e-4, patience=3,
                           class_weighting=False, model=dict(DEFAULTS)),
    output_columns=("channel_id", "sender_id"),
    work_units=work_units,
    decision_metrics=moderation_metrics,
    smoke_rows=1000,
    demo_rows=8000,
)

__all__ = ["USECASE"]
