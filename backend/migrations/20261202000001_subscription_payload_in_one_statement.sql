-- The webhook transaction of a `customer.subscription.*` event whose payload can be written as
-- it is, in one call (one round trip, in the call's own implicit transaction) instead of
-- BEGIN, claim, read, write, COMMIT. It does what those statements do, in the same order of
-- locks: the subscription's advisory lock (the key `events::claim` locks), then the ledger
-- row, then the user's row. A PL/pgSQL function takes a fresh snapshot for each statement, so
-- the read after the lock sees what the lock's previous holder committed, as the separate
-- statements did.
--
-- Returns what the event did: 'applied' (strictly newer than every event applied to the row:
-- its payload is written), 'ignored:stale' (older: the ledger records it, nothing else
-- changes), 'duplicate' (processed before: nothing changes), or 'same_second' (as old as the
-- row's newest event: nothing is written, and the caller processes the event the long way,
-- re-reading the subscription from Stripe).
CREATE FUNCTION webhook_apply_subscription_payload(
    p_event_id              TEXT,
    p_type                  TEXT,
    p_created               TIMESTAMPTZ,
    p_livemode              BOOLEAN,
    p_user_id               TEXT,
    p_tier                  TEXT,
    p_billing_cycle         TEXT,
    p_status                TEXT,
    p_is_active             BOOLEAN,
    p_cancel_at_period_end  BOOLEAN,
    p_period_start          TIMESTAMPTZ,
    p_period_end            TIMESTAMPTZ,
    p_customer_id           TEXT,
    p_subscription_id       TEXT,
    p_price_id              TEXT
) RETURNS TEXT
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    stored   TIMESTAMPTZ;
    verdict  TEXT;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(p_subscription_id, 0));

    SELECT last_stripe_event_at INTO stored
    FROM user_subscriptions WHERE stripe_subscription_id = p_subscription_id;
    IF stored IS NOT NULL AND p_created = stored THEN
        RETURN 'same_second';
    END IF;
    verdict := CASE WHEN stored IS NOT NULL AND p_created < stored
                    THEN 'ignored:stale' ELSE 'applied' END;

    INSERT INTO stripe_events (event_id, type, status, attempts, event_created_at, livemode,
                               outcome, processed_at)
    VALUES (p_event_id, p_type, 'processed', 1, p_created, p_livemode, verdict, now())
    ON CONFLICT (event_id) DO UPDATE
    SET status = 'processed', attempts = stripe_events.attempts + 1, last_error = NULL,
        outcome = EXCLUDED.outcome, processed_at = now(), updated_at = now()
    WHERE stripe_events.status <> 'processed';
    IF NOT FOUND THEN
        RETURN 'duplicate';
    END IF;

    IF verdict = 'applied' THEN
        INSERT INTO user_subscriptions (user_id, plan_id, billing_cycle, status, is_active,
             cancel_at_period_end, current_period_start, current_period_end, stripe_customer_id,
             stripe_subscription_id, stripe_price_id, last_stripe_event_at)
        VALUES (p_user_id, (SELECT id FROM subscription_plans WHERE tier = p_tier),
                p_billing_cycle, p_status, p_is_active, p_cancel_at_period_end, p_period_start,
                p_period_end, p_customer_id, p_subscription_id, p_price_id, p_created)
        ON CONFLICT (user_id) DO UPDATE SET
             plan_id = EXCLUDED.plan_id,
             billing_cycle = EXCLUDED.billing_cycle,
             status = EXCLUDED.status,
             is_active = EXCLUDED.is_active,
             cancel_at_period_end = EXCLUDED.cancel_at_period_end,
             current_period_start = EXCLUDED.current_period_start,
             current_period_end = EXCLUDED.current_period_end,
             stripe_customer_id = COALESCE(EXCLUDED.stripe_customer_id, user_subscriptions.stripe_customer_id),
             stripe_subscription_id = EXCLUDED.stripe_subscription_id,
             stripe_price_id = EXCLUDED.stripe_price_id,
             last_stripe_event_at = GREATEST(user_subscriptions.last_stripe_event_at, EXCLUDED.last_stripe_event_at),
             updated_at = now();
    END IF;
    RETURN verdict;
END
$$;
