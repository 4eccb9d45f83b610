-- Billing schema (billing-backend.md §3). Money in integer minor units, times as timestamptz (UTC).

CREATE TABLE subscription_plans (
    id             BIGSERIAL PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,                      -- FREE, BASIC, PRO, ENTERPRISE
    tier           TEXT NOT NULL UNIQUE
                   CHECK (tier IN ('free', 'basic', 'pro', 'enterprise')),
    description    TEXT NOT NULL DEFAULT '',
    price_monthly  BIGINT,                                    -- display price, minor units
    price_yearly   BIGINT,
    currency       TEXT NOT NULL DEFAULT 'usd',
    limits         JSONB NOT NULL DEFAULT '{}'::jsonb,
    features       JSONB NOT NULL DEFAULT '[]'::jsonb,
    is_active      BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order     INTEGER NOT NULL DEFAULT 0,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE user_subscriptions (
    id                      BIGSERIAL PRIMARY KEY,
    user_id                 TEXT NOT NULL UNIQUE,
    email                   TEXT,
    plan_id                 BIGINT NOT NULL REFERENCES subscription_plans (id),
    billing_cycle           TEXT CHECK (billing_cycle IN ('monthly', 'yearly')),
    status                  TEXT CHECK (status IN
                              ('ACTIVE', 'TRIALING', 'PAST_DUE', 'CANCELLED', 'INCOMPLETE', 'UNPAID')),
    is_active               BOOLEAN NOT NULL DEFAULT FALSE,
    cancel_at_period_end    BOOLEAN NOT NULL DEFAULT FALSE,
    current_period_start    TIMESTAMPTZ,                      -- from Stripe, never computed
    current_period_end      TIMESTAMPTZ,
    stripe_customer_id      TEXT UNIQUE,
    stripe_subscription_id  TEXT UNIQUE,
    stripe_price_id         TEXT,
    last_stripe_event_at    TIMESTAMPTZ,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Entitlement (§7): only ACTIVE and TRIALING may be active.
    CONSTRAINT user_subscriptions_active_status
        CHECK (NOT is_active OR status IN ('ACTIVE', 'TRIALING'))
);

-- The webhook idempotency ledger.
CREATE TABLE stripe_events (
    event_id          TEXT PRIMARY KEY,
    type              TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('processing', 'processed', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT,
    outcome           TEXT,
    event_created_at  TIMESTAMPTZ,
    livemode          BOOLEAN,
    received_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    processed_at      TIMESTAMPTZ,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX stripe_events_type_received ON stripe_events (type, received_at);
CREATE INDEX stripe_events_failed ON stripe_events (received_at) WHERE status = 'failed';

CREATE TABLE fraud_warnings (
    id                    TEXT PRIMARY KEY CHECK (id LIKE 'issfr\_%'),
    charge_id             TEXT NOT NULL,
    payment_intent_id     TEXT,
    user_id               TEXT,
    amount                BIGINT,
    currency              TEXT,
    fraud_type            TEXT,
    actionable            BOOLEAN,
    status                TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'refunded', 'ignored')),
    refund_id             TEXT UNIQUE,
    raw                   JSONB NOT NULL DEFAULT '{}'::jsonb,   -- last Stripe snapshot
    stripe_created_at     TIMESTAMPTZ,
    last_stripe_event_at  TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX fraud_warnings_status_created ON fraud_warnings (status, created_at DESC);
CREATE INDEX fraud_warnings_charge ON fraud_warnings (charge_id);

CREATE TABLE disputes (
    id                    TEXT PRIMARY KEY CHECK (id LIKE 'dp\_%' OR id LIKE 'du\_%'),
    charge_id             TEXT NOT NULL,
    payment_intent_id     TEXT,
    user_id               TEXT,
    amount                BIGINT,
    currency              TEXT,
    reason                TEXT,
    status                TEXT NOT NULL,
    evidence_staged       JSONB NOT NULL DEFAULT '{}'::jsonb,
    evidence_submitted    BOOLEAN NOT NULL DEFAULT FALSE,
    submission_count      INTEGER NOT NULL DEFAULT 0,
    due_by                TIMESTAMPTZ,
    raw                   JSONB NOT NULL DEFAULT '{}'::jsonb,
    stripe_created_at     TIMESTAMPTZ,
    last_stripe_event_at  TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX disputes_created ON disputes (created_at DESC);
CREATE INDEX disputes_charge ON disputes (charge_id);

-- Who did what on a dispute or an early fraud warning (issue 5 admin actions).
CREATE TABLE admin_actions (
    id            BIGSERIAL PRIMARY KEY,
    subject_type  TEXT NOT NULL CHECK (subject_type IN ('dispute', 'fraud_warning')),
    subject_id    TEXT NOT NULL,
    actor_email   TEXT NOT NULL,
    action        TEXT NOT NULL,
    notes         TEXT,
    details       JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX admin_actions_subject ON admin_actions (subject_type, subject_id, created_at);

CREATE TABLE api_usage_logs (
    id           BIGSERIAL PRIMARY KEY,
    user_id      TEXT NOT NULL,
    endpoint     TEXT NOT NULL,
    method       TEXT NOT NULL,
    status_code  INTEGER,
    units        BIGINT NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX api_usage_logs_user_created ON api_usage_logs (user_id, created_at);

-- Per user per billing period; updated atomically with INSERT … ON CONFLICT DO UPDATE.
CREATE TABLE usage_summaries (
    id             BIGSERIAL PRIMARY KEY,
    user_id        TEXT NOT NULL,
    period_start   TIMESTAMPTZ NOT NULL,
    period_end     TIMESTAMPTZ NOT NULL,
    request_count  BIGINT NOT NULL DEFAULT 0,
    units          BIGINT NOT NULL DEFAULT 0,
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT usage_summaries_user_period UNIQUE (user_id, period_start)
);

-- One row per paid subscription invoice (first payment and renewals), from Stripe events.
CREATE TABLE subscription_renewal_history (
    id                      BIGSERIAL PRIMARY KEY,
    user_id                 TEXT NOT NULL,
    stripe_subscription_id  TEXT NOT NULL,
    stripe_invoice_id       TEXT NOT NULL UNIQUE,
    billing_reason          TEXT,
    amount_paid             BIGINT,
    currency                TEXT,
    period_start            TIMESTAMPTZ,
    period_end              TIMESTAMPTZ,
    stripe_event_id         TEXT,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX subscription_renewal_history_user ON subscription_renewal_history (user_id, created_at);
