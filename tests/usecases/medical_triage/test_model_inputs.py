"""The deep model's inputs and the classical model's hand-crafted features from the same visits."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from deepto.errors import ConfigError
from usecases.medical_triage import ecg, news2
from usecases.medical_triage.baselines import handcrafted_features
from usecases.medical_triage.features import ECG_RATE_HZ, RHYTHM_INPUTS, TRANSFORM, VITALS, TriagePreprocessor, \
    load_strips, rhythm_inputs
from usecases.medical_triage.model import build_model


def test_vitals_come_with_missingness_flags_and_temperature_in_celsius(frame):
    visits = frame.iloc[:4].copy()
    visits["respiratory_rate"] = [np.nan, 18, 18, 18]
    visits["temperature_c"] = [37.0, 98.6, np.nan, 37.0]
    pre = TriagePreprocessor().fit(frame, np.arange(len(frame)))
    tabular = pre.transform(visits)["tabular"]
    rr, temp = VITALS.index("respiratory_rate"), VITALS.index("temperature")
    missing = len(VITALS)
    assert tabular[:, missing + rr].tolist() == [1, 0, 0, 0]
    assert tabular[0, rr] == 0  # a missing value is 0 with its flag set, not a made-up number
    assert tabular[:, missing + temp].tolist() == [0, 0, 1, 0]
    assert tabular[1, temp] == pytest.approx(tabular[0, temp], abs=1e-6)  # 98.6 F is 37.0 C


def test_the_deep_model_also_gets_the_news2_points_the_rules_compute(frame):
    visits = frame.iloc[:3].copy()
    visits["respiratory_rate"] = [18, 30, np.nan]
    pre = TriagePreprocessor().fit(frame, np.arange(len(frame)))
    tabular = pre.transform(visits)["tabular"]
    first = 2 * len(VITALS)
    points = tabular[:, first:first + len(news2.PARAMETERS)]
    rr = news2.PARAMETERS.index("respiratory_rate")
    # Scaled by 3, the largest sub-score: a rate of 30 scores 3 points, a missing one none.
    assert points[:, rr].tolist() == [0, 1, 0]
    totals, red, _ = news2.score(visits)
    assert tabular[:, first + len(news2.PARAMETERS)] == pytest.approx(totals / 10)
    assert tabular[:, first + len(news2.PARAMETERS) + 1].tolist() == red.astype(float).tolist()
    assert tabular.shape[1] == pre.meta()["tabular_width"]


def test_complaint_words_new_at_scoring_share_the_unknown_id(frame):
    pre = TriagePreprocessor().fit(frame, np.arange(len(frame)))
    visits = frame.iloc[:2].copy()
    visits["chief_complaint"] = ["CHEST pain", "zzxq chest"]
    ids = pre.transform(visits)["complaint"]
    chest = pre.vocabulary.index("chest") + 2
    assert ids[0, :2].tolist() == [chest, pre.vocabulary.index("pain") + 2]
    assert ids[1, :2].tolist() == [1, chest] and not ids[:, 2:].any()


def test_preprocessor_state_is_json_and_refuses_another_templates(frame):
    pre = TriagePreprocessor().fit(frame, np.arange(100))
    again = TriagePreprocessor.from_dict(json.loads(json.dumps(pre.to_dict())))
    np.testing.assert_array_equal(again.transform(frame)["tabular"], pre.transform(frame)["tabular"])
    with pytest.raises(ValueError, match="Not a medical-triage preprocessor"):
        TriagePreprocessor.from_dict({"kind": "fraud-detection/preprocessor/v1"})


def test_model_reads_batches_with_some_all_or_no_ecg(frame):
    pre = TriagePreprocessor().fit(frame, np.arange(len(frame)))
    arrays = load_strips(pre.transform(frame.iloc[:32]))
    torch.manual_seed(0)
    model = build_model(pre.meta())
    inputs = {k: torch.as_tensor(v) for k, v in arrays.items()}
    assert 0 < inputs["ecg_present"].sum() < 32
    logits = model(**inputs)
    assert logits.shape == (32, 5)
    logits.sum().backward()
    assert all(p.grad is not None for p in model.parameters())  # the CNN takes part in every step
    absent = {**inputs, "ecg_present": torch.zeros(32)}
    assert model(**absent).shape == (32, 5)
    with pytest.raises(ConfigError, match="Unknown medical-triage model parameter"):
        build_model(pre.meta(), depth=3)


def test_handcrafted_features_read_rate_and_rhythm_from_the_strip(tmp_path, frame):
    rng = np.random.default_rng(0)
    visits = frame.iloc[:3].copy()
    for i, rhythm in enumerate(("sinus", "af")):
        np.save(tmp_path / f"{rhythm}.npy", ecg.simulate(rng, rhythm, 120, 10, 250))
        visits.iloc[i, visits.columns.get_loc("ecg_path")] = str(tmp_path / f"{rhythm}.npy")
        visits.iloc[i, visits.columns.get_loc("ecg_sampling_rate_hz")] = 250
    visits.iloc[2, visits.columns.get_loc("ecg_path")] = ""
    features = handcrafted_features(visits)
    assert features["ecg_recorded"].tolist() == [1, 1, 0]
    assert features["ecg_heart_rate"].iloc[0] == pytest.approx(120, rel=0.05)
    assert features["ecg_rr_cv"].iloc[1] > 0.1 > features["ecg_rr_cv"].iloc[0]
    assert np.isnan(features["ecg_heart_rate"].iloc[2])
    assert {"news2", "shock_index", "heart_rate_missing"} <= set(features.columns)


def test_rhythm_inputs_give_the_monitors_rate_and_regularity_of_the_models_strip(tmp_path, frame):
    rng = np.random.default_rng(0)
    visits = frame.iloc[:4].copy()
    strips = {"sinus": ecg.simulate(rng, "sinus", 120, 12, 250), "af": ecg.simulate(rng, "af", 120, 12, 250),
              "flat": np.full(3000, 0.2) + rng.normal(0, 0.001, 3000)}
    for i, (name, values) in enumerate(strips.items()):
        np.save(tmp_path / f"{name}.npy", values)
        visits.iloc[i, visits.columns.get_loc("ecg_path")] = str(tmp_path / f"{name}.npy")
        visits.iloc[i, visits.columns.get_loc("ecg_sampling_rate_hz")] = 250
    visits.iloc[3, visits.columns.get_loc("ecg_path")] = ""
    pre = TriagePreprocessor().fit(frame, np.arange(len(frame)))
    out = load_strips(pre.transform(visits))
    rhythm = dict(zip(RHYTHM_INPUTS, out["ecg_rhythm"].T))
    assert out["ecg_rhythm"].shape == (4, len(RHYTHM_INPUTS))
    assert rhythm["rate_measured"].tolist() == [1, 1, 0, 0] and rhythm["no_rate"].tolist() == [0, 0, 1, 0]
    assert rhythm["heart_rate"][0] * 100 == pytest.approx(120, rel=0.05)
    assert rhythm["rr_cv"][1] > 0.2 > rhythm["rr_cv"][0]  # atrial fibrillation beats irregularly
    assert not out["ecg_rhythm"][3].any()  # no strip, no readings
    # The readings are those of the 10 s window the CNN sees, at the model's rate.
    np.testing.assert_array_equal(rhythm_inputs(out["ecg"], out["ecg_present"]), out["ecg_rhythm"])
    assert TRANSFORM.rate_hz == ECG_RATE_HZ
