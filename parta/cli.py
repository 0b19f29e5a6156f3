"""The ``parta`` command: serve, migrate, demo, org register, user helpers."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from parta.config import Settings

app = typer.Typer(help="Parta: an educational messenger for schools.", no_args_is_help=True)
org_app = typer.Typer(help="Organizations.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(user_app, name="user")
events_app = typer.Typer(help="The event stream.", no_args_is_help=True)
app.add_typer(events_app, name="events")
console = Console()


def _services(settings: Settings):  # type: ignore[no-untyped-def]
    from parta.actions.base import Services
    from parta.db import make_engine, make_sessionmaker
    from parta.realtime.bus import InProcessBus
    from parta.services.mail import make_mailer
    from parta.services.sms import make_sms
    from parta.services.storage import make_storage

    engine = make_engine(settings.database_url)
    return engine, Services(settings=settings, sessionmaker=make_sessionmaker(engine),
                            sms=make_sms(settings), mail=make_mailer(settings), bus=InProcessBus(),
                            storage=make_storage(settings))


def _ensure_var(settings: Settings) -> None:
    if settings.is_sqlite and ":///./" in settings.database_url:
        import pathlib

        pathlib.Path(settings.database_url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (SQLite or PostgreSQL)."""
    from parta.migrate import upgrade

    settings = Settings()
    _ensure_var(settings)
    upgrade(settings.database_url)
    console.print("[green]Database is up to date.[/green]")


@app.command()
def demo() -> None:
    """Seed the demo school (idempotent) and print who can sign in."""
    from parta.demo import DEMO_PEOPLE, seed_demo

    settings = Settings()

    async def run() -> int:
        engine, services = _services(settings)
        try:
            return await seed_demo(services)
        finally:
            await engine.dispose()

    asyncio.run(run())
    table = Table(title="Demo school «Школа № 1 (демо)»: sign in with these phones")
    table.add_column("phone")
    table.add_column("who")
    for p in DEMO_PEOPLE:
        table.add_row(p.phone, f"{p.name} ({', '.join(r.value for r in p.roles) or p.key})")
    console.print(table)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
) -> None:
    """Start the server."""
    import uvicorn

    from parta.app import create_app
    from parta.config import Mode
    from parta.logs import setup_logging

    settings = Settings()
    _ensure_var(settings)
    setup_logging(json_lines=settings.log_json)
    application = create_app(settings)
    h, p = host or settings.host, port or settings.port
    console.print(f"Parta is running at [bold]http://{h}:{p}/[/bold]")
    if settings.mode == Mode.demo:
        console.print("Demo mode: sign in with a demo phone; the one-time code appears here.")
    uvicorn.run(application, host=h, port=p, log_config=None, proxy_headers=False)


@org_app.command("register")
def org_register(
    name: Annotated[str, typer.Option(help="Full name of the organization")],
    municipality: Annotated[str, typer.Option(help="Municipality name (created if missing)")],
    region: Annotated[str, typer.Option(help="Region name (created if missing)")],
    admin_name: Annotated[str, typer.Option(help="Administrator's full name")],
    admin_phone: Annotated[str, typer.Option(help="Administrator's mobile phone")],
    admin_email: Annotated[str, typer.Option(help="Administrator's e-mail")] = "",
    kind: Annotated[str, typer.Option(help="school | college | kindergarten | supplementary")] = "school",
    application_ref: Annotated[str, typer.Option(help="Number and date of the order")] = "",
) -> None:
    """Register an organization from its application, as the platform operator (R1)."""
    from sqlalchemy import select

    from parta.actions.base import unit_of_work
    from parta.actions.orgs import register_organization
    from parta.errors import PartaError
    from parta.models import Municipality, OrgKind, Region
    from parta.policy import Actor

    settings = Settings()

    async def run() -> int:
        engine, services = _services(settings)
        try:
            async with unit_of_work(services) as ctx:
                # The command line is the operator's own console.
                ctx.actor = Actor(user_id=0, is_operator=True)
                from parta.models import User
                ctx.user = User(id=None, name="cli")  # not added to the session
                reg = (await ctx.db.execute(select(Region).where(Region.name == region))).scalar_one_or_none()
                if reg is None:
                    reg = Region(name=region)
                    ctx.db.add(reg)
                    await ctx.db.flush()
                muni = (await ctx.db.execute(select(Municipality).where(
                    Municipality.region_id == reg.id, Municipality.name == municipality))).scalar_one_or_none()
                if muni is None:
                    muni = Municipality(region_id=reg.id, name=municipality)
                    ctx.db.add(muni)
                    await ctx.db.flush()
                org = await register_organization(
                    ctx, name=name, kind=OrgKind(kind), municipality_id=muni.id,
                    admin_name=admin_name, admin_email=admin_email, admin_phone=admin_phone,
                    application_ref=application_ref)
                return org.id
        finally:
            await engine.dispose()

    try:
        org_id = asyncio.run(run())
    except PartaError as exc:
        console.print(f"[red]Refused: {exc.code} {exc.fields or ''}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Registered organization {org_id}. The administrator signs in with {admin_phone}.")


@user_app.command("operator")
def user_operator(phone: Annotated[str, typer.Argument(help="Mobile phone")],
                  name: Annotated[str, typer.Option(help="Name")] = "") -> None:
    """Make (or create) a platform operator with this phone."""
    from sqlalchemy import select

    from parta.actions.base import unit_of_work
    from parta.errors import PartaError
    from parta.models import User
    from parta.services.phones import normalize_phone

    settings = Settings()

    async def run() -> None:
        engine, services = _services(settings)
        try:
            async with unit_of_work(services) as ctx:
                e164 = normalize_phone(phone, settings.default_phone_region)
                user = (await ctx.db.execute(select(User).where(User.phone == e164))).scalar_one_or_none()
                if user is None:
                    user = User(phone=e164, name=name)
                    ctx.db.add(user)
                user.is_operator = True
                await ctx.db.flush()
                ctx.audit("user.operator_granted", None, "user", user.id)
        finally:
            await engine.dispose()

    try:
        asyncio.run(run())
    except PartaError as exc:
        console.print(f"[red]Refused: {exc.code}[/red]")
        raise typer.Exit(2) from None
    console.print(f"{phone} is a platform operator.")


@events_app.command("prune")
def events_prune(days: Annotated[int | None, typer.Option(
        help="Keep this many days (default: PARTA_EVENT_RETENTION_DAYS)")] = None) -> None:
    """Forget old events now (the server also does it hourly); clients behind them resync."""
    from datetime import timedelta

    from parta.db import make_engine, make_sessionmaker, utcnow
    from parta.realtime.eventlog import prune

    settings = Settings()
    keep = settings.event_retention_days if days is None else days

    async def run() -> int:
        engine = make_engine(settings.database_url)
        try:
            async with make_sessionmaker(engine)() as db:
                n = await prune(db, utcnow() - timedelta(days=keep))
                await db.commit()
                return n
        finally:
            await engine.dispose()

    console.print(f"Pruned {asyncio.run(run())} events older than {keep} days.")


def main() -> None:
    app()
