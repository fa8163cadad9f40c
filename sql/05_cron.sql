-- hydra.schedule_maintenance() registers one pg_cron job and updates it.
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN sqlstate || ': ' || sqlerrm;
END $$;

-- Without pg_cron: a clear error.
SELECT pg_temp.try($$SELECT hydra.schedule_maintenance()$$);

CREATE EXTENSION pg_cron;
SELECT hydra.schedule_maintenance() AS jobid \gset
SELECT jobname, schedule, command, database = current_database() AS this_db, active
FROM cron.job WHERE jobid = :jobid;
-- Calling again updates the same job instead of adding one.
SELECT hydra.schedule_maintenance('0 * * * *') = :jobid AS same_job;
SELECT count(*) AS jobs, min(schedule) AS schedule FROM cron.job WHERE jobname = 'hydra-maintenance';
-- pg_cron rejects a malformed schedule.
SELECT pg_temp.try($$SELECT hydra.schedule_maintenance('every so often')$$);
SELECT pg_temp.try($$SELECT hydra.schedule_maintenance(NULL)$$);
SELECT cron.unschedule(:jobid);
DROP EXTENSION pg_cron;
