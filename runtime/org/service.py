"""Users, departments and roles; the read-only directory flows use. Shell."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from runtime.auth.passwords import hash_password
from runtime.db import generations
from runtime.errors import Conflict, InvalidInput, NotFound, Problem
from runtime.org.directory import Directory
from runtime.org.models import Department, Role, User, user_roles


def get_user(db: Session, *, username: str) -> User | None:
    return db.scalars(select(User).where(User.username == username)).one_or_none()


def load_user(db: Session, *, username: str) -> User:
    user = get_user(db, username=username)
    if user is None:
        raise NotFound("user_not_found", f"No user {username!r}.")
    return user


def ensure_role(db: Session, *, key: str, name: str | None = None) -> Role:
    role = db.scalars(select(Role).where(Role.key == key)).one_or_none()
    if role is None:
        role = Role(key=key, name=name or key)
        db.add(role)
        db.flush()
    return role


def create_user(
    db: Session,
    *,
    username: str,
    name: str | None = None,
    email: str | None = None,
    password: str | None = None,
    roles: Iterable[str] = (),
    department_code: str | None = None,
) -> User:
    """Create a user; roles that do not exist yet are created."""
    if not username or len(username) > 64 or not username.replace("_", "").isalnum():
        raise InvalidInput(
            "invalid_username",
            "Invalid username.",
            [Problem("invalid_username", "Use letters, digits and _ (≤ 64).", field="username")],
        )
    if get_user(db, username=username) is not None:
        raise Conflict(
            "user_exists",
            f"User {username!r} exists.",
            [Problem("user_exists", f"User {username!r} already exists.", field="username")],
        )
    department = load_department(db, code=department_code) if department_code else None
    user = User(
        username=username,
        name=name or username,
        email=email if email is not None else f"{username}@example.com",
        password_hash=hash_password(password) if password else None,
        department_id=department.id if department else None,
        is_active=True,
    )
    user.roles = [ensure_role(db, key=key) for key in roles]
    db.add(user)
    db.flush()
    return user


def get_department(db: Session, *, code: str) -> Department | None:
    return db.scalars(select(Department).where(Department.code == code)).one_or_none()


def load_department(db: Session, *, code: str) -> Department:
    department = get_department(db, code=code)
    if department is None:
        raise NotFound("department_not_found", f"No department {code!r}.")
    return department


def create_department(
    db: Session, *, code: str, name: str, parent_code: str | None = None
) -> Department:
    if get_department(db, code=code) is not None:
        raise Conflict("department_exists", f"Department {code!r} exists.")
    parent = load_department(db, code=parent_code) if parent_code else None
    department = Department(code=code, name=name, parent_id=parent.id if parent else None)
    db.add(department)
    db.flush()
    return department


def set_availability(db: Session, *, user: User, on_leave: bool, backup: str | None) -> None:
    """Mark `user` on leave (with the backup who takes their work) or back at work."""
    backup_user = None
    if backup is not None:
        backup_user = load_user(db, username=backup)
        if backup_user.id == user.id or not backup_user.is_active:
            message = "The backup must be another active user."
            raise InvalidInput(
                "invalid_backup", message, [Problem("invalid_backup", message, field="backup")]
            )
    user.on_leave = on_leave
    user.backup_id = backup_user.id if backup_user else None
    db.flush()


def set_head(db: Session, *, department: Department, user: User) -> None:
    department.head_id = user.id
    db.flush()


ORG_SCOPE = "org/generation"
generations.watch(ORG_SCOPE, (User, Department, Role))
_SNAPSHOTS = generations.TokenCache(ORG_SCOPE)


@dataclass(frozen=True, slots=True)
class _Snapshot:
    directory: Directory
    user_ids: Mapping[str, int]  # every user, active or not
    emails: Mapping[str, str]  # username → email, for users that have one


def directory(db: Session) -> Directory:
    """The organisation as plain data; rebuilt only when its token changed (one small query)."""
    return _snapshot(db).directory


def user_ids(db: Session) -> Mapping[str, int]:
    """Username → id of every user (from the same snapshot as the directory)."""
    return _snapshot(db).user_ids


def user_emails(db: Session) -> Mapping[str, str]:
    """Username → email of every user that has one (from the same snapshot)."""
    return _snapshot(db).emails


def _snapshot(db: Session) -> _Snapshot:
    db.flush()  # changes pending in this session belong in the directory too
    connection = db.connection()
    return _SNAPSHOTS.get(connection, "directory", lambda: _read(connection))


def _read(connection: Connection) -> _Snapshot:
    """Three light queries (no ORM objects)."""
    departments = connection.execute(
        select(Department.id, Department.code, Department.parent_id, Department.head_id)
    ).all()
    users = connection.execute(
        select(
            User.id,
            User.username,
            User.department_id,
            User.is_active,
            User.on_leave,
            User.backup_id,
            User.email,
        )
    ).all()
    memberships = connection.execute(
        select(user_roles.c.user_id, Role.key).join(Role, Role.id == user_roles.c.role_id)
    ).all()
    active = [u for u in users if u.is_active]
    code_by_id = {d.id: d.code for d in departments}
    username_by_id = {u.id: u.username for u in active}
    roles: dict[str, list[str]] = {}
    for user_id, key in memberships:
        if user_id in username_by_id:
            roles.setdefault(key, []).append(username_by_id[user_id])
    found = Directory(
        department_of={
            u.username: code_by_id.get(u.department_id) if u.department_id else None for u in active
        },
        head_of={d.code: username_by_id.get(d.head_id) if d.head_id else None for d in departments},
        parent_of={
            d.code: code_by_id.get(d.parent_id) if d.parent_id else None for d in departments
        },
        members_of_role={key: tuple(sorted(names)) for key, names in roles.items()},
        on_leave=frozenset(u.username for u in active if u.on_leave),
        backup_of={
            u.username: username_by_id[u.backup_id]
            for u in active
            if u.backup_id is not None and u.backup_id in username_by_id
        },
    )
    return _Snapshot(
        found,
        {u.username: u.id for u in users},
        {u.username: u.email for u in users if u.email},
    )
