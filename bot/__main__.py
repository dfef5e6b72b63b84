"""The `thidua` command line: run the bot, migrate, import a roster, print invite links."""

from __future__ import annotations

import argparse
import asyncio
import base64
import logging
import secrets
import signal
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from bot.db import Database
from bot.deps import Deps, system_clock
from bot.settings import Settings, SettingsError, load_settings, master_key

if TYPE_CHECKING:
    from bot.services.evidence_pack import Download
    from bot.services.exports import Context, Scope

log = logging.getLogger("thidua")


def _configure_logging(settings: Settings) -> None:
    from bot import logs

    logs.configure(settings.log_level, settings.log_format)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from bot.app import quiet_library_logs

    quiet_library_logs()  # for every command, not only `run`: `export` and `audit` read ballots too


async def _wait_for_stop() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


ZALO_PATH = "/zalo"


async def refuse_an_older_schema(db: Database) -> None:
    """On Telegram the bot never migrates by itself: during a rolling restart the old process still
    runs on the schema, and a migration is a step the operator takes (`thidua migrate`) and sees."""
    current, heads = await db.schema_revisions()
    if current != heads:
        await db.dispose()
        have = ", ".join(sorted(current)) or "empty"
        raise SystemExit(
            f"The database schema ({have}) is not the one this version needs ({', '.join(sorted(heads))}): "
            "run `thidua migrate` first."
        )


async def _reminder_sweep(deps: Deps) -> object:
    # The sweep's modules load at its first run (a tick after start), not before the first answer.
    from bot.reminders_job import run_sweep

    return await run_sweep(deps)


async def run(settings: Settings) -> None:
    """Start the bot on every platform it has a token for (Telegram, Zalo, or both, one process and
    one database); with neither, against the offline sandbox, which stands in for both, with demo data."""
    from bot.app import build_application, build_jobs, build_router, build_zalo, start_bot, stop_bot
    from bot.channels.telegram import set_default_menu
    from bot.delivery import DeliveryJob
    from bot.jobs import Periodic
    from bot.web import TELEGRAM_PATH, Route, WebServer, build_web_app, telegram_webhook

    db = Database(settings.database_url)
    if settings.sandbox_mode:
        await db.migrate()  # the offline demo sets itself up; production migrates as a step of its own
    else:
        await refuse_an_older_schema(db)
    deps = Deps(settings=settings, db=db, master_key=master_key(settings))
    router = build_router()
    server = None
    telegram: tuple[str, str | None] | None = None  # token, Bot API root
    zalo: tuple[str, str | None] | None = None
    if settings.sandbox_mode:
        from bot.sandbox.tokens import TELEGRAM_TOKEN, ZALO_TOKEN

        if settings.sandbox_url:
            # Another process runs the sandbox: its tokens are all this one needs of it.
            base_url = settings.sandbox_url.rstrip("/")
        else:
            from bot.sandbox.core import Sandbox
            from bot.sandbox.server import SandboxServer
            from bot.services.demo import load_demo, load_demo_progress

            sandbox = Sandbox(token=TELEGRAM_TOKEN, zalo_token=ZALO_TOKEN)
            server = SandboxServer(sandbox, settings.sandbox_host, settings.sandbox_port)
            try:
                base_url = await server.start()
            except OSError as exc:
                raise SystemExit(
                    f"Cannot listen on {settings.sandbox_host}:{settings.sandbox_port} ({exc.strerror}); "
                    "set SANDBOX_PORT to a free port."
                ) from None
            if settings.demo_data:
                report, personas = await load_demo(
                    db, authority_name=settings.authority_name, now=system_clock()
                )
                # Bloc 2 is shown at the end of the year (registered, pact signed, sheets final):
                # ready for its meeting, with a ranking and a score workbook to export.
                await load_demo_progress(db, bloc_number=2, now=system_clock(), scores=True)
                for persona in personas:
                    sandbox.add_user(persona.user_id, persona.first_name, last_name=persona.last_name)
                sandbox.personas = [p.as_dict() for p in personas]
                bloc2 = [p.user_id for p in personas if p.group == "Khối thi đua số 2"]
                sandbox.add_group(-1002, "Khối thi đua số 2", bloc2)
                for line in report.lines("vi"):
                    log.info("demo: %s", line)
        telegram = (TELEGRAM_TOKEN, base_url)
        zalo = (ZALO_TOKEN, f"{base_url}/zalo")
    else:
        if settings.telegram_bot_token is not None and settings.telegram_enabled:
            # None is api.telegram.org; TELEGRAM_API_URL names a self-hosted Bot API server, or the
            # sandbox in tests/e2e/test_webhook.py, which runs this very code path with a token.
            telegram = (settings.telegram_bot_token.get_secret_value(), settings.telegram_api_url)
        if settings.zalo_bot_token is not None and settings.zalo_enabled:
            zalo = (settings.zalo_bot_token.get_secret_value(), settings.zalo_api_url)

    application = None
    routes: list[Route] = []
    telegram_webhook_on = bool(settings.webhook_url) and not settings.sandbox_mode and telegram is not None
    telegram_secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    if telegram is not None:
        application = build_application(deps, token=telegram[0], base_url=telegram[1], router=router)
        if telegram_webhook_on:
            # Telegram's webhook is one more route of the bot's web server, feeding PTB's update queue.
            routes.append(telegram_webhook(application, telegram_secret))
    zalo_channel = None
    zalo_webhook_on = bool(settings.zalo_webhook_url) and not settings.sandbox_mode and zalo is not None
    if zalo is not None:
        zalo_channel = build_zalo(deps, router, token=zalo[0], base_url=zalo[1])
        # Zalo carries no documents: a one-time upload page brings a spreadsheet into the chat.
        routes += [Route(method, path, handler) for method, path, handler in zalo_channel.upload_routes()]
        if zalo_webhook_on:
            assert settings.zalo_webhook_secret is not None
            handler = zalo_channel.webhook_handler(settings.zalo_webhook_secret.get_secret_value())
            routes.append(Route("POST", ZALO_PATH, handler))
    # The server listens before any webhook is registered, so the platform's first POST finds it.
    web = WebServer(build_web_app(deps, routes), settings.web_listen, settings.web_port_or_default)
    try:
        await web.start()
    except OSError as exc:
        raise SystemExit(
            f"Cannot listen on {settings.web_listen}:{settings.web_port_or_default} ({exc.strerror}); "
            "set WEB_PORT to a free port."
        ) from None
    print(f"Health checks at {web.url}/healthz and {web.url}/readyz.", flush=True)
    deps.public_url = settings.public_url or settings.zalo_webhook_url or settings.webhook_url or web.url
    modes: list[str] = []
    if application is not None:
        if telegram_webhook_on:
            assert settings.webhook_url is not None
            await application.initialize()
            deps.telegram_username = application.bot.username
            await set_default_menu(application.bot)
            await application.bot.set_webhook(
                f"{settings.webhook_url.rstrip('/')}{TELEGRAM_PATH}", secret_token=telegram_secret
            )
            await application.start()
            modes.append(f"Telegram @{application.bot.username} (webhook {settings.webhook_url})")
        else:
            await start_bot(application)
            modes.append(f"Telegram @{application.bot.username} (long polling)")
    if zalo_channel is not None:
        if zalo_webhook_on:
            assert settings.zalo_webhook_url is not None and settings.zalo_webhook_secret is not None
            await zalo_channel.bot.set_webhook(
                f"{settings.zalo_webhook_url.rstrip('/')}{ZALO_PATH}",
                settings.zalo_webhook_secret.get_secret_value(),
            )
            modes.append(f"Zalo (webhook {settings.zalo_webhook_url})")
        else:
            await zalo_channel.start_polling(timeout=10 if settings.sandbox_mode else 30)
            modes.append("Zalo (long polling)")
    delivery = DeliveryJob(deps)
    deps.poke_delivery = delivery.poke
    delivery.start()
    # Deadline pings through whichever channels run (Telegram, Zalo or both), not PTB's JobQueue.
    reminder_job = Periodic("reminders", settings.reminder_sweep_seconds, _reminder_sweep, deps)
    reminder_job.start()
    jobs = build_jobs(deps)
    for job in jobs:
        job.start()
    if server is not None:
        print(
            f"Thi đua Bot is running offline. Open {server.url} to chat with it as the demo people.",
            flush=True,
        )
    elif settings.sandbox_mode:
        print(f"Thi đua Bot is running against the sandbox at {settings.sandbox_url}.", flush=True)
    else:
        print(f"Thi đua Bot is running: {'; '.join(modes)}.", flush=True)
    try:
        await _wait_for_stop()
    finally:
        await reminder_job.stop()
        for job in jobs:
            await job.stop()
        await delivery.stop()
        await web.stop()
        if zalo_channel is not None:
            await zalo_channel.close()
        if application is not None:
            await stop_bot(application)
        if server is not None:
            await server.stop()
        await db.dispose()


async def migrate(settings: Settings) -> None:
    db = Database(settings.database_url)
    await db.migrate()
    await db.dispose()
    print(f"Database is at the latest schema ({db.backend}).")


async def backup_command(settings: Settings, folder: Path, restore: bool) -> int:
    from bot import backup

    try:
        if restore:
            summary = await backup.restore(settings, folder)
        else:
            summary = await backup.backup(settings, folder)
    except backup.BackupError as exc:
        print(f"{'Restore' if restore else 'Backup'} refused: {exc}", file=sys.stderr)
        return 1
    schema = ", ".join(summary.schema) or "empty"
    if restore:
        print(
            f"Restored the {summary.backend} database (schema {schema}) and {summary.files} stored files "
            f"from {folder}. Next: thidua migrate, then thidua audit verify."
        )
    else:
        print(
            f"Backed up the {summary.backend} database (schema {schema}) and {summary.files} stored files "
            f"to {folder}. The ballot master key is not in it: keep that apart."
        )
    return 0


async def check(settings: Settings) -> int:
    db = Database(settings.database_url)
    drift = await db.schema_drift()
    await db.dispose()
    if drift:
        print("The models and the migrations differ; write a migration:")
        for item in drift:
            print(f"  {item}")
        return 1
    print("No differences between the models and the migrations.")
    return 0


async def roster_import(settings: Settings, path: Path, data: bytes, year: str | None) -> int:
    from bot.services.roster import import_roster, parse_roster
    from models.school_year import school_year_of

    db = Database(settings.database_url)
    await db.migrate()
    report = await import_roster(
        db,
        parse_roster(data, path.name),
        school_year=year or school_year_of(system_clock().astimezone(settings.zone).date()),
        authority_name=settings.authority_name,
    )
    await db.dispose()
    for line in report.lines(settings.default_language):
        print(line)
    return 0 if report.ok else 1


async def roster_appoint(
    settings: Settings, role: str, channel: str, external_id: str, year: str | None
) -> int:
    from bot.services.roster import appoint_account
    from models.organisation import RoleKind
    from models.school_year import school_year_of

    db = Database(settings.database_url)
    await db.migrate()
    notice = await appoint_account(
        db,
        channel=channel,
        external_id=external_id,
        kind=RoleKind.EMULATION_DESK if role == "desk" else RoleKind.COUNCIL_MEMBER,
        authority_name=settings.authority_name,
        school_year=year or school_year_of(system_clock().astimezone(settings.zone).date()),
    )
    await db.dispose()
    print(notice.render(settings.default_language))
    return 0 if notice.key in ("roster.appoint.done", "roster.appoint.already") else 1


async def audit_verify(settings: Settings) -> int:
    from bot.services import audit, ballots

    db = Database(settings.database_url)
    check = await audit.verify(db)
    polls = await ballots.verify_polls(db)
    await db.dispose()
    for problem in check.problems:
        print(f"Nhật ký #{problem.seq}: {problem.what}")
    for found in polls:
        print(f"Cuộc bỏ phiếu #{found.poll_id}: {_TAMPER[found.kind]}: {found.detail}")
    verdict = "NGUYÊN VẸN" if check.ok else "BỊ SỬA HOẶC XOÁ"
    print(f"Nhật ký {verdict}: {check.entries} mục, đầu chuỗi #{check.head_seq} {check.head_hash}")
    if polls:
        print(f"Phiếu kín và kết quả BỊ SỬA HOẶC XOÁ: {len(polls)} chỗ sai")
    else:
        print("Phiếu kín, mã kiểm tra và kết quả khớp nhật ký")
    return 0 if check.ok and not polls else 1


_TAMPER = {
    "altered": "phiếu kín bị sửa (không còn khớp mã kiểm tra)",
    "unpublished": "phiếu kín có mã không nằm trong danh sách đã công bố (thêm hoặc tráo)",
    "missing": "mã đã công bố nhưng phiếu kín không còn (xoá hoặc tráo)",
    "list": "danh sách mã kiểm tra bị sửa",
    "head": "mã chuỗi khác với mục đóng phiếu trong nhật ký",
    "result": "kết quả khác với mục đóng phiếu trong nhật ký",
    "count": "số phiếu kín khác số đơn vị đã bỏ phiếu",
    "no_close": "đã đóng nhưng nhật ký không có mục đóng phiếu",
}


async def timetable_import(
    settings: Settings, path: Path, data: bytes, bloc: int | None, year: str | None
) -> int:
    from bot.services import timetable
    from bot.services.notices import Notice

    lang = settings.default_language
    cells = timetable.read_table(data, path.name)
    if isinstance(cells, Notice):
        print(cells.render(lang), file=sys.stderr)
        return 1
    if len(cells) == 1 and len(cells[0]) == 1 and isinstance(cells[0][0], str):
        cells = timetable.text_to_cells(cells[0][0])  # a .txt file: the table as pasted text
    db = Database(settings.database_url)
    await db.migrate()
    try:
        result = await timetable.save_for_cli(
            db, cells, bloc_number=bloc, school_year=year, now=system_clock(), zone=settings.zone
        )
    finally:
        await db.dispose()
    if isinstance(result, Notice):
        print(result.render(lang), file=sys.stderr)
        return 1
    if not result.ok:
        assert result.preview is not None
        if result.preview.problem is not None:
            print(result.preview.problem.render(lang), file=sys.stderr)
        refused = Notice("timetable.refused", {"count": len(result.preview.refused)}).render(lang)
        print(refused.replace("<b>", "").replace("</b>", ""), file=sys.stderr)
        for row in result.preview.refused:
            print(f"  Dòng {row.row}: {row.text}\n    → {row.reason(lang)}", file=sys.stderr)
        return 1
    print(
        Notice(
            "timetable.saved",
            {
                "year": result.school_year,
                "added": result.added,
                "changed": result.changed,
                "removed": result.removed,
                "unchanged": result.unchanged,
                "reminders": result.reminders,
            },
        )
        .render(lang)
        .replace("<b>", "")
        .replace("</b>", "")
    )
    return 0


async def invite(settings: Settings, bloc: int, units: list[str], year: str | None) -> int:
    from bot.services import invites

    db = Database(settings.database_url)
    try:
        batch = await invites.issue_invites(
            db,
            bloc_number=bloc,
            now=system_clock(),
            ttl=timedelta(hours=settings.invite_ttl_hours),
            school_year=year,
            unit_names=units or None,
        )
    except invites.NotFoundError as exc:
        print(f"Không tìm thấy: {exc}", file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    username = settings.telegram_bot_username or "thidua_sandbox_bot"
    print(
        f"{batch.bloc_name} — link dùng một lần, hết hạn {batch.expires_at.astimezone(settings.zone):%H:%M %d/%m/%Y}"
    )
    for item in batch.invites:
        print(f"{item.unit_name}\t{invites.invite_link(username, item.token)}")
    return 0


async def export_files(
    settings: Settings, kind: str, bloc: int, year: str | None, meeting: int | None, out: Path
) -> int:
    """Write one export of a bloc's dossier to `out` (the operator at the shell may export any bloc)."""
    from sqlmodel import select

    from bot.i18n import t
    from bot.services import exports
    from models.organisation import Bloc, SchoolYear
    from models.school_year import school_year_of

    db = Database(settings.database_url)
    try:
        today = system_clock().astimezone(settings.zone).date()
        async with db.session() as session:
            found = (await session.exec(select(Bloc).where(Bloc.number == bloc))).first()
            school_year = (
                await session.exec(
                    select(SchoolYear).where(SchoolYear.name == (year or school_year_of(today)))
                )
            ).first()
        if found is None or found.id is None or school_year is None or school_year.id is None:
            print(f"Không tìm thấy khối {bloc} năm học {year or school_year_of(today)}", file=sys.stderr)
            return 1
        context = exports.Context(settings.authority_name, settings.authority_place, settings.zone)
        if kind == "evidence":
            return await export_evidence(settings, db, exports.Scope(found.id, school_year.id), context, out)
        result = await exports.export(
            db,
            exports.Scope(found.id, school_year.id),
            exports.Kind(kind),
            context,
            today=today,
            meeting_id=meeting,
        )
    finally:
        await db.dispose()
    for kind_missing in result.missing:
        print(t("vi", f"export.missing.{kind_missing.value}").removeprefix("• "), file=sys.stderr)
    if not result.files:
        return 1
    _write_files(out, [(item.name, item.data) for item in result.files])
    return 0


NO_TOKEN_FOR_EVIDENCE = (
    "Gói minh chứng cần TELEGRAM_BOT_TOKEN: có ảnh và tệp minh chứng gửi trước khi bot có kho tệp riêng, "
    "chúng chỉ nằm trên máy chủ Telegram và chỉ bot tải về được. Đặt TELEGRAM_BOT_TOKEN của bot (và "
    "TELEGRAM_API_URL nếu dùng máy chủ Bot API riêng) rồi chạy lại, hoặc xuất trong chat: "
    "/xuat → Minh chứng (ZIP)."
)


def bot_api_download(client: httpx.AsyncClient, root: str, token: str) -> Download:
    """The evidence pack's download function over the Bot API (getFile, then the file's URL), for
    the command line, which has no running bot. Reasons never quote a URL: it holds the token."""
    from bot.services.evidence_pack import MAX_DOWNLOAD, FetchError, TooBig

    async def call(url: str, **params: str) -> httpx.Response:
        for _ in range(5):
            try:
                response = await client.get(url, params=params)
            except httpx.HTTPError as error:
                raise FetchError(type(error).__name__) from error
            if response.status_code != 429:
                return response
            body = response.json() if "json" in response.headers.get("content-type", "") else {}
            await asyncio.sleep(float(body.get("parameters", {}).get("retry_after", 1)))
        raise FetchError("Telegram báo quá nhiều yêu cầu (429)")

    async def download(file_id: str) -> bytes:
        response = await call(f"{root}/bot{token}/getFile", file_id=file_id)
        try:
            body = response.json()
        except ValueError as error:
            raise FetchError(f"HTTP {response.status_code}") from error
        if not body.get("ok"):
            description = str(body.get("description") or f"HTTP {response.status_code}")
            if "too big" in description.lower():
                raise TooBig
            raise FetchError(description.removeprefix("Bad Request: "))
        result = body.get("result") or {}
        if int(result.get("file_size") or 0) > MAX_DOWNLOAD:
            raise TooBig
        response = await call(f"{root}/file/bot{token}/{result.get('file_path', '')}")
        if response.status_code != 200:
            raise FetchError(f"HTTP {response.status_code}")
        return bytes(response.content)

    return download


async def export_evidence(settings: Settings, db: Database, scope: Scope, context: Context, out: Path) -> int:
    """The evidence pack to `out`, each archive written as soon as it is complete. Files are read
    from the bot's file store; only files from before it need the Telegram bot's token."""
    from bot.files import FileStore
    from bot.i18n import t
    from bot.services import evidence_pack

    token = None if settings.sandbox_mode else settings.telegram_bot_token
    if token is None and await evidence_pack.needs_download(db, scope):
        print(NO_TOKEN_FOR_EVIDENCE, file=sys.stderr)
        return 2
    root = settings.telegram_api_url or "https://api.telegram.org"
    store = FileStore(settings.file_store_dir)
    stats = evidence_pack.PackStats()
    async with httpx.AsyncClient(timeout=httpx.Timeout(60, connect=10)) as client:
        download = None if token is None else bot_api_download(client, root, token.get_secret_value())
        async for part in evidence_pack.parts(db, scope, context, download, store=store, stats=stats):
            _write_files(out, [(part.name, part.data)])
    if not stats.parts:
        print(t("vi", "export.missing.evidence").removeprefix("• "), file=sys.stderr)
        return 1
    if stats.failed:
        print(f"{stats.failed} tệp không tải được; lý do ghi trong muc-luc.csv", file=sys.stderr)
    return 0


def _write_files(out: Path, files: list[tuple[str, bytes]]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files:
        (out / name).write_bytes(data)
        print(out / name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="thidua", description="Thi đua Bot")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the bot (offline sandbox with demo data when no token is set)")
    commands.add_parser("migrate", help="bring the database to the latest schema")
    commands.add_parser("check", help="fail if the models and the migrations differ (alembic check)")
    commands.add_parser("keygen", help="print a new BALLOT_MASTER_KEY")
    backuper = commands.add_parser(
        "backup", help="write the database (pg_dump or SQLite's backup API) and the file store to a folder"
    )
    backuper.add_argument("folder", type=Path, help="a new or empty folder")
    restorer = commands.add_parser("restore", help="put a backup folder back onto an empty database")
    restorer.add_argument("folder", type=Path)
    roster = commands.add_parser("roster", help="the roster of blocs and units").add_subparsers(
        dest="action", required=True
    )
    importer = roster.add_parser("import", help="import a CSV or XLSX roster (Khối, Đơn vị, Vai trò …)")
    importer.add_argument("file", type=Path)
    importer.add_argument("--year", help="school year, e.g. 2024-2025 (default: the current one)")
    appointer = roster.add_parser(
        "appoint", help="make a person (by a chat account) the emulation desk or a council member"
    )
    appointer.add_argument("role", choices=("desk", "council"))
    appointer.add_argument("account", help="telegram:<user id> or zalo:<user id>")
    appointer.add_argument("--year", help="school year, e.g. 2024-2025 (default: the current one)")
    auditor = commands.add_parser("audit", help="the hash-chained audit log").add_subparsers(
        dest="action", required=True
    )
    auditor.add_parser("verify", help="recompute the chain; exit 1 if any entry was edited or deleted")
    timetable = commands.add_parser(
        "timetable", help="the school year's timetable of deadlines"
    ).add_subparsers(dest="action", required=True)
    loader = timetable.add_parser(
        "import",
        help="import a timetable (XLSX, CSV or TXT: TT, Nội dung, Thời gian hoàn thành, Đơn vị thực hiện)",
    )
    loader.add_argument("file", type=Path)
    scope = loader.add_mutually_exclusive_group()
    scope.add_argument("--bloc", type=int, help="one bloc's own timetable")
    scope.add_argument(
        "--all", action="store_true", help="the department's timetable, for every bloc (default)"
    )
    loader.add_argument("--year", help="school year, e.g. 2023-2024 (default: the one the dates fall in)")
    exporter = commands.add_parser("export", help="the council's dossier: XLSX, DOCX, PDF, PNG, CSV files")
    exporter.add_argument(
        "kind",
        choices=["reg", "scores", "minutes", "proposal", "nominees", "chart", "csv", "evidence", "all"],
        help="evidence: the evidence files as ZIP (needs TELEGRAM_BOT_TOKEN to download them)",
    )
    exporter.add_argument("--bloc", type=int, required=True, help="the bloc's number")
    exporter.add_argument("--year", help="school year, e.g. 2026-2027 (default: the current one)")
    exporter.add_argument(
        "--meeting", type=int, help="the meeting's id for the minutes (default: the latest)"
    )
    exporter.add_argument("--out", type=Path, default=Path("."), help="folder to write into (default: here)")
    inviter = commands.add_parser("invite", help="print single-use invite links for a bloc's units")
    inviter.add_argument("--bloc", type=int, required=True)
    inviter.add_argument("--unit", action="append", default=[], help="only this unit (repeatable)")
    inviter.add_argument("--year")
    args = parser.parse_args(argv)

    if args.command == "keygen":
        print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        return 0
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    _configure_logging(settings)
    if args.command == "run":
        try:
            master_key(settings)
        except (SettingsError, ValueError) as exc:
            print(str(exc), file=sys.stderr)
            return 2
        asyncio.run(run(settings))
        return 0
    if args.command == "migrate":
        asyncio.run(migrate(settings))
        return 0
    if args.command in ("backup", "restore"):
        return asyncio.run(backup_command(settings, args.folder, args.command == "restore"))
    if args.command == "check":
        return asyncio.run(check(settings))
    if args.command == "roster" and args.action == "appoint":
        channel, _, external = args.account.partition(":")
        if channel not in ("telegram", "zalo") or not external:
            print("Tài khoản phải có dạng telegram:<id> hoặc zalo:<id>", file=sys.stderr)
            return 2
        return asyncio.run(roster_appoint(settings, args.role, channel, external, args.year))
    if args.command == "roster":
        try:
            data = args.file.read_bytes()
        except OSError as exc:
            print(f"Không đọc được tệp {args.file}: {exc.strerror}", file=sys.stderr)
            return 2
        return asyncio.run(roster_import(settings, args.file, data, args.year))
    if args.command == "audit":
        return asyncio.run(audit_verify(settings))
    if args.command == "timetable":
        try:
            data = args.file.read_bytes()
        except OSError as exc:
            print(f"Không đọc được tệp {args.file}: {exc.strerror}", file=sys.stderr)
            return 2
        return asyncio.run(timetable_import(settings, args.file, data, args.bloc, args.year))
    if args.command == "invite":
        return asyncio.run(invite(settings, args.bloc, args.unit, args.year))
    if args.command == "export":
        return asyncio.run(export_files(settings, args.kind, args.bloc, args.year, args.meeting, args.out))
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
