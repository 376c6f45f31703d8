"""StackConfig: profiles, ports and the environment handed to services."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.config import PORT_OFFSETS, REPO_ROOT, SERVICES, TENANTS, StackConfig


def test_run_and_test_profiles_do_not_share_ports_or_state() -> None:
    run = StackConfig.from_env("run", env={})
    test = StackConfig.from_env("test", env={})
    assert set(run.ports.values()).isdisjoint(test.ports.values())
    assert run.state_dir == REPO_ROOT / ".stack" / "run"
    assert test.state_dir == REPO_ROOT / ".stack" / "test"
    assert run.pg_port == 20432 and test.pg_port == 22432
    # No two components of one stack on the same port.
    assert len(set(test.ports.values())) == len(PORT_OFFSETS)


def test_env_overrides_apply(tmp_path: Path) -> None:
    config = StackConfig.from_env(
        "test",
        env={
            "REGIE_STATE_DIR": str(tmp_path),
            "REGIE_PORT_BASE": "50000",
            "REGIE_PG_PORT": "50999",
            "REGIE_KEYCLOAK_PORT": "51180",
            "REGIE_PG_APP_PASSWORD": "s3cret",
            "REGIE_S3_ACCESS_KEY": "someone",
        },
    )
    assert config.state_dir == tmp_path
    assert config.port("gateway") == 50000
    assert config.port("grants") == 50101
    assert config.pg_port == 50999
    assert config.keycloak_url == "http://127.0.0.1:51180"
    env = config.service_env("grants")
    assert env["REGIE_DATABASE_URL"] == "postgresql+asyncpg://regie_app:s3cret@127.0.0.1:50999/grants"
    assert config.s3_access_key == "someone"  # the stack's administrator key: never a service's
    assert env["REGIE_S3_ACCESS_KEY"] == "regie-grants" and "REGIE_S3_ACCESS_KEY" not in config.service_env("gateway")


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError):
        StackConfig.from_env("prod", env={})


@pytest.mark.parametrize("service", SERVICES)
def test_service_env_names(service: str) -> None:
    config = StackConfig.from_env("test", env={})
    env = config.service_env(service)
    assert env["REGIE_SERVICE"] == service
    assert env["REGIE_TENANTS"] == ",".join(TENANTS)
    assert env["REGIE_HTTP_HOST"] == "127.0.0.1"
    assert env["REGIE_HTTP_PORT"] == str(config.port(service))
    assert env["REGIE_NATS_URL"] == "nats://127.0.0.1:22422"
    assert env["REGIE_S3_ENDPOINT"] == "127.0.0.1:22333"
    assert env["REGIE_S3_SECURE"] == "false"
    if service == "gateway":  # no object storage, so no bucket and no key
        assert not {"REGIE_S3_BUCKET", "REGIE_S3_ACCESS_KEY", "REGIE_S3_SECRET_KEY", "REGIE_CLAMD_URL"} & set(env)
    else:
        assert env["REGIE_S3_BUCKET"] == f"regie-{service}" and env["REGIE_S3_ACCESS_KEY"] == f"regie-{service}"
        assert env["REGIE_CLAMD_URL"] == "tcp://127.0.0.1:22310"  # every service that stores uploads scans them
    assert env["REGIE_KEYCLOAK_URL"] == "http://127.0.0.1:22180"
    assert env["REGIE_GATEWAY_URL"] == "http://127.0.0.1:22000"
    assert env["REGIE_GRANTS_URL"] == "http://127.0.0.1:22101"
    assert env["REGIE_LOG_FORMAT"] == "json"
    database_vars = {"REGIE_DATABASE_URL", "REGIE_RELAY_DATABASE_URL", "REGIE_MIGRATION_DATABASE_URL"}
    if service == "gateway":
        assert database_vars.isdisjoint(env)
    else:
        assert env["REGIE_RELAY_DATABASE_URL"].startswith("postgresql+asyncpg://regie_relay:")
        assert env["REGIE_MIGRATION_DATABASE_URL"].endswith(f"@127.0.0.1:22432/{service}")


def test_stack_env_file(tmp_path: Path) -> None:
    config = StackConfig.from_env("test", env={"REGIE_STATE_DIR": str(tmp_path)})
    path = config.write_env_file()
    lines = dict(line.split("=", 1) for line in path.read_text().splitlines())
    assert lines["REGIE_NATS_URL"] == config.nats_server_url
    assert "REGIE_SERVICE" not in lines
    assert "REGIE_NATS_PASSWORD" not in lines and config.nats_password("regie-admin") not in path.read_text()


def test_default_ports_lie_below_the_kernels_ephemeral_range() -> None:
    # An outgoing connection borrows a source port from 32768-60999; one of ours there could be taken
    # at the moment its component starts.
    for profile in ("run", "test"):
        config = StackConfig.from_env(profile, env={})
        assert max(config.ports.values()) < 32768, profile


def test_clamds_configuration_is_the_stacks_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On the stack's port, on this machine only, the project's signatures only, a stream limit equal to the
    services' upload limit, and nothing let through past a scan limit."""
    from devstack import clamd

    monkeypatch.setenv("REGIE_MAX_UPLOAD_BYTES", str(7 * 1024 * 1024))
    config = StackConfig.from_env("test", env={"REGIE_STATE_DIR": str(tmp_path), "REGIE_PORT_BASE": "50000"})
    conf = clamd.write_config(config)
    settings = dict(line.split(" ", 1) for line in conf.read_text().splitlines() if not line.startswith("#"))
    assert settings["TCPSocket"] == "50310" and settings["TCPAddr"] == "127.0.0.1"
    assert "LocalSocket" not in settings and "User" not in settings and settings["Foreground"] == "yes"
    assert settings["StreamMaxLength"] == settings["MaxFileSize"] == str(7 * 1024 * 1024)
    assert settings["AlertExceedsMax"] == "yes"
    database = Path(settings["DatabaseDirectory"])
    assert database.parent == tmp_path / "clamd"
    assert sorted(p.name for p in database.iterdir()) == ["regie-test.ndb"]
    assert "EICAR" in (database / "regie-test.ndb").read_text()
    assert config.service_env("grants")["REGIE_CLAMD_URL"] == "tcp://127.0.0.1:50310"
def test_make_runs_database_archives_its_wal_and_the_tests_does_not() -> None:
    assert StackConfig.from_env("run", env={}).pg_archive is True
    assert StackConfig.from_env("test", env={}).pg_archive is False
    assert StackConfig.from_env("run", env={"REGIE_PG_ARCHIVE": "0"}).pg_archive is False
    assert StackConfig.from_env("test", env={"REGIE_PG_ARCHIVE": "1"}).pg_archive is True


def test_make_runs_and_the_benchs_databases_flush_every_commit_and_the_tests_does_not() -> None:
    from devstack.postgres import server_settings

    durable = {"run": {}, "test": {"REGIE_PG_DURABLE": "1"}}  # `make bench` sets the latter on its stack
    for profile, env in durable.items():
        settings = server_settings(StackConfig.from_env(profile, env=env), archive=False)
        assert not {"fsync", "synchronous_commit", "full_page_writes"} & settings.keys(), (profile, settings)
    disposable = server_settings(StackConfig.from_env("test", env={}), archive=False)
    assert (disposable["fsync"], disposable["synchronous_commit"]) == ("off", "off")


def test_the_backup_key_may_touch_the_backup_bucket_only(tmp_path: Path) -> None:
    import json

    from devstack import backup, s3

    config = StackConfig.from_env("test", env={"REGIE_STATE_DIR": str(tmp_path)})
    (tmp_path / "s3").mkdir()
    identities = json.loads(s3.write_identities(config).read_text())["identities"]
    access, secret = config.s3_service_key("backup")
    (entry,) = [i for i in identities if i["credentials"][0]["accessKey"] == access]
    assert entry["credentials"][0]["secretKey"] == secret != config.s3_secret_key
    assert {action.split(":")[1] for action in entry["actions"]} == {backup.BUCKET}
    assert all(backup.BUCKET not in action for i in identities if i is not entry for action in i["actions"]
               if ":" in action)
