"""Keep the kernel from lending the stack's ports to other sockets.

The default port bases (20000 run, 22000 test, 24000 bench) lie below Linux's
ephemeral range (32768-60999), so this matters only for a base chosen inside it
(REGIE_PORT_BASE): there every outgoing connection (a database pool, an HTTP
client) and every server that binds port 0 borrows a random port, and while it
holds one of ours, our component cannot bind it: a rare, baffling "address
already in use". Adding the ranges to net.ipv4.ip_local_reserved_ports stops
that; it changes nothing else (an explicit bind to a reserved port still
works). Best effort: needs root.
"""

from __future__ import annotations

from pathlib import Path

from devstack.config import StackConfig
from devstack.processes import log

RESERVED_PORTS = Path("/proc/sys/net/ipv4/ip_local_reserved_ports")
# Offsets run from 0 to under 1000 (see config.PORT_OFFSETS).
BLOCK = 1000


def _parse(text: str) -> set[tuple[int, int]]:
    ranges = set()
    for part in text.replace("\n", "").split(","):
        part = part.strip()
        if not part:
            continue
        low, _, high = part.partition("-")
        ranges.add((int(low), int(high or low)))
    return ranges


def _merge(ranges: set[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(high, merged[-1][1]))
        else:
            merged.append((low, high))
    return merged


def wanted_ranges(config: StackConfig) -> set[tuple[int, int]]:
    ranges = {(config.port_base, config.port_base + BLOCK - 1)}
    ranges |= {(port, port) for port in config.ports.values()}
    return ranges


def reserve(config: StackConfig) -> bool:
    """Add the stack's ports to the reserved ports; True if they are reserved."""
    try:
        current = _parse(RESERVED_PORTS.read_text())
    except OSError:
        return False
    wanted = wanted_ranges(config)
    covered = _merge(current)
    if all(any(lo <= low and high <= hi for lo, hi in covered) for low, high in wanted):
        return True
    text = ",".join(f"{low}-{high}" if low != high else str(low)
                    for low, high in _merge(current | wanted))
    try:
        RESERVED_PORTS.write_text(text + "\n")
    except OSError as error:
        log(f"could not reserve ports {sorted(wanted)[0]}.. ({error}); "
            "another program may occasionally take one of the stack's ports")
        return False
    log(f"reserved ports for the stack (net.ipv4.ip_local_reserved_ports = {text})")
    return True
