-- TTL purge by dropping whole expired partitions, pre-creation of the
-- partitions the next days need, and the pg_cron job that runs it.

-- Days of partitions kept ready ahead of now (today plus this many).
CREATE FUNCTION hydra._premake_days() RETURNS integer
	LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 3 $$;

-- Drop expired partitions, pre-create upcoming ones and forget peers that
-- no live record can name.  Runs are serialised by an advisory lock; a run
-- that finds the lock taken does nothing and says so.  "now" is injectable
-- for tests.
CREATE FUNCTION hydra.maintenance(now timestamptz DEFAULT now())
	RETURNS TABLE (action text, object text, detail text)
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	part record;
	upper_bound timestamptz;
	day date;
	n bigint;
BEGIN
	IF NOT pg_try_advisory_xact_lock(hashtext('hydra.maintenance')) THEN
		RETURN QUERY SELECT 'skipped'::text, NULL::text, 'another maintenance run is in progress'::text;
		RETURN;
	END IF;

	FOR part IN
		SELECT c.oid::regclass AS rel, c.relname::text AS name,
			   pg_get_expr(c.relpartbound, c.oid) AS bound
		FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'hydra.provider_records'::regclass
		ORDER BY c.relname
	LOOP
		upper_bound := substring(part.bound FROM $re$TO \('([^']*)'\)$re$)::timestamptz;
		CONTINUE WHEN upper_bound IS NULL OR upper_bound > now;
		-- DROP needs ACCESS EXCLUSIVE on the parent: wait briefly, never
		-- stall the record traffic queued behind us.
		BEGIN
			PERFORM set_config('lock_timeout', '2s', true);
			EXECUTE format('DROP TABLE %s', part.rel);
			action := 'dropped'; object := part.name; detail := 'all rows expired by ' || upper_bound;
			RETURN NEXT;
		EXCEPTION WHEN lock_not_available THEN
			action := 'skipped'; object := part.name; detail := 'lock timeout; retried next run';
			RETURN NEXT;
		END;
	END LOOP;
	PERFORM set_config('lock_timeout', '0', true);

	FOR day IN SELECT d::date FROM generate_series((now AT TIME ZONE 'UTC')::date,
												   (now AT TIME ZONE 'UTC')::date + hydra._premake_days(),
												   interval '1 day') AS d
	LOOP
		IF hydra._ensure_partition(day::timestamp AT TIME ZONE 'UTC') THEN
			action := 'created'; object := hydra._partition_name(day); detail := 'expiry day ' || day;
			RETURN NEXT;
		END IF;
	END LOOP;

	-- A peer unseen for longer than the longest TTL plus the hourly refresh
	-- lag cannot be named by a live record.
	DELETE FROM hydra.peers
		WHERE id IN (SELECT id FROM hydra.peers
					 WHERE last_seen < now - hydra._max_ttl() - interval '1 day'
					 LIMIT 100000);
	GET DIAGNOSTICS n = ROW_COUNT;
	IF n > 0 THEN
		action := 'purged'; object := 'hydra.peers'; detail := n || ' peers unseen for more than ' || (hydra._max_ttl() + interval '1 day');
		RETURN NEXT;
	END IF;
END
$$;
COMMENT ON FUNCTION hydra.maintenance(timestamptz) IS
	'Drop expired record partitions, pre-create upcoming ones, purge long-unseen peers; returns what it did';
REVOKE ALL ON FUNCTION hydra.maintenance(timestamptz) FROM PUBLIC;

-- Register or update the pg_cron job that runs hydra.maintenance() in this
-- database; returns the job id.
CREATE FUNCTION hydra.schedule_maintenance(schedule text DEFAULT '*/10 * * * *') RETURNS bigint
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	job_name constant text := 'hydra-maintenance';
	command constant text := 'SELECT * FROM hydra.maintenance()';
	job bigint;
BEGIN
	IF schedule IS NULL THEN
		RAISE EXCEPTION 'schedule must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
		RAISE EXCEPTION 'pg_cron is not installed in database "%"', current_database()
			USING ERRCODE = 'undefined_object',
			HINT = format('Add pg_cron to shared_preload_libraries, then run CREATE EXTENSION pg_cron in the database named by cron.database_name (now %s) and call hydra.schedule_maintenance() there.',
						  coalesce(current_setting('cron.database_name', true), 'unset'));
	END IF;
	EXECUTE 'SELECT jobid FROM cron.job WHERE jobname = $1 AND username = current_user'
		INTO job USING job_name;
	IF job IS NULL THEN
		EXECUTE 'SELECT cron.schedule_in_database($1, $2, $3, $4)'
			INTO job USING job_name, schedule, command, current_database();
	ELSE
		EXECUTE 'SELECT cron.alter_job($1, $2, $3, $4)'
			USING job, schedule, command, current_database();
	END IF;
	RETURN job;
END
$$;
COMMENT ON FUNCTION hydra.schedule_maintenance(text) IS
	'Register (or update) the pg_cron job "hydra-maintenance" that runs hydra.maintenance(); returns its job id';
REVOKE ALL ON FUNCTION hydra.schedule_maintenance(text) FROM PUBLIC;
