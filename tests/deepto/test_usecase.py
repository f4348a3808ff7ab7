import importlib.metadata
from dataclasses import replace

import pytest

from deepto.errors import ConfigError
from deepto.usecase import check_usecase, load_registry


def _entry_point(name: str, value: str) -> importlib.metadata.EntryPoint:
    return importlib.metadata.EntryPoint(name=name, value=value, group="deepto.usecases")


def test_builtin_templates_are_found_through_entry_points():
    registry = load_registry()
    assert "fraud-detection" in registry.usecases
    assert registry.get("fraud-detection").industry


def test_a_broken_plugin_is_reported_not_fatal():
    registry = load_registry([
        _entry_point("fraud-detection", "usecases.fraud_detection:USECASE"),
        _entry_point("broken", "no_such_module_xyz:USECASE"),
    ])
    assert "fraud-detection" in registry.usecases
    assert "ModuleNotFoundError" in registry.errors["broken"]
    with pytest.raises(ConfigError, match="failed to load"):
        registry.get("broken")


def test_unknown_name_lists_what_is_installed():
    with pytest.raises(ConfigError, match="fraud-detection"):
        load_registry().get("no-such-usecase")


def test_contract_problems_are_sentences(fraud):
    wrong = replace(fraud, actions=("approve",))
    assert any("actions" in p for p in check_usecase(wrong))
    eco = replace(fraud.economics, sources={})
    assert any("review_cost_usd has no source" in p for p in check_usecase(replace(fraud, economics=eco)))
    assert check_usecase("not a use-case") == ["expected a deepto.usecase.UseCase, got str"]
    assert any("demo_epochs must be a positive whole number or None, is 0" in p
               for p in check_usecase(replace(fraud, demo_epochs=0)))
    per_class = replace(fraud.economics, manual_error_rate=(0.01, 0.1, 0.2),
                        sources={**fraud.economics.sources, "manual_error_rate": "a study"})
    assert any("manual_error_rate gives 3 rates; give one, or one per class (2)" in p
               for p in check_usecase(replace(fraud, economics=per_class)))
