"""The impact API (behind the gateway at /<tenant>/api/foodsavers/…)."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

CONTROLLERS: list[ControllerRouterHandler] = []
