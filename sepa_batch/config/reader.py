"""Reading the raw TOML tree: typed access whose errors name the dotted key, the merge over
the defaults, and the refusal of keys the product does not know."""

from __future__ import annotations

import copy
from typing import Any

from sepa_batch.errors import InvalidInput


class Reader:
    """Typed access to the raw TOML tree; every error names the dotted key."""

    def __init__(self, source: str, raw: dict[str, Any]):
        self.source = source
        self.raw = raw

    def fail(self, key: str, reason: str) -> InvalidInput:
        return InvalidInput(f"config {self.source}", key, reason)

    def get(self, key: str, kind: type | tuple[type, ...], tree: dict | None = None) -> Any:
        node: Any = self.raw if tree is None else tree
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise self.fail(key, "missing")
            node = node[part]
        if (kind is int and isinstance(node, bool)) or not isinstance(node, kind):
            name = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(key, f"expected {name}, got {node!r}")
        return node

    def text(self, key: str, *, optional: bool = False) -> str | None:
        value = self.get(key, str).strip()
        if not value and not optional:
            raise self.fail(key, "must not be empty")
        return value or None

    def number(self, key: str, low: int, high: int) -> int:
        value = self.get(key, int)
        if not low <= value <= high:
            raise self.fail(key, f"must be between {low} and {high}, got {value}")
        return value

    def choice(self, key: str, enum: type, tree: dict | None = None, label: str | None = None):
        value = self.get(key, str, tree)
        try:  # any case: "cheque" is CHEQUE, "KEEP" is keep
            return next(m for m in enum if m.value.lower() == value.strip().lower())
        except StopIteration:
            allowed = ", ".join(member.value for member in enum)
            raise self.fail(label or key, f"{value!r} is not one of {allowed}") from None


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _known_keys(tree: Any) -> dict[str, Any]:
    """What a table of the file may hold: the keys of its defaults (a list of tables, such as
    ``policy.rows``, takes the keys of any of its defaults)."""
    if isinstance(tree, list):
        known: dict[str, Any] = {}
        for item in tree:
            if isinstance(item, dict):
                known.update(item)
        return known
    return tree


#: Sections without built-in defaults (absent means "off"), whose keys their own reader checks.
OPTIONAL_SECTIONS = {"smtp"}


def check_keys(override: Any, defaults: Any, source: str, prefix: str = "") -> None:
    """Refuse a key or section the product does not know (a typo would be silently ignored),
    naming it and the closest known one."""
    if isinstance(defaults, list) and isinstance(override, list):
        known = _known_keys(defaults)
        for index, item in enumerate(override):
            if isinstance(item, dict) and known:
                check_keys(item, known, source, f"{prefix}[{index}]")
        return
    if not isinstance(override, dict) or not isinstance(defaults, dict):
        return
    for key, value in override.items():
        name = f"{prefix}.{key}" if prefix else key
        if not prefix and key in OPTIONAL_SECTIONS:
            continue
        if key not in defaults:
            what = "section" if isinstance(value, dict) else "key"
            import difflib  # only to name the closest key of a mistake

            known = list(defaults) + ([] if prefix else sorted(OPTIONAL_SECTIONS))
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = ""
            if close:
                near = f"{prefix}.{close[0]}" if prefix else close[0]
                hint = f"; did you mean {f'[{near}]' if what == 'section' else near}?"
            raise InvalidInput(f"config {source}", name, f"unknown {what}{hint}")
        check_keys(value, defaults[key], source, name)
