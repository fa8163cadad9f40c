-- Metrics: the counters and histograms the workers keep in shared memory,
-- as rows and as Prometheus text, and a one-row status summary.

CREATE FUNCTION hydra.metrics()
	RETURNS TABLE (name text, labels jsonb, value double precision)
	AS 'MODULE_PATHNAME', 'hydra_metrics_rows'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION hydra.metrics() IS
	'Every metric sample: name (as in the Prometheus text, with _total/_bucket/_sum/_count), labels, value';

CREATE FUNCTION hydra.metrics_text() RETURNS text
	AS 'MODULE_PATHNAME', 'hydra_metrics_text_sql'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION hydra.metrics_text() IS
	'Every metric in the Prometheus text exposition format (what GET /metrics serves)';

-- Peers in the peer store: exact while small, the planner estimate beyond
-- 100k rows (a count(*) there would scan the table on every refresh).
CREATE FUNCTION hydra._unique_peers() RETURNS bigint
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT CASE WHEN c.reltuples > 100000 THEN c.reltuples::bigint
				ELSE (SELECT count(*) FROM hydra.peers) END
	FROM pg_class c WHERE c.oid = 'hydra.peers'::regclass
$$;

CREATE FUNCTION hydra._status(OUT heads integer, OUT connections bigint,
							  OUT routing_table_size integer, OUT prefetch_queue_depth bigint,
							  OUT uptime interval, OUT memory bigint)
	AS 'MODULE_PATHNAME', 'hydra_status_sql'
	LANGUAGE C VOLATILE;

CREATE FUNCTION hydra.status()
	RETURNS TABLE (heads integer, connections bigint, unique_peers bigint, records bigint,
				   routing_table_size integer, prefetch_queue_depth bigint, uptime interval,
				   memory bigint)
	LANGUAGE sql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT s.heads, s.connections, hydra._unique_peers(), hydra.record_count(),
		   s.routing_table_size, s.prefetch_queue_depth, s.uptime, s.memory
	FROM hydra._status() s
$$;
COMMENT ON FUNCTION hydra.status() IS
	'One-row summary: running heads, open connections, unique peers, provider records (approximate), routing table size, prefetch queue depth (0: no prefetch yet), uptime, resident memory of the hydra workers (bytes)';
