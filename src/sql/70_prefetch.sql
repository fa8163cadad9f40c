
-- Prefetch: the queue of GET_PROVIDERS misses looked up on the DHT, its
-- negative cache, and hydra.fetch().

CREATE FUNCTION hydra.prefetch_stats()
	RETURNS TABLE (name text, value bigint)
	AS 'MODULE_PATHNAME', 'hydra_prefetch_stats_sql'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION hydra.prefetch_stats() IS
	'Prefetch counters: enqueue outcomes (enqueued, already_pending, failed_recently_5min, failed_recently_1h, queue_full), lookup results (found, empty, error, timeout), and gauges (pending, running, negative_cached)';
