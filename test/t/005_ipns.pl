# IPNS records through the heads: a record put through one head by one
# implementation (go or js) is read and validated through another head by
# the other, and is in hydra.dht_values under '/ipns/' || peer id bytes; a
# record with a broken signature is rejected and not stored; an older
# sequence does not replace a newer one.  The postmaster never restarts.
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

# A small DHT: one go and one js server.
my $go1 = InteropPeers::start('go', 'listen', '--dht');
my $js1 = InteropPeers::start('js', 'listen', '--dht', '--bootstrap', $go1->{addr});

my %c = HydraCluster::start('ipns', nheads => 3, workers => 2,
	bootstrap => "$go1->{addr},$js1->{addr}");
my ($node, $start_time) = ($c{node}, $c{start_time});
is($c{up}, 3, 'three heads running');
my @heads = @{ $c{heads} };

# The stored row of an IPNS name: "seq value-text", or '' when none.
sub stored
{
	my ($name) = @_;
	return $node->safe_psql('postgres', qq{
		SELECT seq FROM hydra.dht_values
		WHERE key = convert_to('/ipns/', 'UTF8') || hydra.peer_id_bytes('$name')});
}

# like() that shows the peer's whole output when it fails
sub like_out
{
	my ($out, $re, $name) = @_;
	like($out, $re, $name) or diag($out);
}

my $val_a = '/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
my $val_b = '/ipfs/bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7y';

# go puts through head 0; js reads through head 1.
my $put = InteropPeers::run('go', 60, 'putipns', '--bootstrap', $heads[0][1], '--value', $val_a);
like_out($put, qr/^RESULT ok=1 fail=0$/m, 'go put a valid IPNS record through head 0 (echoed)');
my ($name_go) = $put =~ /^NAME (\w+)$/m;
is(stored($name_go), '1', 'the go record is in hydra.dht_values under /ipns/<peer id bytes>');
my $get = InteropPeers::run('js', 60, 'getvalue', '--bootstrap', $heads[1][1], '--name', $name_go,
	'--expect', $val_a);
like_out($get, qr/^VALUE \Q$val_a\E$/m, 'js read the value through head 1');
like_out($get, qr/^RESULT ok=1 fail=0$/m, 'js validated the record it got from head 1');

# js puts through head 1; go reads through head 2.
$put = InteropPeers::run('js', 60, 'putipns', '--bootstrap', $heads[1][1], '--value', $val_b);
like_out($put, qr/^RESULT ok=1 fail=0$/m, 'js put a valid IPNS record through head 1 (echoed)');
my ($name_js) = $put =~ /^NAME (\w+)$/m;
is(stored($name_js), '1', 'the js record is in hydra.dht_values');
$get = InteropPeers::run('go', 60, 'getvalue', '--bootstrap', $heads[2][1], '--name', $name_js,
	'--expect', $val_b);
like_out($get, qr/^VALUE \Q$val_b\E$/m, 'go read the value through head 2');
like_out($get, qr/^RESULT ok=1 fail=0$/m, 'go validated the record it got from head 2');

# A corrupted signatureV2 is rejected by every head and stored nowhere.
foreach my $case ([ 'go', 0 ], [ 'js', 2 ])
{
	my ($impl, $h) = @$case;
	$put = InteropPeers::run($impl, 60, 'putipns', '--bootstrap', $heads[$h][1], '--value', $val_a,
		'--invalid');
	my ($name) = $put =~ /^NAME (\w+)$/m;
	like_out($put, qr/^RESULT ok=0 fail=1$/m, "$impl put of a badly signed record through head $h fails");
	is(stored($name // 'none'), '', "the badly signed $impl record is not stored");
	$get = InteropPeers::run($impl eq 'go' ? 'js' : 'go', 60, 'getvalue', '--bootstrap', $heads[1][1],
		'--name', $name // 'none');
	like_out($get, qr/^FAIL .*no record/m, "no record for the badly signed $impl name through head 1");
}

# Sequence ordering under one name (the key file is shared by go and js).
my $keyfile = PostgreSQL::Test::Utils::tempdir() . '/ipns.key';
$put = InteropPeers::run('js', 60, 'putipns', '--bootstrap', $heads[0][1], '--value', $val_a,
	'--seq', '5', '--keyfile', $keyfile);
like_out($put, qr/^RESULT ok=1 fail=0$/m, 'js put sequence 5 through head 0');
my ($name_seq) = $put =~ /^NAME (\w+)$/m;
$put = InteropPeers::run('go', 60, 'putipns', '--bootstrap', $heads[1][1], '--value', $val_b,
	'--seq', '3', '--keyfile', $keyfile);
like_out($put, qr/^NAME \Q$name_seq\E$/m, 'go signs under the same name');
like_out($put, qr/^RESULT ok=0 fail=1$/m, 'sequence 3 through head 1 is refused');
is(stored($name_seq), '5', 'the table still holds sequence 5');
$get = InteropPeers::run('go', 60, 'getvalue', '--bootstrap', $heads[2][1], '--name', $name_seq,
	'--expect', $val_a);
like_out($get, qr/^SEQ 5$/m, 'head 2 serves sequence 5 with its value');
$put = InteropPeers::run('go', 60, 'putipns', '--bootstrap', $heads[2][1], '--value', $val_b,
	'--seq', '6', '--keyfile', $keyfile);
like_out($put, qr/^RESULT ok=1 fail=0$/m, 'sequence 6 through head 2 is accepted');
$get = InteropPeers::run('js', 60, 'getvalue', '--bootstrap', $heads[0][1], '--name', $name_seq,
	'--expect', $val_b);
like_out($get, qr/^RESULT ok=1 fail=0$/m, 'head 0 now serves sequence 6 with the new value');
is(stored($name_seq), '6', 'the table holds sequence 6');

is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $start_time,
	'the postmaster never restarted');
$node->stop;
InteropPeers::stop($_) for ($go1, $js1);
done_testing();
