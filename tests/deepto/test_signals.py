"""Reading 1-D signal files of any format, rate and length, and turning them into a fixed model input."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from deepto.errors import BatchError
from deepto.signals import SignalLoader, fixed_window, model_input, read_signal, resample, robust_scale

SOURCE = Path(__file__).resolve().parents[2] / "platform" / "deepto" / "signals.py"


def sine(hz: float, rate: float, seconds: float, amplitude: float = 1.0) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * hz * np.arange(int(rate * seconds)) / rate)


def write_wfdb(folder: Path, name: str, values: np.ndarray, rate: int) -> Path:
    import wfdb

    wfdb.wrsamp(name, fs=rate, units=["mV"], sig_name=["II"], p_signal=values[:, None], fmt=["16"],
                write_dir=str(folder))
    return folder / f"{name}.hea"


def test_reads_numpy_csv_and_wfdb_files(tmp_path):
    values = sine(1.2, 250, 4, 0.8)
    np.save(tmp_path / "a.npy", values)
    np.savetxt(tmp_path / "b.csv", values, fmt="%.6f", header="mV", comments="")
    np.savetxt(tmp_path / "c.csv", values, fmt="%.6f")
    hea = write_wfdb(tmp_path, "d", values, 250)
    for path in ("a.npy", "b.csv", "c.csv"):
        signal = read_signal(tmp_path / path, 250)
        np.testing.assert_allclose(signal.values, values, atol=1e-5)
        assert signal.sampling_rate_hz == 250 and signal.seconds == pytest.approx(4.0)
    signal = read_signal(hea)  # the header carries the rate
    assert signal.sampling_rate_hz == 250
    np.testing.assert_allclose(signal.values, values, atol=1e-3)  # 16-bit storage


def test_a_two_dimensional_single_column_is_one_lead(tmp_path):
    np.save(tmp_path / "col.npy", np.ones((100, 1)))
    assert read_signal(tmp_path / "col.npy", 100).values.shape == (100,)


@pytest.mark.parametrize("case, match", [
    ("rate_missing", "does not store its sampling rate"),
    ("wrong_suffix", "unknown signal file type"),
    ("absent", "does not exist"),
    ("two_leads", "one lead"),
    ("garbage", "not a readable NumPy file"),
    ("text_in_csv", "not a column of numbers"),
    ("nan", "missing or infinite"),
    ("wfdb_rate_disagrees", "header says 250 Hz but the batch says 500 Hz"),
    ("wfdb_without_dat", "not a readable WFDB record"),
])
def test_bad_files_are_refused_with_a_reason(tmp_path, case, match):
    np.save(tmp_path / "ok.npy", np.zeros(10))
    rate = 250.0
    if case == "rate_missing":
        path, rate = tmp_path / "ok.npy", None
    elif case == "wrong_suffix":
        path = tmp_path / "strip.mat"
        path.write_bytes(b"x")
    elif case == "absent":
        path = tmp_path / "nowhere.npy"
    elif case == "two_leads":
        path = tmp_path / "two.npy"
        np.save(path, np.zeros((10, 2)))
    elif case == "garbage":
        path = tmp_path / "bad.npy"
        path.write_bytes(b"not numpy at all")
    elif case == "text_in_csv":
        path = tmp_path / "bad.csv"
        path.write_text("mV\n0.1\nabc\n0.2\n")
    elif case == "nan":
        path = tmp_path / "nan.npy"
        np.save(path, np.array([0.1, np.nan, 0.2]))
    elif case == "wfdb_rate_disagrees":
        path, rate = write_wfdb(tmp_path, "r", sine(1, 250, 2), 250), 500.0
    else:
        path = write_wfdb(tmp_path, "r", sine(1, 250, 2), 250)
        (tmp_path / "r.dat").unlink()
    with pytest.raises(BatchError, match=match):
        read_signal(path, rate)


def test_resampling_keeps_the_waveform():
    # A 5 Hz wave at 500 Hz and at 100 Hz: same frequency and amplitude after resampling.
    down = resample(sine(5, 500, 4), 500, 100)
    assert len(down) == 400
    np.testing.assert_allclose(down[50:350], sine(5, 100, 4)[50:350], atol=0.02)
    up = resample(sine(5, 125, 4), 125, 500)
    assert len(up) == 2000
    np.testing.assert_allclose(up[100:1900], sine(5, 500, 4)[100:1900], atol=0.02)
    # An odd rate: 360 Hz to 100 Hz is the ratio 5/18.
    assert len(resample(np.zeros(3600), 360, 100)) == 1000


def test_fixed_window_takes_the_middle_or_pads_with_zeros():
    assert fixed_window(np.arange(10.0), 4).tolist() == [3, 4, 5, 6]
    assert fixed_window(np.arange(3.0), 5).tolist() == [0, 1, 2, 0, 0]


def test_robust_scale_ignores_units_and_spikes():
    wave = sine(1, 100, 10) + 3.0
    in_microvolts = robust_scale(wave * 1000)
    np.testing.assert_allclose(robust_scale(wave), in_microvolts, atol=1e-9)
    assert abs(np.median(in_microvolts)) < 1e-9
    spiked = wave.copy()
    spiked[10] = 1e6
    assert robust_scale(spiked).max() == 10.0  # clipped
    assert np.all(robust_scale(np.full(50, 7.0)) == 0)  # a constant signal does not divide by zero


def test_the_same_strip_at_different_rates_gives_the_same_model_input():
    from deepto.signals import Signal

    a = model_input(Signal(sine(1.3, 500, 12) + 0.2 * sine(7, 500, 12), 500), 100, 1000)
    b = model_input(Signal(sine(1.3, 125, 12) + 0.2 * sine(7, 125, 12), 125), 100, 1000)
    assert a.shape == b.shape == (1000,) and a.dtype == np.float32
    assert np.corrcoef(a, b)[0, 1] > 0.999


def loader():
    return SignalLoader(path_column="path", rate_column="rate", signal_column="signal", present_column="present",
                        rate_hz=100, seconds=4)


def mixed_batch(tmp_path):
    np.save(tmp_path / "long.npy", sine(1, 500, 10))
    np.savetxt(tmp_path / "short.csv", sine(1, 125, 2), fmt="%.6f")
    hea = write_wfdb(tmp_path, "w", sine(1, 360, 6), 360)
    return {"path": np.array([str(tmp_path / "long.npy"), "", str(tmp_path / "short.csv"), str(hea)], dtype=object),
            "rate": np.array([500, np.nan, 125, np.nan]), "other": np.arange(4)}


def test_loader_gives_fixed_shapes_for_any_rate_length_and_format(tmp_path):
    out = loader()(mixed_batch(tmp_path))
    assert set(out) == {"signal", "present", "other"}
    assert out["signal"].shape == (4, 1, 400) and out["signal"].dtype == np.float32
    assert out["present"].tolist() == [1, 0, 1, 1]
    assert not out["signal"][1].any()  # no file: zeros, and present says so
    assert not out["signal"][2, 0, 200:].any() and out["signal"][2, 0, :200].any()  # 2 s strip, padded
    assert out["other"].tolist() == [0, 1, 2, 3]


def test_loader_runs_inside_ray_data_on_the_workers(tmp_path, ray_session):
    import ray.data

    batch = mixed_batch(tmp_path)
    expected = loader()(dict(batch))
    ds = ray.data.from_items([{k: v[i] for k, v in batch.items()} for i in range(4)])
    rows = sorted(ds.map_batches(loader(), batch_format="numpy", batch_size=2).take_all(), key=lambda r: r["other"])
    np.testing.assert_allclose(np.stack([r["signal"] for r in rows]), expected["signal"], atol=1e-6)
    assert [r["present"] for r in rows] == [1, 0, 1, 1]


def test_the_platform_module_imports_no_use_case():
    imported = {n.module for n in ast.walk(ast.parse(SOURCE.read_text())) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(ast.parse(SOURCE.read_text())) if isinstance(n, ast.Import) for a in n.names}
    assert not any(name.split(".")[0] in ("usecases", "pipelines", "dashboards") for name in imported if name)
