-- Offset leases: disjoint ranges per fleet, renewal, expiry, return.
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN sqlstate || ': ' || sqlerrm;
END $$;
\set fleet 'hydra.fleet_id(sha256(''\\x01''))'

-- Three hosts get disjoint ranges from id 0 up.
SELECT first, count FROM hydra.lease_grant(:fleet, 'host-a', 10);
SELECT first, count FROM hydra.lease_grant(:fleet, 'host-b', 20);
SELECT first, count FROM hydra.lease_grant(:fleet, 'host-c', 5);
-- Asking again renews the same range.
SELECT first, count, expires_at > now() + interval '4 minutes' AS renewed FROM hydra.lease_grant(:fleet, 'host-b', 20);
-- Another fleet starts from 0 independently.
SELECT first FROM hydra.lease_grant(hydra.fleet_id(sha256('\x02')), 'host-a', 10);
-- A returned range is reused by the next host that fits.
SELECT hydra.lease_return(:fleet, 'host-a', 0) AS returned;
SELECT first, count FROM hydra.lease_grant(:fleet, 'host-d', 8);
-- A host that dies gives its ids back when its lease expires.
SELECT first FROM hydra.lease_grant(:fleet, 'host-e', 4, '1 second');
SELECT pg_sleep(1.1);
SELECT first FROM hydra.lease_grant(:fleet, 'host-f', 2);
SELECT holder, first, count FROM hydra.leases WHERE fleet = :fleet ORDER BY first;
-- Ranges never overlap.
SELECT count(*) AS overlaps FROM hydra.leases a JOIN hydra.leases b
	ON a.fleet = b.fleet AND a.first < b.first AND a.first + a.count > b.first;

-- Host side, with this database as the coordinator ('' conninfo) and
-- through libpq to the same server: same fleet, same range.
SELECT first, count FROM hydra.lease_acquire('', 'host-local', 3);
SELECT first, count FROM hydra.lease_acquire(format('dbname=%s port=%s host=%s', current_database(),
	current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1)), 'host-local', 3);
SELECT count(*) AS leases_of_host FROM hydra.leases WHERE holder = 'host-local';
SELECT hydra.lease_release('', 'host-local', 0) AS released;
SELECT pg_temp.try($$SELECT * FROM hydra.lease_acquire('host=/nonexistent port=1', 'h', 1)$$) LIKE '08001: could not connect%' AS unreachable;

-- Bad requests.
SELECT pg_temp.try($$SELECT * FROM hydra.lease_grant('\x01', 'h', 1)$$);
SELECT pg_temp.try($$SELECT * FROM hydra.lease_grant(hydra.fleet_id('\x01'), '', 1)$$);
SELECT pg_temp.try($$SELECT * FROM hydra.lease_grant(hydra.fleet_id('\x01'), 'h', 0)$$);
SELECT pg_temp.try($$SELECT * FROM hydra.lease_grant(hydra.fleet_id('\x01'), 'h', 1, '2 days')$$);
