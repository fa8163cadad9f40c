-- hydra.fetch(): shapes, argument errors, answers from the store, and a
-- lookup on a network without peers that returns within its timeout.
SELECT a.attname, format_type(a.atttypid, -1)
FROM pg_proc p, LATERAL unnest(p.proallargtypes, p.proargnames, p.proargmodes) AS a(atttypid, attname, mode)
WHERE p.oid = 'hydra.fetch(text,integer,interval)'::regprocedure AND a.mode = 't';

-- Argument errors.
SELECT * FROM hydra.fetch(NULL);
SELECT * FROM hydra.fetch('bafkreifetchnotacid');
SELECT * FROM hydra.fetch('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', 0);
SELECT * FROM hydra.fetch('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', 1, '-1 second');
SELECT * FROM hydra.fetch('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', 1, NULL);

-- Enough providers in the store: answered from it, no lookup.
SELECT hydra.add_provider('bafkreiah4ie2taf5n5x5owfulv2zuoam77mzk22brznnmk3zwkggbnxypa',
						  '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq',
						  '{/ip4/192.0.2.1/tcp/4001}') IS NOT NULL AS added;
SELECT peer_id, addrs, source
FROM hydra.fetch('bafkreiah4ie2taf5n5x5owfulv2zuoam77mzk22brznnmk3zwkggbnxypa');

-- Fewer than n: a lookup runs (no peers here, so it finds nothing) and the
-- store's answer comes back within the timeout, marked dht.
SELECT clock_timestamp() AS t0 \gset
SELECT peer_id, source
FROM hydra.fetch('bafkreiah4ie2taf5n5x5owfulv2zuoam77mzk22brznnmk3zwkggbnxypa', 2, '2 seconds');
SELECT clock_timestamp() - :'t0'::timestamptz < interval '3 seconds' AS within_timeout;
SELECT count(*) FROM hydra.fetch('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', 1, '1 second');
