-- Balanced, deterministic idgen; the host seed; persisted head identities.
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN sqlstate || ': ' || sqlerrm;
END $$;
\set seed '''\\x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'''

-- Deterministic: the same inputs give the same ids and keys.
SELECT idx, peer_id, length(private_key) AS key_bytes, substr(private_key, 1, 4) AS key_header
FROM hydra.idgen(:seed, 0, 4, 8);
SELECT count(*) AS same FROM hydra.idgen(:seed, 0, 4, 8) a JOIN hydra.idgen(:seed, 0, 4, 8) b USING (idx, peer_id, private_key);

-- Independent: ids 100..119 computed alone equal rows 100..119 of a run from 0.
CREATE TEMP TABLE ids256 AS SELECT * FROM hydra.idgen(:seed, 0, 256, 9);
SELECT count(*) AS matching_rows
FROM hydra.idgen(:seed, 100, 20, 9) a JOIN ids256 b USING (idx, peer_id, private_key);

-- Perfect balance: the first 2^d ids each sit alone in their d-bit prefix.
SELECT * FROM hydra.idgen_balance((SELECT array_agg(peer_id) FROM ids256));
SELECT * FROM hydra.idgen_balance((SELECT array_agg(peer_id) FROM ids256 WHERE idx < 128));
SELECT * FROM hydra.idgen_balance((SELECT array_agg(peer_id) FROM ids256 WHERE idx < 16));
-- Near-perfect for a count that is not a power of two.
SELECT n, min_depth, max_depth, max_depth - min_depth <= 1 AS near_perfect
FROM hydra.idgen_balance((SELECT array_agg(peer_id) FROM ids256 WHERE idx < 100));
-- The Kademlia id of id i starts with the bit-reversal of i (van der Corput).
SELECT idx, get_byte(sha256(hydra.peer_id_bytes(peer_id)), 0) AS first_byte
FROM ids256 WHERE idx IN (0, 1, 2, 3, 4) ORDER BY idx;

-- Bad arguments.
SELECT pg_temp.try($$SELECT * FROM hydra.idgen('\x00', 0, 1)$$);
SELECT pg_temp.try($$SELECT * FROM hydra.idgen(sha256('x'), -1, 1)$$);
SELECT pg_temp.try($$SELECT * FROM hydra.idgen(sha256('x'), 0, -1)$$);
SELECT pg_temp.try($$SELECT * FROM hydra.idgen(sha256('x'), 0, 1, 17)$$);
SELECT pg_temp.try($$SELECT * FROM hydra.idgen(sha256('x'), 0, 1, 0)$$);
SELECT pg_temp.try($$SELECT * FROM hydra.idgen_balance(ARRAY['nope'])$$);
SELECT pg_temp.try($$SELECT * FROM hydra.idgen_balance(ARRAY['12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq', '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq'])$$);

-- The host seed is generated once and kept; head identities persist.
SELECT length(hydra.host_seed()) AS seed_bytes, hydra.host_seed() = hydra.host_seed() AS stable;
SELECT count(*) AS identity_rows FROM hydra.identity;
SELECT head, idx FROM hydra.head_identities(3, 0, 6);
SELECT count(*) AS stored_keys FROM hydra.head_keys;
CREATE TABLE heads_before AS SELECT * FROM hydra.head_identities(3, 0, 6);
\c
SELECT count(*) AS same_after_reconnect
FROM hydra.head_identities(3, 0, 6) h JOIN heads_before b USING (head, idx, peer_id);
DROP TABLE heads_before;
-- Offsets: head i of a host with offset 2 is id number 2 + i.
SELECT h.head, h.idx, h.peer_id = g.peer_id AS matches_idgen
FROM hydra.head_identities(2, 2, 6) h
JOIN hydra.idgen(hydra.host_seed(), 2, 2, 6) g ON g.idx = h.idx ORDER BY h.head;

-- Secrets are for superusers only.
CREATE ROLE hydra_regress_user;
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN sqlstate || ': ' || sqlerrm;
END $$;
SET ROLE hydra_regress_user;
SELECT pg_temp.try($$SELECT * FROM hydra.idgen(sha256('x'), 0, 1)$$);
SELECT pg_temp.try($$SELECT hydra.host_seed()$$);
SELECT pg_temp.try($$SELECT * FROM hydra.head_keys$$);
SELECT pg_temp.try($$SELECT * FROM hydra.identity$$);
SELECT pg_temp.try($$SELECT * FROM hydra.head_identities()$$);
SELECT pg_temp.try($$SHOW hydra.random_seed$$);
SELECT n FROM hydra.idgen_balance(ARRAY['12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq']);
RESET ROLE;
DROP ROLE hydra_regress_user;
