-- hydra.metrics(), hydra.metrics_text(), hydra.status(): shapes and
-- consistency (the counters' values are checked by TAP 008_metrics).
DO $$
BEGIN
	FOR i IN 1..300 LOOP
		EXIT WHEN (SELECT count(*) FROM hydra.heads()) = 1;
		PERFORM pg_sleep(0.1);
	END LOOP;
END $$;

-- Columns and types.
SELECT a.attname, format_type(a.atttypid, -1)
FROM pg_proc p, LATERAL unnest(p.proallargtypes, p.proargnames, p.proargmodes) AS a(atttypid, attname, mode)
WHERE p.oid = 'hydra.metrics()'::regprocedure AND a.mode = 't';
SELECT pg_typeof(hydra.metrics_text());
SELECT a.attname, format_type(a.atttypid, -1)
FROM pg_proc p, LATERAL unnest(p.proallargtypes, p.proargnames, p.proargmodes) AS a(atttypid, attname, mode)
WHERE p.oid = 'hydra.status()'::regprocedure AND a.mode = 't';

-- Every name is prefixed, every (name, labels) unique, labels are flat strings.
SELECT count(*) > 100 AS many_samples,
	   bool_and(name ~ '^hydra_[a-z0-9_]+$') AS prefixed,
	   count(*) = count(DISTINCT (name, labels)) AS unique_per_label_set,
	   bool_and(jsonb_typeof(labels) = 'object') AS labels_objects,
	   bool_and(value = value) AS no_nan
FROM hydra.metrics();
SELECT count(*) AS non_string_labels
FROM hydra.metrics(), jsonb_each(labels) AS l(k, v)
WHERE jsonb_typeof(v) <> 'string';

-- Counters end in _total and never go negative; gauges and families the issue names exist.
SELECT count(*) AS negative FROM hydra.metrics() WHERE value < 0;
SELECT name FROM (VALUES ('hydra_heads'), ('hydra_heads_bootstrapped'), ('hydra_connections'),
	('hydra_connections_open'), ('hydra_routing_table_size'), ('hydra_unique_peers'),
	('hydra_provider_records'), ('hydra_handshakes_ok_total'), ('hydra_handshakes_failed_total'),
	('hydra_kad_requests_total'), ('hydra_kad_answered_total'), ('hydra_kad_errors_total'),
	('hydra_kad_request_duration_seconds_bucket'), ('hydra_store_duration_seconds_bucket'),
	('hydra_store_batch_records_count'), ('hydra_store_errors_total'), ('hydra_load_shed_total'),
	('hydra_kad_get_providers_total'), ('hydra_received_bytes_total'), ('hydra_sent_bytes_total'))
	AS want(name)
WHERE NOT EXISTS (SELECT 1 FROM hydra.metrics() m WHERE m.name = want.name);

-- Kad counters have one sample per message type.
SELECT labels->>'type' AS type FROM hydra.metrics() WHERE name = 'hydra_kad_requests_total' ORDER BY 1;

-- Histograms: cumulative buckets ending in +Inf = _count.
WITH b AS (
	SELECT regexp_replace(name, '_bucket$', '') AS fam, labels - 'le' AS l,
		   labels->>'le' AS le, value
	FROM hydra.metrics() WHERE name LIKE '%\_bucket'
)
SELECT count(DISTINCT (fam, l)) AS histograms,
	   bool_and(le IS NOT NULL) AS all_have_le,
	   bool_and(EXISTS (SELECT 1 FROM hydra.metrics() c WHERE c.name = b.fam || '_count'
						AND c.labels = b.l AND c.value = (SELECT value FROM b b2 WHERE b2.fam = b.fam
														  AND b2.l = b.l AND b2.le = '+Inf'))) AS count_is_inf_bucket
FROM b;

-- The text has HELP and TYPE for every family, and a sample line for every row.
WITH t AS (SELECT regexp_split_to_table(hydra.metrics_text(), E'\n') AS line),
	 typed AS (SELECT (regexp_match(line, '^# TYPE (\S+) (counter|gauge|histogram)$'))[1] AS fam,
					  (regexp_match(line, '^# TYPE (\S+) (counter|gauge|histogram)$'))[2] AS type
			   FROM t WHERE line LIKE '# TYPE %'),
	 helped AS (SELECT (regexp_match(line, '^# HELP (\S+) .+$'))[1] AS fam FROM t WHERE line LIKE '# HELP %'),
	 samples AS (SELECT (regexp_match(line, '^([a-z0-9_]+)'))[1] AS name FROM t
				 WHERE line <> '' AND line NOT LIKE '#%')
SELECT (SELECT count(*) FROM typed) = (SELECT count(*) FROM helped) AS help_per_type,
	   (SELECT count(*) FROM typed) = (SELECT count(DISTINCT fam) FROM typed) AS one_type_line_per_family,
	   (SELECT count(*) FROM samples) = (SELECT count(*) FROM hydra.metrics()) AS sample_per_row,
	   (SELECT count(*) FROM samples s WHERE NOT EXISTS (
			SELECT 1 FROM typed f WHERE s.name = f.fam
			   OR (f.type = 'histogram' AND s.name IN (f.fam || '_bucket', f.fam || '_sum', f.fam || '_count'))
	   )) AS samples_without_family,
	   (SELECT bool_and(fam LIKE '%\_total') FROM typed WHERE type = 'counter') AS counters_end_in_total,
	   (SELECT count(*) FROM typed WHERE type <> 'counter' AND fam LIKE '%\_total') AS non_counters_in_total;

-- hydra.status(): one row that agrees with heads() and metrics().
SELECT count(*) AS rows FROM hydra.status();
SELECT s.heads = (SELECT count(*) FROM hydra.heads()) AS heads_match,
	   s.connections >= 0 AS connections_ok,
	   s.unique_peers >= 0 AND s.records >= 0 AS counts_ok,
	   s.routing_table_size = (SELECT value FROM hydra.metrics() WHERE name = 'hydra_routing_table_size') AS rt_match,
	   s.prefetch_queue_depth AS prefetch_queue_depth,
	   s.uptime > interval '0' AS up,
	   s.memory > 0 AS memory_measured
FROM hydra.status() s;

-- The /metrics worker runs (regress.conf binds it to an ephemeral loopback port).
DO $$
BEGIN
	FOR i IN 1..100 LOOP
		EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'hydra metrics http');
		PERFORM pg_sleep(0.1);
	END LOOP;
END $$;
SELECT count(*) AS http_workers FROM pg_stat_activity WHERE backend_type = 'hydra metrics http';
SHOW hydra.metrics;
SHOW hydra.status_interval;
