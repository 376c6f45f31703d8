"""The process's heap after start-up, kept out of the garbage collector's full collections.

Measured (bench/README.md, "A tenant-scoped read"): a service's heap after start-up holds some hundred thousand
long-lived objects (modules, classes, the routes, the templates, the settings), and CPython's collector looked at
every one of them in each full (generation 2) collection: about 120 ms each in partners, every few thousand
requests, a pause of every request in flight (the read's p99 of 700 ms at a p50 of 4.5 ms), 11 % of its CPU
under load. `gc.freeze()` moves what exists at the end of start-up into a permanent generation that collections
skip (the gc module's documentation); the garbage of start-up is collected first, so nothing of it stays for
good. Objects made later (kept answers, pools) are collected as before."""

from __future__ import annotations

import gc
import logging

log = logging.getLogger("regie.heap")


def freeze_after_start() -> None:
    gc.collect()
    gc.freeze()
    log.info("start-up heap frozen", extra={"objects": gc.get_freeze_count()})
