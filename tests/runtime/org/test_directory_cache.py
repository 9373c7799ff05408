"""The org directory is cached per database and rebuilt whenever the organisation changes."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from runtime.db.engine import make_session_factory
from runtime.org import service as org


def north_a_department(db: Session) -> str:
    code = org.directory(db).department_of["north_a"]
    assert code is not None
    return code


def test_a_new_head_shows_in_the_same_transaction(db: Session) -> None:
    before = org.directory(db)
    assert before.manager("north_a") == "wang"
    assert org.directory(db) is before  # nothing changed: the cached directory
    department = org.load_department(db, code=north_a_department(db))
    org.set_head(db, department=department, user=org.load_user(db, username="qian"))
    after = org.directory(db)
    assert after is not before
    assert after.manager("north_a") == "qian"


def test_users_roles_and_ids_follow_changes(db: Session) -> None:
    assert "xu" not in org.user_ids(db)
    user = org.create_user(
        db,
        username="xu",
        name="许",
        password="sample-pass-1",
        department_code=north_a_department(db),
        roles=["legal"],
    )
    assert org.user_ids(db)["xu"] == user.id
    assert "xu" in org.directory(db).members_of_role["legal"]
    user.is_active = False
    assert "xu" not in org.directory(db).department_of  # inactive: out of the directory …
    assert org.user_ids(db)["xu"] == user.id  # … but still known by id


def test_emails_follow_a_changed_address(db: Session) -> None:
    # given wang's address as notifications read it (the cached snapshot)
    wang = org.load_user(db, username="wang")
    before = org.user_emails(db).get("wang")
    assert before == wang.email
    # when the address changes in this transaction, the next read has the new one
    wang.email = "wang.new@example.com"
    assert org.user_emails(db)["wang"] == "wang.new@example.com"
    # and a user without an address has no entry (no mail is addressed to nobody)
    wang.email = None
    assert "wang" not in org.user_emails(db)


def test_a_rolled_back_change_never_matches_a_later_one(seeded: tuple[str, Engine]) -> None:
    _url, engine = seeded
    factory = make_session_factory(engine)
    with factory() as db:
        department = org.load_department(db, code=north_a_department(db))
        org.set_head(db, department=department, user=org.load_user(db, username="qian"))
        assert org.directory(db).manager("north_a") == "qian"
        db.rollback()
    with factory() as db:
        department = org.load_department(db, code=north_a_department(db))
        assert org.directory(db).manager("north_a") == "wang"  # the rollback is not cached
        org.set_head(db, department=department, user=org.load_user(db, username="zhao"))
        assert org.directory(db).manager("north_a") == "zhao"
        db.rollback()
    with factory() as db:
        assert org.directory(db).manager("north_a") == "wang"
