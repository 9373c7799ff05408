"""Users, departments and roles; the read-only directory flows use. Shell."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.auth.passwords import hash_password
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


def set_head(db: Session, *, department: Department, user: User) -> None:
    department.head_id = user.id
    db.flush()


def directory(db: Session) -> Directory:
    """The organisation as plain data, read with three light queries (no ORM objects)."""
    db.flush()  # changes pending in this session belong in the directory too
    connection = db.connection()
    departments = connection.execute(
        select(Department.id, Department.code, Department.parent_id, Department.head_id)
    ).all()
    users = connection.execute(
        select(User.id, User.username, User.department_id).where(User.is_active.is_(True))
    ).all()
    memberships = connection.execute(
        select(user_roles.c.user_id, Role.key).join(Role, Role.id == user_roles.c.role_id)
    ).all()
    code_by_id = {d.id: d.code for d in departments}
    username_by_id = {u.id: u.username for u in users}
    roles: dict[str, list[str]] = {}
    for user_id, key in memberships:
        if user_id in username_by_id:
            roles.setdefault(key, []).append(username_by_id[user_id])
    return Directory(
        department_of={
            u.username: code_by_id.get(u.department_id) if u.department_id else None for u in users
        },
        head_of={d.code: username_by_id.get(d.head_id) if d.head_id else None for d in departments},
        parent_of={
            d.code: code_by_id.get(d.parent_id) if d.parent_id else None for d in departments
        },
        members_of_role={key: tuple(sorted(names)) for key, names in roles.items()},
    )
