# A PostgreSQL::Test::Cluster with hydra preloaded and its heads running on
# loopback, for the TAP tests.  Every wait is bounded.
package HydraCluster;

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use Time::HiRes qw(usleep);

# Start a cluster with nheads heads on `workers` head workers and wait
# (bounded) for them.  Options: nheads (1), workers (1), bootstrap (''),
# conf (extra postgresql.conf lines).  Returns a hash: node, start_time
# (pg_postmaster_start_time), up (heads running), heads (array of
# [peer_id, first address ending in /p2p/<id>], in head order).
sub start
{
	my ($name, %o) = @_;
	my $nheads = $o{nheads} // 1;
	my $node = PostgreSQL::Test::Cluster->new($name);

	$node->init;
	$node->append_conf('postgresql.conf', join("\n",
		"shared_preload_libraries = 'hydra'",
		"hydra.nheads = $nheads",
		'hydra.head_workers = ' . ($o{workers} // 1),
		"hydra.listen_address = '127.0.0.1'",
		'hydra.port_begin = 0',
		'hydra.allow_private_addresses = on',
		"hydra.bootstrap_peers = '" . ($o{bootstrap} // '') . "'",
		$o{conf} // '', ''));
	$node->start;
	my %c = (node => $node);
	$c{start_time} = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');
	$node->safe_psql('postgres', 'CREATE EXTENSION hydra');
	$c{up} = wait_heads($node, $nheads);
	$c{heads} = [ map { [ split / / ] } split /\n/, $node->safe_psql('postgres',
		"SELECT peer_id || ' ' || addrs[1] FROM hydra.heads() ORDER BY head") ];
	return %c;
}

# Wait until n heads run (30 s at most); the number running
sub wait_heads
{
	my ($node, $n) = @_;
	my $up = 0;

	for (1 .. 300)
	{
		last if ($up = $node->safe_psql('postgres', 'SELECT count(*) FROM hydra.heads()')) == $n;
		usleep(100_000);
	}
	return $up;
}

# Run a command to completion (bounded); its stdout, plus TIMEOUT if it hung
sub run_tool
{
	my ($seconds, @cmd) = @_;
	my ($out, $err) = ('', '');

	eval { IPC::Run::run([@cmd], '<', \undef, '>', \$out, '2>', \$err, IPC::Run::timeout($seconds)); };
	return $out . ($@ ? "TIMEOUT\n" : '');
}

# Sum of a metric's samples on $node whose labels contain $labels (JSON)
sub metric
{
	my ($node, $name, $labels) = @_;
	$labels //= '{}';
	return $node->safe_psql('postgres',
		"SELECT coalesce(sum(value), 0)::bigint FROM hydra.metrics() WHERE name = '$name' AND labels @> '$labels'");
}

1;
