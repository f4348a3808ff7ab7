"""CCTV security from video (security): for each few-second window of a fixed camera, decide whether
a person entered its restricted zone (intrusion), stayed there past the camera's limit (loitering)
or nothing of concern happened; raise the alarm, ignore, or send the clip to an operator. See
README.md in this folder."""

from deepto.usecase import TrainDefaults, UseCase
from usecases.cctv_security.baseline import MotionAlarm
from usecases.cctv_security.batch import BATCH_FORMAT, load_batch, video_frames
from usecases.cctv_security.classes import ACTIONS, CLASS_NAMES
from usecases.cctv_security.clips import CctvClips, transform_batch
from usecases.cctv_security.economics import ECONOMICS
from usecases.cctv_security.expectations import expectations
from usecases.cctv_security.generator import generate_batch
from usecases.cctv_security.metrics import alarm_metrics
from usecases.cctv_security.model import DEFAULTS, build_model
from usecases.cctv_security.profile import profile
from usecases.cctv_security.split import split_by_camera

USECASE = UseCase(
    name="cctv-security",
    title="CCTV security from video",
    industry="security",
    decision="Whether a window of a camera's video shows an intrusion into its restricted zone, loitering "
             "there, or nothing; raise the alarm, ignore, or send the clip to an operator.",
    class_names=CLASS_NAMES,
    actions=ACTIONS,
    data_kind="video",
    batch_format=BATCH_FORMAT,
    id_column="window_id",
    label_column="label",
    load_batch=load_batch,
    generate_batch=generate_batch,
    expectations=expectations,
    make_preprocessor=CctvClips,
    load_preprocessor=CctvClips.from_dict,
    build_model=build_model,
    baselines={"motion_alarm": MotionAlarm},
    economics=ECONOMICS,
    training=TrainDefaults(epochs=14, batch_size=32, learning_rate=1e-3, weight_decay=1e-4, patience=5,
                           model=dict(DEFAULTS)),
    split=split_by_camera,
    profile=profile,
    transform_batch=transform_batch,
    smoke_rows=100,
    # Held-out windows come from cameras training never saw. At 400 windows (65 held out, a handful of
    # cameras) the seed-0 model cost $990.63 against the motion alarm's $440.62 on one machine and won
    # on another; at 800 both seeds tried won by six to twelve times (README.md, Measured).
    demo_rows=800,
    # The demo's runs stopped early at 12-13 of deepto train's 14 epochs with the best at 7; 8 epochs gave
    # the same seed-0 model and the seed-1 model won as before (README.md, Measured).
    demo_epochs=8,
    decision_metrics=alarm_metrics,
    output_columns=("camera", "file", "start", "end"),
    work_units=video_frames,
)

__all__ = ["USECASE"]
