-- The extension installs into schema hydra with the expected objects.
CREATE EXTENSION hydra;
SELECT extname, extversion, extnamespace::regnamespace FROM pg_extension WHERE extname = 'hydra';
-- Every public function and view, with its signature.
SELECT p.oid::regprocedure AS function
FROM pg_proc p
WHERE p.pronamespace = 'hydra'::regnamespace AND p.proname NOT LIKE '\_%'
ORDER BY p.oid::regprocedure::text;
SELECT c.relname, c.relkind FROM pg_class c
WHERE c.relnamespace = 'hydra'::regnamespace AND c.relkind IN ('r', 'p', 'v')
ORDER BY 1;
-- The hydra.* GUC prefix is reserved: unknown names are rejected.
SET hydra.no_such_setting = 'x';
SHOW hydra.database;
-- Every available version can be updated to the default one (the upgrade
-- chain is complete: each release ships hydra--old--new.sql).
SELECT v.version, (SELECT default_version FROM pg_available_extensions WHERE name = 'hydra') AS target,
	   v.version = (SELECT default_version FROM pg_available_extensions WHERE name = 'hydra')
	   OR EXISTS (SELECT 1 FROM pg_extension_update_paths('hydra') p
				  WHERE p.source = v.version AND p.target = (SELECT default_version FROM pg_available_extensions WHERE name = 'hydra')
					AND p.path IS NOT NULL) AS reachable
FROM pg_available_extension_versions v WHERE v.name = 'hydra'
ORDER BY 1;
