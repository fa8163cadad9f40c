-- Offset leases: a coordinator database hands out disjoint ranges of id
-- numbers to the hosts of a fleet (hosts sharing one seed).  Only offsets
-- and the seed's fingerprint travel; keys never leave a host.

CREATE TABLE hydra.leases (
	fleet bytea NOT NULL,
	first bigint NOT NULL CHECK (first >= 0),
	count integer NOT NULL CHECK (count BETWEEN 1 AND 4096),
	holder text NOT NULL,
	granted_at timestamptz NOT NULL DEFAULT now(),
	expires_at timestamptz NOT NULL,
	PRIMARY KEY (fleet, first)
);
COMMENT ON TABLE hydra.leases IS 'Coordinator side: id ranges leased to the hosts of each fleet';
REVOKE ALL ON hydra.leases FROM PUBLIC;

-- Grant (or renew) a lease of ids id numbers to holder: the holder's live lease
-- of that size if it has one, else the lowest free range (expired leases
-- are free), so that a fleet fills its balanced sequence from id 0 up.
CREATE FUNCTION hydra.lease_grant(fleet bytea, holder text, ids integer, ttl interval DEFAULT '5 minutes')
	RETURNS TABLE (first bigint, count integer, expires_at timestamptz)
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	want integer := ids;
	candidate bigint := 0;
	l record;
	until timestamptz;
BEGIN
	IF fleet IS NULL OR length(fleet) <> 32 THEN
		RAISE EXCEPTION 'invalid fleet id' USING ERRCODE = 'invalid_parameter_value',
			DETAIL = 'A fleet id is the 32-byte hydra.fleet_id() of the fleet''s seed.';
	END IF;
	IF holder IS NULL OR holder = '' OR want IS NULL OR want < 1 OR want > 4096 THEN
		RAISE EXCEPTION 'invalid lease request: holder "%", count %', holder, want
			USING ERRCODE = 'invalid_parameter_value', DETAIL = 'holder must be non-empty and count 1..4096.';
	END IF;
	IF ttl IS NULL OR ttl <= interval '0' OR ttl > interval '1 day' THEN
		RAISE EXCEPTION 'invalid lease TTL: "%"', ttl
			USING ERRCODE = 'invalid_parameter_value', DETAIL = 'A lease TTL must be positive and at most 1 day.';
	END IF;
	until := clock_timestamp() + ttl;
	-- One grant at a time per fleet.
	PERFORM pg_advisory_xact_lock(hashtext('hydra.lease'), hashtext(encode(fleet, 'hex')));
	DELETE FROM hydra.leases le WHERE le.fleet = lease_grant.fleet AND le.expires_at <= clock_timestamp();

	UPDATE hydra.leases le SET expires_at = until
		WHERE le.fleet = lease_grant.fleet AND le.holder = lease_grant.holder AND le.count = want
		RETURNING le.first INTO candidate;
	IF FOUND THEN
		RETURN QUERY SELECT candidate, want, until;
		RETURN;
	END IF;

	candidate := 0;
	FOR l IN SELECT le.first, le.count FROM hydra.leases le
			 WHERE le.fleet = lease_grant.fleet ORDER BY le.first
	LOOP
		EXIT WHEN candidate + want <= l.first;
		candidate := greatest(candidate, l.first + l.count);
	END LOOP;
	INSERT INTO hydra.leases (fleet, first, count, holder, expires_at)
		VALUES (lease_grant.fleet, candidate, want, lease_grant.holder, until);
	RETURN QUERY SELECT candidate, want, until;
END
$$;
COMMENT ON FUNCTION hydra.lease_grant(bytea, text, integer, interval) IS
	'Coordinator side: lease (or renew) a range of ids id numbers of a fleet to holder';
REVOKE ALL ON FUNCTION hydra.lease_grant(bytea, text, integer, interval) FROM PUBLIC;

-- Give a lease back at once (a host shutting down cleanly).
CREATE FUNCTION hydra.lease_return(fleet bytea, holder text, first bigint) RETURNS boolean
	LANGUAGE sql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
	WITH gone AS (
		DELETE FROM hydra.leases le
		WHERE le.fleet = lease_return.fleet AND le.holder = lease_return.holder AND le.first = lease_return.first
		RETURNING 1)
	SELECT EXISTS (SELECT 1 FROM gone)
$$;
REVOKE ALL ON FUNCTION hydra.lease_return(bytea, text, bigint) FROM PUBLIC;

-- Host side: obtain or renew this host's lease from a coordinator reached
-- through a libpq connection string ('' = this database).  Call it again
-- before expires_at to renew; the range stays the same while renewed.
CREATE FUNCTION hydra.lease_acquire(coordinator text, holder text, ids integer,
									ttl interval DEFAULT '5 minutes')
	RETURNS TABLE (first bigint, count integer, expires_at timestamptz)
	AS 'MODULE_PATHNAME', 'hydra_lease_acquire'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION hydra.lease_acquire(text, text, integer, interval) IS
	'Host side: lease (or renew) ids id numbers of this host''s fleet from the coordinator database';
REVOKE ALL ON FUNCTION hydra.lease_acquire(text, text, integer, interval) FROM PUBLIC;

CREATE FUNCTION hydra.lease_release(coordinator text, holder text, first bigint) RETURNS boolean
	AS 'MODULE_PATHNAME', 'hydra_lease_release'
	LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION hydra.lease_release(text, text, bigint) FROM PUBLIC;
