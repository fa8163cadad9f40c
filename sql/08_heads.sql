-- hydra.heads() and hydra.swarm_peers(): the head started by the workers
-- (hydra.nheads = 1, loopback, ephemeral port in test/regress.conf).
DO $$
BEGIN
	FOR i IN 1..300 LOOP
		EXIT WHEN (SELECT count(*) FROM hydra.heads()) = 1;
		PERFORM pg_sleep(0.1);
	END LOOP;
END $$;
SELECT head, peer_id LIKE '12D3KooW%' AS ed25519_peer_id,
	   cardinality(addrs) AS naddrs,
	   addrs[1] ~ ('^/ip4/127\.0\.0\.1/tcp/[0-9]+/p2p/' || peer_id || '$') AS addr_ends_in_p2p,
	   connections, routing_table_size, started_at <= now() AS started
FROM hydra.heads();
-- The head's identity is id number hydra.id_offset of the host seed.
SELECT h.peer_id = i.peer_id AS persisted_identity
FROM hydra.heads() h JOIN hydra.head_identities(1, 0) i USING (head);
-- No connections yet.
SELECT count(*) AS swarm FROM hydra.swarm_peers();
SELECT count(*) AS swarm_head0 FROM hydra.swarm_peers(0);
SELECT * FROM hydra.swarm_peers(7);
