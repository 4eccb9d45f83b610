-- When each kind of threshold alert was last sent. Every replica claims a window with one
-- conditional upsert on this row, so a spike that every replica sees raises one alert.
CREATE TABLE alert_windows (
    kind          TEXT PRIMARY KEY,
    last_sent_at  TIMESTAMPTZ NOT NULL
);
