"""The installed `deepto` command, run as a user runs it: a subprocess, quiet, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DEEPTO = str(Path(sys.executable).with_name("deepto"))


def deepto(*args: str, home: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEEPTO_HOME": str(home)}
    env.pop("PREFECT_API_URL", None)
    return subprocess.run([DEEPTO, *args], capture_output=True, text=True, env=env, timeout=timeout)


@pytest.mark.parametrize("command", ["", "usecases", "generate", "validate", "train", "tune", "curve", "score", "kpis",
                                     "runs", "demo", "dashboard", "stack", "schedule"])
def test_every_command_has_help_with_an_example(command, tmp_path):
    result = deepto(*([command] if command else []), "--help", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "deepto" in result.stdout and ("Example" in result.stdout or not command)


def test_usecases_lists_the_templates(tmp_path):
    result = deepto("usecases", home=tmp_path)
    assert "fraud-detection" in result.stdout and "banking" in result.stdout


def test_kpis_on_an_empty_home_says_what_to_run(tmp_path):
    assert json.loads(deepto("kpis", "--json", home=tmp_path).stdout) == []
    assert "deepto demo" in deepto("kpis", home=tmp_path).stdout


def test_demo_refuses_an_unknown_template_before_training_any(tmp_path):
    result = deepto("demo", "fraud-detection", "no-such-case", "--quick", home=tmp_path)
    assert result.returncode != 0 and "Unknown use-case 'no-such-case'" in result.stdout + result.stderr
    assert not (tmp_path / "demo").exists()


def test_scoring_on_a_home_that_never_trained_says_how_to_train_at_once(tmp_path):
    from deepto.usecase import load_registry

    batch = load_registry().get("crop-disease").generate_batch(6, tmp_path / "photos", 0)
    result = deepto("score", "crop-disease", "--data", str(batch), home=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    assert "crop-disease has no champion model yet" in result.stdout
    assert "deepto train crop-disease --rows 1500" in result.stdout
    # Refused before the scoring flow: no Prefect server was started, no run recorded.
    assert not (tmp_path / "prefect").exists() or not any((tmp_path / "prefect").iterdir())


def test_a_tracking_server_that_does_not_answer_is_not_a_missing_champion(monkeypatch):
    import socket
    from types import SimpleNamespace

    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from deepto import tracking

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "5")
    server = SimpleNamespace(MlflowClient=lambda: MlflowClient(tracking_uri=f"http://127.0.0.1:{closed}"))
    with pytest.raises(MlflowException):
        tracking.champion_version(server, "fraud-detection")
    with pytest.raises(MlflowException):
        tracking.load_bundle(server, "fraud-detection")


def test_generate_then_validate(tmp_path):
    batch = tmp_path / "batch.csv"
    assert deepto("generate", "fraud-detection", "--rows", "300", "--out", str(batch), home=tmp_path).returncode == 0
    result = deepto("validate", "fraud-detection", "--data", str(batch), home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed" in result.stdout


def test_a_refused_batch_exits_non_zero_with_a_readable_message(tmp_path):
    batch = tmp_path / "empty.csv"
    batch.write_text("")
    result = deepto("validate", "fraud-detection", "--data", str(batch), home=tmp_path)
    assert result.returncode == 1
    assert "empty" in result.stdout and "quarantine" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_unknown_usecase_and_conflicting_options_are_explained(tmp_path):
    result = deepto("train", "no-such", "--rows", "500", home=tmp_path)
    assert result.returncode == 1 and "Installed use-cases" in result.stdout
    result = deepto("train", "fraud-detection", home=tmp_path)
    assert result.returncode == 1 and "--data PATH" in result.stdout


@pytest.mark.slow
def test_asking_for_a_gpu_that_is_not_there_says_so(tmp_path):
    pytest.importorskip("torch")
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    result = deepto("train", "fraud-detection", "--rows", "3000", "--gpu", "--epochs", "1", home=tmp_path)
    assert result.returncode == 1
    assert "no GPU" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
