"""People endpoints: users, departments, roles. Shell."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from runtime.errors import Conflict
from runtime.http.deps import DB, AdminUser, CurrentUser, SlugPath, commit, now_utc
from runtime.org import service as org
from runtime.org.models import Department, Role, User
from runtime.org.schemas import (
    Availability,
    DepartmentCreate,
    DepartmentOut,
    RoleCreate,
    RoleOut,
    UserCreate,
    UserOut,
)
from runtime.tasks import service as tasks

router = APIRouter(prefix="/api", tags=["people"])


def _user_out(user: User, codes: dict[int, str], names: dict[int, str] | None = None) -> UserOut:
    names = names or {}
    return UserOut(
        username=user.username,
        name=user.name,
        email=user.email,
        department=codes.get(user.department_id) if user.department_id else None,
        roles=sorted(user.role_keys),
        is_active=user.is_active,
        on_leave=user.on_leave,
        backup=names.get(user.backup_id) if user.backup_id else None,
    )


def _codes(db: DB) -> dict[int, str]:
    return {d.id: d.code for d in db.scalars(select(Department))}


@router.get("/me")
def me(db: DB, user: CurrentUser) -> UserOut:
    return _user_out(user, _codes(db))


@router.get("/users")
def list_users(db: DB, _user: CurrentUser) -> dict[str, list[UserOut]]:
    codes = _codes(db)
    users = db.scalars(select(User).order_by(User.username))
    return {"items": [_user_out(u, codes) for u in users]}


@router.post("/users", status_code=201)
def create_user(body: UserCreate, db: DB, _admin: AdminUser) -> UserOut:
    user = org.create_user(
        db,
        username=body.username,
        name=body.name,
        email=body.email,
        password=body.password,
        roles=body.roles,
        department_code=body.department,
    )
    commit(db)
    return _user_out(user, _codes(db))


@router.get("/departments")
def list_departments(db: DB, _user: CurrentUser) -> dict[str, list[DepartmentOut]]:
    departments = list(db.scalars(select(Department).order_by(Department.id)))
    codes = {d.id: d.code for d in departments}
    heads: dict[int, str] = {
        row.id: row.username for row in db.execute(select(User.id, User.username))
    }
    return {
        "items": [
            DepartmentOut(
                code=d.code,
                name=d.name,
                parent=codes.get(d.parent_id) if d.parent_id else None,
                head=heads.get(d.head_id) if d.head_id else None,
            )
            for d in departments
        ]
    }


@router.post("/departments", status_code=201)
def create_department(body: DepartmentCreate, db: DB, _admin: AdminUser) -> DepartmentOut:
    department = org.create_department(db, code=body.code, name=body.name, parent_code=body.parent)
    if body.head:
        org.set_head(db, department=department, user=org.load_user(db, username=body.head))
    commit(db)
    return DepartmentOut(
        code=department.code, name=department.name, parent=body.parent, head=body.head
    )


@router.get("/roles")
def list_roles(db: DB, _user: CurrentUser) -> dict[str, list[RoleOut]]:
    directory = org.directory(db)
    roles = db.scalars(select(Role).order_by(Role.key))
    return {
        "items": [
            RoleOut(key=r.key, name=r.name, members=list(directory.members_of_role.get(r.key, ())))
            for r in roles
        ]
    }


@router.post("/roles", status_code=201)
def create_role(body: RoleCreate, db: DB, _admin: AdminUser) -> RoleOut:
    if db.scalars(select(Role).where(Role.key == body.key)).first() is not None:
        raise Conflict("role_exists", f"Role {body.key!r} exists.")
    role = org.ensure_role(db, key=body.key, name=body.name)
    commit(db)
    return RoleOut(key=role.key, name=role.name, members=[])


@router.patch("/users/{username}")
def set_availability(
    username: SlugPath, body: Availability, db: DB, _admin: AdminUser
) -> dict[str, Any]:
    """On leave: new work goes to the backup, and open tasks move to them now."""
    user = org.load_user(db, username=username)
    org.set_availability(db, user=user, on_leave=body.on_leave, backup=body.backup)
    moved = tasks.hand_over(db, user=user, now=now_utc()) if body.on_leave else []
    commit(db)
    names = {u.id: u.username for u in db.scalars(select(User))}
    return {"user": _user_out(user, _codes(db), names), "moved_tasks": moved}
