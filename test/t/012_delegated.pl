# Delegated routing: a Delegated Routing V1 server from npm
# (@helia/delegated-routing-v1-http-api-server, test/interop/js/delegated-server.mjs)
# serves one provider of CID X; hydra.fetch('X') returns it with source
# 'delegated' and stores it.  An endpoint on a closed port is counted as a
# delegated error and one that answers after hydra.delegated_routing_timeout
# as a delegated timeout; neither changes anything else: fetch returns
# within its timeout with nothing, and the DHT side is counted as usual.
# A hydra.fetch() waiting on an endpoint that never answers in time is
# cancelled promptly by statement_timeout and by pg_cancel_backend (Ctrl-C).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use Digest::SHA;
use IO::Socket::INET;
use FindBin;
use lib $FindBin::RealBin;
use HydraCluster;
use InteropPeers;

plan skip_all => 'delegated routing server not installed (scripts/test.sh tap installs it)'
  unless InteropPeers::delegated_available();

# A CIDv1 (raw, sha256) of a name, base32
sub raw_cid
{
	my ($name) = @_;
	my $bits = unpack('B*', "\x01\x55\x12\x20" . Digest::SHA::sha256($name));
	$bits .= '0' x ((5 - length($bits) % 5) % 5);
	return 'b' . join('', map { ('a' .. 'z', '2' .. '7')[ oct("0b$_") ] } $bits =~ /(.{5})/g);
}

my $peer = 'QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN';
my $addr = '/ip4/1.2.3.4/tcp/4001';
my $cid_x = raw_cid('delegated-x');
my $cid_y = raw_cid('delegated-y');
my $cid_z = raw_cid('delegated-z');

my $fast = InteropPeers::start('delegated', '--cid', $cid_x, '--peer', $peer, '--addr', $addr);
my $slow = InteropPeers::start('delegated', '--cid', $cid_z, '--peer', $peer, '--addr', $addr,
	'--delay', '4000');
my $stuck = InteropPeers::start('delegated', '--cid', $cid_z, '--peer', $peer, '--addr', $addr,
	'--delay', '60000');
like($fast->{addr}, qr{^http://127\.0\.0\.1:\d+$}, 'delegated routing server running');

# A loopback port nobody listens on
my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp', Listen => 1)
  or die "no socket: $!";
my $closed = $sock->sockport;
close($sock);

# No bootstrap peers: the DHT side of every lookup ends at once with an error.
my %c = HydraCluster::start('delegated', nheads => 1,
	conf => "hydra.delegated_routing_url = '$fast->{addr}'\n"
	  . "hydra.delegated_routing_timeout = '1s'\nhydra.prefetch_timeout = '10s'\n");
my $node = $c{node};
is($c{up}, 1, 'head running');

# One counter of hydra.prefetch_stats()
sub pf_stat
{
	my ($name) = @_;
	return $node->safe_psql('postgres', "SELECT value FROM hydra.prefetch_stats() WHERE name = '$name'");
}

# hydra.fetch of a CID: (rows as "peer source addrs", seconds)
sub fetch
{
	my ($cid, $timeout) = @_;
	my $t0 = time();
	my $rows = $node->safe_psql('postgres',
		"SELECT peer_id || ' ' || source || ' ' || array_to_string(addrs, ',') FROM hydra.fetch('$cid', 1, '$timeout')");
	return ($rows, time() - $t0);
}

# Point the prefetch worker at another endpoint and give it time to reload
sub set_url
{
	my ($url) = @_;
	$node->safe_psql('postgres', "ALTER SYSTEM SET hydra.delegated_routing_url = '$url'");
	$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
	usleep(1_000_000);
}

my ($rows, $secs) = fetch($cid_x, '5 seconds');
is($rows, "$peer delegated $addr", sprintf('hydra.fetch(X) returned the provider with source delegated (%.2f s)', $secs));
is($node->safe_psql('postgres', "SELECT count(*) FROM hydra.providers('$cid_x') WHERE peer_id = '$peer'"),
	'1', 'the provider of X is then in hydra.providers(X)');
is(pf_stat('delegated_found'), 1, 'counted as delegated_found');
is(pf_stat('found'), 1, 'the lookup counted as found');
is(pf_stat('dht_error'), 1, 'the DHT side (no peers) counted as dht_error');
is($node->safe_psql('postgres', "SELECT source FROM hydra.fetch('$cid_x')"), 'store',
	'a second hydra.fetch(X) answers from the store');

# Unreachable endpoint: a delegated error, nothing else changes.
set_url("http://127.0.0.1:$closed");
($rows, $secs) = fetch($cid_y, '5 seconds');
is($rows, '', 'hydra.fetch(Y) with an unreachable endpoint returns nothing');
cmp_ok($secs, '<', 5, sprintf('and returns within its timeout (%.2f s)', $secs));
is(pf_stat('delegated_error'), 1, 'counted as delegated_error');
is(pf_stat('dht_error'), 2, 'the DHT side counted as usual');
is(pf_stat('found'), 1, 'found unchanged');

# Slow endpoint (answers after 4 s, timeout 1 s): a delegated timeout.
set_url($slow->{addr});
($rows, $secs) = fetch($cid_z, '5 seconds');
is($rows, '', 'hydra.fetch(Z) with a slow endpoint returns nothing');
cmp_ok($secs, '<', 3, sprintf('and returns soon after the delegated timeout (%.2f s)', $secs));
is(pf_stat('delegated_timeout'), 1, 'counted as delegated_timeout');
is(pf_stat('dht_error'), 3, 'the DHT side counted as usual');
is(pf_stat('found'), 1, 'found unchanged');
is($node->safe_psql('postgres', "SELECT count(*) FROM hydra.providers('$cid_z')"), '0',
	'nothing stored for Z');
is(pf_stat('running'), 0, 'no lookup left running');

# Cancellation: the endpoint holds every answer 60 s, the delegated timeout
# is 30 s and so is the fetch's, so only a cancel ends these calls early.
$node->safe_psql('postgres', "ALTER SYSTEM SET hydra.delegated_routing_timeout = '30s'");
set_url($stuck->{addr});
my ($out, $err) = ('', '');
my $t0 = time();
$node->psql('postgres',
	"SET statement_timeout = '500ms'; SELECT * FROM hydra.fetch('" . raw_cid('delegated-w') . "', 1, '30 seconds')",
	stdout => \$out, stderr => \$err);
$secs = time() - $t0;
like($err, qr/canceling statement due to statement timeout/, 'statement_timeout cancels a waiting hydra.fetch');
cmp_ok($secs, '<', 10, sprintf('promptly (%.2f s; the lookup would have taken 30 s)', $secs));

my ($bout, $berr) = ('', '');
my $bg = IPC::Run::start(
	[ 'psql', '-X', '-d', $node->connstr('postgres'), '-c',
	  "SET application_name = 'fetch_cancel'; SELECT * FROM hydra.fetch('" . raw_cid('delegated-v') . "', 1, '30 seconds')" ],
	'>', \$bout, '2>', \$berr, IPC::Run::timeout(60));
my $waiting = 0;
for (1 .. 100)
{
	last if ($waiting = $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'fetch_cancel' AND query LIKE '%hydra.fetch%' AND state = 'active'")) == 1;
	usleep(100_000);
}
is($waiting, 1, 'a second hydra.fetch is waiting');
$t0 = time();
is($node->safe_psql('postgres', "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'fetch_cancel'"),
	't', 'pg_cancel_backend sent (what Ctrl-C in psql does)');
eval { $bg->finish; };
$secs = time() - $t0;
like($berr, qr/canceling statement due to user request/, 'the waiting hydra.fetch was cancelled');
cmp_ok($secs, '<', 10, sprintf('promptly (%.2f s)', $secs));
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server is fine afterwards');

$node->stop;
InteropPeers::stop($_) for ($fast, $slow, $stuck);
done_testing();
