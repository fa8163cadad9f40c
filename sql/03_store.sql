-- The record API: add_provider, add_providers, providers, records, record_count.
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN sqlstate || ': ' || sqlerrm;
END $$;

-- A record is stored and read back with the provider's addresses; the
-- trailing /p2p/<provider> that js peers send is dropped.
SELECT hydra.add_provider('bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7y',
						  '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq',
						  ARRAY['/ip4/192.0.2.1/tcp/4001',
								'/ip4/192.0.2.1/tcp/4001/p2p/12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq',
								'/ip6/2001:db8::1/udp/4001/quic-v1'])
	   BETWEEN now() + interval '47 hours 59 minutes' AND now() + interval '48 hours 1 minute' AS expires_in_48h;
SELECT peer_id, addrs, expires_at > now() AS live FROM hydra.providers('bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7y');
-- The CIDv0 form of the same content finds the same record.
SELECT peer_id FROM hydra.providers('QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm');

-- A second provider with a shorter TTL; providers come newest expiry first.
SELECT hydra.add_provider('QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm',
						  '16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY',
						  ARRAY['/dns4/example.com/tcp/4001'], '1 hour') IS NOT NULL AS added;
SELECT peer_id, addrs FROM hydra.providers('QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm');
SELECT peer_id FROM hydra.providers('QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm', 1);

-- Re-providing does not grow the answer: each provider appears once.  An
-- immediate repeat is absorbed; a longer TTL adds a newer row that wins.
SELECT hydra.add_provider('QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm',
						  '16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY', '{}', '1 hour') IS NOT NULL;
SELECT count(*) AS rows_for_pair FROM hydra.provider_records
WHERE key = hydra.cid_to_key('QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm')
  AND provider = (SELECT id FROM hydra.peers WHERE peer_id = hydra.peer_id_bytes('16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY'));
SELECT hydra.add_provider('QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm',
						  '16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY', '{}', '72 hours') IS NOT NULL;
SELECT peer_id, addrs, expires_at > now() + interval '71 hours' AS newest
FROM hydra.providers('QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm');
-- An empty address list keeps the addresses already known.
SELECT addrs FROM hydra.providers('QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm') WHERE peer_id LIKE '16Uiu%';

-- Expired rows are never returned, even before maintenance drops them.
SELECT hydra.add_provider('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
						  '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq', '{}', '1 second') IS NOT NULL;
SELECT count(*) AS before_expiry FROM hydra.providers('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy');
SELECT pg_sleep(1.2);
SELECT count(*) AS after_expiry FROM hydra.providers('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy');
SELECT count(*) AS stored_rows FROM hydra.provider_records
WHERE key = hydra.cid_to_key('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy');
SELECT count(*) AS in_view FROM hydra.records WHERE cid = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';

-- Bulk insert for one provider; duplicates in the batch count once.
SELECT hydra.add_providers(ARRAY['bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
								 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
								 'bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7y'],
						   'QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN',
						   ARRAY['/ip4/198.51.100.7/tcp/4001']) AS added;
SELECT hydra.add_providers(ARRAY['bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7y'],
						   'QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN') AS added_again;

-- The browsing view and counts.
SELECT cid, provider FROM hydra.records ORDER BY provider, cid;
SELECT hydra.record_count(exact => true) AS exact;
ANALYZE hydra.provider_records;
SELECT hydra.record_count() BETWEEN 4 AND 8 AS approx_close;

-- Bad input is an error that quotes the value, and nothing is half-written.
SELECT count(*) AS peers_before FROM hydra.peers \gset
SELECT count(*) AS rows_before FROM hydra.provider_records \gset
SELECT pg_temp.try($$SELECT hydra.add_provider('bafy-bad', '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq')$$);
SELECT pg_temp.try($$SELECT hydra.add_provider('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', '12D3KooNope')$$);
SELECT pg_temp.try($$SELECT hydra.add_provider('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq', ARRAY['/ip4/1.2.3/tcp/1'])$$);
SELECT pg_temp.try($$SELECT hydra.add_provider('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq', ARRAY['/ip4/1.2.3.4/tcp/1/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN'])$$);
SELECT pg_temp.try($$SELECT hydra.add_provider('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq', ARRAY[NULL::text])$$);
SELECT pg_temp.try($$SELECT hydra.add_provider('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq', '{}', '-1 hour')$$);
SELECT pg_temp.try($$SELECT hydra.add_provider('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq', '{}', '0')$$);
SELECT pg_temp.try($$SELECT hydra.add_provider('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq', '{}', '8 days')$$);
SELECT pg_temp.try($$SELECT hydra.add_provider(NULL, '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq')$$);
SELECT pg_temp.try($$SELECT hydra.add_providers(ARRAY['bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', 'junk'], 'QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN')$$);
SELECT pg_temp.try($$SELECT * FROM hydra.providers('junk')$$);
SELECT pg_temp.try($$SELECT * FROM hydra.providers('QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm', 0)$$);
SELECT pg_temp.try($$SELECT * FROM hydra.providers('QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm', 1001)$$);
SELECT (SELECT count(*) FROM hydra.peers) = :peers_before AS peers_unchanged,
	   (SELECT count(*) FROM hydra.provider_records) = :rows_before AS records_unchanged;

-- A TTL beyond the pre-created partitions creates the partition it needs.
SELECT to_regclass('hydra.' || hydra._partition_name(((now() + interval '6 days') AT TIME ZONE 'UTC')::date)) IS NULL AS absent_before;
SELECT hydra.add_provider('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
						  '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq', '{}', '6 days') IS NOT NULL AS added;
SELECT to_regclass('hydra.' || hydra._partition_name(((now() + interval '6 days') AT TIME ZONE 'UTC')::date)) IS NOT NULL AS created;

-- Writing needs a grant; reading the store as an unprivileged role is refused.
CREATE ROLE hydra_regress_reader;
SET ROLE hydra_regress_reader;
SELECT pg_temp.try($$SELECT hydra.add_provider('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq')$$);
RESET ROLE;
DROP ROLE hydra_regress_reader;
