"""Personal data (152-ФЗ): the consent ledger, data exports and deletion requests.

The ledger (``consent_record``) is append-only: every consent given or withdrawn is a new row
and nothing is ever updated or deleted, so the school can show who agreed to what and when.
``consent_state`` holds the ledger's latest word for each child, organization and purpose, so
the send path and the administrator's gap list read one small row instead of the history.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from parta.db import Base, UTCDateTime, utcnow

__all__ = [
    "CHAT_PURPOSES",
    "ConsentChannel",
    "ConsentRecord",
    "ConsentState",
    "ConsentStatus",
    "DataExport",
    "DeletionReason",
    "DeletionRequest",
    "ExportState",
    "JobState",
    "Purpose",
]


class Purpose(StrEnum):
    processing = "processing"  # processing of the child's personal data at all
    chats = "chats"  # taking part in chats
    photos = "photos"  # sending photos
    calls = "calls"  # taking part in calls (the calls feature reads it)


# Without these two the child may not post in chats.
CHAT_PURPOSES = (Purpose.processing, Purpose.chats)


class ConsentStatus(StrEnum):
    given = "given"
    withdrawn = "withdrawn"


class ConsentChannel(StrEnum):
    app = "app"  # the parent in the app
    paper = "paper"  # a paper form, recorded by an administrator


class ConsentRecord(Base):
    __tablename__ = "consent_record"
    __table_args__ = (Index("ix_consent_record_org_child", "org_id", "child_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    child_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    purpose: Mapped[Purpose] = mapped_column(Enum(Purpose, native_enum=False, length=20))
    status: Mapped[ConsentStatus] = mapped_column(Enum(ConsentStatus, native_enum=False, length=20))
    # The parent who gave or withdrew it (None: named on a paper form, see parent_name).
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    parent_name: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[ConsentChannel] = mapped_column(Enum(ConsentChannel, native_enum=False, length=10))
    recorded_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    document_version: Mapped[str] = mapped_column(String(40), default="")
    document_hash: Mapped[str] = mapped_column(String(64), default="")  # SHA-256 of its text
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsentState(Base):
    """The latest ledger row for one child, organization and purpose."""

    __tablename__ = "consent_state"
    __table_args__ = (UniqueConstraint("org_id", "child_id", "purpose"),
                      Index("ix_consent_state_child_status", "child_id", "status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    child_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    purpose: Mapped[Purpose] = mapped_column(Enum(Purpose, native_enum=False, length=20))
    status: Mapped[ConsentStatus] = mapped_column(Enum(ConsentStatus, native_enum=False, length=20))
    record_id: Mapped[int] = mapped_column(ForeignKey("consent_record.id", ondelete="CASCADE"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JobState(StrEnum):
    """A scheduled piece of work: claimed by one process (pending → running) before it runs."""

    pending = "pending"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


ExportState = JobState
_ACTIVE = "state IN ('pending', 'running')"


class DataExport(Base):
    """A person's archive of their own data (JSON and their files), built in the background."""

    __tablename__ = "data_export"
    __table_args__ = (Index("ix_data_export_user_id_id", "user_id", "id"),
                      Index("ix_data_export_state", "state"),
                      # One archive in the making per person, even for two requests at once.
                      Index("uq_data_export_user_active", "user_id", unique=True,
                            sqlite_where=text(_ACTIVE), postgresql_where=text(_ACTIVE)))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    state: Mapped[JobState] = mapped_column(Enum(JobState, native_enum=False, length=20),
                                            default=JobState.pending)
    storage_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    files: Mapped[int] = mapped_column(Integer, default=0)
    files_left_out: Mapped[int] = mapped_column(Integer, default=0)  # over the size bound
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DeletionReason(StrEnum):
    own = "own"  # the person asked
    parent = "parent"  # a parent asked for their child
    retention = "retention"  # the student left or graduated long enough ago
    school = "school"  # the school's administration asked for a student


class DeletionRequest(Base):
    __tablename__ = "deletion_request"
    __table_args__ = (Index("ix_deletion_request_state_due", "state", "due_at"),
                      Index("ix_deletion_request_user_id", "user_id"),
                      Index("uq_deletion_request_user_active", "user_id", unique=True,
                            sqlite_where=text(_ACTIVE), postgresql_where=text(_ACTIVE)))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    requested_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    reason: Mapped[DeletionReason] = mapped_column(Enum(DeletionReason, native_enum=False, length=20))
    # The school that asked (reason «school»): only its administration may cancel.
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL"), nullable=True)
    state: Mapped[JobState] = mapped_column(Enum(JobState, native_enum=False, length=20),
                                            default=JobState.pending)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
