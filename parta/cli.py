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
roster_app = typer.Typer(help="The roster from the school's records.", no_args_is_help=True)
app.add_typer(roster_app, name="roster")
year_app = typer.Typer(help="The school year.", no_args_is_help=True)
app.add_typer(year_app, name="year")
stats_app = typer.Typer(help="Statistics (R34, R39): print a school's, recount them.",
                        invoke_without_command=True)
app.add_typer(stats_app, name="stats")
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


async def _act_as_org_admin(ctx, org: int, as_phone: str | None,  # type: ignore[no-untyped-def]
                            settings: Settings) -> None:
    """The CLI acts as a real administrator of the organization (removals and audits name a
    person): the one ``--as`` names, or the longest-serving."""
    from sqlalchemy import select

    from parta.models import Membership, MembershipRole, Role, User
    from parta.queries.actors import load_actor
    from parta.services.phones import normalize_phone

    q = (select(User).join(Membership, Membership.user_id == User.id)
         .join(MembershipRole, MembershipRole.membership_id == Membership.id)
         .where(Membership.org_id == org, Membership.left_at.is_(None),
                MembershipRole.role == Role.org_admin).order_by(Membership.id))
    if as_phone:
        q = q.where(User.phone == normalize_phone(as_phone, settings.default_phone_region))
    user = (await ctx.db.execute(q.limit(1))).scalar_one_or_none()
    if user is None:
        raise typer.BadParameter("no such administrator of this organization", param_hint="--as")
    ctx.user, ctx.actor = user, await load_actor(ctx.db, user)


def _as_console(ctx) -> None:  # type: ignore[no-untyped-def]
    """The command line is the operator's own console (no one signed in: no user row)."""
    from parta.models import User
    from parta.policy import Actor

    ctx.actor = Actor(user_id=0, is_operator=True)
    ctx.user = User(id=None, name="cli")  # not added to the session


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

    from parta.app import Served, create_app
    from parta.config import Mode
    from parta.logs import setup_logging
    from parta.realtime.frames import UVICORN_WS_OPTIONS

    settings = Settings()
    _ensure_var(settings)
    setup_logging(json_lines=settings.log_json)
    application = Served(create_app(settings))
    h, p = host or settings.host, port or settings.port
    console.print(f"Parta is running at [bold]http://{h}:{p}/[/bold]")
    if settings.mode == Mode.demo:
        console.print("Demo mode: sign in with a demo phone; the one-time code appears here.")
    uvicorn.run(application, host=h, port=p, log_config=None, proxy_headers=False,
                **UVICORN_WS_OPTIONS)


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
    from parta.actions.base import unit_of_work
    from parta.actions.orgs import place, register_organization
    from parta.errors import PartaError
    from parta.models import OrgKind

    settings = Settings()

    async def run() -> int:
        engine, services = _services(settings)
        try:
            async with unit_of_work(services) as ctx:
                _as_console(ctx)
                muni = await place(ctx, region, municipality)
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
    from parta.actions.base import unit_of_work
    from parta.actions.orgs import grant_operator
    from parta.errors import PartaError

    settings = Settings()

    async def run() -> None:
        engine, services = _services(settings)
        try:
            async with unit_of_work(services) as ctx:
                _as_console(ctx)
                await grant_operator(ctx, phone, name)
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


@roster_app.command("reconcile")
def roster_reconcile(
    org: Annotated[int, typer.Option(help="Organization id")],
    out: Annotated[str | None, typer.Option(help="Write the report to FILE.xlsx (or .csv)")] = None,
) -> None:
    """Compare the platform with the latest roster (R8): print the five lists' sizes, and
    write the whole report to a spreadsheet. Read-only; recording it is an administrator's."""
    from pathlib import Path

    from parta.actions.base import unit_of_work
    from parta.errors import PartaError
    from parta.i18n import t
    from parta.policy import Action, Actor
    from parta.queries.reconciliation import LISTS, Report, reconciliation, to_csv, to_xlsx
    from parta.queries.scope import org_for

    settings = Settings()

    async def run() -> Report:
        engine, services = _services(settings)
        try:
            async with unit_of_work(services) as ctx:
                # The command line is the operator's own console.
                scope = await org_for(ctx.db, Actor(user_id=0, is_operator=True), org,
                                      Action.reconciliation_view)
                return await reconciliation(ctx.db, scope)
        finally:
            await engine.dispose()

    try:
        report = asyncio.run(run())
    except PartaError as exc:
        console.print(f"[red]Refused: {exc.code}[/red]")
        raise typer.Exit(2) from None
    table = Table(title=t("ru", "reconciliation.column.list"))
    table.add_column("list")
    table.add_column("count", justify="right")
    for name in LISTS:
        table.add_row(t("ru", f"reconciliation.list.{name}"), str(len(report.lists[name])))
    console.print(table)
    if report.status.roster_import_id is None:
        console.print("No roster has been applied yet: nothing to compare people with.")
    if report.status.reminder:
        console.print("[yellow]A reconciliation is due (none in the last quarter).[/yellow]")
    if out:
        path = Path(out)
        path.write_bytes(to_csv(report) if path.suffix.lower() == ".csv" else to_xlsx(report))
        console.print(f"Written to {path}.")


@year_app.command("rollover")
def year_rollover(
    org: Annotated[int, typer.Option(help="Organization id")],
    apply: Annotated[bool, typer.Option("--apply", help="Apply the plan right after showing it")] = False,
    final_grade: Annotated[int | None, typer.Option(help="The last grade (default by kind)")] = None,
    as_phone: Annotated[str | None, typer.Option(
        "--as", help="The organization administrator acting (default: the longest-serving)")] = None,
    repeat: Annotated[bool, typer.Option(help="Allow a second rollover within half a year")] = False,
) -> None:
    """Move to the next school year: show the plan (classes promoted, the final grade
    graduated, last year's chats archived, new chats); with --apply, carry it out. Decisions
    for classes that need one are given in the web interface or the API."""

    from parta.actions.base import unit_of_work
    from parta.actions.year import apply_rollover, preview_rollover
    from parta.errors import PartaError

    settings = Settings()

    async def acting(ctx):  # type: ignore[no-untyped-def]
        await _act_as_org_admin(ctx, org, as_phone, settings)

    async def run() -> tuple[dict, int, bool, str]:  # type: ignore[type-arg]
        engine, services = _services(settings)
        try:
            async with unit_of_work(services) as ctx:
                await acting(ctx)
                row = await preview_rollover(ctx, org, final_grade=final_grade, repeat=repeat)
                plan, rid, who = row.plan, row.id, ctx.user.name if ctx.user else ""
            ready = not any(r["op"] == "undecided" for r in plan["classes"])
            if apply and ready:
                async with unit_of_work(services) as ctx:
                    await acting(ctx)
                    await apply_rollover(ctx, org, rid)
            return plan, rid, ready, who
        finally:
            await engine.dispose()

    try:
        plan, rid, ready, who = asyncio.run(run())
    except PartaError as exc:
        console.print(f"[red]Refused: {exc.code} {exc.fields or ''} {exc.params or ''}[/red]")
        raise typer.Exit(2) from None
    table = Table(title=f"Rollover {rid} (final grade {plan['final_grade']}), as {who}")
    for col in ("class", "becomes", "students", "class teacher"):
        table.add_column(col)
    for r in plan["classes"]:
        becomes = {"promote": r["new_name"], "graduate": "graduates", "keep": "stays"}.get(
            r["op"], f"needs a decision ({r['reason']})")
        teacher = r["new_class_teacher"]["name"] if r["new_class_teacher"] else ""
        table.add_row(r["name"], becomes, str(r["students"]), teacher)
    console.print(table)
    console.print(f"Graduates: {len(plan['graduates'])}; chats archived: "
                  f"{len(plan['archive_chats'])}; new chats: {len(plan['new_chats'])}.")
    for w in plan["warnings"]:
        console.print(f"[yellow]{w['class']}: no class teacher, so no class chats.[/yellow]")
    if not ready:
        console.print("[red]Some classes need a decision; give it in the web interface.[/red]")
        raise typer.Exit(2 if apply else 0)
    console.print("Applied." if apply else f"Preview {rid} stored. Run again with --apply to apply.")


@roster_app.command("import")
def roster_import(
    file: Annotated[str, typer.Argument(help="OneRoster bundle (.zip or a folder) or an XLSX sheet")],
    org: Annotated[int, typer.Option(help="Organization id")],
    apply: Annotated[bool, typer.Option("--apply", help="Apply the preview right after it")] = False,
    valid_rows_only: Annotated[bool, typer.Option(
        "--valid-rows-only", help="The file has errors: apply its valid rows only")] = False,
    as_phone: Annotated[str | None, typer.Option(
        "--as", help="The organization administrator acting (default: the longest-serving)")] = None,
) -> None:
    """Import a roster (R8, R9): print the preview — who is created, changed, moved, departs,
    the row errors —; with --apply, apply it with a progress bar. Re-importing changes nothing."""
    from pathlib import Path

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from parta.actions import roster as roster_actions
    from parta.actions.base import unit_of_work
    from parta.errors import PartaError

    settings = Settings()
    path = Path(file)
    if not path.exists():
        raise typer.BadParameter("no such file or folder", param_hint="FILE")

    async def acting(ctx):  # type: ignore[no-untyped-def]
        await _act_as_org_admin(ctx, org, as_phone, settings)

    async def run() -> None:
        engine, services = _services(settings)
        try:
            async with unit_of_work(services) as ctx:
                await acting(ctx)
                row = await roster_actions.preview_import(ctx, org, path.name, path)
            _print_roster_preview(row)
            if not apply:
                console.print(f"Preview {row.id} stored. Apply it with --apply, or in the web "
                              "interface.")
                return
            async with unit_of_work(services) as ctx:
                await acting(ctx)
                await roster_actions.start_apply(ctx, org, row.id, valid_rows_only)
                actor, user_id = ctx.require_actor(), ctx.user.id if ctx.user else None
            with Progress("{task.description}", BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=console) as bar:
                task = bar.add_task("Applying", total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                await roster_actions.run_apply(services, row.id, actor=actor, user_id=user_id,
                                               on_progress=progress)
            console.print(f"[green]Applied import {row.id}.[/green]")
        finally:
            await engine.dispose()

    try:
        asyncio.run(run())
    except PartaError as exc:
        console.print(f"[red]Refused: {exc.code}[/red]")
        for e in exc.params.get("errors", []) if isinstance(exc.params.get("errors"), list) else []:
            console.print(f"  {e['file']}:{e['line']} {e['column']}: {e['message_ru']}")
        raise typer.Exit(2) from None


def _print_roster_preview(row) -> None:  # type: ignore[no-untyped-def]
    """The preview as tables: the counts, the changes (the first 50 of each kind), the errors."""
    c = row.counts
    summary = Table(title=f"Preview {row.id}: {row.file_name} ({row.kind})")
    for name in ("create", "change", "move", "depart", "same", "classes", "chats", "errors"):
        summary.add_column(name, justify="right")
    summary.add_row(*(str(c[k]) for k in ("create", "change", "move", "depart", "same",
                                           "classes", "chats", "errors")))
    console.print(summary)
    shown = [p for p in row.plan["people"] if p["op"] != "same"]
    departures = row.plan["departures"]
    if shown or departures:
        diff = Table(title="Changes")
        for col in ("", "name", "kind", "class", "details"):
            diff.add_column(col)
        signs = {"create": "[green]+[/green]", "change": "[yellow]~[/yellow]",
                 "move": "[cyan]→[/cyan]"}
        for p in shown[:50]:
            details = (f"{p['class_from']} → {p['class']}" if p["op"] == "move" else
                       ", ".join(sorted(p["changes"])))
            diff.add_row(signs[p["op"]], p["name"], p["kind"], p["class"], details)
        for d in departures[:50]:
            diff.add_row("[red]−[/red]", d["name"], d["kind"], d["class"], "departs")
        console.print(diff)
        if len(shown) > 50 or len(departures) > 50:
            console.print(f"… and {max(0, len(shown) - 50) + max(0, len(departures) - 50)} more.")
    if row.errors:
        errors = Table(title="Row errors")
        for col in ("file", "line", "column", "reason"):
            errors.add_column(col)
        for e in row.errors[:100]:
            errors.add_row(e["file"], str(e["line"]), e["column"], e["message_ru"])
        console.print(errors)
        if len(row.errors) > 100:
            console.print(f"… and {len(row.errors) - 100} more errors.")


@stats_app.callback()
def stats_show(
    typer_ctx: typer.Context,
    org: Annotated[int | None, typer.Option(help="Organization id")] = None,
    start: Annotated[str | None, typer.Option("--from", help="A day of the first week")] = None,
    end: Annotated[str | None, typer.Option("--to", help="A day of the last week")] = None,
    out: Annotated[str | None, typer.Option(help="Also write FILE.xlsx (or .csv)")] = None,
) -> None:
    """Print a school's figures by week (this school year unless --from/--to)."""
    if typer_ctx.invoked_subcommand is not None:
        return
    if org is None:
        raise typer.BadParameter("which organization?", param_hint="--org")
    from datetime import date
    from pathlib import Path

    from parta.actions.base import unit_of_work
    from parta.errors import PartaError
    from parta.i18n import t
    from parta.policy import Action, Actor
    from parta.queries import stats as q
    from parta.queries.scope import org_for
    from parta.queries.stats_files import stats_csv, stats_xlsx
    from parta.schemas.stats import StatsOut

    settings = Settings()

    def day(value: str | None, name: str) -> date | None:
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            raise typer.BadParameter("a date as YYYY-MM-DD", param_hint=name) from None

    async def run() -> StatsOut:
        engine, services = _services(settings)
        try:
            async with unit_of_work(services) as ctx:
                # The command line is the operator's own console.
                scope = await org_for(ctx.db, Actor(user_id=0, is_operator=True), org,
                                      Action.stats_view)
                first, last = q.weeks_range(day(start, "--from"), day(end, "--to"),
                                            q.zone_named(scope.org.time_zone),
                                            settings.stats_max_weeks)
                return await q.school_stats(ctx.db, scope, first, last)
        finally:
            await engine.dispose()

    try:
        report = asyncio.run(run())
    except PartaError as exc:
        console.print(f"[red]Refused: {exc.code}[/red]")
        raise typer.Exit(2) from None
    columns = ("week", "messages_staff", "messages_students", "messages_parents",
               "active_teachers", "call_minutes", "lesson_minutes", "questions_answered",
               "median_reply_minutes")
    table = Table(title=report.org.name)
    for c in columns:
        table.add_column(t("ru", f"stats.col.{c}"), justify="left" if c == "week" else "right")
    for w in report.weeks:
        table.add_row(*["—" if getattr(w, c) is None else str(getattr(w, c)) for c in columns])
    console.print(table)
    for a in report.activation:
        mark = "[green]✓[/green]" if a.meets else "[yellow]✗[/yellow]"
        share = "—" if a.percent is None else f"{a.percent} %"
        console.print(f"{t('ru', f'stats.col.activation_{a.role}')}: {share} "
                      f"({a.activated}/{a.on_roster}, {a.target} %) {mark}")
    console.print(f"{t('ru', 'stats.col.active_teachers')}: {report.active_teachers}"
                  f"/{report.teachers}")
    if out:
        path = Path(out)
        path.write_bytes(stats_csv(report, "ru") if path.suffix.lower() == ".csv"
                         else stats_xlsx(report, "ru"))
        console.print(f"Written to {path}.")


@stats_app.command("rebuild")
def stats_rebuild() -> None:
    """Recount every statistics counter from the messages and chats (after an upgrade, or
    to check the counters kept as messages are sent). Reads no message's words."""
    from parta.actions.stats import rebuild
    from parta.db import make_engine, make_sessionmaker

    settings = Settings()

    async def run() -> int:
        engine = make_engine(settings.database_url)
        try:
            async with make_sessionmaker(engine)() as db:
                n = await rebuild(db)
                await db.commit()
                return n
        finally:
            await engine.dispose()

    console.print(f"Counted {asyncio.run(run())} messages.")


def main() -> None:
    app()
