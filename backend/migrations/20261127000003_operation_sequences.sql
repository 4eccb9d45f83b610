-- Idempotency keys from an operation's identity and sequence, not its content or the clock.
-- Each admin action on a dispute takes the next number under the dispute's row lock.
ALTER TABLE disputes ADD COLUMN action_seq BIGINT NOT NULL DEFAULT 0;

-- A user's Checkout attempts: the attempt number in the Stripe idempotency key, and the session
-- it produced (with a fingerprint of its parameters), reused only while Stripe says it is open.
ALTER TABLE user_subscriptions
    ADD COLUMN checkout_attempt BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN last_checkout_session_id TEXT,
    ADD COLUMN last_checkout_fingerprint TEXT;

-- An event that can never apply (its subscription unknown to Stripe, a price outside the
-- mapping) is recorded as unprocessable and answered 2xx, so Stripe stops retrying it.
ALTER TABLE stripe_events DROP CONSTRAINT stripe_events_status_check;
ALTER TABLE stripe_events ADD CONSTRAINT stripe_events_status_check
    CHECK (status IN ('processing', 'processed', 'failed', 'unprocessable'));
