"""The product catalogue (สินค้า): the products and grades stock lots and purchase orders
may name. Any valid key may read it."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select
from sqlmodel import col

from api.db.tables import ProductRow
from api.db.tx import read_session
from api.http import row_views as rv
from api.http import schemas as sc
from api.http.deps import Caller, Ctx
from api.http.pagination import Cursor, Limit, decode, next_cursor
from api.http.routers.common import READ_ERRORS

router = APIRouter(prefix="/v1", tags=["catalogue"])


@router.get("/products", response_model=sc.Page[sc.ProductPublic], responses=READ_ERRORS)
def list_products(
    _who: Caller, ctx: Ctx, limit: Limit = 50, cursor: Cursor = None
) -> sc.Page[sc.ProductPublic]:
    """Products with their grades, best grade first, by id (รายการสินค้าและเกรด)."""
    stmt = select(ProductRow).order_by(col(ProductRow.id))
    after = decode(cursor, str)
    if after is not None:
        stmt = stmt.where(col(ProductRow.id) > after)
    with read_session(ctx.engine) as s:
        rows = s.execute(stmt.limit(limit + 1)).scalars().all()
        items = [rv.product_public(r) for r in rows]
    page, nxt = next_cursor(items, limit, "id")
    return sc.Page[sc.ProductPublic](items=page, next_cursor=nxt)
