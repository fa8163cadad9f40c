-- The provider-record store: a peer store plus narrow provider records
-- range-partitioned by expiry (one partition per UTC day).  See
-- README.md "Storage" for the sizing rationale.

-- Functions are callable by everyone unless revoked below; tables stay
-- private to the owner.
GRANT USAGE ON SCHEMA hydra TO PUBLIC;

-- Peer store: one row per provider peer; addresses live here, not in each
-- record, because the busiest peers provide tens of millions of keys.
CREATE TABLE hydra.peers (
	id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	peer_id bytea NOT NULL UNIQUE,
	addrs bytea[] NOT NULL DEFAULT '{}',
	addrs_updated_at timestamptz,
	first_seen timestamptz NOT NULL DEFAULT now(),
	last_seen timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE hydra.peers IS
	'Peer store: provider peers with their binary multiaddrs; last_seen is refreshed at most hourly';
SELECT pg_catalog.pg_extension_config_dump('hydra.peers', '');

-- 72-byte heap tuples (expires_at 8, provider 4, key ~35 with its header)
-- and a hash index (4-byte hash codes) keep a record near 100 bytes on disk.
CREATE TABLE hydra.provider_records (
	expires_at timestamptz NOT NULL,
	provider integer NOT NULL,
	key bytea NOT NULL
) PARTITION BY RANGE (expires_at);
COMMENT ON TABLE hydra.provider_records IS
	'Provider records: key = multihash of the CID, provider = hydra.peers.id; one partition per UTC day of expiry';
CREATE INDEX provider_records_key_idx ON hydra.provider_records USING hash (key);

-- Limits of the SQL record API.
CREATE FUNCTION hydra._max_ttl() RETURNS interval
	LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT interval '7 days' $$;
CREATE FUNCTION hydra._reprovide_slack() RETURNS interval
	LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT interval '1 hour' $$;

-- Name of the partition that holds expiry times on the given UTC day.
CREATE FUNCTION hydra._partition_name(day date) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$ SELECT 'provider_records_p' || to_char(day, 'YYYYMMDD') $$;

-- Create the partition covering ts if it does not exist; true if created.
CREATE FUNCTION hydra._ensure_partition(ts timestamptz) RETURNS boolean
	LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	day date := (ts AT TIME ZONE 'UTC')::date;
	name text := hydra._partition_name(day);
BEGIN
	IF to_regclass(format('hydra.%I', name)) IS NOT NULL THEN
		RETURN false;
	END IF;
	-- Serialise creators so that two sessions never race on the same name.
	PERFORM pg_advisory_xact_lock(hashtext('hydra.partition'));
	IF to_regclass(format('hydra.%I', name)) IS NOT NULL THEN
		RETURN false;
	END IF;
	-- The lookup above may still see a stale catalog cache after a
	-- concurrent creator committed: treat "already exists" as done.
	BEGIN
		EXECUTE format('CREATE TABLE hydra.%I PARTITION OF hydra.provider_records FOR VALUES FROM (%L) TO (%L)',
					   name,
					   (day::timestamp AT TIME ZONE 'UTC'),
					   ((day + 1)::timestamp AT TIME ZONE 'UTC'));
	EXCEPTION WHEN duplicate_table THEN
		RETURN false;
	END;
	RETURN true;
END
$$;
REVOKE ALL ON FUNCTION hydra._ensure_partition(timestamptz) FROM PUBLIC;

-- Validate a TTL given to the record API.
CREATE FUNCTION hydra._check_ttl(ttl interval) RETURNS interval
	LANGUAGE plpgsql IMMUTABLE
	AS $$
BEGIN
	IF ttl IS NULL OR ttl <= interval '0' OR ttl > hydra._max_ttl() THEN
		RAISE EXCEPTION 'invalid TTL: "%"', ttl
			USING ERRCODE = 'invalid_parameter_value',
			DETAIL = format('A TTL must be positive and at most %s.', hydra._max_ttl());
	END IF;
	RETURN ttl;
END
$$;

-- Raise a clear error for a NULL argument of the record API.
CREATE FUNCTION hydra._not_null(value anyelement, what text) RETURNS anyelement
	LANGUAGE plpgsql IMMUTABLE
	AS $$
BEGIN
	IF value IS NULL THEN
		RAISE EXCEPTION '% must not be NULL', what USING ERRCODE = 'null_value_not_allowed';
	END IF;
	RETURN value;
END
$$;

-- Validated, de-duplicated binary addresses of a provider (C, src/pg).
CREATE FUNCTION hydra._provider_addrs(addrs text[], peer_id bytea) RETURNS bytea[]
	AS 'MODULE_PATHNAME', 'hydra_provider_addrs'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Find or create a peer; refresh its addresses and last_seen at most hourly
-- so that repeated provides do not rewrite the row every time.
CREATE FUNCTION hydra._upsert_peer(pid bytea, new_addrs bytea[]) RETURNS integer
	LANGUAGE plpgsql VOLATILE STRICT
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	p record;
	have_addrs boolean := cardinality(new_addrs) > 0;
	rid integer;
BEGIN
	SELECT id, addrs, addrs_updated_at, last_seen INTO p FROM hydra.peers WHERE peer_id = pid;
	IF NOT FOUND THEN
		INSERT INTO hydra.peers (peer_id, addrs, addrs_updated_at)
			VALUES (pid, new_addrs, CASE WHEN have_addrs THEN now() END)
			ON CONFLICT (peer_id) DO NOTHING
			RETURNING id INTO rid;
		IF rid IS NOT NULL THEN
			RETURN rid;
		END IF;
		-- Another session inserted it first.
		SELECT id, addrs, addrs_updated_at, last_seen INTO STRICT p FROM hydra.peers WHERE peer_id = pid;
	END IF;
	IF (have_addrs AND (p.addrs IS DISTINCT FROM new_addrs
						OR p.addrs_updated_at IS NULL
						OR p.addrs_updated_at < now() - interval '1 hour'))
		OR p.last_seen < now() - interval '1 hour' THEN
		UPDATE hydra.peers
			SET addrs = CASE WHEN have_addrs THEN new_addrs ELSE addrs END,
				addrs_updated_at = CASE WHEN have_addrs THEN now() ELSE addrs_updated_at END,
				last_seen = now()
			WHERE id = p.id;
	END IF;
	RETURN p.id;
END
$$;

-- Store that peer_id provides cid until now() + ttl; returns the expiry in
-- force.  A repeat within hydra._reprovide_slack() of an existing expiry is
-- absorbed instead of adding a row.
CREATE FUNCTION hydra.add_provider(cid text, peer_id text, addrs text[] DEFAULT '{}',
								   ttl interval DEFAULT '48 hours')
	RETURNS timestamptz
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	k bytea := hydra.cid_to_key(hydra._not_null(cid, 'cid'));
	pid bytea := hydra.peer_id_bytes(hydra._not_null(peer_id, 'peer_id'));
	maddrs bytea[] := hydra._provider_addrs(coalesce(addrs, '{}'), pid);
	expires timestamptz := now() + hydra._check_ttl(ttl);
	provider_id integer;
	existing timestamptz;
BEGIN
	provider_id := hydra._upsert_peer(pid, maddrs);
	SELECT max(r.expires_at) INTO existing FROM hydra.provider_records r
		WHERE r.key = k AND r.provider = provider_id
		  AND r.expires_at >= expires - hydra._reprovide_slack();
	IF existing IS NOT NULL THEN
		RETURN existing;
	END IF;
	PERFORM hydra._ensure_partition(expires);
	INSERT INTO hydra.provider_records (expires_at, provider, key) VALUES (expires, provider_id, k);
	RETURN expires;
END
$$;
COMMENT ON FUNCTION hydra.add_provider(text, text, text[], interval) IS
	'Store a provider record (peer_id provides cid) with the peer''s addresses, for ttl (at most 7 days)';

-- Bulk form: one provider, many CIDs, one statement; returns rows added.
CREATE FUNCTION hydra.add_providers(cids text[], peer_id text, addrs text[] DEFAULT '{}',
									ttl interval DEFAULT '48 hours')
	RETURNS bigint
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	pid bytea := hydra.peer_id_bytes(hydra._not_null(peer_id, 'peer_id'));
	maddrs bytea[] := hydra._provider_addrs(coalesce(addrs, '{}'), pid);
	expires timestamptz := now() + hydra._check_ttl(ttl);
	provider_id integer;
	added bigint;
BEGIN
	PERFORM hydra._not_null(cids, 'cids');
	provider_id := hydra._upsert_peer(pid, maddrs);
	PERFORM hydra._ensure_partition(expires);
	INSERT INTO hydra.provider_records (expires_at, provider, key)
		SELECT expires, provider_id, k
		FROM (SELECT DISTINCT hydra.cid_to_key(hydra._not_null(c, 'cid')) AS k FROM unnest(cids) AS c) AS keys
		WHERE NOT EXISTS (SELECT 1 FROM hydra.provider_records r
						  WHERE r.key = keys.k AND r.provider = provider_id
							AND r.expires_at >= expires - hydra._reprovide_slack());
	GET DIAGNOSTICS added = ROW_COUNT;
	RETURN added;
END
$$;
COMMENT ON FUNCTION hydra.add_providers(text[], text, text[], interval) IS
	'Store provider records for many CIDs of one peer in one statement; returns the number of rows added';

-- Live providers of a CID from the local store: each provider once, newest
-- expiry first, addresses only while they are fresher than 24 hours.
CREATE FUNCTION hydra.providers(cid text, max integer DEFAULT 20)
	RETURNS TABLE (peer_id text, addrs text[], expires_at timestamptz)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	k bytea := hydra.cid_to_key(hydra._not_null(cid, 'cid'));
BEGIN
	IF max IS NULL OR max < 1 OR max > 1000 THEN
		RAISE EXCEPTION 'invalid max: %', coalesce(max::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value', DETAIL = 'max must be between 1 and 1000.';
	END IF;
	RETURN QUERY
		SELECT hydra.peer_id_text(p.peer_id),
			   CASE WHEN p.addrs_updated_at > now() - interval '24 hours'
					THEN hydra.multiaddrs_text(p.addrs) ELSE '{}'::text[] END,
			   r.expires_at
		FROM (SELECT DISTINCT ON (pr.provider) pr.provider, pr.expires_at
			  FROM hydra.provider_records pr
			  WHERE pr.key = k AND pr.expires_at > now()
			  ORDER BY pr.provider, pr.expires_at DESC) AS r
		JOIN hydra.peers p ON p.id = r.provider
		ORDER BY r.expires_at DESC, p.peer_id
		LIMIT max;
END
$$;
COMMENT ON FUNCTION hydra.providers(text, integer) IS
	'Live providers of a CID in the local store, each once, newest first';

-- Browsing view: live records with text CIDs and peer IDs.
CREATE VIEW hydra.records AS
	SELECT hydra.key_to_cid(r.key) AS cid,
		   hydra.peer_id_text(p.peer_id) AS provider,
		   r.expires_at,
		   r.key
	FROM (SELECT DISTINCT ON (key, provider) key, provider, expires_at
		  FROM hydra.provider_records
		  WHERE expires_at > now()
		  ORDER BY key, provider, expires_at DESC) AS r
	JOIN hydra.peers p ON p.id = r.provider;
COMMENT ON VIEW hydra.records IS
	'Live provider records, one row per (key, provider) with the newest expiry; cid is the CIDv1 raw form of the key';

-- Number of stored provider records: from planner statistics (cheap,
-- approximate) by default, or an exact count of live rows.
CREATE FUNCTION hydra.record_count(exact boolean DEFAULT false) RETURNS bigint
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	n bigint;
BEGIN
	IF exact THEN
		SELECT count(*) INTO n FROM hydra.provider_records WHERE expires_at > now();
		RETURN n;
	END IF;
	-- Scale the last-analysed density by the current size, as the planner
	-- does; never-analysed partitions (reltuples < 0) count as empty pages
	-- at the nominal 100 rows per page.
	SELECT coalesce(sum(CASE
			WHEN c.reltuples >= 0 AND c.relpages > 0
				THEN c.reltuples / c.relpages * (pg_relation_size(c.oid) / current_setting('block_size')::integer)
			WHEN c.reltuples >= 0 THEN c.reltuples
			ELSE 100.0 * (pg_relation_size(c.oid) / current_setting('block_size')::integer)
		END), 0)::bigint INTO n
	FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
	WHERE i.inhparent = 'hydra.provider_records'::regclass;
	RETURN n;
END
$$;
COMMENT ON FUNCTION hydra.record_count(boolean) IS
	'Provider records stored: approximate from statistics (default), or exact count of live rows';

REVOKE ALL ON FUNCTION hydra.add_provider(text, text, text[], interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION hydra.add_providers(text[], text, text[], interval) FROM PUBLIC;
