"""The sample organisation of DESIGN §7 (usernames are part of the contract). Shell."""

from __future__ import annotations

from sqlalchemy.orm import Session

from runtime.org import service as org

# (code, name, parent code, head username)
DEPARTMENTS: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("company", "总经办", None, "admin"),
    ("sales", "销售部", "company", "zhao"),
    ("north", "华北区销售团队", "sales", "wang"),
    ("east", "华东区销售团队", "sales", "li"),
    ("south", "华南区销售团队", "sales", "zhang"),
    ("key_accounts", "大客户部", "sales", "ka"),
    ("presales", "售前支持部", "sales", None),
    ("finance", "财务部", "company", "finance"),
    ("legal", "法务部", "company", "legal"),
)

# (username, name, department code, roles)
USERS: tuple[tuple[str, str, str | None, tuple[str, ...]], ...] = (
    ("admin", "管理员", "company", ("admin",)),
    ("zhao", "赵总监", "sales", ("sales_director",)),
    ("qian", "钱经理", "sales", ("sales_manager",)),
    ("wang", "王经理", "north", ("sales_rep",)),
    ("north_a", "北区销售A", "north", ("sales_rep",)),
    ("north_b", "北区销售B", "north", ("sales_rep",)),
    ("li", "李经理", "east", ("sales_rep",)),
    ("east_a", "东区销售A", "east", ("sales_rep",)),
    ("east_b", "东区销售B", "east", ("sales_rep",)),
    ("zhang", "张经理", "south", ("sales_rep",)),
    ("south_a", "销售A", "south", ("sales_rep",)),
    ("south_b", "南区销售B", "south", ("sales_rep",)),
    ("ka", "孙总监", "key_accounts", ("sales_rep",)),
    ("presales1", "售前顾问一", "presales", ("presales",)),
    ("presales2", "售前顾问二", "presales", ("presales",)),
    ("finance", "财务", "finance", ("finance",)),
    ("legal", "法务", "legal", ("legal",)),
)

ROLE_NAMES = {
    "admin": "管理员",
    "sales_director": "销售总监",
    "sales_manager": "销售经理",
    "sales_rep": "销售代表",
    "presales": "售前顾问",
    "finance": "财务",
    "legal": "法务",
}


def load_sample_organisation(db: Session, *, password: str) -> None:
    """Create the departments, users (all with `password`) and roles; skip what exists."""
    for key, name in ROLE_NAMES.items():
        org.ensure_role(db, key=key, name=name)
    for code, name, parent, _head in DEPARTMENTS:
        if org.get_department(db, code=code) is None:
            org.create_department(db, code=code, name=name, parent_code=parent)
    for username, name, department, roles in USERS:
        if org.get_user(db, username=username) is None:
            org.create_user(
                db,
                username=username,
                name=name,
                password=password,
                roles=roles,
                department_code=department,
            )
    for code, _name, _parent, head in DEPARTMENTS:
        if head is not None:
            org.set_head(
                db,
                department=org.load_department(db, code=code),
                user=org.load_user(db, username=head),
            )
