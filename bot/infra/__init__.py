"""Infrastructure every capability stands on: config, database, outbox, clock, Slack."""
