# Start and stop the go-libp2p / js-libp2p test peers of test/interop from
# TAP tests.  Every wait is bounded; every process is killed at the end.
package InteropPeers;

use strict;
use warnings;
use IPC::Run;
use Time::HiRes qw(usleep);

# Paths of the two peer programs (set by scripts/test.sh, or from the tree)
sub go_peer { return $ENV{GO_PEER} // "$ENV{TESTDIR}/build/interop/go-peer"; }
sub js_peer { return $ENV{JS_PEER} // "$ENV{TESTDIR}/test/interop/js/peer.mjs"; }

sub available
{
	return -x go_peer() && -f js_peer() && -d "$ENV{TESTDIR}/test/interop/js/node_modules";
}

# The delegated routing test server (test/interop/js/delegated-server.mjs)
sub delegated_server { return "$ENV{TESTDIR}/test/interop/js/delegated-server.mjs"; }

# Whether the delegated routing server and its npm package are there
sub delegated_available
{
	return -f delegated_server()
	  && -d "$ENV{TESTDIR}/test/interop/js/node_modules/\@helia/delegated-routing-v1-http-api-server";
}

# Command line of a peer implementation ('go', 'js' or 'delegated')
sub command
{
	my ($impl, @args) = @_;
	return [ go_peer(), @args ] if $impl eq 'go';
	return [ 'node', delegated_server(), @args ] if $impl eq 'delegated';
	return [ 'node', js_peer(), @args ];
}

# Start a long-running peer; returns a handle with its LISTEN address
sub start
{
	my ($impl, @args) = @_;
	my $p = { impl => $impl, out => '', err => '', in => '' };
	$p->{h} = IPC::Run::start(command($impl, @args), \$p->{in}, \$p->{out}, \$p->{err},
		IPC::Run::timeout(600));
	for (1 .. 600)
	{
		$p->{h}->pump_nb;
		if ($p->{out} =~ m{^LISTEN (\S+)$}m)
		{
			$p->{addr} = $1;
			($p->{id}) = $p->{addr} =~ m{/p2p/(\w+)$};
			return $p;
		}
		usleep(50_000);
	}
	die "$impl peer did not start: $p->{err}";
}

# Wait until a peer printed a line matching re; true if it did in time
sub wait_line
{
	my ($p, $re, $seconds) = @_;
	for (1 .. $seconds * 10)
	{
		$p->{h}->pump_nb;
		return 1 if $p->{out} =~ $re;
		usleep(100_000);
	}
	return 0;
}

# Run a one-shot peer command to completion; returns its stdout
sub run
{
	my ($impl, $seconds, @args) = @_;
	my ($out, $err) = ('', '');
	eval {
		IPC::Run::run(command($impl, @args), '<', \undef, '>', \$out, '2>', \$err,
			IPC::Run::timeout($seconds));
	};
	return $out . ($@ ? "TIMEOUT\n" : '');
}

# Stop a long-running peer
sub stop
{
	my ($p) = @_;
	eval { $p->{h}->kill_kill(grace => 2); };
}

1;
