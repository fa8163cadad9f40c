-- Prefetch: GUC defaults and the shape of hydra.prefetch_stats() (the
-- queue's behaviour is checked by TAP 010_prefetch).
SHOW hydra.prefetch;
SHOW hydra.prefetch_queue_size;
SHOW hydra.negative_cache_ttl;
SHOW hydra.prefetch_concurrency;
SHOW hydra.prefetch_timeout;
SHOW hydra.delegated_routing_url;
SHOW hydra.delegated_routing_timeout;

SELECT a.attname, format_type(a.atttypid, -1)
FROM pg_proc p, LATERAL unnest(p.proallargtypes, p.proargnames, p.proargmodes) AS a(atttypid, attname, mode)
WHERE p.oid = 'hydra.prefetch_stats()'::regprocedure AND a.mode = 't';

-- Every counter is there, once, and none is negative.
SELECT name, value >= 0 AS non_negative FROM hydra.prefetch_stats() ORDER BY name;
