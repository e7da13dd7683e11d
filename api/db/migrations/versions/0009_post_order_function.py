"""A member's money-order post in one statement (PostgreSQL): ``coopmatch_post_order``.

The function does in one round trip, in order, what the general path does in a READ
COMMITTED transaction of its own (:func:`api.http.idempotency.in_one_transaction` with a
coop chain), after authentication's revocation check when the caller defers it (a key
verified moments ago, :func:`api.http.deps.authenticate`): lock the coop's audit-chain
head (``FOR UPDATE``; a new chain's head is created at its genesis), look the
idempotency key up (a stored response is replayed; another request under the key, or one
still in flight inside its lease, is refused; a key past the retention, or an in-flight
claim past its lease, is dropped), insert the order header and its detail row, append the
``order.posted`` event and store the response under the key. Called as one statement
outside an explicit transaction, all of it commits or none of it does.

The event hash is ``sha256(prev_hash + canonical_json(event))`` as everywhere
(:mod:`api.db.audit`); the caller passes the canonical JSON of the event up to its
``seq`` (the last key in sorted order), and the function appends the seq it assigns and the
closing brace. The insert trigger of 0008 still checks that the event follows its head.

Outcome codes: ``created``, ``replayed`` (the stored status and body), ``revoked`` (401),
``mismatch`` (the key
was used for another request: 422) and ``in_flight`` (409). SQLite: nothing to do (the
general path serves it).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 01:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

FUNCTION = r"""
CREATE FUNCTION coopmatch_post_order(
    p_key_id text, p_principal text, p_key text, p_digest text, p_now timestamptz,
    p_retention interval, p_lease interval,
    p_chain text, p_genesis text, p_actor text, p_event text, p_payload text,
    p_order jsonb, p_detail_table text, p_detail jsonb, p_response text
) RETURNS TABLE (o_outcome text, o_status integer, o_body text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_seq integer;
    v_prev text;
    v_hash text;
    v_seen idempotency_key%ROWTYPE;
BEGIN
    IF p_key_id IS NOT NULL AND NOT EXISTS
            (SELECT 1 FROM api_key WHERE id = p_key_id AND revoked_at IS NULL) THEN
        RETURN QUERY SELECT 'revoked'::text, 401, NULL::text;
        RETURN;
    END IF;
    SELECT seq, hash INTO v_seq, v_prev FROM audit_chain_head WHERE chain = p_chain FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO audit_chain_head AS h (chain, seq, hash) VALUES (p_chain, 0, p_genesis)
            ON CONFLICT (chain) DO UPDATE SET chain = EXCLUDED.chain
            RETURNING h.seq, h.hash INTO v_seq, v_prev;
    END IF;
    SELECT * INTO v_seen FROM idempotency_key WHERE principal = p_principal AND key = p_key;
    IF FOUND THEN
        IF p_now - v_seen.created_at > p_retention THEN
            DELETE FROM idempotency_key WHERE principal = p_principal AND key = p_key;
        ELSIF v_seen.request_hash <> p_digest THEN
            RETURN QUERY SELECT 'mismatch'::text, 422, NULL::text;
            RETURN;
        ELSIF v_seen.status_code = 0 THEN
            IF p_now - v_seen.created_at <= p_lease THEN
                RETURN QUERY SELECT 'in_flight'::text, 409, NULL::text;
                RETURN;
            END IF;
            DELETE FROM idempotency_key WHERE principal = p_principal AND key = p_key;
        ELSE
            RETURN QUERY SELECT 'replayed'::text, v_seen.status_code, v_seen.response_body;
            RETURN;
        END IF;
    END IF;
    INSERT INTO orders SELECT * FROM jsonb_populate_record(NULL::orders, p_order);
    IF p_detail_table = 'liquidity_offer' THEN
        INSERT INTO liquidity_offer
            SELECT * FROM jsonb_populate_record(NULL::liquidity_offer, p_detail);
    ELSIF p_detail_table = 'liquidity_need' THEN
        INSERT INTO liquidity_need
            SELECT * FROM jsonb_populate_record(NULL::liquidity_need, p_detail);
    ELSE
        RAISE EXCEPTION 'coopmatch_post_order: unknown detail table %', p_detail_table
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_seq := v_seq + 1;
    v_hash := encode(sha256(convert_to(v_prev || p_event || v_seq::text || '}', 'UTF8')), 'hex');
    INSERT INTO audit_event
        (chain, seq, occurred_at, actor, action, entity, entity_id, payload, prev_hash, hash)
        VALUES (p_chain, v_seq, p_now, p_actor, 'order.posted', 'order', p_order->>'id',
                p_payload, v_prev, v_hash);
    INSERT INTO idempotency_key
        (principal, key, request_hash, status_code, response_body, created_at)
        VALUES (p_principal, p_key, p_digest, 201, p_response, p_now);
    RETURN QUERY SELECT 'created'::text, 201, p_response;
END
$$
"""
SIGNATURE = (
    "coopmatch_post_order(text, text, text, text, timestamptz, interval, interval, text, text, "
    "text, text, text, jsonb, text, jsonb, text)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")
