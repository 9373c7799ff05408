"""Sequences: enrolments, one row per email a step sent, unsubscribed addresses. Shell."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from runtime.db.base import Base
from runtime.db.types import JSONDoc, UTCDateTime


class EmailSend(Base):
    """An email of a sequence step to a record's address, with what its tracking saw.

    `key` (instance + action key) makes the step send once however often it is delivered.
    `nonce` is random and enters every token's signature, so a token names this send only.
    `links` are the URLs the mail links to, by position: the click redirect goes to one of
    them and nowhere else. `opened_at` / `clicked_at`: the first open and the first click.
    """

    __tablename__ = "email_sends"
    __table_args__ = (Index("ix_email_sends_record", "record_id", "flow_key", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    nonce: Mapped[str] = mapped_column(String(64))
    app_key: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("flow_instances.id", ondelete="SET NULL")
    )
    flow_key: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    links: Mapped[list[Any]] = mapped_column(JSONDoc)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Unsubscribe(Base):
    """An address that asked for no more sequence mail from this app (lower case)."""

    __tablename__ = "unsubscribes"
    __table_args__ = (UniqueConstraint("app_key", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(320))
    source: Mapped[str] = mapped_column(String(32))  # one_click | page
    send_id: Mapped[int | None] = mapped_column(ForeignKey("email_sends.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class SequenceEnrolment(Base):
    """A record entering a sequence (a flow with `sequence`): its n-th time in that sequence.

    Unique per (app, flow, record, number): two dispatchers enrolling a record at once cannot
    both take the same number, so one of them enrols nobody. Whether it runs or ended is its
    instance's status.
    """

    __tablename__ = "sequence_enrolments"
    __table_args__ = (UniqueConstraint("app_key", "flow_key", "record_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(String(64))
    flow_key: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("flow_instances.id", ondelete="SET NULL")
    )
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
