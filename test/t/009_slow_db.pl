# A locked records table (a slow database) never stalls a head: while
# another session holds ACCESS EXCLUSIVE on hydra.provider_records, the head
# keeps answering handshakes, identify, ping and FIND_NODE; provider writes
# and reads fail fast (bounded lock_timeout, then a pause) and are counted;
# no worker dies; after the lock goes, records are stored again.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use HydraCluster;
use Time::HiRes qw(usleep);

my $peer = $ENV{HYDRA_PEER} // "$ENV{TESTDIR}/build/tools/hydra_peer";
my $probe = $ENV{KAD_PROBE} // "$ENV{TESTDIR}/build/tools/kad_probe";
plan skip_all => 'hydra_peer or kad_probe not built' unless -x $peer && -x $probe;

my %c = HydraCluster::start('slowdb');
my ($node, $start_time) = ($c{node}, $c{start_time});
my $addr = $c{heads}[0][1] // '';
like($addr, qr{/p2p/}, 'head 0 running');
my $worker = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE backend_type = 'hydra head worker 0'");

# Run a command with a bound; returns its stdout
sub run_tool
{
	my ($out, $err) = ('', '');
	eval { IPC::Run::run([@_], '<', \undef, '>', \$out, '2>', \$err, IPC::Run::timeout(60)); };
	return $out;
}

# Hold the lock for the whole middle part of the test.
my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN');
$locker->query_safe('LOCK TABLE hydra.provider_records IN ACCESS EXCLUSIVE MODE');

my $cid = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
# A provider record now: its batch cannot be written while the lock is held.
run_tool($probe, 'add-provider', '--target', $addr, '--key-cid', $cid);
like(run_tool($peer, 'dial', $addr, '--count', '3'), qr/^RESULT ok=3 fail=0$/m,
	'handshakes, identify and ping answered while the table is locked');
like(run_tool($probe, 'bad-key', '--target', $addr, '--len', '81', '--type', 'find-node'),
	qr/^ALIVE /m, 'FIND_NODE answered while the table is locked');
like(run_tool($peer, 'dial', $addr, '--count', '3'), qr/^RESULT ok=3 fail=0$/m,
	'still answering after failed store calls');
is($node->safe_psql('postgres',
		"SELECT wait_event IS DISTINCT FROM 'relation' FROM pg_stat_activity WHERE pid = $worker"),
	't', 'the head worker is not waiting on the lock');

$locker->query_safe('COMMIT');
$locker->quit;

# The store works again after the pause.
my $stored = 0;
for (1 .. 100)
{
	run_tool($probe, 'add-provider', '--target', $addr, '--key-cid', $cid);
	last if ($stored = $node->safe_psql('postgres', "SELECT count(*) FROM hydra.providers('$cid')")) > 0;
	usleep(200_000);
}
ok($stored > 0, 'records are stored again once the lock is gone');
is($node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'hydra head worker 0'"),
	$worker, 'the head worker never restarted');
is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $start_time,
	'the postmaster never restarted');
ok($node->log_contains('canceling statement due to lock timeout'),
	'the blocked write gave up at its lock timeout (logged)');
$node->stop;
done_testing();
