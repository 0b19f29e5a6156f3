"""Settings read from the environment (prefix ``PARTA_``), with safe defaults for a laptop."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from parta.proxies import parse_networks

__all__ = ["DEFAULT_SECRET", "InsecureSettings", "Mode", "Settings"]

DEFAULT_SECRET = "change-me-parta-development-secret"
DEV_JANUS_API_SECRET = "parta-dev-janus-secret"
DEV_JANUS_ADMIN_KEY = "parta-dev-videoroom-key"
DEV_TURN_SECRET = "parta-dev-turn-secret"


class Mode(StrEnum):
    demo = "demo"  # one-time codes are printed to the console, a demo school is seeded
    dev = "dev"
    production = "production"


class InsecureSettings(RuntimeError):
    """Production mode was asked for with settings that are only safe on a laptop."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARTA_", env_file=None, extra="ignore")

    mode: Mode = Mode.dev
    database_url: str = "sqlite+aiosqlite:///./var/parta.db"
    secret_key: str = DEFAULT_SECRET
    base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    default_language: Literal["ru", "en"] = "ru"
    default_phone_region: str = "RU"

    # One-time codes (R10).
    otp_ttl_seconds: int = 300
    otp_max_attempts: int = 5
    otp_resend_seconds: int = 60
    otp_per_phone_per_hour: int = 5
    otp_per_ip_per_hour: int = 30
    otp_cooldown_seconds: int = 900  # after too many failed codes
    otp_failed_codes_before_cooldown: int = 3

    # Sessions.
    session_ttl_days: int = 30
    cookie_secure: bool = False  # True behind HTTPS; forced in production

    # SMS: "console" prints codes; "http" calls a gateway built from the URL template.
    sms_backend: Literal["console", "http"] = "console"
    sms_http_url: str = ""  # e.g. https://gw.example/send?to={phone}&text={text}
    sms_http_method: Literal["GET", "POST"] = "POST"
    sms_http_token: str = ""

    # Mail (codes for primary-school students go to a parent's e-mail).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = "parta@localhost"
    mail_backend: Literal["console", "smtp"] = "console"

    # Students up to this grade may receive their code via a parent's e-mail.
    primary_school_max_grade: int = 4

    invite_default_ttl_days: int = 14
    invite_max_ttl_days: int = 365

    # Attachments: where files live, and how large each kind may be.
    storage_backend: Literal["local", "s3"] = "local"
    storage_dir: Path = Path("./var/files")
    s3_endpoint: str = ""  # e.g. https://minio.school.example:9000 (path-style)
    s3_region: str = "us-east-1"
    s3_bucket: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    attachment_max_photo_mb: int = 20
    attachment_max_audio_mb: int = 50
    attachment_max_video_mb: int = 200
    attachment_max_document_mb: int = 50
    # Decoding a picture may take at most this much memory (a small PNG can promise gigabytes);
    # at most this many files are decoded or remuxed at once, the others wait up to
    # ``media_queue_seconds``; ffmpeg gets ``media_ffmpeg_seconds`` to strip a recording.
    image_decode_budget_mb: int = 192
    media_workers: int = 2
    media_queue_seconds: int = 60
    media_ffmpeg_seconds: int = 120
    # What one person may upload (per server process): files a minute, megabytes an hour.
    uploads_per_minute: int = 30
    upload_mb_per_hour: int = 1024

    # Events older than this are pruned hourly; a client further behind is told to resync.
    event_retention_days: int = 30
    # Files uploaded into a chat and never sent are deleted after this many hours.
    unsent_upload_hours: int = 24

    # Moderation (R30, R33): how long chat members may object to an early unblock, and the
    # flood limits for members (moderators are exempt, as from slow mode).
    unblock_objection_hours: int = 24
    flood_burst_messages: int = 6
    flood_burst_seconds: int = 10
    flood_minute_messages: int = 30
    duplicate_window_seconds: int = 600
    # Per person and server process; 0 turns a limit off.
    reactions_per_minute: int = 60
    typing_per_minute: int = 30

    # Personal data (152-ФЗ): how long a data export may be downloaded, how large its files
    # may be in all, the days a deletion may still be cancelled, and how long a student's data
    # is kept after they left or graduated with no other place anywhere (0: never deleted).
    export_ttl_hours: int = 48
    export_max_files_mb: int = 2048
    deletion_grace_days: int = 7
    retention_after_leaving_days: int = 365
    # The consent document's version the app shows parents; its text is in the catalogs.
    consent_document_version: str = "2026-1"

    # Calls (R37): Janus's HTTP API (on loopback: browsers reach it only through Parta's proxy),
    # the secret every request to it carries, the VideoRoom key that lets Parta alone create
    # rooms; coturn's TURN URLs (comma-separated) and the secret of its shared-secret (REST)
    # scheme, and how long the credentials a person gets stay good. The defaults match
    # scripts/media-services.sh, for a laptop.
    calls_enabled: bool = True
    janus_url: str = "http://127.0.0.1:18088/janus"
    janus_api_secret: str = DEV_JANUS_API_SECRET
    janus_admin_key: str = DEV_JANUS_ADMIN_KEY
    janus_timeout_seconds: float = 10.0
    turn_urls: str = "turn:127.0.0.1:34780?transport=udp"
    turn_secret: str = DEV_TURN_SECRET
    turn_ttl_seconds: int = 6 * 3600
    call_max_participants: int = 50
    # Video in calls: the codec Janus's rooms take, the cap on what one publisher sends (bits per
    # second), and simulcast: a publisher sends ``call_video_layers`` (2 or 3) copies of its
    # camera at falling resolutions and Janus relays one to each viewer; in a call of more than
    # ``call_low_layer_from`` people the viewers take the lowest layer (the teacher's screen
    # stays sharp for the class, a crowd of small tiles costs the school's uplink less).
    call_videocodec: Literal["vp8", "vp9", "h264"] = "vp8"
    call_video_bitrate: int = Field(default=512_000, ge=64_000, le=8_000_000)
    call_simulcast: bool = True
    call_video_layers: int = Field(default=3, ge=2, le=3)
    call_low_layer_from: int = Field(default=6, ge=2)
    # Someone Janus has not seen in their call's room this long after Parta admitted them has
    # gone (a closed laptop, a lost network) and is let out; checked every so many seconds.
    call_presence_grace_seconds: int = 60
    call_reconcile_seconds: int = 20
    # A one-to-one call rings the other person this long; unanswered, it ends as missed.
    call_ring_seconds: int = 30
    # Scheduled lessons and meetings (R37): at most so many a day in one chat, at most so long;
    # the reminder goes out so many minutes before the start (the timer looks every so many
    # seconds); the zone a school's day is counted in when the caller names none.
    lessons_per_chat_per_day: int = 12
    lesson_max_minutes: int = 6 * 60
    lesson_reminder_minutes: int = 10
    lesson_reminder_seconds: int = 30
    lessons_time_zone: str = "Europe/Moscow"
    # Statistics (R34, R39): weeks start on Monday; each school's weeks, days and working hours
    # follow its own zone (``organization.time_zone``), this one only says which week is «this
    # week» for a municipality's dashboard. A dashboard's range of weeks is at most this long.
    stats_time_zone: str = "Europe/Moscow"
    stats_max_weeks: int = 60
    # Polls (R26): a poll's live results go out at most once per so many seconds however many
    # vote; its author reminds those who did not answer at most once per so many minutes.
    poll_results_seconds: float = 1.0
    poll_remind_minutes: int = 60
    # Announcements that need an acknowledgement (issue 15): after the deadline a reminder,
    # so many minutes later the second guardian is asked, so many minutes after the deadline
    # the class teacher gets the families to call; the timer looks every so many seconds.
    ack_second_guardian_minutes: int = 24 * 60
    ack_call_list_minutes: int = 48 * 60
    ack_check_seconds: int = 60
    # Reminder letters and SMS handed over or failed are forgotten after so many days (the
    # hourly sweep); an announcement's «not reminded» count then covers only the recent ones.
    reminder_delivery_retention_days: int = 30
    # Urgent posts in ordinary chats (issue 14): a school marks at most so many a day, and
    # sends at most so many SMS a day for them (a mark that would go past it is refused).
    urgent_per_day: int = 5
    urgent_sms_per_day: int = 300
    # Their SMS go by a worker that also looks every so many seconds (retries, other processes').
    urgent_sms_check_seconds: float = 30.0
    # Scheduled messages: at most so many waiting per author; the timer looks every so often.
    scheduled_per_author: int = 20
    scheduled_check_seconds: int = 15
    # Broadcasts (R38): how many watch one at once (a full broadcast refuses the next viewer with
    # a clear message), how many presenters one has, how long one may be planned for, how many
    # of a viewer's questions may wait at once, and how often the live viewer count goes out.
    broadcast_max_viewers: int = 300
    broadcast_max_presenters: int = 5
    broadcast_max_minutes: int = 4 * 60
    broadcast_questions_waiting: int = 3
    broadcast_count_seconds: float = 1.0
    # A school's video broadcast from the server: the address Janus's Streaming plugin takes
    # RTP on and Parta's ffmpeg sends to (Janus beside Parta: loopback, unreachable from outside).
    broadcast_rtp_host: str = "127.0.0.1"
    # A video broadcast whose mountpoint Janus received nothing on for this long has no ffmpeg
    # left (its server process crashed): it goes off the air (looked at with the calls' round).
    broadcast_silent_seconds: int = Field(default=30, ge=5)
    # Web Push (RFC 8030/8292): the VAPID key (raw P-256 scalar, base64url; empty: made once
    # and kept in the database) and the contact the push services may write to (empty: the
    # base URL if https, else mailto:mail_from). How many browsers one person may subscribe.
    vapid_private_key: str = ""
    vapid_subject: str = ""
    push_max_subscriptions: int = 10
    # The e-mail digest: a message unread this long (a person may choose otherwise) by someone
    # who has not opened the app since may be mailed to their confirmed address; the server
    # looks for digests to send every so many seconds.
    digest_delay_minutes: int = 30
    digest_every_seconds: int = 60

    redis_url: str = ""
    log_json: bool = True

    # Reverse proxies whose X-Forwarded-For / X-Real-IP are believed: comma-separated addresses
    # or networks («127.0.0.1, 10.0.0.0/8»). Empty: none, every peer is the client itself.
    trusted_proxies: str = ""
    # Who may read /metrics (others get 404): comma-separated addresses or networks.
    metrics_allow: str = "127.0.0.1,::1"
    web_dir: Path = Field(default_factory=lambda: Path(__file__).parent / "web")

    @field_validator("trusted_proxies", "metrics_allow")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)  # refuse to start with an address that means nothing
        return value

    @property
    def hsts(self) -> bool:
        """Whether browsers are told to come back over HTTPS only (production, on https://)."""
        return self.mode == Mode.production and self.base_url.startswith("https://")

    @property
    def turn_url_list(self) -> list[str]:
        return [u.strip() for u in self.turn_urls.split(",") if u.strip()]

    @property
    def stats_zone(self) -> ZoneInfo:
        return ZoneInfo(self.stats_time_zone)

    @field_validator("stats_time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        ZoneInfo(value)  # refuse to start with a zone that does not exist
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def check_production(self) -> None:
        """Refuse to start in production with defaults that are only safe in development."""
        if self.mode != Mode.production:
            return
        problems = []
        if self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32:
            problems.append("PARTA_SECRET_KEY must be set to a random value of 32+ characters")
        if self.sms_backend == "console":
            problems.append("PARTA_SMS_BACKEND=console would print sign-in codes to the log")
        if not self.base_url.startswith("https://"):
            problems.append("PARTA_BASE_URL must be https:// in production")
        if self.calls_enabled and (self.janus_api_secret == DEV_JANUS_API_SECRET
                                   or self.janus_admin_key == DEV_JANUS_ADMIN_KEY
                                   or self.turn_secret == DEV_TURN_SECRET):
            problems.append("PARTA_JANUS_API_SECRET, PARTA_JANUS_ADMIN_KEY and PARTA_TURN_SECRET "
                            "must be set for calls in production (or PARTA_CALLS_ENABLED=false)")
        if problems:
            raise InsecureSettings("; ".join(problems))
