"""Examples in the OpenAPI document that match their own schemas.

FastAPI writes the document with ``exclude_none``, which also strips the ``null`` values out
of every example, so an example of a required nullable field (``revoked_at: null``) loses
that field and no longer validates. :func:`restore_nulls` puts them back: for each example
object, a required property that is missing and whose schema allows ``null`` is set to
``null``, recursively through ``$ref``, ``anyOf``, properties and array items.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def restore_nulls(doc: Schema) -> None:
    """Put the ``null`` values back into every component schema's examples (in place)."""
    components = doc.get("components", {}).get("schemas", {})
    for schema in components.values():
        for example in schema.get("examples", []):
            _fill(example, schema, components)


def _resolve(schema: Schema, components: Schema) -> Schema:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        return components.get(ref.rsplit("/", 1)[1], {})  # type: ignore[no-any-return]
    return schema


def _allows_null(schema: Schema, components: Schema) -> bool:
    schema = _resolve(schema, components)
    if schema.get("type") == "null":
        return True
    return any(_allows_null(s, components) for s in schema.get("anyOf", []))


def _object_branch(schema: Schema, components: Schema) -> Schema:
    """The schema itself, or its first non-null ``anyOf`` branch, resolved."""
    schema = _resolve(schema, components)
    for branch in schema.get("anyOf", []):
        resolved = _resolve(branch, components)
        if resolved.get("type") != "null":
            return resolved
    return schema


def _fill(example: Any, schema: Schema, components: Schema) -> None:
    schema = _object_branch(schema, components)
    if isinstance(example, list) and "items" in schema:
        for item in example:
            _fill(item, schema["items"], components)
        return
    if not isinstance(example, dict):
        return
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in example and _allows_null(properties.get(name, {}), components):
            example[name] = None
    for name, value in example.items():
        if name in properties:
            _fill(value, properties[name], components)
