# A locked records table (a slow database) never stalls a head: while
# another session holds ACCESS EXCLUSIVE on hydra.provider_records, the head
# keeps answering handshakes, identify, ping and FIND_NODE; provider writes
# and reads fail fast (bounded lock_timeout, then a pause) and are counted;
# no worker dies; after the lock goes, records are stored again.  A
# GET_PROVIDERS that cannot ask the store is answered with closer peers and
# not turned into a prefetch (that would add load); the database never sees
# more than one statement per hydra worker.  Then the configurable limits:
# graceful decline (hydra.store_ops_per_second) answers GET_PROVIDERS
# beyond the budget without the database, full decline
# (hydra.requests_per_second) refuses kad requests beyond the peak while
# identify and ping go on; every declined or refused request is counted.
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

# Sum of a metric's samples whose labels contain $labels (JSON)
sub metric { return HydraCluster::metric($node, @_); }

# Wait (bounded) until metric counters stop moving (published every 250 ms)
sub settle
{
	my @names = @_;
	my $last = '';
	for (1 .. 40)
	{
		usleep(300_000);
		my $now = join(',', map { metric(@$_) } @names);
		return if $now eq $last;
		$last = $now;
	}
}

my $hydra_backends = $node->safe_psql('postgres',
	"SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'hydra%'");

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

# GET_PROVIDERS while the store fails: answered, not asked of the store
# again during the pause, and never queued for prefetch.
my @funnel = ([ 'hydra_kad_get_providers_total', '{"result":"not_asked"}' ],
	[ 'hydra_kad_get_providers_total', '{"result":"miss"}' ],
	[ 'hydra_prefetch_enqueue_total', '{}' ]);
settle(@funnel);
my %f0 = map { $_->[1] . $_->[0] => metric(@$_) } @funnel;
my $answered = 0;
for my $i (1 .. 5)
{
	$answered++ if run_tool($probe, 'get-providers', '--target', $addr, '--key-cid', $cid) =~ /^RESULT ok=1 fail=0$/m;
}
is($answered, 5, 'GET_PROVIDERS answered while the table is locked');
settle(@funnel);
is(metric('hydra_kad_get_providers_total', '{"result":"not_asked"}')
	  + metric('hydra_kad_get_providers_total', '{"result":"miss"}')
	  - $f0{'{"result":"not_asked"}hydra_kad_get_providers_total'} - $f0{'{"result":"miss"}hydra_kad_get_providers_total'},
	5, 'each counted as a miss (store timed out) or not_asked (store paused)');
is(metric('hydra_prefetch_enqueue_total') - $f0{'{}hydra_prefetch_enqueue_total'},
	metric('hydra_kad_get_providers_total', '{"result":"miss"}') - $f0{'{"result":"miss"}hydra_kad_get_providers_total'},
	'only real misses are offered to prefetch');
# Each hydra worker runs one statement at a time on its one connection, so
# the database's concurrency from hydra is the number of workers, fixed.
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'hydra%'"),
	$hydra_backends, "no more hydra backends under a failing store ($hydra_backends)");

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

# Reload a GUC and give the head worker time to apply it
sub set_conf
{
	my ($name, $value) = @_;
	$node->safe_psql('postgres', "ALTER SYSTEM SET $name = '$value'");
	$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
	usleep(1_000_000);
}

# Graceful decline: 2 store operations per second (burst 1); 20
# GET_PROVIDERS back to back are all answered, the store sees at most
# burst + rate x elapsed of them, the rest are declined and counted, and
# declined ones are not misses (no prefetch).
set_conf('hydra.store_ops_per_second', 2);
my @gd = ([ 'hydra_store_lookups_total', '{}' ],
	[ 'hydra_load_shed_total', '{"reason":"store_declined"}' ],
	[ 'hydra_kad_get_providers_total', '{"result":"not_asked"}' ],
	[ 'hydra_kad_get_providers_total', '{"result":"miss"}' ],
	[ 'hydra_prefetch_enqueue_total', '{}' ]);
settle(@gd);
my %g0 = map { $_->[0] . $_->[1] => metric(@$_) } @gd;
my $unknown = 'bafkreie7q3iidccmpvszul7kudcvvuavuo7u6gzlbobczuk5nqk3b4akba';
my $t0 = Time::HiRes::time();
$answered = 0;
for my $i (1 .. 20)
{
	$answered++
	  if run_tool($probe, 'get-providers', '--target', $addr, '--key-cid', $i % 2 ? $cid : $unknown) =~ /^RESULT ok=1 fail=0$/m;
}
my $elapsed = Time::HiRes::time() - $t0;
is($answered, 20, 'graceful decline: every GET_PROVIDERS answered');
settle(@gd);
my %g1 = map { $_->[0] . $_->[1] => metric(@$_) } @gd;
my %gdelta = map { $_ => $g1{$_} - $g0{$_} } keys %g1;
my $bound = 1 + int(2 * $elapsed) + 1;
cmp_ok($gdelta{'hydra_store_lookups_total{}'}, '<=', $bound,
	sprintf('the store saw %d lookups, at most burst + rate x %.1f s = %d', $gdelta{'hydra_store_lookups_total{}'}, $elapsed, $bound));
is($gdelta{'hydra_store_lookups_total{}'} + $gdelta{'hydra_load_shed_total{"reason":"store_declined"}'}, 20,
	'every other one declined and counted (store_declined)');
is($gdelta{'hydra_kad_get_providers_total{"result":"not_asked"}'}, $gdelta{'hydra_load_shed_total{"reason":"store_declined"}'},
	'declined answers counted as not_asked, not as misses');
is($gdelta{'hydra_prefetch_enqueue_total{}'} <= $gdelta{'hydra_kad_get_providers_total{"result":"miss"}'} ? 1 : 0, 1,
	'no prefetch for declined requests');
set_conf('hydra.store_ops_per_second', 0);

# Full decline: 1 kad request per second (burst 1).  Kad requests beyond it
# are refused (stream reset) and counted; connections, identify and ping
# are still served.
set_conf('hydra.requests_per_second', 1);
my @fd = ([ 'hydra_load_shed_total', '{"reason":"kad_requests_refused"}' ]);
settle(@fd);
my $r0 = metric(@{ $fd[0] });
my $refused_seen = 0;
for my $i (1 .. 10)
{
	$refused_seen++
	  unless run_tool($probe, 'get-providers', '--target', $addr, '--key-cid', $cid) =~ /^RESULT ok=1 fail=0$/m;
}
like(run_tool($peer, 'dial', $addr, '--count', '3'), qr/^RESULT ok=3 fail=0$/m,
	'full decline: handshakes, identify and ping still answered');
settle(@fd);
cmp_ok($refused_seen, '>=', 1, "full decline: requests beyond the peak refused ($refused_seen of 10)");
is(metric(@{ $fd[0] }) - $r0, $refused_seen, 'every refusal counted (kad_requests_refused)');
set_conf('hydra.requests_per_second', 0);
like(run_tool($probe, 'get-providers', '--target', $addr, '--key-cid', $cid), qr/^RESULT ok=1 fail=0$/m,
	'limit lifted: GET_PROVIDERS answered again');
is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $start_time,
	'the postmaster never restarted');
$node->stop;
done_testing();
