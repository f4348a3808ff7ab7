import pytest

from deepto.errors import ConfigError
from deepto.settings import get_settings


def test_embedded_defaults_live_under_home(monkeypatch, tmp_path):
    monkeypatch.setenv("DEEPTO_HOME", str(tmp_path))
    settings = get_settings()
    assert settings.db_url == f"sqlite:///{tmp_path / 'deepto.db'}"
    assert settings.tracking_uri == f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert settings.ray_address is None and settings.prefect_api_url is None


def test_each_store_can_point_at_a_server(monkeypatch, tmp_path):
    monkeypatch.setenv("DEEPTO_HOME", str(tmp_path))
    monkeypatch.setenv("DEEPTO_DATABASE_URL", "postgresql+psycopg2://deepto@db/deepto")
    monkeypatch.setenv("DEEPTO_MLFLOW_TRACKING_URI", "http://mlflow:5000")
    monkeypatch.setenv("DEEPTO_RAY_ADDRESS", "ray://head:10001")
    settings = get_settings()
    assert settings.db_url.startswith("postgresql")
    assert settings.tracking_uri == "http://mlflow:5000"
    assert settings.ray_address == "ray://head:10001"


def test_config_file_is_read_and_environment_wins(monkeypatch, tmp_path):
    (tmp_path / "deepto.toml").write_text('[deepto]\nfixed_cost_usd_per_run = 2.5\nray_num_cpus = 3\n')
    monkeypatch.setenv("DEEPTO_HOME", str(tmp_path))
    monkeypatch.setenv("DEEPTO_RAY_NUM_CPUS", "6")
    settings = get_settings()
    assert settings.fixed_cost_usd_per_run == 2.5
    assert settings.ray_num_cpus == 6


def test_bad_values_say_which_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("DEEPTO_HOME", str(tmp_path))
    monkeypatch.setenv("DEEPTO_RAY_NUM_CPUS", "many")
    with pytest.raises(ConfigError, match="ray_num_cpus"):
        get_settings()


def test_broken_config_file_is_named(monkeypatch, tmp_path):
    (tmp_path / "deepto.toml").write_text("not = [valid")
    monkeypatch.setenv("DEEPTO_HOME", str(tmp_path))
    with pytest.raises(ConfigError, match="deepto.toml"):
        get_settings()


def test_no_side_effects_until_asked(monkeypatch, tmp_path):
    monkeypatch.setenv("DEEPTO_HOME", str(tmp_path / "new"))
    settings = get_settings()
    assert not (tmp_path / "new").exists()
    settings.ensure_home()
    assert (tmp_path / "new" / "quarantine").is_dir()
