"""Building the answer dataclasses from JSON, tolerantly.

Unknown fields are ignored (a newer gateway does not break an older SDK); a
field without a default in the dataclass is one the schema requires, and its
absence is an error. A field named after a Python keyword keeps the JSON name
in its metadata (``field(metadata={"json": "from"})``).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any, TypeVar, Union

__all__ = ["decode", "DecodeError", "encode"]

T = TypeVar("T")


class DecodeError(ValueError):
    """An answer that does not hold what the contract requires."""


@functools.cache
def _fields(cls: type) -> tuple[tuple[str, str, Any, bool], ...]:
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        out.append((f.name, f.metadata.get("json", f.name), hints[f.name], required))
    return tuple(out)


def decode(cls: type[T], data: Any, path: str = "") -> T:
    """Build cls, a dataclass, from data, a decoded JSON value."""
    return typing.cast(T, _value(cls, data, path or cls.__name__))


def _value(tp: Any, v: Any, path: str) -> Any:
    if tp is Any:
        return v
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        args = typing.get_args(tp)
        if v is None:
            if type(None) in args:
                return None
            raise DecodeError(f"{path} is null")
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return _value(inner[0], v, path)
        return v
    if v is None:
        raise DecodeError(f"{path} is null")
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(v, dict):
            raise DecodeError(f"{path} is not an object")
        kwargs: dict[str, Any] = {}
        for name, key, ftp, required in _fields(tp):
            if key in v:
                kwargs[name] = _value(ftp, v[key], f"{path}.{key}")
            elif required:
                raise DecodeError(f"{path}.{key} is missing")
        return tp(**kwargs)
    if origin is list:
        if not isinstance(v, list):
            raise DecodeError(f"{path} is not an array")
        (item,) = typing.get_args(tp) or (Any,)
        return [_value(item, x, f"{path}[{i}]") for i, x in enumerate(v)]
    if origin is dict or tp is dict:
        if not isinstance(v, dict):
            raise DecodeError(f"{path} is not an object")
        return dict(v)
    if tp is float:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise DecodeError(f"{path} is not a number")
        return float(v)
    if tp is int:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise DecodeError(f"{path} is not an integer")
        return int(v)
    if tp is bool:
        if not isinstance(v, bool):
            raise DecodeError(f"{path} is not a boolean")
        return v
    if tp is str:
        if not isinstance(v, str):
            raise DecodeError(f"{path} is not a string")
        return v
    return v


def encode(obj: Any) -> dict[str, Any]:
    """A request dataclass as a JSON object, its None fields left out (the
    gateway counts a null as absent anyway)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        if v is None:
            continue
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            v = encode(v)
        out[f.metadata.get("json", f.name)] = v
    return out
