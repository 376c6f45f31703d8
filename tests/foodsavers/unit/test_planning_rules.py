"""Planning's rules without a database: the days a series has its rounds, how far ahead, which occurrences a
change of the series reaches, the stop kinds of FEAD and rescue rounds, clock times, and what may still change."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from services.foodsavers.planning import rules
from shared.problems import Conflict, Invalid


def test_the_occurrences_fall_on_the_weekdays_within_the_series_and_the_asked_days() -> None:
    days = rules.occurrence_days([1, 3, 5], date(2020, 6, 15), date(2020, 6, 30), date(2020, 6, 1),
                                 date(2020, 12, 31))
    assert days == [date(2020, 6, d) for d in (15, 17, 19, 22, 24, 26, 29)]
    assert rules.occurrence_days([1, 3, 5], date(2020, 6, 15), None, date(2020, 6, 20), date(2020, 6, 24)) == [
        date(2020, 6, 22), date(2020, 6, 24)]
    assert rules.occurrence_days([6, 7], date(2020, 6, 15), date(2020, 6, 19), date(2020, 6, 1),
                                 date(2020, 6, 30)) == []


def test_rounds_are_generated_six_weeks_ahead_or_to_the_series_end() -> None:
    today = date(2026, 12, 2)
    assert rules.WEEKS_AHEAD == 6
    assert rules.generate_until(None, today) == today + timedelta(weeks=6)
    assert rules.generate_until(date(2026, 12, 20), today) == date(2026, 12, 20)
    assert rules.generate_until(date(2020, 12, 31), today) == date(2020, 12, 31)  # a past series: to its end


def test_a_series_change_reaches_only_untouched_planned_occurrences_from_its_day() -> None:
    on = date(2020, 7, 13)
    reach = {"status": "planned", "edited": False, "has_entries": False, "day": on, "effective_from": on}
    assert rules.series_change_reaches(**reach)
    assert not rules.series_change_reaches(**{**reach, "edited": True})
    assert not rules.series_change_reaches(**{**reach, "status": "cancelled"})
    assert not rules.series_change_reaches(**{**reach, "status": "under-way"})
    assert not rules.series_change_reaches(**{**reach, "has_entries": True})
    assert not rules.series_change_reaches(**{**reach, "day": on - timedelta(days=1)})
    assert rules.still_occurs(date(2020, 7, 13), [1], date(2020, 7, 1), None)
    assert not rules.still_occurs(date(2020, 7, 17), [1, 2, 3, 4], date(2020, 7, 1), None)
    assert not rules.still_occurs(date(2020, 7, 20), [1], date(2020, 7, 1), date(2020, 7, 19))


def test_weekdays_are_iso_each_once_and_at_least_one() -> None:
    assert rules.checked_weekdays([5, 1, 1, 3]) == [1, 3, 5]
    with pytest.raises(Invalid, match="minstens één weekdag"):
        rules.checked_weekdays([])
    with pytest.raises(Invalid, match="weekdag 8 bestaat niet"):
        rules.checked_weekdays([1, 8])


def test_fead_rounds_stop_only_at_the_food_bank_and_local_governments() -> None:
    rules.check_stop_party("fead", "pickup", "food-bank", "Voedselbank", 1)
    rules.check_stop_party("fead", "delivery", "local-government", "OCMW Ieper", 2)
    rules.check_stop_party("rescue", "pickup", "supermarket", "Colruyt", 1)
    rules.check_stop_party("rescue", "delivery", "local-government", "OCMW Ieper", 2)
    with pytest.raises(Invalid, match="enkel op bij de voedselbank"):
        rules.check_stop_party("fead", "pickup", "supermarket", "Colruyt", 1)
    with pytest.raises(Invalid, match="enkel aan lokale besturen"):
        rules.check_stop_party("fead", "delivery", "sint-vincentius", "Sint-Vincentius", 2)
    with pytest.raises(Invalid, match="FEAD-transport"):
        rules.check_stop_party("rescue", "pickup", "food-bank", "Voedselbank", 1)


def test_kinds_statuses_and_clock_times_in_dutch() -> None:
    assert rules.ROUND_KINDS == {"rescue": "voedselredding", "fead": "FEAD-transport"}
    assert [rules.status_label(s) for s in ("planned", "under-way", "closed", "cancelled")] == [
        "gepland", "onderweg", "afgesloten", "geannuleerd"]
    assert rules.parse_time("08:30", "start_time") == time(8, 30)
    assert rules.parse_time("7:05:30", "start_time") == time(7, 5, 30)
    for wrong in ("9u", "25:00", "", "08:60"):
        with pytest.raises(Invalid, match="UU:MM"):
            rules.parse_time(wrong, "start_time")
    with pytest.raises(Invalid, match="onbekende soort rit"):
        rules.check_kind("express")
    with pytest.raises(Invalid, match="eindigt vóór"):
        rules.check_window(time(10), time(9), "stops[0].window_until")
    with pytest.raises(Invalid, match="minstens één stop"):
        rules.check_stop_kinds([])


def test_only_a_planned_round_can_still_change() -> None:
    rules.editable("planned")
    for status in ("under-way", "closed", "cancelled"):
        with pytest.raises(Conflict, match=rules.status_label(status)):
            rules.editable(status)
