# Kademlia server rules through the heads, driven by a raw client
# (test/tools/kad_probe): an ADD_PROVIDER for oneself through one head is
# stored, visible in SQL and served by another head; an ADD_PROVIDER naming
# another peer as provider stores nothing; requests with an empty key or a
# key over 80 bytes get their stream reset and the head keeps answering on
# the same connection.  No bootstrap peers: the heads are alone.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use HydraCluster;
use Time::HiRes qw(usleep);

my $probe = $ENV{KAD_PROBE} // "$ENV{TESTDIR}/build/tools/kad_probe";
plan skip_all => "kad_probe not built ($probe; make build/tools/kad_probe)" unless -x $probe;

my %c = HydraCluster::start('kad_rules', nheads => 2);
my ($node, $start_time) = ($c{node}, $c{start_time});
is($c{up}, 2, 'two heads running');
my @addr = map { $_->[1] } @{ $c{heads} };

# Run the probe (bounded); its stdout
sub probe
{
	my ($out, $err) = ('', '');
	eval { IPC::Run::run([ $probe, @_ ], '<', \undef, '>', \$out, '2>', \$err, IPC::Run::timeout(60)); };
	return $out . ($@ ? "TIMEOUT\n" : '');
}

# Providers of a CID in the store, as a sorted comma list
sub providers
{
	my ($cid) = @_;
	return $node->safe_psql('postgres',
		"SELECT coalesce(string_agg(peer_id, ',' ORDER BY peer_id), '') FROM hydra.providers('$cid')");
}

# Wait (bounded) until the batched writes put peer among a CID's providers
sub wait_provider
{
	my ($cid, $peer) = @_;
	for (1 .. 200)
	{
		return 1 if providers($cid) =~ /\b\Q$peer\E\b/;
		usleep(50_000);
	}
	return 0;
}

my $cid_own = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
my $cid_forged = 'bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7y';
my $cid_barrier = 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG';
my $other = '12D3KooWLU2znyJMtDiHArqAGbZn8CgUGp92kxDBtefftEEaHSZS';

# ADD_PROVIDER for oneself through head 0.
my $out = probe('add-provider', '--target', $addr[0], '--key-cid', $cid_own);
my ($self) = $out =~ /^SELF (\w+)$/m;
like($out, qr/^SENT ADD_PROVIDER provider=\Q$self\E$/m, 'probe announced itself as provider through head 0');
like($out, qr/^RESULT ok=1 fail=0$/m, 'head 0 answered the GET_PROVIDERS that followed on the same connection')
  or diag($out);
ok(wait_provider($cid_own, $self), 'the record is stored: hydra.providers() lists the probe');
$out = probe('get-providers', '--target', $addr[1], '--key-cid', $cid_own);
like($out, qr/^PROVIDER \Q$self\E$/m, 'head 1 serves the provider record written through head 0') or diag($out);

# ADD_PROVIDER naming another peer through head 0, then an honest one for a
# second CID through the same head: once the second is stored, the first
# would have been written with it (same worker, same batch order).
$out = probe('add-provider', '--target', $addr[0], '--key-cid', $cid_forged, '--provider-peer', $other);
like($out, qr/^SENT ADD_PROVIDER provider=\Q$other\E$/m, 'probe sent an ADD_PROVIDER naming another peer');
like($out, qr/^PROVIDERS 0$/m, 'head 0 lists no provider for it right after');
$out = probe('add-provider', '--target', $addr[0], '--key-cid', $cid_barrier);
my ($self2) = $out =~ /^SELF (\w+)$/m;
ok(wait_provider($cid_barrier, $self2), 'a later honest ADD_PROVIDER through head 0 is stored');
is(providers($cid_forged), '', 'the forged ADD_PROVIDER stored nothing (hydra.providers() empty)');
is($node->safe_psql('postgres', "SELECT count(*) FROM hydra.records WHERE provider = '$other'"),
	'0', 'no record of the named peer anywhere');
foreach my $i (0, 1)
{
	$out = probe('get-providers', '--target', $addr[$i], '--key-cid', $cid_forged);
	like($out, qr/^PROVIDERS 0$/m, "get-providers through head $i returns none for the forged CID")
	  or diag($out);
}

# Bad keys: no answer, the stream is reset, the connection keeps serving.
foreach my $case ([ 0, 'get-providers' ], [ 81, 'get-providers' ], [ 200, 'get-value' ],
	[ 0, 'find-node' ], [ 81, 'find-node' ])
{
	my ($len, $type) = @$case;
	foreach my $i (0, 1)
	{
		$out = probe('bad-key', '--target', $addr[$i], '--len', $len, '--type', $type);
		like($out, qr/^NOANSWER reset$/m, "$type with a key of $len bytes through head $i: stream reset")
		  or diag($out);
		like($out, qr/^ALIVE closer=\d+$/m, "head $i answers FIND_NODE on the same connection afterwards");
	}
}
$out = probe('bad-key', '--target', $addr[0], '--len', 80, '--type', 'get-providers');
like($out, qr/^ANSWER GET_PROVIDERS$/m, 'an 80-byte key is still answered (the limit is exact)');

is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $start_time,
	'the postmaster never restarted');
$node->stop;
done_testing();
