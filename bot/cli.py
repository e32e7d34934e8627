"""The `kopiena` command: run the bot, manage the database, try it in a terminal."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from bot import eventloop
from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging

log = logging.getLogger("kopiena")

EXIT_CONFIG = 2


async def serve_until_signalled(application: Any, settings: Settings) -> None:
    import signal

    from bot.pipeline import serve
    from bot.server import intake_for

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve(application, stop, intake=intake_for(settings))


def run(settings: Settings, args: argparse.Namespace) -> int:
    from telegram.error import InvalidToken

    from bot.app import build_application
    from bot.runtime import Runtime
    from storage.db import check_sqlite_file
    from storage.migrate import upgrade

    token = settings.token()
    setup_logging(settings.log_level)
    check_sqlite_file(settings.database_url)
    applied = upgrade(settings.database_url)
    log.info("Database ready: %d pending migration(s) applied", len(applied))
    application = build_application(
        Runtime.from_settings(settings), token, api_root=settings.telegram_api_base_url
    )
    try:
        eventloop.run(serve_until_signalled(application, settings))
    except InvalidToken:
        print("kopiena: TELEGRAM_BOT_TOKEN was rejected by Telegram", file=sys.stderr)
        return EXIT_CONFIG
    return 0


def db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from storage.db import check_sqlite_file
    from storage.migrate import upgrade

    check_sqlite_file(settings.database_url)
    applied = upgrade(settings.database_url)
    print(f"Applied {len(applied)} migration(s)." if applied else "Database is up to date.")
    return 0


EXIT_DATA = 1


def db_backup(settings: Settings, args: argparse.Namespace) -> int:
    from storage.backup import BackupError, backup_sqlite

    try:
        copied = backup_sqlite(settings.database_url, args.file, force=args.force)
    except BackupError as error:
        print(f"kopiena: {error}", file=sys.stderr)
        return EXIT_DATA
    print(f"Backed up {copied.source} to {copied.target} ({copied.size:,} bytes, checked).")
    return 0


async def _with_database(settings: Settings, work: Callable[[Any], Awaitable[Any]]) -> Any:
    from storage.db import create_engine, create_sessionmaker

    engine = create_engine(settings.database_url)
    try:
        return await work(create_sessionmaker(engine))
    finally:
        await engine.dispose()


def events_import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.event_import import ImportError_, import_events
    from storage.migrate import upgrade

    path: Path = args.file
    upgrade(settings.database_url)
    try:
        result = eventloop.run(
            _with_database(settings, lambda db: import_events(db, path, settings.tz))
        )
    except ImportError_ as error:
        print(f"kopiena: {path}: {error}", file=sys.stderr)
        return EXIT_DATA
    print(f"Created {len(result.created)} and updated {len(result.updated)} event(s).")
    return 0


def faq_import(settings: Settings, args: argparse.Namespace) -> int:
    path: str = args.file
    from bot.services import faq_editor
    from bot.services.faq_io import FaqFormatError, parse
    from storage.migrate import upgrade

    try:
        entries = parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        print(f"kopiena: cannot read {path}: {error}", file=sys.stderr)
        return EXIT_DATA
    except FaqFormatError as error:
        print(f"kopiena: {path}: {error}", file=sys.stderr)
        return EXIT_DATA
    upgrade(settings.database_url)
    report = eventloop.run(
        _with_database(settings, lambda db: faq_editor.import_entries(db, entries))
    )
    print(
        f"Imported {len(entries)} entries from {path}: {report.added} new, "
        f"{report.updated} updated, {report.unchanged} unchanged."
    )
    return 0


def faq_export(settings: Settings, args: argparse.Namespace) -> int:
    path: str = args.file
    from bot.services import faq_editor
    from bot.services.faq_io import dump
    from storage.migrate import upgrade

    upgrade(settings.database_url)
    entries = eventloop.run(_with_database(settings, faq_editor.export_entries))
    try:
        Path(path).write_text(dump(entries), encoding="utf-8")
    except OSError as error:
        print(f"kopiena: cannot write {path}: {error}", file=sys.stderr)
        return EXIT_DATA
    print(f"Exported {len(entries)} entries to {path}.")
    return 0


def console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import run_console

    setup_logging("WARNING")
    return eventloop.run(run_console(settings, sys.stdin, sys.stdout))


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="kopiena", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "run", help="run the bot (long polling, or a webhook: WEBHOOK_URL)"
    ).set_defaults(action=run)
    commands.add_parser(
        "console", help="try the bot in this terminal, with no token and no Telegram"
    ).set_defaults(action=console)
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply pending migrations").set_defaults(
        action=db_upgrade
    )
    backup = db_commands.add_parser(
        "backup", help="copy the SQLite database to FILE, safely while the bot runs"
    )
    backup.add_argument("file", type=Path, help="where to write the copy")
    backup.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    backup.set_defaults(action=db_backup)
    events = commands.add_parser("events", help="training events")
    events_commands = events.add_subparsers(dest="events_command", required=True)
    importer = events_commands.add_parser(
        "import", help="create or update events from a YAML file (docs/events-format.md)"
    )
    importer.add_argument("file", type=Path)
    importer.set_defaults(action=events_import)
    faq = commands.add_parser("faq", help="the shared FAQ (format: docs/faq-format.md)")
    faq_commands = faq.add_subparsers(dest="faq_command", required=True)
    importing = faq_commands.add_parser("import", help="add or update entries from a YAML file")
    importing.add_argument("file", help="a YAML file such as examples/faq.yaml")
    importing.set_defaults(action=faq_import)
    exporting = faq_commands.add_parser("export", help="write every entry to a YAML file")
    exporting.add_argument("file", help="where to write the YAML")
    exporting.set_defaults(action=faq_export)
    return root


def database_name(url: str) -> str:
    """The database file for SQLite, else the URL without its password."""
    from sqlalchemy.engine import make_url

    from storage.db import describe, is_sqlite

    return str(make_url(url).database) if is_sqlite(url) else describe(url)


def main(argv: Sequence[str] | None = None) -> int:
    from sqlalchemy.exc import DatabaseError

    args = parser().parse_args(argv)
    action: Callable[[Settings, argparse.Namespace], int] = args.action
    settings = None
    try:
        settings = load_settings()
        return action(settings, args)
    except ConfigError as error:
        print(f"kopiena: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except (DatabaseError, sqlite3.DatabaseError) as error:  # corrupt, unreadable, not one
        assert settings is not None
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        name = database_name(settings.database_url)
        print(f"kopiena: cannot use the database {name}: {reason}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
