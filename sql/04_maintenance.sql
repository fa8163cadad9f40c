-- hydra.maintenance(): drop wholly expired partitions, keep live ones,
-- pre-create upcoming ones; time is injected through its "now" argument.
CREATE FUNCTION pg_temp.partitions() RETURNS text[] LANGUAGE sql AS $$
	SELECT coalesce(array_agg(c.relname::text ORDER BY c.relname), '{}')
	FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
	WHERE i.inhparent = 'hydra.provider_records'::regclass
$$;

-- Start from a clean slate, at a fixed instant.
TRUNCATE hydra.provider_records;
SELECT pg_temp.partitions() <> '{}' AS has_partitions;
-- Everything expires before 2030-01-01: every existing partition goes, and
-- today plus three days are created.
-- (how many partitions earlier tests left depends on the time of day)
SELECT action, count(*) > 0 AS some FROM hydra.maintenance('2030-01-01 12:00+00') GROUP BY action ORDER BY 1;
SELECT pg_temp.partitions();

-- A second run at the same instant has nothing to do.
SELECT count(*) AS second_run_actions FROM hydra.maintenance('2030-01-01 12:00+00');

-- Records in two partitions; one day later only the partition whose whole
-- range has passed is dropped, with its rows; the live one keeps its rows.
INSERT INTO hydra.peers (peer_id, last_seen)
	VALUES (hydra.peer_id_bytes('12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq'), '2030-01-01 12:00+00');
INSERT INTO hydra.provider_records (expires_at, provider, key)
SELECT t, (SELECT id FROM hydra.peers WHERE peer_id = hydra.peer_id_bytes('12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq')),
	   hydra.cid_to_key('QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm')
FROM unnest(ARRAY['2030-01-01 18:00+00', '2030-01-02 06:00+00']::timestamptz[]) AS t;
SELECT tableoid::regclass AS partition, count(*) FROM hydra.provider_records GROUP BY 1 ORDER BY 1;
SELECT action, object FROM hydra.maintenance('2030-01-02 00:00+00') ORDER BY action DESC, object;
SELECT tableoid::regclass AS partition, count(*) FROM hydra.provider_records GROUP BY 1 ORDER BY 1;
SELECT pg_temp.partitions();

-- A partition whose range ends exactly now is dropped; one that ends later is kept.
SELECT action, object FROM hydra.maintenance('2030-01-03 00:00+00') ORDER BY action DESC, object;
SELECT count(*) AS rows_left FROM hydra.provider_records;

-- Peers unseen for longer than the longest TTL plus a day are forgotten.
SELECT count(*) AS peers FROM hydra.peers;
SELECT action, object, detail FROM hydra.maintenance('2030-01-08 00:00+00') WHERE action = 'purged';
SELECT count(*) AS peers_after_a_week FROM hydra.peers;
SELECT action, object, detail FROM hydra.maintenance('2030-01-09 13:00+00') WHERE action = 'purged';
SELECT count(*) AS peers_after FROM hydra.peers;

-- Concurrent runs are serialised: while another session holds the lock, a
-- run does nothing and says so.
CREATE EXTENSION dblink;
SELECT dblink_connect('other', format('dbname=%s port=%s host=%s', current_database(),
	   current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1))) AS connected;
SELECT * FROM dblink('other', $$SELECT pg_advisory_lock(hashtext('hydra.maintenance'))::text$$) AS t(locked text);
SELECT * FROM hydra.maintenance('2030-02-01 00:00+00');
-- Release explicitly: a disconnected backend drops its locks only when it
-- has finished exiting.
SELECT * FROM dblink('other', $$SELECT pg_advisory_unlock(hashtext('hydra.maintenance'))::text$$) AS t(unlocked text);
SELECT dblink_disconnect('other');
DROP EXTENSION dblink;
SELECT count(*) AS actions_after_release FROM hydra.maintenance('2030-02-01 00:00+00');
