# Prefetch over a real go/js DHT: a go client provides CIDs X and Y to a
# go/js network before the heads join it (so the records are only on go/js
# nodes); hydra.fetch('X') runs a live lookup, returns the go provider and
# stores it; a GET_PROVIDERS miss for Y at a head is answered at once, the prefetch
# worker finds the provider, stores it, and a repeated GET_PROVIDERS
# returns it; the peers that answered the lookups feed the routing table.  A CID nobody provides ends in the negative cache, and a
# repeated miss for it is counted as failed_recently_5min.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use Digest::SHA;
use FindBin;
use lib $FindBin::RealBin;
use HydraCluster;
use InteropPeers;

my $probe = $ENV{KAD_PROBE} // "$ENV{TESTDIR}/build/tools/kad_probe";
plan skip_all => 'interop peers not built (scripts/test.sh tap builds them)'
  unless InteropPeers::available();
plan skip_all => "kad_probe not built ($probe)" unless -x $probe;

# A CIDv1 (raw, sha256) of a name, base32: made here, before any cluster exists
sub raw_cid
{
	my ($name) = @_;
	my $bits = unpack('B*', "\x01\x55\x12\x20" . Digest::SHA::sha256($name));
	$bits .= '0' x ((5 - length($bits) % 5) % 5);
	return 'b' . join('', map { ('a' .. 'z', '2' .. '7')[ oct("0b$_") ] } $bits =~ /(.{5})/g);
}

# The go/js network first: three DHT servers bootstrapped to go1.
my $go1 = InteropPeers::start('go', 'listen', '--dht');
my $go2 = InteropPeers::start('go', 'listen', '--dht', '--bootstrap', $go1->{addr});
my $js1 = InteropPeers::start('js', 'listen', '--dht', '--bootstrap', $go1->{addr});
ok($go1->{addr} && $go2->{addr} && $js1->{addr}, 'go/js DHT servers running');

# Only a go client provides X and Y, to that network (no head exists yet).
my $cid_x = raw_cid('prefetch-x');
my $cid_y = raw_cid('prefetch-y');
my $prov = InteropPeers::run('go', 120, 'provide', '--bootstrap', $go1->{addr}, '--cid', $cid_y,
	'--linger', '1');
like($prov, qr/^RESULT ok=1 fail=0$/m, 'go client provided Y to the go/js network');
my ($go_client) = $prov =~ m{^LISTEN \S+/p2p/(\w+)$}m;
$prov = InteropPeers::run('go', 120, 'provide', '--bootstrap', $go1->{addr}, '--cid', $cid_x,
	'--linger', '1');
like($prov, qr/^RESULT ok=1 fail=0$/m, 'go client provided X to the go/js network');
my ($go_client_x) = $prov =~ m{^LISTEN \S+/p2p/(\w+)$}m;

my %c = HydraCluster::start('prefetch_dht', nheads => 1,
	bootstrap => "$go1->{addr},$js1->{addr}",
	conf => "hydra.prefetch_timeout = '10s'\n");
my $node = $c{node};
is($c{up}, 1, 'head running');
my $head = $c{heads}[0][1];
my $rt = 0;
for (1 .. 300)
{
	last if ($rt = $node->safe_psql('postgres', 'SELECT max(routing_table_size) FROM hydra.heads()')) >= 2;
	usleep(100_000);
}
ok($rt >= 2, "routing table holds the bootstrap nodes ($rt peers)");
is($node->safe_psql('postgres', "SELECT count(*) FROM hydra.providers('$cid_y')"), '0',
	'Y is not in the store');

# hydra.fetch('X'): not in the store, so a live lookup; the go provider comes
# back marked dht, and is then in the store.
my $t0 = time();
my $fetched = $node->safe_psql('postgres', "SELECT peer_id || ' ' || source FROM hydra.fetch('$cid_x', 1, '10 seconds')");
my $fetch_secs = time() - $t0;
like($fetched, qr/^\Q$go_client_x\E dht$/m, sprintf('hydra.fetch(X) returned the go provider from the DHT (%.2f s)', $fetch_secs));
is($node->safe_psql('postgres', "SELECT count(*) FROM hydra.providers('$cid_x') WHERE peer_id = '$go_client_x'"),
	'1', 'the go provider of X is then in hydra.providers(X)');
is($node->safe_psql('postgres', "SELECT source FROM hydra.fetch('$cid_x')"), 'store',
	'a second hydra.fetch(X) answers from the store');

# One counter of hydra.prefetch_stats()
sub pf_stat
{
	my ($name) = @_;
	return $node->safe_psql('postgres', "SELECT value FROM hydra.prefetch_stats() WHERE name = '$name'");
}

# Wait (bounded) until a counter reaches a value; its last value
sub wait_stat
{
	my ($name, $want, $seconds) = @_;
	my $v;
	for (1 .. ($seconds // 30) * 10)
	{
		$v = pf_stat($name);
		last if $v >= $want;
		usleep(100_000);
	}
	return $v;
}

# One GET_PROVIDERS through the head: (answered, seconds, providers)
sub get_providers
{
	my ($cid) = @_;
	my ($out, $err) = ('', '');
	my $t0 = time();
	IPC::Run::run([ $probe, 'get-providers', '--target', $head, '--key-cid', $cid ],
		'>', \$out, '2>', \$err, IPC::Run::timeout(60));
	my @provs = $out =~ /^PROVIDER (\S+)$/mg;
	return ($out =~ /^RESULT ok=1 fail=0$/m, time() - $t0, @provs);
}

my ($ok, $secs, @provs) = get_providers($cid_y);
ok($ok, 'GET_PROVIDERS miss for Y answered');
cmp_ok($secs, '<', 2, sprintf('the miss was answered at once (%.2f s)', $secs));
is(scalar(@provs), 0, 'the first answer has no provider');
is(wait_stat('found', 2, 30), 2, 'the prefetch lookup for Y found providers');
my $answered = pf_stat('queries_answered');
cmp_ok($answered, '>=', 2, "the two lookups were answered by DHT peers ($answered answers)");
is(pf_stat('routing_table_updates'), $answered, 'every peer that answered went into the routing table');
is($node->safe_psql('postgres', "SELECT count(*) FROM hydra.providers('$cid_y') WHERE peer_id = '$go_client'"),
	'1', 'the go provider of Y is in the store');
($ok, $secs, @provs) = get_providers($cid_y);
ok($ok && grep({ $_ eq $go_client } @provs), 'a repeated GET_PROVIDERS for Y returns the go provider');

# Nobody provides Z: the lookup ends empty, Z goes to the negative cache.
my $cid_z = $node->safe_psql('postgres', "SELECT hydra.key_to_cid('\\x1220'::bytea || sha256('nobody'::bytea))");
($ok) = get_providers($cid_z);
ok($ok, 'GET_PROVIDERS miss for Z answered');
my $failed = wait_stat('empty', 1, 30) + pf_stat('error') + pf_stat('timeout');
cmp_ok($failed, '>=', 1, 'the lookup for Z found nothing');
is(wait_stat('negative_cached', 1, 5), 1, 'Z is in the negative cache');
($ok) = get_providers($cid_z);
ok($ok, 'repeated miss for Z answered');
is(wait_stat('failed_recently_5min', 1, 10), 1, 'repeated miss counted as failed_recently_5min');

$node->stop;
InteropPeers::stop($_) for ($go1, $go2, $js1);
done_testing();
