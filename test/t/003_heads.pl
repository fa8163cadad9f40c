# Head workers: heads come up with their persisted identities, answer real
# libp2p dials (identify + ping), show in hydra.heads()/swarm_peers(), and a
# head worker killed with SIGTERM comes back with the same peer IDs and
# ports without restarting the server.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $peer = $ENV{HYDRA_PEER} // "$ENV{TESTDIR}/build/tools/hydra_peer";
plan skip_all => "hydra_peer not built ($peer)" unless -x $peer;

my $node = PostgreSQL::Test::Cluster->new('heads');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'hydra'
hydra.bootstrap_peers = ''
hydra.nheads = 3
hydra.head_workers = 2
hydra.listen_address = '127.0.0.1'
hydra.port_begin = 0
hydra.allow_private_addresses = on
});
$node->start;
my $start_time = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');
$node->safe_psql('postgres', 'CREATE EXTENSION hydra');

# Wait (bounded) until every head runs.
sub wait_heads
{
	my ($n) = @_;
	for (1 .. 300)
	{
		return 1 if $node->safe_psql('postgres', 'SELECT count(*) FROM hydra.heads()') == $n;
		usleep(100_000);
	}
	return 0;
}
ok(wait_heads(3), 'three heads running');
my $heads = $node->safe_psql('postgres',
	'SELECT string_agg(peer_id || \' \' || addrs[1], E\'\n\' ORDER BY head) FROM hydra.heads()');
my @heads = split /\n/, $heads;
is(scalar @heads, 3, 'one row per head');
is($node->safe_psql('postgres',
		'SELECT string_agg(peer_id, \',\' ORDER BY head) FROM hydra.heads()'),
	$node->safe_psql('postgres',
		'SELECT string_agg(peer_id, \',\' ORDER BY head) FROM hydra.head_identities(3, 0)'),
	'heads use the persisted identities');
is($node->safe_psql('postgres',
		"SELECT count(DISTINCT bgw) FROM (SELECT backend_type AS bgw FROM pg_stat_activity WHERE backend_type LIKE 'hydra head worker%') s"),
	'2', 'two head workers');

# A real libp2p dialer completes Noise + yamux + identify + ping with every head.
foreach my $h (@heads)
{
	my ($id, $addr) = split / /, $h;
	like($addr, qr{^/ip4/127\.0\.0\.1/tcp/\d+/p2p/\Q$id\E$}, "head address ends in /p2p/<id>");
	my ($out, $err);
	IPC::Run::run([ $peer, 'dial', $addr, '--count', '3' ], '>', \$out, '2>', \$err,
		IPC::Run::timeout(60));
	like($out, qr/^RESULT ok=3 fail=0$/m, "dial $id: 3 connections with identify and ping");
}

# While a dialer holds a connection (the go peer lingers 5 s after its
# ping), swarm_peers lists it.
my $go_peer = $ENV{GO_PEER} // "$ENV{TESTDIR}/build/interop/go-peer";
SKIP:
{
	skip 'go interop peer not built', 2 unless -x $go_peer;
	my ($in, $out, $err) = ('', '', '');
	my ($id0, $addr0) = split / /, $heads[0];
	my $h = IPC::Run::start([ $go_peer, 'dial', $addr0, '--count', '1', '--linger-ms', '5000', '--no-tls' ],
		\$in, \$out, \$err, IPC::Run::timeout(120));
	my $seen = 0;
	for (1 .. 200)
	{
		$seen = $node->safe_psql('postgres',
			"SELECT count(*) FROM hydra.swarm_peers(0) WHERE direction = 'inbound' AND addr LIKE '/ip4/127.0.0.1/tcp/%'");
		last if $seen > 0;
		usleep(20_000);
	}
	ok($seen > 0, 'swarm_peers(0) lists the inbound connection');
	$h->finish;
	like($out, qr/^RESULT ok=1 fail=0$/m, 'go peer connected to head 0');
}

# SIGTERM a head worker: it restarts with the same identities and ports.
my $before = $node->safe_psql('postgres',
	'SELECT string_agg(head || \' \' || peer_id || \' \' || addrs[1], \',\' ORDER BY head) FROM hydra.heads()');
my $pid = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE backend_type = 'hydra head worker 0'");
ok($pid > 0, 'found head worker 0');
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
my $restarted = 0;
for (1 .. 300)
{
	my $new = $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'hydra head worker 0'");
	if ($new ne '' && $new != $pid && wait_heads(3))
	{
		$restarted = 1;
		last;
	}
	usleep(100_000);
}
ok($restarted, 'head worker 0 restarted');
is($node->safe_psql('postgres',
		'SELECT string_agg(head || \' \' || peer_id || \' \' || addrs[1], \',\' ORDER BY head) FROM hydra.heads()'),
	$before, 'same peer IDs and addresses after the restart');
my (undef, $addr0) = split / /, $heads[0];
my ($out2, $err);
IPC::Run::run([ $peer, 'dial', $addr0, '--count', '2' ], '>', \$out2, '2>', \$err, IPC::Run::timeout(60));
like($out2, qr/^RESULT ok=2 fail=0$/m, 'restarted head answers');
is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $start_time,
	'the postmaster never restarted');

# A full server restart keeps the identities.
my $ids = $node->safe_psql('postgres', 'SELECT string_agg(peer_id, \',\' ORDER BY head) FROM hydra.heads()');
$node->restart;
ok(wait_heads(3), 'heads back after a server restart');
is($node->safe_psql('postgres', 'SELECT string_agg(peer_id, \',\' ORDER BY head) FROM hydra.heads()'),
	$ids, 'same peer IDs after a server restart');

$node->stop;
done_testing();
