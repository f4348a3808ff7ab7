"""Dashboard users: scrypt hashes, the users file and the environment, and the hash command."""

from __future__ import annotations

import io

import pytest

from deepto import auth
from deepto.errors import ConfigError
from deepto.settings import Settings


def settings(tmp_path, **env):
    fields = {k.removeprefix("DEEPTO_").lower(): v for k, v in env.items()}
    return auth.auth_settings(Settings(home=tmp_path, **fields))


def test_hash_round_trip_and_salting():
    first, second = auth.hash_password("s3cret"), auth.hash_password("s3cret")
    assert first != second and "s3cret" not in first
    assert auth.verify_password("s3cret", first) and auth.verify_password("s3cret", second)
    assert not auth.verify_password("S3cret", first)


@pytest.mark.parametrize("stored", ["", "plain", "scrypt$1$2$3", "md5$16384$8$1$abc$def", "scrypt$x$8$1$a$b"])
def test_a_malformed_hash_never_matches(stored):
    assert not auth.verify_password("anything", stored)


def test_an_empty_password_cannot_be_hashed():
    with pytest.raises(ConfigError):
        auth.hash_password("")


def test_users_come_from_the_file_in_deepto_home_and_from_the_environment(tmp_path):
    (tmp_path / "dashboard_users.toml").write_text(
        f'[users.ada]\nrole = "admin"\npassword_hash = "{auth.hash_password("a")}"\n')
    env_hash = auth.hash_password("b")
    users = auth.load_users(settings(tmp_path, DEEPTO_DASHBOARD_USER="bob", DEEPTO_DASHBOARD_PASSWORD_HASH=env_hash))
    assert {n: u.role for n, u in users.items()} == {"ada": "admin", "bob": "viewer"}
    assert auth.authenticate(users, "bob", "b") == users["bob"]
    assert auth.authenticate(users, "ada", "b") is None
    assert auth.authenticate(users, "nobody", "b") is None


def test_no_users_configured_is_an_empty_mapping_and_a_how_to(tmp_path):
    assert auth.load_users(settings(tmp_path)) == {}
    assert "python -m deepto.auth hash" in auth.how_to_add_user(settings(tmp_path))


@pytest.mark.parametrize("entry, problem", [
    ('role = "admin"\npassword = "x"', "plain-text password"),
    ('role = "owner"\npassword_hash = "scrypt$1"', "role 'owner'"),
    ('role = "viewer"', "needs a password_hash"),
])
def test_bad_user_entries_are_explained(tmp_path, entry, problem):
    path = tmp_path / "users.toml"
    path.write_text(f"[users.ada]\n{entry}\n")
    with pytest.raises(ConfigError, match=problem):
        auth.load_users(settings(tmp_path, DEEPTO_DASHBOARD_USERS=str(path)))


def test_an_environment_user_without_a_hash_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="DEEPTO_DASHBOARD_USER"):
        auth.load_users(settings(tmp_path, DEEPTO_DASHBOARD_USER="bob"))


def test_the_hash_command_prints_a_users_entry(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("pa55word\n"))
    assert auth.main(["hash", "--user", "ada", "--role", "admin"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["[users.ada]", 'role = "admin"']
    stored = lines[2].split('"')[1]
    assert auth.verify_password("pa55word", stored)
