"""People request/response shapes. Pure."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class UserCreate(BaseModel):
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_]+$")
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    password: str | None = Field(default=None, min_length=8, max_length=200)
    roles: list[str] = Field(default_factory=list, max_length=50)
    department: str | None = Field(default=None, max_length=64)


class UserOut(BaseModel):
    username: str
    name: str
    email: str | None
    department: str | None
    roles: list[str]
    is_active: bool
    on_leave: bool = False
    backup: str | None = None


class Availability(BaseModel):
    """PATCH /api/users/{username}: on leave (new and open work goes to the backup) or back."""

    model_config = ConfigDict(extra="forbid")

    on_leave: bool
    backup: str | None = Field(default=None, max_length=64)


class DepartmentCreate(BaseModel):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1, max_length=200)
    parent: str | None = None
    head: str | None = None


class DepartmentOut(BaseModel):
    code: str
    name: str
    parent: str | None
    head: str | None


class RoleCreate(BaseModel):
    key: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1, max_length=200)


class RoleOut(BaseModel):
    key: str
    name: str
    members: list[str]
