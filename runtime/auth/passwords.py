"""Password hashing with argon2 (cheap parameters when FORMWORK_FAST_PASSWORD_HASH=1). Shell."""

from __future__ import annotations

from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from runtime.settings import Settings


@cache
def _hasher(fast: bool) -> PasswordHash:
    if fast:
        return PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    return PasswordHash((Argon2Hasher(),))


def hash_password(password: str) -> str:
    return _hasher(Settings.from_env().fast_password_hash).hash(password)


def verify_password(password: str, hashed: str | None) -> bool:
    if not hashed:
        return False
    return _hasher(Settings.from_env().fast_password_hash).verify(password, hashed)
