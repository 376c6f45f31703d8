"""The e-mail outbox's retry schedule: the default really spans at least an hour before a message is
dead-lettered, the waits grow and are capped, and a configured schedule is followed exactly."""

from datetime import timedelta

from services.grants.mailings.rules import RetrySchedule
from services.grants.settings import MailOutboxSettings


def test_the_default_schedule_retries_for_at_least_an_hour_before_dead_lettering() -> None:
    schedule = MailOutboxSettings().schedule()
    waits = schedule.delays()
    assert sum(waits, timedelta()) >= timedelta(hours=1)
    assert schedule.wait_after(len(waits)) is not None and schedule.wait_after(len(waits) + 1) is None
    # the attempt before the last one still came before the hour: the window is not padded with extra tries
    assert sum(waits[:-1], timedelta()) < timedelta(hours=1)


def test_the_default_waits_double_from_half_a_minute_up_to_a_quarter_of_an_hour() -> None:
    assert [w.total_seconds() for w in RetrySchedule().delays()] == [30, 60, 120, 240, 480, 900, 900, 900]
    assert RetrySchedule().attempts == 9


def test_a_short_schedule_for_a_test_is_followed_exactly() -> None:
    schedule = RetrySchedule(base_seconds=1, max_delay_seconds=4, window_seconds=10)
    assert [schedule.wait_after(n) for n in range(1, 6)] == [timedelta(seconds=s) for s in (1, 2, 4, 4)] + [None]
    assert schedule.wait_after(0) == timedelta(0)
