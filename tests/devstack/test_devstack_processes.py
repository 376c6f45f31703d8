"""start_process / stop_all on a throwaway process (no stack needed)."""

from __future__ import annotations

import sys
from pathlib import Path

import psutil
import pytest

from devstack.config import StackConfig
from devstack.processes import StartError, read_pid, running_pid, start_process, stop_all


@pytest.fixture()
def config(tmp_path: Path) -> StackConfig:
    return StackConfig.from_env("test", env={"REGIE_STATE_DIR": str(tmp_path)})


def test_start_is_idempotent_and_stop_all_stops(config: StackConfig) -> None:
    argv = [sys.executable, "-c", "import time; print('hello', flush=True); time.sleep(60)"]
    log = config.log_file("sleeper")
    ready = lambda: "hello" in log.read_text()  # noqa: E731
    pid = start_process(config, "sleeper", argv, ready=ready, timeout=10)
    assert psutil.pid_exists(pid)
    assert start_process(config, "sleeper", argv, ready=ready, timeout=10) == pid
    assert stop_all(config, timeout=5) == ["sleeper"]
    assert running_pid(config, "sleeper") is None
    assert not config.pid_file("sleeper").exists()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_stale_pid_file_is_ignored(config: StackConfig) -> None:
    config.pids_dir.mkdir(parents=True)
    config.pid_file("ghost").write_text("999999\ncreate_time=1.0\n")
    assert running_pid(config, "ghost") is None
    assert read_pid(config, "ghost") is None  # removed as stale


def test_failed_start_reports_log_tail(config: StackConfig) -> None:
    argv = [sys.executable, "-c", "import sys; print('boom: no config', flush=True); sys.exit(3)"]
    with pytest.raises(StartError) as error:
        start_process(config, "broken", argv, ready=lambda: False, timeout=10)
    assert "boom: no config" in str(error.value)
    assert str(config.log_file("broken")) in str(error.value)


def test_a_running_component_is_still_found_after_the_wall_clock_was_stepped(config: StackConfig) -> None:
    """A VM restored or forked, or NTP, steps the wall clock: the process's start time as psutil reads it (boot
    time from the wall clock plus ticks since boot) moves, the ticks do not. The component is found and stopped,
    not taken for stale and left running; a recycled pid (other ticks) is still refused."""
    argv = [sys.executable, "-c", "import time; time.sleep(60)"]
    pid = start_process(config, "sleeper", argv, timeout=10)
    path = config.pid_file("sleeper")
    lines = path.read_text().splitlines()
    stepped = [f"create_time={float(line.split('=')[1]) - 25.0}" if line.startswith("create_time=") else line
               for line in lines]
    path.write_text("\n".join(stepped) + "\n")
    assert running_pid(config, "sleeper") == pid
    recycled = [f"start_ticks={int(line.split('=')[1]) + 1}" if line.startswith("start_ticks=") else line
                for line in stepped]
    path.write_text("\n".join(recycled) + "\n")
    assert running_pid(config, "sleeper") is None
    path.write_text("\n".join(stepped) + "\n")
    assert stop_all(config, timeout=5) == ["sleeper"]
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
