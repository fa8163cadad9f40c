-- hydra install script.  Built by the Makefile as the ordered concatenation
-- of src/sql/[0-9]*.sql into hydra--<version>.sql; do not run it directly.
\echo Use "CREATE EXTENSION hydra" to load this file. \quit

-- Everything below lives in schema hydra (named in hydra.control, which
-- makes CREATE EXTENSION create it).  Functions pin search_path so that a
-- caller's search_path can never redirect what they touch.
