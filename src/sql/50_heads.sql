-- Heads and their connections, read from shared memory.

CREATE FUNCTION hydra.heads()
	RETURNS TABLE (head integer, peer_id text, addrs text[], connections integer,
				   routing_table_size integer, started_at timestamptz)
	AS 'MODULE_PATHNAME', 'hydra_heads'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION hydra.heads() IS
	'Running heads: peer ID, announced multiaddrs (each ending in /p2p/<peer_id>), open connections, shared routing table size, start time';

CREATE FUNCTION hydra.swarm_peers(head integer DEFAULT NULL)
	RETURNS TABLE (head integer, peer_id text, addr text, direction text)
	AS 'MODULE_PATHNAME', 'hydra_swarm_peers'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION hydra.swarm_peers(integer) IS
	'Open connections of every head (or of one head): remote peer, remote address, inbound/outbound';
