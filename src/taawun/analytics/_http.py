"""What the analytics routes share: a table as an HTTP answer, and how OpenAPI names it."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from taawun.analytics import export
from taawun.analytics.schemas import ExportFormat, Table


def table_responses(description: str) -> dict[int | str, dict[str, Any]]:
    """The 200 answer of a route that answers a table in the format asked for."""
    return {
        200: {
            "description": description,
            "content": {media: {} for media in export.MEDIA_TYPES.values()},
        }
    }


def table_response(table: Table, fmt: ExportFormat, name: str) -> Response:
    """``table`` in ``fmt``, offered as the file ``name.<format>``."""
    return Response(
        export.render_table(table, fmt),
        media_type=export.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt.value}"'},
    )
