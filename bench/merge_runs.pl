#!/usr/bin/perl
# merge_runs.pl — folds a second hyperfine run of ember into the first.
#
# Usage: merge_runs.pl TASK.json AGAIN.json
# TASK.json holds one hyperfine invocation of ember and the anchors;
# AGAIN.json a second invocation of ember alone, run right after it. The
# ember result of TASK.json gets the runs of both: its times, exit codes,
# mean, standard deviation, median, min, max, and user and system means
# weighted by runs. TASK.json is rewritten in place (through a temporary
# file); AGAIN.json is left as it is.
use strict;
use warnings;
use JSON::PP;

@ARGV == 2 or die "usage: merge_runs.pl TASK.json AGAIN.json\n";
my ($task_path, $again_path) = @ARGV;

sub load {
    my ($path) = @_;
    open my $fh, '<', $path or die "merge_runs.pl: $path: $!\n";
    local $/;
    my $data = eval { decode_json(<$fh>) };
    die "merge_runs.pl: $path: not hyperfine JSON: $@" unless $data && ref $data->{results} eq 'ARRAY';
    return $data;
}
my $task = load($task_path);
my $again = load($again_path);
my $second = $again->{results}[0] or die "merge_runs.pl: $again_path: no result\n";
my ($first) = grep { $_->{command} eq $second->{command} } @{ $task->{results} };
die "merge_runs.pl: $task_path: no result named '$second->{command}'\n" unless $first;

my @times = (@{ $first->{times} }, @{ $second->{times} });
my $n1 = @{ $first->{times} };
my $n2 = @{ $second->{times} };
my $n = @times;
my $mean = 0;
$mean += $_ / $n for @times;
my $variance = 0;
$variance += ($_ - $mean)**2 / ($n > 1 ? $n - 1 : 1) for @times;
my @sorted = sort { $a <=> $b } @times;
my $median = $n % 2 ? $sorted[ $n / 2 ] : ($sorted[ $n / 2 - 1 ] + $sorted[ $n / 2 ]) / 2;

$first->{user} = ($first->{user} * $n1 + $second->{user} * $n2) / $n;
$first->{system} = ($first->{system} * $n1 + $second->{system} * $n2) / $n;
$first->{times} = \@times;
$first->{exit_codes} = [ @{ $first->{exit_codes} // [] }, @{ $second->{exit_codes} // [] } ];
$first->{mean} = $mean;
$first->{stddev} = sqrt($variance);
$first->{median} = $median;
$first->{min} = $sorted[0];
$first->{max} = $sorted[-1];

my $temporary = "$task_path.tmp";
open my $out, '>', $temporary or die "merge_runs.pl: $temporary: $!\n";
print $out JSON::PP->new->canonical->encode($task) or die "merge_runs.pl: $temporary: $!\n";
close $out or die "merge_runs.pl: $temporary: $!\n";
rename $temporary, $task_path or die "merge_runs.pl: $task_path: $!\n";
