# Metrics: known traffic through a head moves the counters by exactly the
# right amounts; GET /metrics serves the same text as hydra.metrics_text(),
# passes promtool, answers 404/405 elsewhere, and listens on loopback only
# by default.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use FindBin;
use lib $FindBin::RealBin;
use HydraCluster;

my $peer = $ENV{HYDRA_PEER} // "$ENV{TESTDIR}/build/tools/hydra_peer";
my $probe = $ENV{KAD_PROBE} // "$ENV{TESTDIR}/build/tools/kad_probe";
plan skip_all => "hydra_peer not built ($peer)" unless -x $peer;
plan skip_all => 'curl not installed' unless system('curl --version >/dev/null 2>&1') == 0;

# Listening TCP sockets from /proc/net/tcp{,6}: list of [local hex addr, port]
sub listeners
{
	my @l;
	for my $f ('/proc/net/tcp', '/proc/net/tcp6')
	{
		open(my $fh, '<', $f) or next;
		while (<$fh>)
		{
			my @c = split ' ';
			next unless defined $c[3] && $c[3] eq '0A';
			my ($addr, $port) = split /:/, $c[1];
			push @l, [ $addr, hex($port) ];
		}
		close $fh;
	}
	return @l;
}

# The default endpoint (127.0.0.1:9758) unless that port is taken on this
# machine (another cluster); then an explicit loopback port.
my $default_free = !grep { $_->[1] == 9758 } listeners();
my $port = $default_free ? 9758 : PostgreSQL::Test::Cluster::get_free_port();

my $node = PostgreSQL::Test::Cluster->new('metrics');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'hydra'
hydra.bootstrap_peers = ''
hydra.nheads = 2
hydra.head_workers = 1
hydra.listen_address = '127.0.0.1'
hydra.port_begin = 0
hydra.allow_private_addresses = on
hydra.status_interval = 1
});
$node->append_conf('postgresql.conf', "hydra.metrics_address = '127.0.0.1:$port'\n")
  unless $default_free;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION hydra');

for (1 .. 300)
{
	last if $node->safe_psql('postgres', 'SELECT count(*) FROM hydra.heads()') == 2;
	usleep(100_000);
}
my ($addr0, $addr1) = split /\n/, $node->safe_psql('postgres',
	'SELECT string_agg(addrs[1], E\'\n\' ORDER BY head) FROM hydra.heads()');
ok($addr0 && $addr1, 'two heads running');

# Sum of a metric's samples whose labels contain $labels (JSON)
sub metric { return HydraCluster::metric($node, @_); }

# Wait (bounded) until a metric reaches a value; its last value
sub wait_metric
{
	my ($name, $labels, $want) = @_;
	my $v;
	for (1 .. 200)
	{
		$v = metric($name, $labels);
		return $v if $v == $want;
		usleep(50_000);
	}
	return $v;
}

# --- identify + ping: hydra_peer dial --count 5 makes 5 connections ---
my %before = map { $_->[0] . $_->[1] => metric(@$_) } (
	[ 'hydra_connections_accepted_total', '{"head":"0"}' ],
	[ 'hydra_connections_accepted_total', '{"head":"1"}' ],
	[ 'hydra_handshakes_ok_total', '{"head":"0"}' ],
	[ 'hydra_identify_total', '{"result":"ok"}' ],
	[ 'hydra_pings_served_total', '{"head":"0"}' ],
	[ 'hydra_pings_served_total', '{"head":"1"}' ],
	[ 'hydra_handshakes_failed_total', '{}' ]);
my ($out, $err);
IPC::Run::run([ $peer, 'dial', $addr0, '--count', '5' ], '>', \$out, '2>', \$err, IPC::Run::timeout(60));
like($out, qr/^RESULT ok=5 fail=0$/m, 'hydra_peer: 5 connections with identify and ping');

is(wait_metric('hydra_connections_accepted_total', '{"head":"0"}', $before{'hydra_connections_accepted_total{"head":"0"}'} + 5),
	$before{'hydra_connections_accepted_total{"head":"0"}'} + 5, 'accepted{head=0} +5');
is(wait_metric('hydra_handshakes_ok_total', '{"head":"0"}', $before{'hydra_handshakes_ok_total{"head":"0"}'} + 5),
	$before{'hydra_handshakes_ok_total{"head":"0"}'} + 5, 'handshakes_ok{head=0} +5');
is(wait_metric('hydra_pings_served_total', '{"head":"0"}', $before{'hydra_pings_served_total{"head":"0"}'} + 5),
	$before{'hydra_pings_served_total{"head":"0"}'} + 5, 'pings_served{head=0} +5');
is(wait_metric('hydra_identify_total', '{"result":"ok"}', $before{'hydra_identify_total{"result":"ok"}'} + 5),
	$before{'hydra_identify_total{"result":"ok"}'} + 5, 'identify ok +5');
is(metric('hydra_connections_accepted_total', '{"head":"1"}'),
	$before{'hydra_connections_accepted_total{"head":"1"}'}, 'accepted{head=1} unchanged');
is(metric('hydra_pings_served_total', '{"head":"1"}'),
	$before{'hydra_pings_served_total{"head":"1"}'}, 'pings_served{head=1} unchanged');
is(metric('hydra_handshakes_failed_total'), $before{'hydra_handshakes_failed_total{}'}, 'no failed handshakes');
is(wait_metric('hydra_connections', '{}', 0), 0, 'connections gauge back to 0 after the dialer left');
cmp_ok(metric('hydra_received_bytes_total', '{"head":"0"}'), '>', 0, 'bytes received counted');

# --- kad: one GET_PROVIDERS for an unknown key through head 1 ---
SKIP:
{
	skip "kad_probe not built ($probe)", 12 unless -x $probe;
	my %k = map { $_->[0] . $_->[1] => metric(@$_) } (
		[ 'hydra_kad_requests_total', '{"type":"GET_PROVIDERS"}' ],
		[ 'hydra_kad_answered_total', '{"type":"GET_PROVIDERS"}' ],
		[ 'hydra_kad_get_providers_total', '{"head":"1","result":"miss"}' ],
		[ 'hydra_kad_get_providers_total', '{"head":"0"}' ],
		[ 'hydra_store_duration_seconds_count', '{"op":"get_providers"}' ],
		[ 'hydra_kad_request_duration_seconds_count', '{"type":"GET_PROVIDERS"}' ],
		[ 'hydra_kad_request_duration_seconds_count', '{"type":"ADD_PROVIDER"}' ],
		[ 'hydra_prefetch_enqueue_total', '{"result":"enqueued"}' ],
		[ 'hydra_prefetch_lookups_total', '{}' ],
		[ 'hydra_prefetch_lookup_duration_seconds_count', '{}' ]);
	IPC::Run::run([ $probe, 'get-providers', '--target', $addr1, '--key-cid',
			'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' ],
		'>', \$out, '2>', \$err, IPC::Run::timeout(60));
	like($out, qr/^RESULT ok=1 fail=0$/m, 'kad_probe GET_PROVIDERS answered');
	for my $m (
		[ 'hydra_kad_requests_total', '{"type":"GET_PROVIDERS"}' ],
		[ 'hydra_kad_answered_total', '{"type":"GET_PROVIDERS"}' ],
		[ 'hydra_kad_get_providers_total', '{"head":"1","result":"miss"}' ],
		[ 'hydra_store_duration_seconds_count', '{"op":"get_providers"}' ],
		[ 'hydra_kad_request_duration_seconds_count', '{"type":"GET_PROVIDERS"}' ])
	{
		my $want = $k{ $m->[0] . $m->[1] } + 1;
		is(wait_metric(@$m, $want), $want, "$m->[0]$m->[1] +1");
	}
	is(metric('hydra_kad_get_providers_total', '{"head":"0"}'),
		$k{'hydra_kad_get_providers_total{"head":"0"}'}, 'head 0 saw no GET_PROVIDERS');

	# the miss went through the prefetch funnel: enqueued, looked up
	# (no peers but the heads here: nothing found), timed
	for my $m (
		[ 'hydra_prefetch_enqueue_total', '{"result":"enqueued"}' ],
		[ 'hydra_prefetch_lookups_total', '{}' ],
		[ 'hydra_prefetch_lookup_duration_seconds_count', '{}' ])
	{
		my $want = $k{ $m->[0] . $m->[1] } + 1;
		is(wait_metric(@$m, $want), $want, "$m->[0]$m->[1] +1");
	}
	is(metric('hydra_prefetch_lookups_total', '{}'),
		$node->safe_psql('postgres',
			"SELECT sum(value) FROM hydra.prefetch_stats() WHERE name IN ('found', 'empty', 'error', 'timeout')"),
		'the funnel agrees with hydra.prefetch_stats()');

	# ADD_PROVIDER is timed too (handled = queued for the store)
	IPC::Run::run([ $probe, 'add-provider', '--target', $addr1, '--key-cid',
			'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' ],
		'>', \$out, '2>', \$err, IPC::Run::timeout(60));
	my $want = $k{'hydra_kad_request_duration_seconds_count{"type":"ADD_PROVIDER"}'} + 1;
	is(wait_metric('hydra_kad_request_duration_seconds_count', '{"type":"ADD_PROVIDER"}', $want), $want,
		'hydra_kad_request_duration_seconds_count{type=ADD_PROVIDER} +1');
}

# --- GET /metrics ---
my $text = $node->safe_psql('postgres', 'SELECT hydra.metrics_text()');
like($text, qr/^# TYPE hydra_connections_accepted_total counter$/m, 'metrics_text has TYPE lines');
my ($body, $code);
for (1 .. 100)
{
	$body = `curl -s --max-time 5 http://127.0.0.1:$port/metrics`;
	last if $? == 0 && $body =~ /hydra_heads 2/;
	usleep(100_000);
}
like($body, qr/^hydra_heads 2$/m, 'GET /metrics serves the metrics');
my $accepted = metric('hydra_connections_accepted_total', '{"head":"0"}');
like($body, qr/^hydra_connections_accepted_total\{head="0"\} $accepted$/m, 'scrape agrees with hydra.metrics()');
is(scalar(() = $body =~ /^# TYPE /mg), scalar(() = $text =~ /^# TYPE /mg), 'same families as metrics_text()');
is(`curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/nope`, '404', 'other paths: 404');
is(`curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:$port/metrics`, '405', 'POST: 405');
is(`curl -s -o /dev/null -w '%{http_code}' -I http://127.0.0.1:$port/metrics`, '200', 'HEAD: 200');

SKIP:
{
	skip 'promtool not installed (Debian package prometheus): exposition not validated', 1
	  unless system('promtool --version >/dev/null 2>&1') == 0;
	my ($pout, $perr) = ('', '');
	my $ok = IPC::Run::run([ 'promtool', 'check', 'metrics' ], '<', \$body, '>', \$pout, '2>', \$perr);
	ok($ok && $pout eq '' && $perr eq '', 'promtool check metrics: no problems')
	  or diag("promtool: $pout $perr");
}

# --- loopback only ---
my @l = grep { $_->[1] == $port } listeners();
is(scalar(@l), 1, 'one listening socket on the metrics port');
is($l[0][0], '0100007F', 'bound to 127.0.0.1, not to every interface');
diag('port 9758 was taken on this machine: checked an explicit loopback address instead of the default')
  unless $default_free;
is($node->safe_psql('postgres', 'SHOW hydra.metrics_address'), $default_free ? '127.0.0.1:9758' : "127.0.0.1:$port",
	$default_free ? 'default address is 127.0.0.1:9758' : 'configured loopback address');

# --- status line and hydra.status() ---
ok($node->wait_for_log(qr/hydra status: heads=2\/2 connections=\d+ unique_peers=\d+ records=\d+ routing_table=\d+ prefetch_queue=0 uptime=\d+s memory=\d+MB/),
	'status line logged every hydra.status_interval');
is($node->safe_psql('postgres', 'SELECT heads, prefetch_queue_depth, memory > 0 FROM hydra.status()'),
	'2|0|t', 'hydra.status()');

# --- hydra.metrics = off stops collection ---
$node->append_conf('postgresql.conf', "hydra.metrics = off\n");
$node->reload;
usleep(500_000);
my $acc = metric('hydra_connections_accepted_total', '{"head":"0"}');
IPC::Run::run([ $peer, 'dial', $addr0, '--count', '1' ], '>', \$out, '2>', \$err, IPC::Run::timeout(60));
usleep(600_000);
is(metric('hydra_connections_accepted_total', '{"head":"0"}'), $acc, 'hydra.metrics = off: counters stay');
$node->append_conf('postgresql.conf', "hydra.metrics = on\n");
$node->reload;
IPC::Run::run([ $peer, 'dial', $addr0, '--count', '1' ], '>', \$out, '2>', \$err, IPC::Run::timeout(60));
is(wait_metric('hydra_connections_accepted_total', '{"head":"0"}', $acc + 2), $acc + 2,
	'back on: the layers counted all along, nothing lost');

$node->stop;
done_testing();
