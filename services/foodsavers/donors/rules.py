"""What a donor is, independent of storage."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    SUPERMARKET = "supermarket"
    AUCTION = "auction"
    PRODUCER = "producer"
    WHOLESALER = "wholesaler"


KINDS: dict[Kind, str] = {
    Kind.SUPERMARKET: "supermarkt",
    Kind.AUCTION: "veiling",
    Kind.PRODUCER: "producent",
    Kind.WHOLESALER: "groothandel",
}
"""The Dutch name of each kind, as people read it."""
