"""What `deepto demo` asks of each template: its demo size and its demo epochs, not `deepto train`'s."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from deepto.usecase import load_registry
from deepto_cli import app


@pytest.fixture
def recorded(monkeypatch, tmp_path):
    """The demo with its services and work replaced by recorders: what it would generate and train."""
    import deepto.registration
    import deepto.runtime
    import deepto.tracking
    import deepto.workflow
    import pipelines.train

    calls = {"rows": {}, "options": {}}
    monkeypatch.setenv("DEEPTO_HOME", str(tmp_path))
    monkeypatch.setattr(deepto.runtime, "start_prefect_api", lambda settings: lambda: None)
    monkeypatch.setattr(deepto.runtime, "ensure_ray", lambda settings: None)
    monkeypatch.setattr(deepto.registration, "mlflow_for", lambda settings, case: None)
    # No champion: the demo then skips scoring, which this test does not look at.
    monkeypatch.setattr(deepto.tracking, "champion_version", lambda mlflow, name: None)

    def batches(case, rows, folder, seed=0):
        calls["rows"][case.name] = rows
        return Path(folder) / "train.csv", Path(folder) / "new.csv"

    def train_flow(name, data, rows, options):
        calls["options"][name] = options
        return {"verdict": "recorded by the test"}

    monkeypatch.setattr(deepto.workflow, "demo_batches", batches)
    monkeypatch.setattr(pipelines.train, "train_flow", train_flow)
    return calls


def test_the_demo_trains_each_template_on_its_demo_size_for_its_demo_epochs(recorded):
    registry = load_registry()
    shortened = [case for case in registry.usecases.values() if case.demo_epochs is not None]
    assert shortened, "no template sets demo_epochs: this test would show nothing"
    names = [case.name for case in shortened] + ["fraud-detection"]
    result = CliRunner().invoke(app, ["demo", *names, "--seed", "3"])
    assert result.exit_code == 0, result.output
    for name in names:
        case = registry.get(name)
        assert recorded["rows"][name] == case.demo_rows
        options = recorded["options"][name]
        assert (options.epochs, options.seed) == (case.demo_epochs, 3)
    # A template without demo_epochs trains for its training default (TrainOptions' None).
    assert registry.get("fraud-detection").demo_epochs is None


def test_quick_trains_every_template_for_two_epochs_on_its_smallest_data(recorded):
    registry = load_registry()
    names = [case.name for case in registry.usecases.values() if case.demo_epochs is not None]
    result = CliRunner().invoke(app, ["demo", *names, "--quick"])
    assert result.exit_code == 0, result.output
    for name in names:
        assert recorded["rows"][name] == registry.get(name).smoke_rows
        assert recorded["options"][name].epochs == 2
