"""The indicator chart: valid SVG that names itself and says its numbers, bars scaled to a round axis top."""

from __future__ import annotations

import uuid
from decimal import Decimal
from xml.etree import ElementTree

from services.partners.plans.rules import Feed
from services.partners.reports.builder import IndicatorLine, Point, Standing
from services.partners.reports.chart import describe, nice_top, svg

NS = {"svg": "http://www.w3.org/2000/svg"}


def line(*points: Point) -> IndicatorLine:
    return IndicatorLine(id=uuid.uuid4(), name="aantal plaatsen <sociale economie>", unit="plaatsen", baseline=None,
                         target=points[0].target, feed=Feed.ENTERED, standing=Standing.APPROVED,
                         value=points[0].value, narrative="", history=points)


def test_the_axis_top_is_a_round_number_at_or_above_the_highest_bar() -> None:
    assert nice_top(Decimal(200)) == 200
    assert nice_top(Decimal(201)) == 250
    assert nice_top(Decimal(108)) == 200
    assert nice_top(Decimal("0.7")) == 1
    assert nice_top(Decimal(0)) == 1
    assert nice_top(Decimal(5100)) == 10000


def test_the_chart_names_itself_says_its_numbers_and_draws_a_bar_per_known_value() -> None:
    chart = line(Point(2020, Decimal(200), Decimal(150)), Point(2021, Decimal(200), None), Point(2022, None, None))
    markup = svg(chart, "indicator-1")
    root = ElementTree.fromstring(str(markup))
    assert root.get("role") == "img" and root.get("aria-labelledby") == "indicator-1-titel indicator-1-beschrijving"
    assert root.find("svg:title", NS).text == "aantal plaatsen <sociale economie>"  # type: ignore[union-attr]
    assert describe(chart) == ("Doel en realisatie per jaar (plaatsen). 2020: doel 200, realisatie 150; "
                               "2021: doel 200, geen realisatie; 2022: geen doel, geen realisatie.")
    targets = root.findall(".//svg:rect[@class='chart__target']", NS)
    values = root.findall(".//svg:rect[@class='chart__value']", NS)
    assert len(targets) == 2 and len(values) == 1
    # 150 of an axis up to 200 is three quarters the height of the target's bar
    assert float(values[0].get("height", 0)) == float(targets[0].get("height", 0)) * 0.75
