"""Fill a ``--set`` path's missing sections from the model's defaults before it is applied.

``--set systems.erp.endpoints.create_order.service_time.mean=12`` on a scenario that does
not mention ``systems`` would otherwise build ``{"service_time": {"mean": 12}}`` and replace
the default distribution, losing its ``kind`` and ``cv``. Each section the path passes
through that the raw data lacks is first set to the default's dump (the field's default, or
the value inside the enclosing default), so overriding one field of a default keeps the
rest. A path through an unknown field is left alone: validation then names that field.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel

__all__ = ["fill_defaults"]


def _model_class(annotation: Any) -> type[BaseModel] | None:
    """The one model class an annotation allows (``X`` or ``X | None``), else None."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _model_class(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        models = [a for a in typing.get_args(annotation) if _model_class(a) is not None]
        return _model_class(models[0]) if len(models) == 1 else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return dict(value)
    return value


def fill_defaults(data: dict[str, Any], model: type[BaseModel], parts: list[str]) -> None:
    """Set the sections of ``parts[:-1]`` that ``data`` lacks to the model's defaults."""
    node: dict[str, Any] = data
    cls: type[BaseModel] | None = model
    default: Any = None
    for part in parts[:-1]:
        field = cls.model_fields.get(part) if cls is not None else None
        if field is None and not isinstance(default, dict):
            return
        if field is not None:
            if default is not None and isinstance(default, BaseModel):
                value = getattr(default, part, None)
            elif field.is_required():
                value = None
            else:
                value = field.get_default(call_default_factory=True)
        else:
            value = default.get(part)
        if part not in node:
            if value is None:
                return
            node[part] = _dump(value)
        child = node[part]
        if not isinstance(child, dict):
            return
        node = child
        if isinstance(value, BaseModel):
            cls, default = type(value), value
        else:
            cls = _model_class(field.annotation) if field is not None else None
            default = value if isinstance(value, dict) else None
