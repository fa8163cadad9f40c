
-- Prefetch: the queue of GET_PROVIDERS misses looked up on the DHT, its
-- negative cache, and hydra.fetch().

CREATE FUNCTION hydra.prefetch_stats()
	RETURNS TABLE (name text, value bigint)
	AS 'MODULE_PATHNAME', 'hydra_prefetch_stats_sql'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION hydra.prefetch_stats() IS
	'Prefetch counters: enqueue outcomes (enqueued, already_pending, failed_recently_5min, failed_recently_1h, queue_full), lookup results (found, empty, error, timeout), the same per source (dht_*, delegated_*), and gauges (pending, running, negative_cached)';

CREATE FUNCTION hydra._prefetch_wait(key bytea, timeout_ms bigint, want integer) RETURNS text
	AS 'MODULE_PATHNAME', 'hydra_prefetch_wait_sql'
	LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION hydra._prefetch_wait(bytea, bigint, integer) IS
	'Join (or start) the prefetch lookup of a key and wait until it ends or has stored want providers, at most timeout_ms; dht or delegated (delegated routing supplied providers), NULL when no lookup could be joined';

-- Providers of a CID: from the store when it has n, else after a live DHT
-- lookup (joined if one is already running) of at most timeout, whose
-- results the prefetch worker has stored.  source: 'store' (no lookup ran),
-- 'delegated' (after a lookup to which delegated routing,
-- hydra.delegated_routing_url, supplied providers), 'dht' (after any other
-- lookup).  Call it outside a
-- transaction that has already read hydra.provider_records.
CREATE FUNCTION hydra.fetch(cid text, n integer DEFAULT 1, timeout interval DEFAULT '5 seconds')
	RETURNS TABLE (peer_id text, addrs text[], source text)
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	k bytea := hydra.cid_to_key(hydra._not_null(cid, 'cid'));
	have integer;
	src text;
BEGIN
	IF n IS NULL OR n < 1 OR n > 1000 THEN
		RAISE EXCEPTION 'invalid n: %', coalesce(n::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value', DETAIL = 'n must be between 1 and 1000.';
	END IF;
	IF timeout IS NULL OR timeout < interval '0' OR timeout > interval '1 hour' THEN
		RAISE EXCEPTION 'invalid timeout: %', coalesce(timeout::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value', DETAIL = 'timeout must be between 0 and 1 hour.';
	END IF;
	-- Count in a subtransaction that is then rolled back: that releases its
	-- locks on the record tables, which the prefetch worker may need in
	-- full (a new partition) to store what we are about to wait for.
	BEGIN
		SELECT count(*) INTO have FROM hydra.providers(cid, n);
		RAISE SQLSTATE 'HY000';
	EXCEPTION WHEN SQLSTATE 'HY000' THEN
		NULL;
	END;
	IF have < n THEN
		src := hydra._prefetch_wait(k, (extract(epoch FROM timeout) * 1000)::bigint, n);
	END IF;
	RETURN QUERY
		SELECT p.peer_id, p.addrs, coalesce(src, 'store')
		FROM hydra.providers(cid, n) AS p;
END
$$;
COMMENT ON FUNCTION hydra.fetch(text, integer, interval) IS
	'Providers of a CID: the store''s when it has n, else after a live DHT lookup (at most timeout) whose results are stored; source store, dht or delegated';
