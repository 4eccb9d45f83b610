-- Plans seeded once; ON CONFLICT DO NOTHING never overwrites later edits.
INSERT INTO subscription_plans (name, tier, description, price_monthly, price_yearly, limits, features, sort_order)
VALUES
    ('FREE', 'free', 'Try the writer', 0, 0,
     '{"words_per_month": 2000}', '["Basic editor"]', 0),
    ('BASIC', 'basic', 'For regular writers', 900, 9000,
     '{"words_per_month": 50000}', '["Basic editor", "Templates"]', 1),
    ('PRO', 'pro', 'For professionals', 2900, 29000,
     '{"words_per_month": 500000}', '["Basic editor", "Templates", "Priority support"]', 2),
    ('ENTERPRISE', 'enterprise', 'Contact sales', NULL, NULL,
     '{}', '["Everything", "SSO", "Dedicated support"]', 3)
ON CONFLICT (name) DO NOTHING;
