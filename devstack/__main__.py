"""python -m devstack up|run|down|status|env|backup|backups|restore [--profile run|test] [--without-keycloak]

up: the components (PostgreSQL, NATS, S3, Keycloak); run: those, then the services and the gateway, the demo
data, and the URLs and demo logins; down: everything the profile started, by process id.
backup: a base backup of the running PostgreSQL to the S3 bucket regie-backup (its WAL goes there all the time);
backups: the base backups there; restore --to TIME: a copy of the database as it was at TIME, in a new data
directory, started beside the running one (docs/operations.md, "Back up and restore")."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from devstack.config import PROFILES, StackConfig
from devstack.demo import load_demo
from devstack.platform import migrate_services, start_services
from devstack.processes import StartError, known_names, read_pid
from devstack.stack import COMPONENTS, Stack


def welcome(config: StackConfig) -> str:
    from devstack.realms import EXTRA_APPLICANTS, EXTRA_DRIVERS, EXTRA_JURORS, EXTRA_PARTNERS, ROLES
    from shared.tenancy import TENANTS

    lines = [
        "",
        "Regie draait / Regie is running",
        f"  portaal / portal:   {config.gateway_url}/",
        *[f"    {name:<27} {config.gateway_url}/{tenant}/" for tenant, name in TENANTS.items()],
        f"  API:                {config.gateway_url}/<provincie>/api/<grants|partners|foodsavers>/...",
        f"  Keycloak (admin):   {config.keycloak_url}/admin/  "
        f"({config.keycloak_admin} / {config.keycloak_admin_password})",
        "  demo-aanmeldingen / demo logins (in elke provincie / in every province), wachtwoord / password: demo",
        "    " + ", ".join(ROLES),
        "    meer juryleden / more jurors: " + ", ".join(EXTRA_JURORS),
        "    meer aanvragers / more applicants: " + ", ".join(EXTRA_APPLICANTS),
        "    meer partners / more partners: " + ", ".join(EXTRA_PARTNERS),
        "    meer chauffeurs / more drivers: " + ", ".join(EXTRA_DRIVERS),
        "  demo: Oost-Vlaanderen: een besliste oproep met haar hele geschiedenis / a decided call with its history;",
        "        Antwerpen: een open oproep met een concept-aanvraag / an open call with a draft application;",
        "        West-Vlaanderen: de regionale samenwerkingsovereenkomst Westhoek met realisaties 2020 /",
        "        the Westhoek regional agreement with its 2020 realisations; Antwerpen: de overeenkomst met VDAB en",
        "        het meerjarenplan van Turnhout / the agreement with VDAB and Turnhout's multi-year plan;",
        "        West-Vlaanderen: Foodsavers Westhoek 15/06-31/12/2020 (5,7 t, 1.300 mensen), rapport gepubliceerd /",
        "        the food platform's half year 2020 with its published report (coordinator: <provincie>/voedsel/);",
        "        catalogus zonder aanmelding / catalogue without login: <portaal>/<provincie>/catalogus/",
        "  stoppen / stop:     make stop",
        "",
    ]
    return "\n".join(lines)


def backup_command(config: StackConfig, args: argparse.Namespace) -> int:
    from datetime import datetime

    from devstack import backup, postgres

    if args.command == "backup":
        backup_id = backup.base_backup(config, postgres.main(config), backup.SERVER)
        print(f"base backup {backup_id} in {backup.destination()}/{backup.SERVER}")
        return 0
    if args.command == "backups":
        print(backup.describe(backup.backups(config, backup.SERVER)))
        return 0
    if not args.to:
        raise StartError("restore needs --to TIME (ISO 8601 with its offset, e.g. 2026-12-03T10:15:00+01:00)")
    try:
        target = datetime.fromisoformat(args.to)
    except ValueError as error:
        raise StartError(f"--to {args.to}: {error}") from error
    into = Path(args.into).resolve() if args.into else (
        postgres.data_dir(config).parent / f"restored-{target.strftime('%Y%m%dT%H%M%S')}")
    restored = backup.restore(config, backup.SERVER, target, into, backup_id=args.backup_id)
    backup.start_restored(config, restored)
    backup.log_restored(config, restored)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("command", choices=("up", "run", "migrate", "reset-db", "down", "status", "env",
                                            "backup", "backups", "restore"))
    parser.add_argument("database", nargs="?", help="with reset-db: grants, partners or foodsavers")
    parser.add_argument("--profile", choices=PROFILES, default="run")
    parser.add_argument(
        "--without-keycloak", action="store_true",
        help="start only PostgreSQL, NATS and S3 (Keycloak is the slow one)",
    )
    parser.add_argument("--to", metavar="TIME",
                        help="with restore: the moment to restore to, ISO 8601 with its offset "
                             "(2026-12-03T10:15:00+01:00)")
    parser.add_argument("--backup-id", default="auto",
                        help="with restore: the base backup to start from (default: the last before --to)")
    parser.add_argument("--into", metavar="DIR", help="with restore: the new data directory "
                        "(default: <state>/pg/restored-<time>)")
    args = parser.parse_args(argv)
    config = StackConfig.from_env(args.profile)
    stack = Stack(config, with_keycloak=not args.without_keycloak)

    if args.command in ("up", "run"):
        try:
            stack.up()
            if args.command == "run":
                start_services(config, restart=True)
                load_demo(config)
                print(welcome(config))
        except StartError as error:
            print(f"devstack {args.command} failed: {error}", file=sys.stderr)
            return 1
        return 0
    if args.command == "reset-db":
        from devstack.postgres import reset_database

        reset_database(config, args.database or "")
        return 0
    if args.command in ("backup", "backups", "restore"):
        try:
            return backup_command(config, args)
        except StartError as error:
            print(f"devstack {args.command} failed: {error}", file=sys.stderr)
            return 1
    if args.command == "migrate":
        migrate_services(config)
        return 0
    if args.command == "down":
        stopped = stack.down()
        print(f"stopped: {', '.join(stopped) if stopped else 'nothing was running'}", file=sys.stderr)
        return 0
    if args.command == "env":
        for key, value in sorted(config.common_env().items()):
            print(f"{key}={value}")
        return 0

    # status: the components, then any other process started through
    # processes.start_process (e.g. the services).
    print(f"profile {config.profile}, state {config.state_dir}")
    print(f"{'component':<14}{'pid':>8}{'port':>7}  state")
    all_up = True
    for item in stack.status():
        state = "up" if item.up else ("starting/unhealthy" if item.pid else "down")
        all_up &= item.up or (item.name == "keycloak" and args.without_keycloak)
        print(f"{item.name:<14}{item.pid or '-':>8}{item.port:>7}  {state}")
    for name in known_names(config):
        if name in COMPONENTS:
            continue
        record = read_pid(config, name)
        alive = record is not None and record.alive()
        port = config.ports.get(name, "-")
        pid = record.pid if record and alive else "-"
        print(f"{name:<14}{pid:>8}{port:>7}  {'running' if alive else 'down'}")
    return 0 if all_up else 3


if __name__ == "__main__":
    sys.exit(main())
