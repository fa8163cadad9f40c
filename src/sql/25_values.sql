-- /pk/ and /ipns/ records received through PUT_VALUE, validated by the
-- heads before they are stored.

CREATE TABLE hydra.dht_values (
	key bytea PRIMARY KEY,
	value bytea NOT NULL,
	seq bigint NOT NULL DEFAULT 0,
	validity_ns bigint NOT NULL DEFAULT 0,
	received_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE hydra.dht_values IS
	'Validated /pk/ and /ipns/ records (key = full DHT record key); newer sequence, then later validity, wins';
SELECT pg_catalog.pg_extension_config_dump('hydra.dht_values', '');
