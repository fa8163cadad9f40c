-- Multiformats codecs, implemented in C (src/pg/codec_sql.c over src/core).

CREATE FUNCTION hydra.cid_to_key(cid text) RETURNS bytea
	AS 'MODULE_PATHNAME', 'hydra_cid_to_key'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hydra.cid_to_key(text) IS
	'DHT key (the multihash) of a CID in text form; CIDv0 and CIDv1 of the same content give the same key';

CREATE FUNCTION hydra.key_to_cid(key bytea) RETURNS text
	AS 'MODULE_PATHNAME', 'hydra_key_to_cid'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hydra.key_to_cid(bytea) IS
	'CIDv1 (codec raw, base32) for a DHT key (multihash); any CID with that multihash names the same records';

CREATE FUNCTION hydra.peer_id_bytes(peer_id text) RETURNS bytea
	AS 'MODULE_PATHNAME', 'hydra_peer_id_bytes'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hydra.peer_id_bytes(text) IS
	'Binary peer ID (a multihash) from any text form: base58btc or CIDv1 libp2p-key';

CREATE FUNCTION hydra.peer_id_text(peer_id bytea) RETURNS text
	AS 'MODULE_PATHNAME', 'hydra_peer_id_text'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hydra.peer_id_text(bytea) IS
	'base58btc text of a binary peer ID';

CREATE FUNCTION hydra.multiaddr_bytes(addr text) RETURNS bytea
	AS 'MODULE_PATHNAME', 'hydra_multiaddr_bytes'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hydra.multiaddr_bytes(text) IS
	'Binary multiaddr from its text form';

CREATE FUNCTION hydra.multiaddr_text(addr bytea) RETURNS text
	AS 'MODULE_PATHNAME', 'hydra_multiaddr_text'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hydra.multiaddr_text(bytea) IS
	'Text form of a binary multiaddr';

CREATE FUNCTION hydra.multiaddrs_text(addrs bytea[]) RETURNS text[]
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	AS $$
	SELECT coalesce(array_agg(hydra.multiaddr_text(a) ORDER BY n), '{}')
	FROM unnest(addrs) WITH ORDINALITY AS u(a, n)
$$;
