"""Who may read the managers' dashboard: users, roles and password hashes.

Users come from a TOML file (``DEEPTO_DASHBOARD_USERS`` or ``<DEEPTO_HOME>/dashboard_users.toml``)
and, for a one-user deployment, from ``DEEPTO_DASHBOARD_USER`` + ``DEEPTO_DASHBOARD_PASSWORD_HASH``
(+ optional ``DEEPTO_DASHBOARD_ROLE``). Only scrypt hashes are stored, never passwords::

    [users.alice]
    role = "admin"            # or "viewer"
    password_hash = "scrypt$16384$8$1$<salt>$<hash>"

Make a hash with ``python -m deepto.auth hash --user alice --role admin``.
"""

from __future__ import annotations

import argparse
import base64
import functools
import getpass
import hashlib
import hmac
import secrets
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from deepto.errors import ConfigError
from deepto.settings import Settings, get_settings

ROLES = ("viewer", "admin")
# scrypt cost: ~16 MiB and ~50 ms per check, the interactive-login level RFC 7914 suggests.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_HOW_TO = (
    "Create one with `python -m deepto.auth hash --user NAME --role admin` and put the printed "
    "lines in {path} (or set DEEPTO_DASHBOARD_USER and DEEPTO_DASHBOARD_PASSWORD_HASH)."
)


@dataclass(frozen=True)
class User:
    name: str
    role: str
    password_hash: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class AuthSettings:
    """What this module needs from :class:`deepto.settings.Settings`."""

    users_file: Path
    env_user: str | None
    env_password_hash: str | None
    env_role: str


def auth_settings(settings: Settings | None = None) -> AuthSettings:
    settings = settings or get_settings()
    return AuthSettings(
        users_file=(settings.dashboard_users or settings.root / "dashboard_users.toml").expanduser(),
        env_user=settings.dashboard_user or None,
        env_password_hash=settings.dashboard_password_hash or None,
        env_role=settings.dashboard_role,
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    """A self-describing scrypt hash: ``scrypt$N$r$p$salt$digest``."""
    if not password:
        raise ConfigError("An empty password cannot be hashed; choose one.")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check; a malformed hash never matches (and never raises)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
            dklen=len(expected), maxmem=2**26,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@functools.cache
def _dummy_hash() -> str:
    """A real hash of a random secret: unknown users cost the same scrypt work as known ones,
    so response time does not tell which user names exist."""
    return hash_password(secrets.token_urlsafe(16))


def _check_user(name: str, role: str, password_hash: object, where: str) -> User:
    if role not in ROLES:
        raise ConfigError(f"{where}: user {name!r} has role {role!r}; use one of {', '.join(ROLES)}.")
    if not isinstance(password_hash, str) or not password_hash.startswith("scrypt$"):
        raise ConfigError(f"{where}: user {name!r} needs a password_hash made by `python -m deepto.auth hash`.")
    return User(name, role, password_hash)


def load_users(settings: AuthSettings | None = None) -> dict[str, User]:
    """Every configured user by name; empty when none is configured (the dashboard then refuses)."""
    settings = settings or auth_settings()
    users: dict[str, User] = {}
    path = settings.users_file
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}.") from None
        for name, entry in (data.get("users") or {}).items():
            if not isinstance(entry, dict):
                raise ConfigError(f"{path}: [users.{name}] must be a table with role and password_hash.")
            if "password" in entry:
                raise ConfigError(f"{path}: user {name!r} has a plain-text password; store a password_hash instead.")
            users[name] = _check_user(name, entry.get("role", "viewer"), entry.get("password_hash"), str(path))
    if settings.env_user:
        where = "DEEPTO_DASHBOARD_USER"
        users[settings.env_user] = _check_user(
            settings.env_user, settings.env_role, settings.env_password_hash, where
        )
    return users


def authenticate(users: dict[str, User], name: str, password: str) -> User | None:
    """The user when name and password match, else None, in the same time either way."""
    user = users.get(name)
    matched = verify_password(password, user.password_hash if user else _dummy_hash())
    return user if user and matched else None


def how_to_add_user(settings: AuthSettings | None = None) -> str:
    return _HOW_TO.format(path=(settings or auth_settings()).users_file)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deepto.auth", description="Dashboard users.")
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("hash", help="Hash a password (asked for, or read from stdin).")
    make.add_argument("--user", help="Print a [users.NAME] TOML entry instead of the bare hash.")
    make.add_argument("--role", default="viewer", choices=ROLES)
    args = parser.parse_args(argv)
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("The passwords differ; nothing was hashed.", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        hashed = hash_password(password)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.user:
        print(f'[users.{args.user}]\nrole = "{args.role}"\npassword_hash = "{hashed}"')
    else:
        print(hashed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
