# hydra refuses to load unless it is in shared_preload_libraries.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('nopreload');
$node->init;
$node->start;

my ($ret, $stdout, $stderr) = $node->psql('postgres', 'CREATE EXTENSION hydra');
isnt($ret, 0, 'CREATE EXTENSION fails without preloading');
like($stderr, qr/hydra must be loaded via shared_preload_libraries/, 'error names the cause');
like($stderr, qr/HINT:.*shared_preload_libraries/, 'hint says how to fix it');

($ret, $stdout, $stderr) = $node->psql('postgres', "LOAD 'hydra'");
isnt($ret, 0, 'LOAD fails without preloading');
like($stderr, qr/shared_preload_libraries/, 'LOAD error names the cause');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_extension WHERE extname = $$hydra$$'),
	'0', 'nothing was created');

$node->stop;
done_testing();
