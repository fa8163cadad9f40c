-- Head identities: balanced idgen, the host seed, persisted head keys, and
-- offset leases for fleets of hosts sharing one seed.

CREATE FUNCTION hydra.idgen(seed bytea, first bigint, count integer, depth integer DEFAULT 12)
	RETURNS TABLE (idx bigint, peer_id text, private_key bytea)
	AS 'MODULE_PATHNAME', 'hydra_idgen'
	LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION hydra.idgen(bytea, bigint, integer, integer) IS
	'Ids first..first+count-1 of the balanced sequence of seed (depth D: perfect balance up to 2^D ids); superuser only';
REVOKE ALL ON FUNCTION hydra.idgen(bytea, bigint, integer, integer) FROM PUBLIC;

CREATE FUNCTION hydra.idgen_balance(peer_ids text[])
	RETURNS TABLE (n integer, min_depth integer, max_depth integer, mean_depth float8)
	AS 'MODULE_PATHNAME', 'hydra_idgen_balance'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hydra.idgen_balance(text[]) IS
	'Leaf depths of a set of peer IDs in the binary trie of their Kademlia ids (perfect for 2^d ids: all depths d)';

CREATE FUNCTION hydra._random_seed() RETURNS bytea
	AS 'MODULE_PATHNAME', 'hydra_random_seed' LANGUAGE C VOLATILE;
CREATE FUNCTION hydra._configured_seed() RETURNS bytea
	AS 'MODULE_PATHNAME', 'hydra_configured_seed' LANGUAGE C STABLE;
REVOKE ALL ON FUNCTION hydra._random_seed() FROM PUBLIC;
REVOKE ALL ON FUNCTION hydra._configured_seed() FROM PUBLIC;

-- The generated host seed (used when hydra.random_seed is empty).
CREATE TABLE hydra.identity (
	singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	seed bytea NOT NULL CHECK (length(seed) = 32),
	created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE hydra.identity IS 'Generated host seed (secret; superuser only)';
REVOKE ALL ON hydra.identity FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('hydra.identity', '');

-- Keys of the heads this host has used, so start-up never recomputes them.
-- seed_id is a fingerprint of the seed, so a seed change never reuses keys.
CREATE TABLE hydra.head_keys (
	seed_id bytea NOT NULL,
	depth integer NOT NULL,
	idx bigint NOT NULL,
	peer_id bytea NOT NULL,
	private_key bytea NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (seed_id, depth, idx)
);
COMMENT ON TABLE hydra.head_keys IS 'Private keys of generated head identities (secret; superuser only)';
REVOKE ALL ON hydra.head_keys FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('hydra.head_keys', '');

-- The host seed: hydra.random_seed if set, else the generated one (created
-- on first use).  Superuser only.
CREATE FUNCTION hydra.host_seed() RETURNS bytea
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	s bytea := hydra._configured_seed();
BEGIN
	IF s IS NOT NULL THEN
		RETURN s;
	END IF;
	SELECT seed INTO s FROM hydra.identity;
	IF NOT FOUND THEN
		INSERT INTO hydra.identity (seed) VALUES (hydra._random_seed()) ON CONFLICT DO NOTHING;
		SELECT seed INTO STRICT s FROM hydra.identity;
	END IF;
	RETURN s;
END
$$;
REVOKE ALL ON FUNCTION hydra.host_seed() FROM PUBLIC;

-- Fingerprint of a seed: names a fleet (and a key set) without revealing it.
CREATE FUNCTION hydra.fleet_id(seed bytea) RETURNS bytea
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$ SELECT sha256('hydra fleet v1'::bytea || seed) $$;

-- Identities of heads 0..count-1 of this host: id number first_id + i of
-- the host seed's balanced sequence, computed once and kept in
-- hydra.head_keys.  Superuser only; private keys are not returned.
CREATE FUNCTION hydra.head_identities(count integer DEFAULT current_setting('hydra.nheads')::integer,
									  first_id bigint DEFAULT current_setting('hydra.id_offset')::bigint,
									  depth integer DEFAULT 12)
	RETURNS TABLE (head integer, idx bigint, peer_id text)
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	s bytea := hydra.host_seed();
	sid bytea := hydra.fleet_id(s);
BEGIN
	IF count IS NULL OR count < 0 OR count > 4096 OR first_id IS NULL OR first_id < 0 THEN
		RAISE EXCEPTION 'invalid head range: count %, first %', count, first_id
			USING ERRCODE = 'invalid_parameter_value', DETAIL = 'count must be 0..4096 and first >= 0.';
	END IF;
	-- Generate the whole range in one call when any id is missing: a range
	-- costs little more than one id (each round is scanned once).
	IF EXISTS (SELECT 1 FROM generate_series(first_id, first_id + count - 1) AS i
			   WHERE NOT EXISTS (SELECT 1 FROM hydra.head_keys k
								 WHERE k.seed_id = sid AND k.depth = head_identities.depth AND k.idx = i)) THEN
		INSERT INTO hydra.head_keys (seed_id, depth, idx, peer_id, private_key)
			SELECT sid, head_identities.depth, g.idx, hydra.peer_id_bytes(g.peer_id), g.private_key
			FROM hydra.idgen(s, first_id, count, head_identities.depth) AS g
			ON CONFLICT DO NOTHING;
	END IF;
	RETURN QUERY
		SELECT (k.idx - first_id)::integer, k.idx, hydra.peer_id_text(k.peer_id)
		FROM hydra.head_keys k
		WHERE k.seed_id = sid AND k.depth = head_identities.depth
		  AND k.idx BETWEEN first_id AND first_id + count - 1
		ORDER BY k.idx;
END
$$;
COMMENT ON FUNCTION hydra.head_identities(integer, bigint, integer) IS
	'Peer IDs of this host''s heads (id numbers hydra.id_offset + i), generated once and persisted';
REVOKE ALL ON FUNCTION hydra.head_identities(integer, bigint, integer) FROM PUBLIC;
