# Hostile peers against running heads (test/tools/hostile): thousands of
# connections sending garbage, truncated multistream headers, random Noise
# handshake messages, oversized length prefixes, idle (slowloris)
# connections, and upgraded connections that flood yamux streams, send an
# oversized yamux frame or undecryptable Noise frames.  Afterwards the
# postmaster has not restarted, the head workers are the same processes,
# nothing died by a signal, and every head still serves a real dialer.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use HydraCluster;
use Time::HiRes qw(usleep);

my $hostile = $ENV{HOSTILE} // "$ENV{TESTDIR}/build/tools/hostile";
my $peer = $ENV{HYDRA_PEER} // "$ENV{TESTDIR}/build/tools/hydra_peer";
plan skip_all => "hostile or hydra_peer not built ($hostile, $peer; make tools)"
  unless -x $hostile && -x $peer;

my %c = HydraCluster::start('hostile', nheads => 3, workers => 2);
my ($node, $start_time) = ($c{node}, $c{start_time});
is($c{up}, 3, 'three heads running');
my @addr = map { $_->[1] } @{ $c{heads} };
my $pids_sql = "SELECT string_agg(backend_type || '=' || pid, ',' ORDER BY backend_type) "
  . "FROM pg_stat_activity WHERE backend_type LIKE 'hydra head worker%'";
my $pids = $node->safe_psql('postgres', $pids_sql);
like($pids, qr/^hydra head worker 0=\d+,hydra head worker 1=\d+$/, 'two head workers');

# The attack: 2,000 raw connections, 30 idle ones, 4 upgraded connections
# of each abusive kind per head.  The tool bounds every step and exits.
my ($out, $err) = ('', '');
eval {
	IPC::Run::run([ $hostile, '--target', join(',', @addr), '--conns', '2000', '--idle', '30',
			'--full', '4' ], '<', \undef, '>', \$out, '2>', \$err, IPC::Run::timeout(180));
};
note($out);
like($out, qr/^DONE /m, 'the hostile tool ran to its end') or diag("$@ $err");
my $raw = 0;
$raw += $1 while $out =~ /^RAW \S+ sent=(\d+)/mg;
is($raw, 2000, '2000 hostile raw connections were attempted');
like($out, qr/^FULL flood conns=12 /m, 'twelve upgraded connections flooded yamux streams');
like($out, qr/^FULL bigframe conns=12 /m, 'twelve upgraded connections sent an oversized yamux frame');
like($out, qr/^FULL sealjunk conns=12 /m, 'twelve upgraded connections sent undecryptable Noise frames');
my ($flooded) = $out =~ /^FULL flood conns=\d+ streams_opened=(\d+)/m;
ok(defined $flooded && $flooded <= 12 * 256, "no head accepted more than 256 streams on a connection ($flooded)");

is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $start_time,
	'the postmaster never restarted');
is($node->safe_psql('postgres', $pids_sql), $pids, 'the head workers are the same processes');
is($node->safe_psql('postgres', 'SELECT count(*) FROM hydra.heads()'), '3', 'all heads still listed');
foreach my $i (0 .. 2)
{
	my ($dout, $derr) = ('', '');
	IPC::Run::run([ $peer, 'dial', $addr[$i], '--count', '3' ], '<', \undef, '>', \$dout, '2>', \$derr,
		IPC::Run::timeout(60));
	like($dout, qr/^RESULT ok=3 fail=0$/m, "head $i still serves: 3 dials with identify and ping")
	  or diag($dout . $derr);
}
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|was terminated by|PANIC|server process .* exited/,
	'no process died by a signal');

$node->stop;
done_testing();
