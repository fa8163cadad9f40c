# The heads in a mixed network of real go-libp2p-kad-dht and js-libp2p
# kad-dht servers: they bootstrap, enter the go and js routing tables, and
# a provider record put through one head by one implementation is found
# through another head by the other; closest-peer lookups through the heads
# return the go and js nodes; records show in SQL.  The postmaster never
# restarts.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use FindBin;
use lib $FindBin::RealBin;
use HydraCluster;
use InteropPeers;

plan skip_all => 'interop peers not built (scripts/test.sh tap builds them)'
  unless InteropPeers::available();

# Five DHT servers: three go, two js, all bootstrapped to go1.
my $go1 = InteropPeers::start('go', 'listen', '--dht');
my @others = (
	InteropPeers::start('go', 'listen', '--dht', '--bootstrap', $go1->{addr}),
	InteropPeers::start('go', 'listen', '--dht', '--bootstrap', $go1->{addr}),
	InteropPeers::start('js', 'listen', '--dht', '--bootstrap', $go1->{addr}),
	InteropPeers::start('js', 'listen', '--dht', '--bootstrap', $go1->{addr}));
my @servers = ($go1, @others);
my ($js1) = grep { $_->{impl} eq 'js' } @others;
ok(scalar(@servers) == 5, 'five go/js DHT servers running');

my %c = HydraCluster::start('dht', nheads => 3, workers => 2,
	bootstrap => "$go1->{addr},$js1->{addr}");
my ($node, $start_time) = ($c{node}, $c{start_time});
is($c{up}, 3, 'three heads running');
my @heads = @{ $c{heads} };

# The heads dialled go1 and js1, which admitted them to their routing tables
# (go after its FIND_NODE check, js after a ping).
foreach my $boot ($go1, $js1)
{
	foreach my $h (@heads)
	{
		ok(InteropPeers::wait_line($boot, qr/^RTADD \Q$h->[0]\E$/m, 60),
			"$boot->{impl} bootstrap node added head $h->[0] to its routing table");
	}
}
my $rt = 0;
for (1 .. 100)
{
	last if ($rt = $node->safe_psql('postgres', 'SELECT max(routing_table_size) FROM hydra.heads()')) >= 2;
	usleep(100_000);
}
ok($rt >= 2, "shared routing table holds the bootstrap nodes ($rt peers)");

# Self-lookups (first round 10 s after start) ask go1/js1 for peers close to
# each head and dial the ones we did not know: all five servers end up in
# the shared routing table.
for (1 .. 600)
{
	last if ($rt = $node->safe_psql('postgres', 'SELECT max(routing_table_size) FROM hydra.heads()')) >= 5;
	usleep(100_000);
}
ok($rt >= 5, "self-lookups found the other go/js servers ($rt peers in the routing table)");

# go provides through head 0; js finds it through head 1.
my $cid_a = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
my $prov = InteropPeers::run('go', 120, 'provide', '--bootstrap', $heads[0][1], '--cid', $cid_a, '--linger', '1');
like($prov, qr/^RESULT ok=1 fail=0$/m, 'go client provided a CID through head 0');
my ($go_client) = $prov =~ m{^LISTEN \S+/p2p/(\w+)$}m;
my $found = InteropPeers::run('js', 120, 'findprovs', '--bootstrap', $heads[1][1], '--cid', $cid_a,
	'--expect', $go_client);
like($found, qr/^RESULT ok=1 fail=0$/m, 'js client found the go provider through head 1');
is($node->safe_psql('postgres', "SELECT count(*) FROM hydra.providers('$cid_a') WHERE peer_id = '$go_client'"),
	'1', 'the record is in the store, visible in SQL');

# js provides through head 1; go finds it through head 2.
my $cid_b = 'bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7y';
$prov = InteropPeers::run('js', 120, 'provide', '--bootstrap', $heads[1][1], '--cid', $cid_b, '--linger', '1');
like($prov, qr/^RESULT ok=1 fail=0$/m, 'js client provided a CID through head 1');
my ($js_client) = $prov =~ m{^LISTEN \S+/p2p/(\w+)$}m;
$found = InteropPeers::run('go', 120, 'findprovs', '--bootstrap', $heads[2][1], '--cid', $cid_b,
	'--expect', $js_client);
like($found, qr/^RESULT ok=1 fail=0$/m, 'go client found the js provider through head 2');
is($node->safe_psql('postgres', "SELECT count(*) FROM hydra.records WHERE provider = '$js_client'"),
	'1', 'the js record shows in hydra.records');

# Closest-peer lookups through a head return the go and js servers.
foreach my $target ($go1, $js1)
{
	my $out = InteropPeers::run('go', 120, 'closest', '--bootstrap', $heads[0][1], '--key', $target->{id},
		'--expect', $target->{id});
	like($out, qr/^RESULT ok=1 fail=0$/m, "closest peers of $target->{impl} node through head 0 include it");
}
my $out = InteropPeers::run('js', 120, 'closest', '--bootstrap', $heads[2][1], '--key', $go1->{id},
	'--expect', $go1->{id});
like($out, qr/^RESULT ok=1 fail=0$/m, 'js closest-peers lookup through head 2 finds the go node');

is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $start_time,
	'the postmaster never restarted');
$node->stop;
InteropPeers::stop($_) for @servers;
done_testing();
