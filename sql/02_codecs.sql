-- Multiformats conversions exposed to SQL.
-- Report an error as SQLSTATE and message, so tests show both.
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN sqlstate || ': ' || sqlerrm;
END $$;

-- CIDv0 and CIDv1 of the same content give the same key (the multihash).
SELECT hydra.cid_to_key('bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7y') AS v1_key;
SELECT hydra.cid_to_key('QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm') AS v0_key;
SELECT hydra.cid_to_key('bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7y')
	 = hydra.cid_to_key('QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm') AS same_key;
-- The Kademlia ID of that key (sha256 of the multihash) matches the spec vector.
SELECT sha256(hydra.cid_to_key('bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7y'))
	 = '\xd623250f3f660ab4c3a53d3c97b3f6a0194c548053488d093520206248253bcb'::bytea AS kad_id_matches;
-- key_to_cid gives CIDv1 raw in base32, whose key is the same multihash.
SELECT hydra.key_to_cid(hydra.cid_to_key('QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm')) AS cid;
SELECT hydra.cid_to_key(hydra.key_to_cid(hydra.cid_to_key('QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm')))
	 = hydra.cid_to_key('QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm') AS round_trip;
-- A base36 CIDv1 of the same content.
SELECT hydra.cid_to_key('k2jmtxx2rwvj7zczj13v2mstzhdd5wc33hfws415j34xcs2nrhd7nu2m')
	 = hydra.cid_to_key('QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm') AS base36_same_key;

-- Bad CIDs and keys: SQLSTATE 22P02 / 22023 with the value quoted.
SELECT pg_temp.try($$SELECT hydra.cid_to_key('not-a-cid')$$);
SELECT pg_temp.try($$SELECT hydra.cid_to_key('')$$);
SELECT pg_temp.try($$SELECT hydra.cid_to_key('QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQ0')$$);
SELECT pg_temp.try($$SELECT hydra.cid_to_key('bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7')$$);
SELECT pg_temp.try($$SELECT hydra.cid_to_key(' bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7y')$$);
SELECT pg_temp.try($$SELECT hydra.key_to_cid('\x1220ab')$$);
SELECT pg_temp.try($$SELECT hydra.key_to_cid('\x')$$);

-- Peer IDs in every text form map to the same bytes.
SELECT hydra.peer_id_bytes('12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq') AS ed25519;
SELECT hydra.peer_id_bytes('bafzaajaiaejcahwr5d5ofrfbis4l5d6uwr57hu5tjodrypfm6yaq6dsc2r2pzyt6')
	 = hydra.peer_id_bytes('12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq') AS base32_cid_form;
SELECT hydra.peer_id_text(hydra.peer_id_bytes('bafzaajaiaejcahwr5d5ofrfbis4l5d6uwr57hu5tjodrypfm6yaq6dsc2r2pzyt6')) AS display;
SELECT hydra.peer_id_bytes('16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY') AS secp256k1;
SELECT hydra.peer_id_text(hydra.peer_id_bytes('QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN')) AS rsa_round_trip;
SELECT pg_temp.try($$SELECT hydra.peer_id_bytes('12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3p')$$);
SELECT pg_temp.try($$SELECT hydra.peer_id_bytes('bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7y')$$);
SELECT pg_temp.try($$SELECT hydra.peer_id_bytes('hello')$$);
SELECT pg_temp.try($$SELECT hydra.peer_id_text('\x0102')$$);

-- Multiaddrs: text <-> binary.
SELECT hydra.multiaddr_bytes('/ip4/192.0.2.42/tcp/443') AS ip4_tcp;
SELECT hydra.multiaddr_text(hydra.multiaddr_bytes(a)) AS round_trip
FROM unnest(ARRAY['/ip4/127.0.0.1/tcp/4001',
				  '/ip6/::1/tcp/4001',
				  '/ip4/1.2.3.4/udp/4001/quic-v1',
				  '/dns4/example.com/tcp/443/tls/ws',
				  '/dnsaddr/bootstrap.libp2p.io/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN',
				  '/ip4/1.2.3.4/tcp/1/p2p/12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq/p2p-circuit',
				  '/dns6/example.org/tcp/80/ws',
				  '/dns/example.net/tcp/1']) AS a;
SELECT pg_temp.try($$SELECT hydra.multiaddr_bytes('/ip4/300.1.1.1/tcp/1')$$);
SELECT pg_temp.try($$SELECT hydra.multiaddr_bytes('/ip4/1.1.1.1/tcp/65536')$$);
SELECT pg_temp.try($$SELECT hydra.multiaddr_bytes('/foo/1')$$);
SELECT pg_temp.try($$SELECT hydra.multiaddr_bytes('ip4/1.1.1.1')$$);
SELECT pg_temp.try($$SELECT hydra.multiaddr_text('\x04c00002')$$);
