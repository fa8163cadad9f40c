# Prefetch queue: a GET_PROVIDERS miss at a head is answered at once and
# queued; a repeated miss is counted as already pending; misses beyond
# hydra.prefetch_queue_size are counted as queue_full (lookups paused with
# hydra.prefetch_concurrency = 0 so keys stay queued).  Without any peer to
# ask, a lookup ends as an error and its key goes to the negative cache.
# With hydra.prefetch = off nothing is queued.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $probe = $ENV{KAD_PROBE} // "$ENV{TESTDIR}/build/tools/kad_probe";
plan skip_all => "kad_probe not built ($probe)" unless -x $probe;

# A cluster with one head; extra settings appended
sub start_node
{
	my ($name, $extra) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'hydra'
hydra.bootstrap_peers = ''
hydra.nheads = 1
hydra.head_workers = 1
hydra.listen_address = '127.0.0.1'
hydra.port_begin = 0
hydra.allow_private_addresses = on
hydra.metrics_address = ''
$extra
});
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION hydra');
	for (1 .. 300)
	{
		last if $node->safe_psql('postgres', 'SELECT count(*) FROM hydra.heads() WHERE started_at IS NOT NULL') == 1;
		usleep(100_000);
	}
	return $node;
}

# A CID of its own for a name
sub cid
{
	my ($node, $name) = @_;
	return $node->safe_psql('postgres',
		"SELECT hydra.key_to_cid('\\x1220'::bytea || sha256('$name'::bytea))");
}

# One GET_PROVIDERS through the head; true when it was answered
sub get_providers
{
	my ($node, $cid) = @_;
	my $addr = $node->safe_psql('postgres', 'SELECT addrs[1] FROM hydra.heads() WHERE head = 0');
	my ($out, $err) = ('', '');
	IPC::Run::run([ $probe, 'get-providers', '--target', $addr, '--key-cid', $cid ],
		'>', \$out, '2>', \$err, IPC::Run::timeout(60));
	return $out =~ /^RESULT ok=1 fail=0$/m;
}

# One counter of hydra.prefetch_stats()
sub pf_stat
{
	my ($node, $name) = @_;
	return $node->safe_psql('postgres', "SELECT value FROM hydra.prefetch_stats() WHERE name = '$name'");
}

# Wait (bounded) until a counter reaches a value; its last value
sub wait_stat
{
	my ($node, $name, $want) = @_;
	my $v;
	for (1 .. 100)
	{
		$v = pf_stat($node, $name);
		last if $v >= $want;
		usleep(100_000);
	}
	return $v;
}

my $node = start_node('prefetch', "hydra.prefetch_queue_size = 2\nhydra.prefetch_concurrency = 0\n");
my @cids = map { cid($node, "prefetch-$_") } 1 .. 4;

ok(get_providers($node, $cids[0]), 'miss answered at once');
is(wait_stat($node, 'enqueued', 1), 1, 'miss enqueued');
ok(get_providers($node, $cids[0]), 'repeated miss answered');
is(wait_stat($node, 'already_pending', 1), 1, 'repeated miss counted as already pending');
ok(get_providers($node, $cids[1]), 'second key answered');
is(wait_stat($node, 'enqueued', 2), 2, 'second key enqueued');
ok(get_providers($node, $cids[2]), 'third key answered');
ok(get_providers($node, $cids[3]), 'fourth key answered');
is(wait_stat($node, 'queue_full', 2), 2, 'misses beyond the queue size counted as queue_full');
is(pf_stat($node, 'pending') + pf_stat($node, 'running'), 2, 'the queue holds two keys');
$node->stop;

# No peers at all: the lookup fails at once, the key is negatively cached.
my $neg = start_node('prefetch_neg', '');
my $cid_n = cid($neg, 'negative');
ok(get_providers($neg, $cid_n), 'miss answered (no peers)');
is(wait_stat($neg, 'error', 1), 1, 'the lookup without peers ended as an error');
is(pf_stat($neg, 'negative_cached'), 1, 'the key is in the negative cache');
ok(get_providers($neg, $cid_n), 'repeated miss answered');
is(wait_stat($neg, 'failed_recently_5min', 1), 1, 'repeated miss counted as failed_recently_5min');
is(pf_stat($neg, 'enqueued'), 1, 'the repeated miss was not queued again');
$neg->stop;

# Churn through a tiny queue (2 entries, 8 negative-cache slots): 30 keys
# each enqueued, looked up (no peers: error) and negatively cached reuse
# the same two entries; the negative cache keeps the 8 newest failures, so
# the first key may be queued again and the last is still refused.
my $churn = start_node('prefetch_churn', "hydra.prefetch_queue_size = 2\n");
my $key_sql = "hydra.key_to_cid('\\x1220'::bytea || sha256(('churn' || g)::bytea))";
is($churn->safe_psql('postgres',
		"SELECT count(*) FROM generate_series(1, 30) g, LATERAL hydra.fetch($key_sql, 1, '5 seconds')"),
	0, '30 fetches of unknown keys, one after the other, find nothing');
is(pf_stat($churn, 'enqueued'), 30, 'each of the 30 keys went through the 2-entry queue');
is(wait_stat($churn, 'error', 30), 30, 'and each lookup ended (no peers: error)');
is(pf_stat($churn, 'negative_cached'), 8, 'the negative cache holds its 8 newest failures');
is(pf_stat($churn, 'pending') + pf_stat($churn, 'running'), 0, 'the queue is empty again');
$churn->safe_psql('postgres', "SELECT * FROM generate_series(1, 1) g, LATERAL hydra.fetch($key_sql, 1, '5 seconds')");
is(pf_stat($churn, 'enqueued'), 31, 'the oldest failure was evicted: its key is queued again');
$churn->safe_psql('postgres', "SELECT * FROM generate_series(30, 30) g, LATERAL hydra.fetch($key_sql, 1, '5 seconds')");
is(pf_stat($churn, 'failed_recently_5min'), 1, 'the newest failure is still refused');
$churn->stop;

my $off = start_node('prefetch_off', "hydra.prefetch = off\n");
ok(get_providers($off, cid($off, 'off')), 'miss answered with prefetch off');
usleep(500_000);
is($off->safe_psql('postgres', 'SELECT sum(value) FROM hydra.prefetch_stats()'), 0,
	'nothing queued or counted with prefetch off');
$off->stop;

done_testing();
