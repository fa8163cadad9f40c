# Head identities and records survive restarts; hydra.random_seed is
# validated, used, and hidden from non-superusers.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MIME::Base64;

my $node = PostgreSQL::Test::Cluster->new('identity');
$node->init;
$node->append_conf('postgresql.conf', qq{shared_preload_libraries = 'hydra'
hydra.bootstrap_peers = ''
hydra.listen_address = '127.0.0.1'
hydra.port_begin = 0
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION hydra');

my $heads = $node->safe_psql('postgres',
	'SELECT string_agg(peer_id, \',\' ORDER BY head) FROM hydra.head_identities(4, 0, 8)');
like($heads, qr/^(12D3KooW\w+,){3}12D3KooW\w+$/, 'four head identities');
my $seed = $node->safe_psql('postgres', 'SELECT encode(hydra.host_seed(), \'hex\')');
$node->safe_psql('postgres',
	"SELECT hydra.add_provider('bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7y', "
	  . "'12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq', ARRAY['/ip4/192.0.2.1/tcp/4001'])");

$node->restart;
is($node->safe_psql('postgres',
		'SELECT string_agg(peer_id, \',\' ORDER BY head) FROM hydra.head_identities(4, 0, 8)'),
	$heads, 'same peer IDs after restart');
is($node->safe_psql('postgres', 'SELECT encode(hydra.host_seed(), \'hex\')'), $seed,
	'generated seed kept');
is($node->safe_psql('postgres',
		"SELECT peer_id FROM hydra.providers('bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7y')"),
	'12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq', 'records kept');

# A malformed seed stops the server with a clear message that does not echo it.
$node->append_conf('postgresql.conf', "hydra.random_seed = 'c2VjcmV0LXRvby1zaG9ydA=='\n");
$node->stop;
ok(!$node->start(fail_ok => 1), 'server refuses a seed that is not 32 bytes');
ok($node->log_contains('hydra.random_seed must be the base64 encoding of exactly 32 bytes'),
	'log explains the seed format');
ok(!$node->log_contains('c2VjcmV0LXRvby1zaG9ydA=='), 'log does not contain the seed');

# A configured seed replaces the generated one.
my $configured = join('', map { chr($_) } 1 .. 32);
my $b64 = encode_base64($configured, '');
$node->append_conf('postgresql.conf', "hydra.random_seed = '$b64'\n");
$node->start;
is($node->safe_psql('postgres', 'SELECT encode(hydra.host_seed(), \'hex\')'),
	unpack('H*', $configured), 'configured seed is used');
is($node->safe_psql('postgres',
		"SELECT string_agg(peer_id, ',' ORDER BY head) FROM hydra.head_identities(2, 5, 8)"),
	$node->safe_psql('postgres',
		"SELECT string_agg(peer_id, ',' ORDER BY idx) FROM hydra.idgen('\\x" . unpack('H*', $configured) . "', 5, 2, 8)"),
	'heads use id numbers offset + i of the configured seed');
$node->safe_psql('postgres', 'CREATE ROLE plain LOGIN');
my ($ret, $out, $err) = $node->psql('postgres', 'SHOW hydra.random_seed', extra_params => [ '-U', 'plain' ]);
isnt($ret, 0, 'non-superuser cannot read the seed');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_settings WHERE name = 'hydra.random_seed'", extra_params => [ '-U', 'plain' ]),
	'0', 'seed is not listed in pg_settings for non-superusers');

$node->stop;
done_testing();
