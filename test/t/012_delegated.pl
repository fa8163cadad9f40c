# Delegated routing: a Delegated Routing V1 server from npm
# (@helia/delegated-routing-v1-http-api-server, test/interop/js/delegated-server.mjs)
# serves one provider of CID X; hydra.fetch('X') returns it with source
# 'delegated' and stores it.  An endpoint on a closed port is counted as a
# delegated error and one that answers after hydra.delegated_routing_timeout
# as a delegated timeout; neither changes anything else: fetch returns
# within its timeout with nothing, and the DHT side is counted as usual.
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

$node->stop;
InteropPeers::stop($_) for ($fast, $slow);
done_testing();
