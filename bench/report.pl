#!/usr/bin/env perl
# bench/report.pl — turns what bench/run measured into bench/RESULTS.md.
#
# Usage: perl bench/report.pl WORKDIR REPO EMBER > RESULTS.md
#
# WORKDIR holds tasks.tsv (id, title, input bytes, hyperfine JSON path),
# rss.tsv (id, command name, peak RSS in KiB from /usr/bin/time -f %M) and
# notes.tsv (free-form keyed lines). Only core perl modules are used.
use strict;
use warnings;
use JSON::PP;
use POSIX qw(strftime);

my ($work, $repo, $ember) = @ARGV;
die "usage: report.pl WORKDIR REPO EMBER\n" unless defined $ember;

# Anchor figures from ../shared/corpus/README.md (medians of paired runs on
# the same kind of machine). Used only where an anchor could not run here,
# and always labelled as such.
my %quoted = (
    'collapse-small'   => { perl => 1.73, inferno => 0.137, inferno_rss_mib => 19 },
    'collapse-large'   => { perl => 17.9, inferno => 1.48,  inferno_rss_mib => 91 },
    'flamegraph-small' => { perl => 0.480, inferno => 0.037 },
    'flamegraph-large' => { perl => 2.58,  inferno => 0.163, perl_rss_mib => 139, inferno_rss_mib => 55 },
    'flamegraph-diff'  => { perl => 3.69,  inferno => 0.378 },
);
my %anchor_names = (
    collapse   => { perl => 'stackcollapse-perf.pl', inferno => 'inferno-collapse-perf' },
    flamegraph => { perl => 'flamegraph.pl',         inferno => 'inferno-flamegraph' },
);
my %targets = (
    collapse   => { inferno => 2, perl => 25 },
    flamegraph => { inferno => 3, perl => 45 },
);
# "3x inferno" is "45x flamegraph.pl" on large-A (inferno draws it 16x
# faster than flamegraph.pl); on the A/B differential input inferno is
# about 10x flamegraph.pl, and issue #4 states that graph's target as
# ">= 3x inferno (>= 30x flamegraph.pl)".
my %task_targets = (
    'flamegraph-diff' => { perl => 30 },
);

sub slurp_lines {
    my ($path) = @_;
    open my $fh, '<', $path or return ();
    chomp(my @lines = <$fh>);
    return @lines;
}
sub command_output {
    my ($command) = @_;
    my $out = `$command 2>/dev/null`;
    $out = '' unless defined $out;
    chomp $out;
    return $out;
}

my @tasks;
for my $line (slurp_lines("$work/tasks.tsv")) {
    my ($id, $title, $bytes, $json) = split /\t/, $line;
    open my $fh, '<', $json or die "report.pl: $json: $!\n";
    local $/;
    my $data = decode_json(<$fh>);
    push @tasks, { id => $id, title => $title, bytes => $bytes, results => $data->{results} };
}
my %rss;
for my $line (slurp_lines("$work/rss.tsv")) {
    my ($id, $name, $kib) = split /\t/, $line;
    $rss{$id}{$name} = $kib;
}
my (%notes, @folded_compare, %folded_stats, %input_bytes);
for my $line (slurp_lines("$work/notes.tsv")) {
    my @f = split /\t/, $line;
    if ($f[0] eq 'folded-compare') { push @folded_compare, [@f[1 .. 3]]; }
    elsif ($f[0] eq 'folded-stats') { $folded_stats{$f[1]} = [$f[2], $f[3]]; }
    elsif ($f[0] eq 'input-bytes') { $input_bytes{$f[1]} = $f[2]; }
    else { $notes{$f[0]} = [@f[1 .. $#f]]; }
}

sub seconds {
    my ($s) = @_;
    return sprintf('%.1f µs', $s * 1e6) if $s < 0.001;
    return sprintf('%.1f ms', $s * 1000) if $s < 1;
    return sprintf('%.3f s', $s) if $s < 10;
    return sprintf('%.2f s', $s);
}
sub mib { my ($kib) = @_; return defined $kib ? sprintf('%.1f MiB', $kib / 1024) : 'n/a'; }
sub ratio { my ($r) = @_; return $r >= 10 ? sprintf('%.1f×', $r) : sprintf('%.2f×', $r); }
sub kind_of { my ($id) = @_; return $id =~ /^collapse/ ? 'collapse' : 'flamegraph'; }
sub tool_of {
    my ($name) = @_;
    return 'ember' if $name =~ /^ember/;
    return 'inferno' if $name =~ /^inferno/;
    return 'perl';
}

# ---- header -----------------------------------------------------------------
my $date = strftime('%Y-%m-%d %H:%M %Z', localtime);
my $nproc = command_output('nproc');
my ($cpu) = grep { /^model name/ } slurp_lines('/proc/cpuinfo');
$cpu = defined $cpu ? ($cpu =~ s/^model name\s*:\s*//r) : 'unknown';
my $kernel = command_output('uname -r');
my ($memory) = grep { /^MemTotal/ } slurp_lines('/proc/meminfo');
$memory = defined $memory && $memory =~ /(\d+)/ ? sprintf('%.1f GiB', $1 / 1048576) : 'unknown';
my $os = command_output('. /etc/os-release && echo "$PRETTY_NAME"') || 'unknown';
my $commit;
if ($ENV{BENCH_EMBER_COMMIT}) { # ember built elsewhere, e.g. from `git archive` of a commit
    $commit = $ENV{BENCH_EMBER_COMMIT};
} else {
    $commit = command_output("git -C '$repo' rev-parse --short HEAD") || 'unknown';
    my $dirty = command_output("git -C '$repo' status --porcelain -- src Makefile");
    $commit .= ' (with uncommitted changes in src/)' if $dirty ne '';
}
my $hyperfine = command_output('hyperfine --version');
my $perl_version = sprintf('%vd', $^V);
my $flamegraph = $notes{'flamegraph-dir'};
my $inferno = $notes{'inferno-bin'};

print <<"EOF";
# ember benchmarks

<!-- Written by bench/run (`make bench`); edit bench/report.pl, not this file. -->

Measured by bench/run (`make bench`) on $date.

| | |
|---|---|
| machine | $nproc CPUs, $cpu, $memory RAM |
| system | $os, kernel $kernel |
| ember | commit $commit, `make all` (gcc -O2) |
| tools | $hyperfine, perl $perl_version, /usr/bin/time for peak RSS |
EOF
my $perf_skipped = $notes{'perf-skipped'} ? $notes{'perf-skipped'}[0] : undef;
if ($perf_skipped) {
    print "| FlameGraph, inferno | not measured: the collapse/flamegraph part did not run ($perf_skipped) |\n";
} else {
    print '| FlameGraph | ', ($flamegraph ? "measured in the same runs: $flamegraph->[0] at commit $flamegraph->[1]" :
        'not measured (FLAMEGRAPH_DIR not set)'), " |\n";
    print '| inferno | ', ($inferno ? "measured in the same runs: $inferno->[0] ($inferno->[1])" :
        'not measured in this run (INFERNO_BIN not set; see below)'), " |\n";
}
printf "| parts | %s (BENCH_PARTS) |\n", $notes{parts} ? $notes{parts}[0] : 'perf';
printf "| duration | %s s for the whole `make bench` |\n", $notes{elapsed}[0] // '?';
printf "| load average | %s at the start, %s at the end (1, 5, 15 min; other work on the machine shows here) |\n",
    $notes{'load-start'}[0] // '?', $notes{'load-end'}[0] // '?';

# ---- part perf: collapse and flamegraph (issue #2) -------------------------------
sub perf_sections {
print <<'EOF';

Method: the corpus (../shared/corpus, see its README.md) is decompressed to a
temporary directory. Each task is one hyperfine invocation (`-w 1`, 5 to 30
runs: more for the short tasks; each run starts without the previous run's
output file, whose freeing would be the same fixed cost for every tool)
holding ember and every available anchor, so
ratios compare runs on the same machine at the same time; ember then runs as
many times again, right after the anchors, and its figures are taken over
both sets (bench/merge_runs.pl): its own runs take a second or two where the
anchors' take minutes, and this machine's speed drifts over minutes (the
same binary on the same file has measured 75 ms and 110 ms a minute apart),
so ember's runs span the anchors' time. Wall is
hyperfine's mean ± standard deviation and its median; CPU is mean user +
system time; peak RSS is `/usr/bin/time -f %M` in a separate single run.
MB/s is input bytes (10^6) per second of median wall time. "Speed-up" is the
anchor's median wall time divided by ember's — medians, like the corpus
README's anchor figures, so that a run disturbed by other work on the
machine does not decide the ratio (the means are in the tables) — and the
same for mean user+sys CPU time; the targets are judged on the wall-time
ratio. Each tool
draws the folded file its own collapse produced (see "Folded outputs").
EOF

unless ($inferno) {
    print <<'EOF';

inferno could not be run here. It is not packaged in Debian, crates.io cannot
be reached from this machine, and no inferno release builds from Debian 12's
`librust-*-dev` packages: 0.12.8 needs ahash 0.8, dashmap 6, env_logger 0.11,
indexmap 2 and quick-xml 0.41 (Debian 12: ahash 0.7.6, dashmap 5.4,
env_logger 0.9.3, indexmap 1.9.2, quick-xml 0.26); older releases want
quick-xml 0.22/0.23 or ahash 0.8; and every release depends on `str_stack`,
which Debian does not package. Patching inferno's manifest or vendoring crates
would no longer measure inferno as released, so it was not attempted. Where
inferno figures appear below they are **from corpus/README.md, not measured
in this run**.
EOF
}

# ---- per-task tables ------------------------------------------------------------
my (%mean, @target_rows);
for my $task (@tasks) {
    my $id = $task->{id};
    my $kind = kind_of($id);
    my ($ember_result) = grep { tool_of($_->{command}) eq 'ember' } @{ $task->{results} };
    my $ember_mean = $ember_result ? $ember_result->{median} : undef; # medians: see Method
    my $ember_cpu = $ember_result ? ($ember_result->{user} + $ember_result->{system}) || 1e-9 : undef;
    printf "\n## %s\n\nInput: %.1f MB", $task->{title}, $task->{bytes} / 1e6;
    if ($id eq 'flamegraph-diff' && $notes{'diff-sorted'}) {
        print $notes{'diff-sorted'}[0] eq 'yes' ? ', sorted' :
            ', not sorted (difffolded.pl prints stacks in perl hash order), unlike the other folded inputs';
    }
    print ".\n\n";
    print "| command | wall (mean ± σ) | median | user+sys CPU | peak RSS | MB/s | ember speed-up vs it (wall / CPU) |\n";
    print "|---|---|---|---|---|---|---|\n";
    for my $result (@{ $task->{results} }) {
        my $tool = tool_of($result->{command});
        $mean{$id}{$tool} = $result->{median};
        my $speedup = ($tool ne 'ember' && $ember_mean) ? ratio($result->{median} / $ember_mean) . ' / '
            . ratio(($result->{user} + $result->{system}) / $ember_cpu) : '—';
        printf "| %s | %s ± %s | %s | %s | %s | %.0f | %s |\n", $result->{command}, seconds($result->{mean}),
            seconds($result->{stddev} // 0), seconds($result->{median}), seconds($result->{user} + $result->{system}),
            mib($rss{$id}{ $result->{command} }), $task->{bytes} / 1e6 / $result->{median}, $speedup;
    }
    my $q = $quoted{$id};
    for my $anchor (qw(perl inferno)) {
        next if exists $mean{$id}{$anchor};
        next unless $q && $ember_mean;
        my $name = $anchor_names{$kind}{$anchor};
        my $rss_key = "${anchor}_rss_mib";
        printf "| %s *(from corpus/README.md, not measured in this run)* | | %s | | %s | %.0f | %s *(vs quoted figure)* |\n",
            $name, seconds($q->{$anchor}), defined $q->{$rss_key} ? "$q->{$rss_key} MiB" : '',
            $task->{bytes} / 1e6 / $q->{$anchor}, ratio($q->{$anchor} / $ember_mean);
    }

    # Targets for this task.
    next unless $ember_mean;
    for my $anchor (qw(inferno perl)) {
        my $need = $task_targets{$id}{$anchor} // $targets{$kind}{$anchor};
        my $name = $anchor_names{$kind}{$anchor};
        my ($anchor_mean, $source);
        if (exists $mean{$id}{$anchor}) {
            ($anchor_mean, $source) = ($mean{$id}{$anchor}, 'same run');
        } elsif ($q && $q->{$anchor}) {
            ($anchor_mean, $source) = ($q->{$anchor}, 'vs corpus/README.md figure, not measured in this run');
        } else {
            next;
        }
        my $got = $anchor_mean / $ember_mean;
        my $cpu_note = '';
        if ($source eq 'same run') {
            my ($anchor_result) = grep { tool_of($_->{command}) eq $anchor } @{ $task->{results} };
            $cpu_note = sprintf(', CPU time %.2f×', ($anchor_result->{user} + $anchor_result->{system}) / $ember_cpu);
        }
        push @target_rows, [ $task->{title}, "≥ ${need}× $name", sprintf('wall %.2f×', $got) . "$cpu_note ($source)",
            $got >= $need ? 'met' : 'not met' ];
    }
    if ($kind eq 'collapse') {
        my $ember_rss = $rss{$id}{ $ember_result->{command} };
        my @others;
        for my $anchor (qw(perl inferno)) {
            my $name = $anchor_names{$kind}{$anchor};
            if (defined $rss{$id}{$name}) {
                push @others, [ $name, $rss{$id}{$name}, 'same machine' ];
            } elsif ($q && $q->{"${anchor}_rss_mib"}) {
                push @others, [ $name, $q->{"${anchor}_rss_mib"} * 1024, 'corpus/README.md figure' ];
            }
        }
        if (defined $ember_rss && @others) {
            my $lower = !grep { $ember_rss >= $_->[1] } @others;
            push @target_rows, [ $task->{title}, 'peak RSS lower than the anchors',
                mib($ember_rss) . ' vs ' . join(', ', map { "$_->[0] " . mib($_->[1]) . " ($_->[2])" } @others),
                $lower ? 'met' : 'not met' ];
        }
    }
}
if (my $note = $notes{'flamegraph-diff'}) {
    print "\n## flamegraph large A/B differential folded\n\n$note->[0].\n";
}

# ---- streaming ------------------------------------------------------------------
my $x8_bytes = $notes{'stream-x8-bytes'} ? $notes{'stream-x8-bytes'}[0] : undef;
my $x4_bytes = $notes{'stream-x4-bytes'} ? $notes{'stream-x4-bytes'}[0] : undef;
# The streaming check's own small-A figure (median of three, like ×8's) when
# there is one; else the collapse task's single run.
my $small_rss = $rss{'stream-x1'}{'ember collapse'} // $rss{'collapse-small'}{'ember collapse'};
my $x4_rss = $rss{'stream-x4'}{'ember collapse'};
my $x8_rss = $rss{'stream-x8'}{'ember collapse'};
my $large_rss = $rss{'collapse-large'}{'ember collapse'};
print "\n## Memory against input size\n\n";
print "small-A×4 and small-A×8 are small-A's perf script repeated 4 and 8 times: the same unique stacks, 4\n";
print "and 8 times the bytes. `ember collapse` reads a big file on two threads, each building the call tree of\n";
print "the stacks it meets (merged at the end): on small-A each thread meets part of the unique stacks, from\n";
print "×4 on each meets all of them, so the peak grows from ×1 to ×4 by at most one more copy of the unique\n";
print "stacks' tree, and must not grow from ×4 to ×8 (twice the input) beyond the noise of a peak (the\n";
print "window of mapped input pages; measured by hand: ×16 peaks where ×4 does). From small-A to large-A it\n";
print "grows with the unique stacks (7,446 → 61,430 with stackcollapse-perf.pl's defaults).\n\n";
print "| run | input | peak RSS |\n|---|---|---|\n";
printf "| ember collapse small-A | %.1f MB | %s |\n", ($input_bytes{'small-A'} // 0) / 1e6, mib($small_rss);
printf "| ember collapse small-A×4 | %.1f MB | %s |\n", ($x4_bytes // 0) / 1e6, mib($x4_rss)
    if defined $x4_rss;
printf "| ember collapse small-A×8 | %.1f MB | %s |\n", ($x8_bytes // 0) / 1e6, mib($x8_rss);
printf "| ember collapse large-A | %.1f MB | %s |\n", ($input_bytes{'large-A'} // 0) / 1e6, mib($large_rss);
my $fg_small_rss = $rss{'flamegraph-small'}{'ember flamegraph'};
my $fg_x8_rss = $rss{'stream-fg-x8'}{'ember flamegraph'};
if (defined $fg_x8_rss) {
    printf "| ember flamegraph small-A.folded | %.1f MB | %s |\n",
        ($folded_stats{'small-A'} ? $folded_stats{'small-A'}[0] : 0) / 1e6, mib($fg_small_rss);
    printf "| ember flamegraph small-A.folded×8 | %.1f MB | %s |\n",
        ($notes{'stream-fg-x8-bytes'}[0] // 0) / 1e6, mib($fg_x8_rss);
}
if (defined $small_rss && defined $x8_rss && defined $x4_rss) {
    # Twice the input, no growth beyond the noise of a peak (the mapped
    # window of input pages moves with the kernel's page-cache folio sizes:
    # 25% + 2 MiB); and ×4 within one more tree of small-A's unique stacks
    # of ×1.
    my $flat = $x8_rss <= $x4_rss * 1.25 + 2048 && $x4_rss <= $small_rss * 2 + 4096;
    my $fg_flat = !defined $fg_x8_rss || !defined $fg_small_rss || $fg_x8_rss <= $fg_small_rss * 1.25 + 4096;
    push @target_rows, [ 'collapse / flamegraph', 'memory grows with unique stacks, not input size',
        sprintf('collapse small-A×8 %s vs ×4 %s vs ×1 %s%s', mib($x8_rss), mib($x4_rss), mib($small_rss),
            defined $fg_x8_rss ? sprintf('; flamegraph ×8 %s vs ×1 %s', mib($fg_x8_rss), mib($fg_small_rss)) : ''),
        ($flat && $fg_flat) ? 'met' : 'not met' ];
}

# ---- targets --------------------------------------------------------------------
print "\n## Targets (issue 2, \"Speed\")\n\n";
print "Collapse: ≥ 2× inferno-collapse-perf's throughput (its default threads), i.e. ≥ 25× stackcollapse-perf.pl\n";
print "in the same run, with lower peak memory than either. Flamegraph: ≥ 3× inferno-flamegraph, i.e. ≥ 45×\n";
print "flamegraph.pl in the same run (the large A/B differential graph: ≥ 30× flamegraph.pl, issue #4's figure for\n";
print "that input, where inferno is about 10× flamegraph.pl). Memory grows with the number of unique stacks, not with\n";
print "input size.\n\n";
print_targets(\@target_rows, "Nothing measured in this run.");

# ---- folded outputs -------------------------------------------------------------
if (@folded_compare || %folded_stats) {
    print "\n## Folded outputs\n\n";
    print "| input | ember's folded output | compared with |\n|---|---|---|\n";
    for my $file (sort keys %folded_stats) {
        my @against = map { ($_->[1] eq 'perl' ? 'stackcollapse-perf.pl' : "inferno-collapse-perf") . ": $_->[2]" } grep { $_->[0] eq $file } @folded_compare;
        printf "| %s | %.2f MB, %d stacks | %s |\n", $file, $folded_stats{$file}[0] / 1e6,
            $folded_stats{$file}[1], @against ? join('; ', @against) : 'no anchor';
    }
}

# ---- quoted anchors ---------------------------------------------------------------
print <<'EOF';

## Anchor figures quoted from corpus/README.md

Not measured in this run; the corpus README's medians of paired runs on the
same kind of machine, for reference.

| task | FlameGraph perl | inferno 0.12.8 (2 threads) |
|---|---|---|
| collapse small-A (55.5 MB) | 1.73 s (32 MB/s) | 0.137 s (405 MB/s), 19 MiB peak |
| collapse large-A (491 MB) | 17.9 s (27 MB/s) | 1.48 s (333 MB/s), 91 MiB peak |
| flamegraph small-A.folded | 0.480 s | 0.037 s |
| flamegraph large-A.folded | 2.58 s, 139 MiB | 0.163 s, 55 MiB |
| flamegraph large A/B differential folded (80.8 MB) | 3.69 s | 0.378 s |
| difffolded large (82 MB in) | 0.607 s | 0.218 s |
EOF
} # perf_sections

if ($perf_skipped) {
    print "\n## collapse and flamegraph (issue #2)\n\nNot measured in this run: $perf_skipped.\n";
} else {
    perf_sections();
}

# ---- parts pprof, pstats, json, austin (issue #3) -------------------------------
my (%script, @decode, @pprof_svg, $pstats, $flameprof_failed, @json, %json_timer, @austin);
for my $line (slurp_lines("$work/formats/formats.tsv")) {
    my @f = split /\t/, $line;
    if ($f[0] eq 'script') { $script{$f[1]} = { status => $f[2], seconds => $f[3], message => ($f[4] // '') =~ s/\.+$//r }; }
    elsif ($f[0] eq 'pprof-decode') { push @decode, { input => $f[1], bytes => $f[2], runs => $f[3], path => $f[4] }; }
    elsif ($f[0] eq 'pprof-svg') { push @pprof_svg, { input => $f[1], bytes => $f[2], go => $f[3], path => $f[4] }; }
    elsif ($f[0] eq 'pstats') {
        $pstats = { profile => $f[1], bytes => $f[2], functions => $f[3], python => $f[4], path => $f[5] };
    }
    elsif ($f[0] eq 'pstats-flameprof-failed') { $flameprof_failed = $f[1]; }
    elsif ($f[0] eq 'json') { push @json, { name => $f[1], bytes => $f[2], path => $f[3] }; }
    elsif ($f[0] eq 'json-timer') {
        $json_timer{$f[1]} = { bytes => $f[2], skip => $f[3], read => $f[4], format => $f[5] };
    }
    elsif ($f[0] eq 'austin') { push @austin, { name => $f[1], bytes => $f[2], path => $f[3] }; }
}
sub hyperfine_results {
    my ($path) = @_;
    open my $fh, '<', $path or return ();
    local $/;
    my $data = decode_json(<$fh>);
    return @{ $data->{results} };
}
sub cpu_of { my ($r) = @_; return ($r->{user} + $r->{system}) || 1e-9; }
sub median_of {
    my ($r) = @_;
    return $r->{median} if defined $r->{median};
    my @t = sort { $a <=> $b } @{ $r->{times} };
    return $t[ int(@t / 2) ];
}
sub size_text { my ($bytes) = @_; return $bytes >= 1e6 ? sprintf('%.2f MB', $bytes / 1e6) : sprintf('%.1f KB', $bytes / 1e3); }
sub mbps { my ($bytes, $s) = @_; return $s > 0 ? sprintf('%.0f', $bytes / 1e6 / $s) : 'n/a'; }
# What a script said when it measured nothing (its skip message, or failure).
# print_targets(ROWS, NOTHING): an issue's targets as a table of
# [task, target, measured, status] rows, or the line NOTHING when none.
sub print_targets {
    my ($rows, $nothing) = @_;
    if (!@$rows) {
        print "$nothing\n";
        return;
    }
    print "| task | target | measured | status |\n|---|---|---|---|\n";
    print "| $_->[0] | $_->[1] | $_->[2] | $_->[3] |\n" for @$rows;
}
sub script_note {
    my ($name) = @_;
    my $run = $script{$name};
    return 'not run' unless $run;
    return "not run: $run->{message}" if $run->{status} eq 'not-run';
    return "bench/$name.sh failed (exit $run->{status}): $run->{message}; see its log" if $run->{status} ne '0';
    return $run->{message} ne '' ? "skipped: $run->{message}" : 'nothing measured';
}
sub script_time {
    my ($name) = @_;
    return $script{$name} && $script{$name}{status} eq '0' ? "; bench/$name.sh, $script{$name}{seconds} s" : '';
}
my @targets3;

print "\n## pprof (issue #3", script_time('pprof'), ")\n";
if (@decode) {
    print <<'EOF';

### Decode throughput

ember's pprof reader timed in-process on the file in memory (a small C
program linked with libember.a, in bench/pprof.sh), in CPU time of the
process, so other load on the machine disturbs it little: the wire decoding
alone (every field of every message visited), the whole reader (strings,
locations, functions resolved and every sample added to the call tree), and
protobuf-c's generated unpack of the same bytes when protoc-c is installed
(the measurement behind src/formats/pprof.c's choice of a hand-written
decoder). large-A.pb is the corpus's large-A collapsed with `--tid`
(288,829 distinct stacks) and written by ember as uncompressed protobuf;
go-cpu.pb is the real Go CPU profile of tests/fixtures/pprof. MB/s are 10^6
bytes of uncompressed protobuf per second.

| file | size | stage | best | MB/s | median | MB/s |
|---|---|---|---|---|---|---|
EOF
    my %stage;
    for my $d (@decode) {
        for my $line (slurp_lines($d->{path})) {
            next unless $line =~ /^\s+(.+?)\s+best\s+([\d.]+) ms\s+\d+ MB\/s\s+median\s+([\d.]+) ms/;
            my ($what, $best, $median) = ($1, $2 / 1000, $3 / 1000);
            $stage{ $d->{input} }{$what} = [$best, $median];
            printf "| %s | %s | %s | %s | %s | %s | %s |\n", $d->{input}, size_text($d->{bytes}),
                $what, seconds($best), mbps($d->{bytes}, $best), seconds($median), mbps($d->{bytes}, $median);
        }
    }
    my ($large) = grep { $_->{input} eq 'large-A.pb' } @decode;
    if ($large && (my $whole = $stage{'large-A.pb'}{'ember pprof reader (whole)'})) {
        my $rate = $large->{bytes} / 1e6 / $whole->[0];
        push @targets3, [ 'pprof decode, large-A.pb (8 MB)', '≥ 200 MB/s of uncompressed protobuf',
            sprintf('%.0f MB/s whole reader, best of %d in CPU time (median %.0f MB/s); wire decoding alone %.0f MB/s',
                $rate, $large->{runs}, $large->{bytes} / 1e6 / $whole->[1],
                $stage{'large-A.pb'}{'wire decoding (protobuf.c)'}
                    ? $large->{bytes} / 1e6 / $stage{'large-A.pb'}{'wire decoding (protobuf.c)'}[0] : 0),
            $rate >= 200 ? 'met' : 'not met' ];
        if (my $pbc = $stage{'large-A.pb'}{'protobuf-c unpack + free'}) {
            push @targets3, [ 'pprof decode, large-A.pb', 'design claim (pprof.c): faster than protobuf-c',
                sprintf('whole reader %.2f× protobuf-c unpack + free (best CPU times)', $pbc->[0] / $whole->[0]),
                $whole->[0] < $pbc->[0] ? 'met' : 'not met' ];
        }
    }
} else {
    print "\nDecode throughput not measured: ", script_note('pprof'), ".\n";
}
if (@pprof_svg) {
    print <<'EOF';

### pprof → SVG against `go tool pprof -raw`

`ember convert FILE -o out.svg` (read, build the tree, draw the SVG) against
`go tool pprof -raw FILE` (read and print the raw samples, the least pprof
does with a file), hyperfine without a shell (`-N`, 1 warm-up). Wall is the
mean ± σ; CPU is mean user + system.

| file | size | command | wall | CPU | ember faster (wall / CPU) |
|---|---|---|---|---|---|
EOF
    for my $p (@pprof_svg) {
        my @r = hyperfine_results($p->{path});
        next unless @r == 2;
        my ($e, $g) = @r;
        for my $r ($e, $g) {
            printf "| %s | %s gzipped | %s | %s ± %s | %s | %s |\n", $p->{input}, size_text($p->{bytes}),
                $r == $g ? "$r->{command} ($p->{go})" : $r->{command}, seconds($r->{mean}), seconds($r->{stddev} // 0),
                seconds(cpu_of($r)), $r == $g ? ratio($g->{mean} / $e->{mean}) . ' / ' . ratio(cpu_of($g) / cpu_of($e)) : '—';
        }
        my $got = $g->{mean} / $e->{mean};
        push @targets3, [ "pprof → SVG, $p->{input}", '≥ 5× `go tool pprof -raw`',
            sprintf('wall %.1f×, CPU %.1f× (%d runs)', $got, cpu_of($g) / cpu_of($e), scalar @{ $e->{times} }),
            $got >= 5 ? 'met' : 'not met' ];
    }
} else {
    print "\npprof → SVG against `go tool pprof -raw` not measured: ",
        (@decode ? 'go (golang-go) is not installed' : script_note('pprof')), ".\n";
}

print "\n## cProfile / pstats (issue #3", script_time('pstats'), ")\n\n";
if ($pstats) {
    my @r = hyperfine_results($pstats->{path});
    my %by = map { $_->{command} => $_ } @r;
    my ($functions, $edges) = split / /, $pstats->{functions};
    printf "The dump: %s, %.1f MB, %s functions, %s caller edges: part of the standard\n",
        $pstats->{profile}, $pstats->{bytes} / 1e6, $functions // '?', $edges // '?';
    print "library's test suite run under cProfile by a pyenv CPython (see bench/pstats.sh).\n";
    print "hyperfine with 2 warm-ups; ratios use the median wall time (the script's choice) and the\n";
    print "mean user + system CPU time. flameprof and pstats run under $pstats->{python}.\n\n";
    print "| command | wall median | wall mean ± σ | CPU |\n|---|---|---|---|\n";
    printf "| %s | %s | %s ± %s | %s |\n", $_->{command}, seconds(median_of($_)), seconds($_->{mean}),
        seconds($_->{stddev} // 0), seconds(cpu_of($_)) for @r;
    my $ember = $by{'ember convert .prof -> svg'};
    my $flameprof = $by{'flameprof .prof -> svg'};
    my $load = $by{'python pstats.Stats(file) (load only)'};
    print "\n";
    if ($ember && $flameprof) {
        my $got = median_of($flameprof) / median_of($ember);
        push @targets3, [ 'pstats → SVG', '≥ 10× flameprof',
            sprintf('wall %.1f×, CPU %.1f× (flameprof measured in the same run)', $got, cpu_of($flameprof) / cpu_of($ember)),
            $got >= 10 ? 'met' : 'not met' ];
    } elsif ($ember && $load) {
        my $why = $flameprof_failed ? "flameprof fails on this dump: $flameprof_failed"
            : 'flameprof not measured (set FLAMEPROF to flameprof.py)';
        print "$why; as issue #3 allows, ember is compared with Python's own pstats loading the dump.\n";
        my $got = median_of($load) / median_of($ember);
        push @targets3, [ 'pstats → SVG', '≥ 10× flameprof; without it, compared with pstats\' load time',
            sprintf('wall %.1f×, CPU %.1f× Python\'s pstats.Stats(file) alone (%s)', $got,
                cpu_of($load) / cpu_of($ember), $why), $got >= 10 ? 'met' : 'not met' ];
    }
    if ($ember && $load && $flameprof) {
        printf "Against Python only loading the dump (`pstats.Stats(file)`), ember's whole conversion is %s faster in wall time.\n",
            ratio(median_of($load) / median_of($ember));
    }
    my ($top, $print) = ($by{'ember top'}, $by{'python pstats print_stats (cumulative)'});
    if ($top && $print) {
        printf "`ember top` prints the same table as `pstats.Stats(f).sort_stats(\"cumulative\").print_stats()` %s faster (wall).\n",
            ratio(median_of($print) / median_of($top));
    }
} else {
    print "Not measured: ", script_note('pstats'), ".\n";
}

print "\n## JSON readers: speedscope and .cpuprofile (issue #3", script_time('json'), ")\n\n";
if (@json || %json_timer) {
    print <<'EOF';
speedscope JSON written by ember from the corpus collapsed with `--tid`, and
V8 .cpuprofile files made from the same stacks (bench/json.sh). `ember
convert FILE -o out.folded` in hyperfine (1 warm-up), and in-process (best
CPU time over the runs): the tokenizer alone and the reader building the
Profile. libjansson's `json_loadb` (only parsing into its tree) is shown when
libjansson-dev is installed: it is the measurement behind src/util/json.c's
hand-written parser. MB/s are 10^6 bytes of JSON per second.

| file | size | ember convert → folded (wall) | MB/s | tokenizer only | MB/s | reader → Profile | MB/s | jansson json_loadb (wall) | MB/s |
|---|---|---|---|---|---|---|---|---|---|
EOF
    my $jansson_slower = 0;
    my $jansson_compared = 0;
    for my $j (@json) {
        my @r = hyperfine_results($j->{path});
        my ($e, $jn) = @r;
        my $t = $json_timer{ $j->{name} };
        printf "| %s | %.1f MB | %s ± %s | %s | %s | %s | %s | %s | %s | %s |\n", $j->{name}, $j->{bytes} / 1e6,
            seconds($e->{mean}), seconds($e->{stddev} // 0), mbps($j->{bytes}, $e->{mean}),
            $t ? (seconds($t->{skip}), mbps($j->{bytes}, $t->{skip}), seconds($t->{read}), mbps($j->{bytes}, $t->{read}))
               : ('n/a') x 4,
            $jn ? (seconds($jn->{mean}), mbps($j->{bytes}, $jn->{mean})) : ('not measured', '');
        if ($jn && $j->{name} =~ /^large-/) {
            $jansson_compared++;
            $jansson_slower++ if $jn->{mean} > $e->{mean};
        }
    }
    print "\nIssue #3 sets no speed target for these readers; the figures are recorded for comparison.\n";
    push @targets3, [ 'speedscope / .cpuprofile readers', 'none in issue #3 (MB/s recorded above)', '—', '—' ];
    if ($jansson_compared) {
        push @targets3, [ 'JSON readers, large-A files', 'design claim (json.c): the whole conversion beats jansson only parsing',
            "faster on $jansson_slower of $jansson_compared files (wall means)", $jansson_slower == $jansson_compared ? 'met' : 'not met' ];
    }
} else {
    print "Not measured: ", script_note('json'), ".\n";
}

print "\n## austin (issue #3", script_time('austin'), ")\n\n";
if (@austin) {
    print <<'EOF';
The corpus's largest austin file (python/austin-full-threads.austin, full
mode: 4 sample types) and the same samples repeated 100 times, so process
start-up does not dominate; `ember convert FILE -o out.folded` in hyperfine
(1 warm-up), with austin-python's austin2speedscope beside it when it is on
the PATH. MB/s are 10^6 bytes of austin text per wall-clock second (median).

| file | size | command | wall median | CPU | MB/s |
|---|---|---|---|---|---|
EOF
    for my $a (@austin) {
        for my $r (hyperfine_results($a->{path})) {
            my $tool = (split ' ', $r->{command})[0] =~ s{.*/}{}r;
            printf "| %s | %.2f MB | %s | %s | %s | %s |\n", $a->{name}, $a->{bytes} / 1e6,
                $tool eq 'ember' ? 'ember convert → folded' : $tool, seconds(median_of($r)), seconds(cpu_of($r)),
                mbps($a->{bytes}, median_of($r));
        }
    }
    print "\nIssue #3 sets no speed target for the austin reader; the figures are recorded for comparison.\n";
    push @targets3, [ 'austin reader', 'none in issue #3 (MB/s recorded above)', '—', '—' ];
} else {
    print "Not measured: ", script_note('austin'), ".\n";
}

print "\n## Targets (issue 3, \"Speed\")\n\n";
print "pprof → SVG at least 5× faster than `go tool pprof -raw` on the same file, pprof decode throughput\n";
print "≥ 200 MB/s of uncompressed protobuf; pstats → SVG at least 10× faster than flameprof where it can be\n";
print "run, else compared with Python's own pstats load time.\n\n";
print_targets(\@targets3, "Nothing measured in this run.");

# ---- parts diff, text_views, filters, viewer (issue #4) ---------------------------
my (@diff_tasks, $diff_input, $text_views, $filters, $viewer);
for my $line (slurp_lines("$work/formats/formats.tsv")) {
    my @f = split /\t/, $line;
    if ($f[0] eq 'diff') { push @diff_tasks, { name => $f[1], bytes => $f[2], path => $f[3] }; }
    elsif ($f[0] eq 'diff-input') {
        $diff_input = { a_bytes => $f[1], a_lines => $f[2], b_bytes => $f[3], b_lines => $f[4],
            out_bytes => $f[5], out_lines => $f[6] };
    }
    elsif ($f[0] eq 'text_views') {
        $text_views = { perf_bytes => $f[1], stacks => $f[2], pprof_bytes => $f[3], go => $f[4], path => $f[5] };
    }
    elsif ($f[0] eq 'filters') { $filters = { bytes => $f[1], stacks => $f[2], path => $f[3] }; }
    elsif ($f[0] eq 'viewer') {
        $viewer = { nodes => $f[1], lines => $f[2], bytes => $f[3], view_s => $f[4], svg_s => $f[5],
            svg_all_s => $f[6], path => $f[7] };
    }
}
# A command as the report shows it: absolute paths cut to their file names,
# in a code span with the table's pipes escaped.
sub command_text {
    my ($command) = @_;
    $command =~ s{(^|\s)/(?:[^\s/]+/)+}{$1}g;
    $command =~ s/\|/\\|/g;
    return "`$command`";
}
sub median_ratio_text {
    my ($anchor, $ember) = @_;
    return ratio(median_of($anchor) / median_of($ember)) . ' / ' . ratio(cpu_of($anchor) / cpu_of($ember));
}
my @targets4;

# ---- diff -------------------------------------------------------------------------
print "\n## ember diff (issue #4", script_time('diff'), ")\n\n";
if (@diff_tasks) {
    my %diff_titles = (
        stdout            => 'diff large A/B to standard output (discarded)',
        'normalize-strip' => 'diff -n -s large A/B (normalize, strip hex)',
        file              => 'diff large A/B written to a file',
        svg               => 'differential flame graph of large A/B (SVG)',
    );
    my $diff_label = sub {
        my ($command) = @_;
        return 'difffolded.pl | flamegraph.pl' if $command =~ /difffolded\.pl/ && $command =~ /flamegraph\.pl/;
        return 'difffolded.pl' if $command =~ /difffolded\.pl/;
        return 'inferno-diff-folded' if $command =~ /inferno-diff-folded/;
        return 'ember';
    };
    if ($diff_input) {
        printf "The corpus's large-A and large-B folded by `ember collapse` (%.1f MB, %d stacks; %.1f MB, %d stacks);\n",
            $diff_input->{a_bytes} / 1e6, $diff_input->{a_lines}, $diff_input->{b_bytes} / 1e6, $diff_input->{b_lines};
        printf "their diff is %.1f MB, %d lines. ", $diff_input->{out_bytes} / 1e6, $diff_input->{out_lines};
    }
    print "Every tool diffs the same two files (bench/diff.sh). Each task is one\n";
    print "hyperfine comparison (1 warm-up); ratios are the anchor's median wall time over ember's, and its\n";
    print "mean user + system CPU time over ember's; the targets are judged on the median wall time.\n";
    print "difffolded.pl and flamegraph.pl are FlameGraph's, at commit $flamegraph->[1].\n" if $flamegraph;
    print "\n| task | command | wall median | wall mean ± σ | CPU | ember faster (wall / CPU) |\n|---|---|---|---|---|---|\n";
    my %diff_results;
    for my $task (@diff_tasks) {
        my @r = hyperfine_results($task->{path});
        my ($e) = grep { $diff_label->($_->{command}) eq 'ember' } @r;
        $diff_results{ $task->{name} } = { map { $diff_label->($_->{command}) => $_ } @r };
        my $title = $diff_titles{ $task->{name} } // $task->{name};
        for my $r (@r) {
            my $is_ember = $diff_label->($r->{command}) eq 'ember';
            printf "| %s | %s | %s | %s ± %s | %s | %s |\n", $title, command_text($r->{command}),
                seconds(median_of($r)), seconds($r->{mean}), seconds($r->{stddev} // 0), seconds(cpu_of($r)),
                (!$is_ember && $e) ? median_ratio_text($r, $e) : '—';
        }
        # Anchors that could not run here, from corpus/README.md ("difffolded large (82 MB in)").
        if ($task->{name} eq 'stdout' && $e) {
            for my $anchor (['difffolded.pl', 0.607], ['inferno-diff-folded', 0.218]) {
                next if $diff_results{stdout}{ $anchor->[0] };
                printf "| %s | %s *(from corpus/README.md, not measured in this run)* | %s | | | %s *(vs quoted figure)* |\n",
                    $title, $anchor->[0], seconds($anchor->[1]), ratio($anchor->[1] / median_of($e));
            }
        }
        $task->{ember} = $e;
    }
    for my $task (@diff_tasks) {
        my $e = $task->{ember} or next;
        my $title = $diff_titles{ $task->{name} } // $task->{name};
        my $results = $diff_results{ $task->{name} };
        if ($task->{name} eq 'svg') {
            my $anchor = $results->{'difffolded.pl | flamegraph.pl'} or next;
            my $got = median_of($anchor) / median_of($e);
            push @targets4, [ $title, '≥ 30× flamegraph.pl (here `ember diff -o x.svg` against `difffolded.pl \| flamegraph.pl`)',
                sprintf('wall %.2f×, CPU time %.2f× (same run)', $got, cpu_of($anchor) / cpu_of($e)), $got >= 30 ? 'met' : 'not met' ];
            next;
        }
        if (my $anchor = $results->{'difffolded.pl'}) {
            my $got = median_of($anchor) / median_of($e);
            push @targets4, [ $title, '≥ 5× difffolded.pl',
                sprintf('wall %.2f×, CPU time %.2f× (same run)', $got, cpu_of($anchor) / cpu_of($e)), $got >= 5 ? 'met' : 'not met' ];
        } elsif ($task->{name} eq 'stdout') {
            my $got = 0.607 / median_of($e);
            push @targets4, [ $title, '≥ 5× difffolded.pl',
                sprintf('wall %.2f× (vs corpus/README.md figure, not measured in this run)', $got), $got >= 5 ? 'met' : 'not met' ];
        }
        if (my $anchor = $results->{'inferno-diff-folded'}) {
            my $got = median_of($anchor) / median_of($e);
            push @targets4, [ $title, '≥ 2× inferno-diff-folded',
                sprintf('wall %.2f×, CPU time %.2f× (same run)', $got, cpu_of($anchor) / cpu_of($e)), $got >= 2 ? 'met' : 'not met' ];
        } elsif ($task->{name} eq 'stdout') {
            my $got = 0.218 / median_of($e);
            push @targets4, [ $title, '≥ 2× inferno-diff-folded',
                sprintf('wall %.2f× (vs corpus/README.md figure, not measured in this run)', $got), $got >= 2 ? 'met' : 'not met' ];
        }
    }
} else {
    print "Not measured: ", script_note('diff'), ".\n";
}
# Drawing alone: the perf part's flamegraph of difffolded.pl's output.
my ($draw_diff) = grep { $_->{id} eq 'flamegraph-diff' } @tasks;
if ($draw_diff) {
    my ($e) = grep { tool_of($_->{command}) eq 'ember' } @{ $draw_diff->{results} };
    for my $anchor (['perl', 'flamegraph.pl', 30], ['inferno', 'inferno-flamegraph', 3]) {
        last unless $e;
        my ($r) = grep { tool_of($_->{command}) eq $anchor->[0] } @{ $draw_diff->{results} };
        my ($got, $measured);
        if ($r) {
            $got = median_of($r) / median_of($e);
            $measured = sprintf('wall %.2f×, CPU time %.2f× (same run; median wall, as in the perf part)', $got, cpu_of($r) / cpu_of($e));
        } elsif (my $q = $quoted{'flamegraph-diff'}{ $anchor->[0] }) {
            $got = $q / median_of($e);
            $measured = sprintf('wall %.2f× (vs corpus/README.md figure, not measured in this run)', $got);
        } else {
            next;
        }
        push @targets4, [ "$draw_diff->{title}: drawing alone (perf part)", "≥ $anchor->[2]× $anchor->[1]", $measured,
            $got >= $anchor->[2] ? 'met' : 'not met' ];
    }
}

# ---- text views ---------------------------------------------------------------------
print "\n## ember top, peek, tree (issue #4", script_time('text_views'), ")\n\n";
if ($text_views) {
    my @r = hyperfine_results($text_views->{path});
    printf "large-A: %.1f MB of perf script, folded by `ember collapse` into %d stacks, and the same stacks as\n",
        $text_views->{perf_bytes} / 1e6, $text_views->{stacks};
    printf "pprof (`ember convert -o large-A.pb.gz`, %s). hyperfine (1 warm-up, output discarded); `go tool pprof\n",
        size_text($text_views->{pprof_bytes});
    print "-top` of the .pb.gz is the anchor for `ember top` of the same file (ratio of median wall times, and\n";
    print "of mean user + system CPU time). The peek regex is the third heaviest function by cumulative value.\n\n";
    print "| command | wall median | wall mean ± σ | CPU | ember faster (wall / CPU) |\n|---|---|---|---|---|\n";
    my ($go) = grep { $_->{command} =~ /^go tool pprof/ } @r;
    my ($top_pprof) = grep { $_->{command} =~ /\btop\s+\S*\.pb\.gz$/ && $_->{command} !~ /^go / } @r;
    for my $r (@r) {
        my $name = command_text($r->{command});
        $name .= " ($text_views->{go})" if $go && $r == $go && $text_views->{go} ne 'none';
        printf "| %s | %s | %s ± %s | %s | %s |\n", $name, seconds(median_of($r)), seconds($r->{mean}),
            seconds($r->{stddev} // 0), seconds(cpu_of($r)), ($go && $top_pprof && $r == $go) ? median_ratio_text($go, $top_pprof) : '—';
    }
    print "\n`go tool pprof` was not measured (", $text_views->{go} eq 'none' ? 'go (golang-go) is not installed'
        : "`go tool pprof -top` failed on the file with $text_views->{go}", ").\n" unless $go;
    for my $input (['large-A.folded', 'folded'], ['large-A.pb.gz', 'pprof'], ['large-A.perf', 'perf script']) {
        my ($top) = grep { $_->{command} =~ /\btop\s+\S*\Q$input->[0]\E$/ && $_->{command} !~ /^go / } @r;
        next unless $top;
        my $m = median_of($top);
        push @targets4, [ "ember top, large-A ($input->[1])", 'well under a second (judged: median ≤ 0.5 s)',
            sprintf('median %s, CPU %s%s', seconds($m), seconds(cpu_of($top)),
                ($go && $input->[1] eq 'pprof') ? sprintf('; `go tool pprof -top` %s', seconds(median_of($go))) : ''),
            $m <= 0.5 ? 'met' : 'not met' ];
    }
} else {
    print "Not measured: ", script_note('text_views'), ".\n";
}

# ---- filters --------------------------------------------------------------------------
print "\n## Filters (issue #4", script_time('filters'), ")\n\n";
if ($filters) {
    my @r = hyperfine_results($filters->{path});
    printf "large-A folded by `ember collapse` (%.1f MB, %d stacks), converted to folded by `ember convert`\n",
        $filters->{bytes} / 1e6, $filters->{stacks};
    print "without filters and with each kind of filter, and drawn by `ember flamegraph` with and without\n";
    print "`--focus` (bench/filters.sh); hyperfine, 1 warm-up. The cost is the median wall time minus that\n";
    print "of the same command without filters; a filter that drops stacks also shrinks the output, so it\n";
    print "can make the whole run faster.\n\n";
    print "| command | wall median | wall mean ± σ | CPU | against no filter (median) |\n|---|---|---|---|---|\n";
    my %base;
    for my $r (@r) {
        my ($verb) = $r->{command} =~ /\b(convert|flamegraph)\b/;
        next unless $verb;
        $base{$verb} //= $r if ($r->{command} =~ s/\s-o\s+\S+//r) !~ /\s-/; # no option but -o
    }
    for my $r (@r) {
        my ($verb) = $r->{command} =~ /\b(convert|flamegraph)\b/;
        my $base = $verb ? $base{$verb} : undef;
        my $cost = '—';
        if ($base && $r != $base) {
            my $delta = median_of($r) - median_of($base);
            my $sign = $delta < 0 ? '−' : '+';
            $cost = sprintf('%s%s (%s%.0f%%)', $sign, seconds(abs $delta), $sign, abs(100 * $delta / median_of($base)));
        } elsif ($base) {
            $cost = 'baseline';
        }
        printf "| %s | %s | %s ± %s | %s | %s |\n", command_text($r->{command}), seconds(median_of($r)),
            seconds($r->{mean}), seconds($r->{stddev} // 0), seconds(cpu_of($r)), $cost;
    }
    print "\nIssue #4 sets no speed target for the filters; the figures are recorded for comparison.\n";
    push @targets4, [ 'filters', 'none in issue #4 (costs recorded above)', '—', '—' ];
} else {
    print "Not measured: ", script_note('filters'), ".\n";
}

# ---- viewer ---------------------------------------------------------------------------
print "\n## HTML viewer on a 1,000,000-node profile (issue #4", script_time('viewer'), ")\n\n";
my $viewer_data;
if ($viewer && open my $fh, '<', $viewer->{path}) {
    local $/;
    $viewer_data = decode_json(<$fh>);
}
if ($viewer_data) {
    my $nodes = $viewer_data->{nodes} // $viewer->{nodes};
    printf "A synthetic profile (bench/viewer.py, seed 42, so every run measures the same bytes): %s call-tree\n",
        $nodes =~ s/(\d)(?=(\d{3})+$)/$1,/gr;
    printf "nodes, %d folded lines, %.1f MB. `ember view` writes the HTML, `ember flamegraph` the SVGs; headless\n",
        $viewer->{lines}, $viewer->{bytes} / 1e6;
    print "Chromium (playwright-core, bench/viewer.mjs) opens them from file://. Load times are the viewer's\n";
    print "`performance.now()` marks (ms since navigation start) over fresh page loads; a zoom is a click on the\n";
    print "widest child, three levels down, then on the root, timed around the click handler (hit test, redraw,\n";
    print "breadcrumb). An SVG's load is the time to its load event (given up after 60 s).\n\n";
    my %svg_by = map { ($_->{svg} =~ s{.*/}{}r) => $_ } @{ $viewer_data->{svgs} };
    my $svg_load = sub {
        my ($s) = @_;
        return 'not opened' unless $s;
        return defined $s->{loadMs} ? seconds($s->{loadMs} / 1000) : "not loaded: " . ($s->{error} // '?') =~ s/\|/\\|/gr;
    };
    my @loads = @{ $viewer_data->{loads} };
    my $ms_median = sub { my @v = sort { $a <=> $b } grep { defined } @_; return @v ? $v[ int(@v / 2) ] : undef; };
    my $paint = $ms_median->(map { $_->{firstPaint} } @loads);
    my $frame = $ms_median->(map { $_->{firstFrame} } @loads);
    my $all_svg = $svg_by{'big-all.svg'};
    print "| output | size | written in | in Chromium |\n|---|---|---|---|\n";
    printf "| `ember view` → HTML (every node) | %s | %s | first paint %s (median of %d loads) |\n",
        size_text($viewer_data->{bytes}), seconds($viewer->{view_s}), defined $paint ? seconds($paint / 1000) : 'n/a', scalar @loads;
    printf "| `ember flamegraph` → SVG (defaults: frames under 0.1 px left out) | %s | %s | %s |\n",
        $svg_by{'big.svg'} ? size_text($svg_by{'big.svg'}{bytes}) : 'n/a', seconds($viewer->{svg_s}), $svg_load->($svg_by{'big.svg'});
    printf "| `ember flamegraph --minwidth 0` → SVG (every node) | %s | %s | %s |\n",
        $all_svg ? size_text($all_svg->{bytes}) : 'n/a', seconds($viewer->{svg_all_s}), $svg_load->($all_svg);
    print "\n| page load | data decoded | laid out | first paint | next frame |\n|---|---|---|---|---|\n";
    my $ms = sub { my ($v) = @_; return defined $v ? sprintf('%.0f ms', $v) : 'n/a'; };
    for my $i (0 .. $#loads) {
        printf "| %d | %s | %s | %s | %s |\n", $i + 1, map { $ms->($loads[$i]{$_}) } qw(decoded laidOut firstPaint firstFrame);
    }
    printf "| median | %s | %s | %s | %s |\n", map { my $k = $_; $ms->($ms_median->(map { $_->{$k} } @loads)) }
        qw(decoded laidOut firstPaint firstFrame);
    my @clicks = map { @$_ } @{ $viewer_data->{zooms} };
    my $zoom_median = $ms_median->(map { $_->{ms} } @clicks);
    my ($zoom_max) = sort { $b <=> $a } map { $_->{ms} } @clicks;
    if (@clicks) {
        print "\n| zoom click | clicks | handler median | handler max | of which drawing (median) |\n|---|---|---|---|---|\n";
        for my $level (1, 2, 3, 0) {
            my @at = grep { $_->{level} == $level } @clicks;
            next unless @at;
            my ($max) = sort { $b <=> $a } map { $_->{ms} } @at;
            printf "| %s | %d | %s | %s | %s |\n", $level ? "level $level (widest child)" : 'root (unzoom)', scalar @at,
                $ms->($ms_median->(map { $_->{ms} } @at)), $ms->($max), $ms->($ms_median->(map { $_->{render} } @at));
        }
        printf "| all | %d | %s | %s | %s |\n", scalar @clicks, $ms->($zoom_median), $ms->($zoom_max),
            $ms->($ms_median->(map { $_->{render} } @clicks));
    }
    if (defined $frame) {
        push @targets4, [ 'viewer, 1M nodes: load + first paint', '< 2 s in headless Chromium',
            sprintf('median %.0f ms to the frame after the first paint (first paint drawn at %.0f ms), %d loads', $frame, $paint, scalar @loads),
            $frame < 2000 ? 'met' : 'not met' ];
    }
    if (defined $zoom_median) {
        push @targets4, [ 'viewer, 1M nodes: zoom re-render', '< 100 ms',
            sprintf('median %.1f ms, max %.1f ms over %d clicks', $zoom_median, $zoom_max, scalar @clicks),
            $zoom_median < 100 ? 'met' : 'not met' ];
    }
    if ($all_svg) {
        my $share = $viewer_data->{bytes} / $all_svg->{bytes};
        push @targets4, [ 'viewer, 1M nodes: file size', 'well under the equivalent SVG\'s (judged: at most half of the SVG with every node)',
            sprintf('HTML %s, %.1f%% of the SVG with every node (%s)', size_text($viewer_data->{bytes}), 100 * $share,
                size_text($all_svg->{bytes})), $share <= 0.5 ? 'met' : 'not met' ];
    }
} else {
    print "Not measured: ", script_note('viewer'), ".\n";
}

print "\n## Targets (issue 4, \"Speed\")\n\n";
print "`ember diff` ≥ 2× inferno-diff-folded, i.e. ≥ 5× difffolded.pl in the same run; drawing the large A/B\n";
print "differential graph ≥ 3× inferno (≥ 30× flamegraph.pl); `ember top` on large-A in well under a second;\n";
print "the HTML viewer of a 1,000,000-node profile loads and first paints in under 2 s and re-renders a zoom\n";
print "in under 100 ms in headless Chromium, in a file well under the equivalent SVG's size.\n\n";
print_targets(\@targets4, "Nothing measured in this run.");

# ---- issue #5: ember record, perf.data, DWARF unwinding ------------------------------
# These scripts print their own tables; they are shown as printed (their
# logs, standard output and error together).
print "\n## ember record, perf.data, DWARF unwinding (issue #5)\n";
# print_script_logs([NAME, TITLE]...): each script's log as it printed it.
sub print_script_logs {
    for my $part (@_) {
        my ($name, $title) = @$part;
        print "\n### $title\n\n";
        my @lines = script_log_lines($name);
        if (@lines) {
            print "Measured in ", $script{$name}{seconds}, " s:\n\n```\n", @lines, "```\n";
        } else {
            print "Not measured: ", script_note($name), ".\n";
        }
    }
}
# The issue's targets, read off the scripts' logs (as printed below).
# script_log_lines(NAME): its log's lines, or () when it measured nothing.
sub script_log_lines {
    my ($name) = @_;
    my $log = "$work/formats/$name.log";
    return () unless $script{$name} && $script{$name}{status} eq '0' && -s $log;
    open my $fh, '<', $log or die "$log: $!";
    my @lines = <$fh>;
    close $fh;
    return @lines;
}
# slowdown_status(MEDIAN, LOW): a "≤ the anchor's" slowdown row's status from
# the median of ember's slowdown over the anchor's and its interval's low end.
sub slowdown_status {
    my ($median, $low) = @_;
    return 'met' if $median <= 1;
    return $low <= 1 ? 'not met (median above 1, within the noise: the interval holds 1)' : 'not met';
}
my @targets5;
my $ember_wrap_up;
for (script_log_lines('record')) {
    # "-F 99 fp   0.989   0.963-1.069  not distinguishable": ember's slowdown over
    # perf's in the same round, median and its 95% interval
    if (/^-F (\d+) (fp|dwarf)\s+([\d.]+)\s+([\d.]+)-([\d.]+)\s+(.+?)\s*$/) {
        my ($hz, $mode, $median, $low, $high, $verdict) = ($1, $2, $3, $4, $5, $6);
        my $perf_mode = $mode eq 'fp' ? '-g' : '--call-graph dwarf';
        my $status = slowdown_status($median, $low);
        push @targets5, [ "slowdown of the workload, $hz Hz, $mode", "≤ `perf record $perf_mode`'s",
            "ember's slowdown / perf's in the same round (each over the run alone right before it): median $median, 95% interval $low–$high ($verdict)", $status ];
    }
    # "ember record --call-graph fp -o out.svg   0.054   0.005": start-up, wrap-up
    $ember_wrap_up = $1 if /^ember record --call-graph fp -o out\.svg\s+[\d.]+\s+([\d.]+)\s*$/;
    # "perf record -g + perf script | ember collapse | ember flamegraph   0.154 0.376  (78.35x ember fp)"
    if (/^(perf record -g \+ perf script.*?)\s+[\d.]+\s+([\d.]+)\s+\(([\d.]+)x ember fp\)/) {
        my ($pipeline, $seconds, $times) = ($1, $2, $3);
        my $target = $pipeline =~ /flamegraph\.pl/ ? 10 : 3;
        push @targets5, [ "end of the workload to a finished SVG (999 Hz, fp): `ember record -o out.svg` against "
            . command_text($pipeline), "≥ ${target}× faster",
            sprintf('%.1f× (%s s against ember\'s %s s)', $times, $seconds, $ember_wrap_up // '?'),
            $times >= $target ? 'met' : 'not met' ];
    }
}
my $perf_data_file;
for (script_log_lines('perf_data')) {
    $perf_data_file = $1 if /^bench\/perf_data\.sh: (\S+): \d+ samples/;
    # hyperfine's summary: "13.56 ± 1.32 times faster than 'perf script -i spin.data > /dev/null'"
    if (/^\s*([\d.]+) ± [\d.]+ times faster than 'perf script -i (\S+)/) {
        push @targets5, [ "reading perf.data ($2): `ember collapse` against `perf script`", '≥ 10× faster',
            "$1×", $1 >= 10 ? 'met' : 'not met' ];
    }
}
print "\nTargets of issue #5, judged from the logs below. The slowdown rows compare ember's\n";
print "slowdown with perf's in the same round (each run over the run alone right before it; which ran first\n";
print "alternating), not two separate medians: those differ by more than the recorders do on this machine.\n\n";
print_targets(\@targets5, "Nothing measured in this run.");
print_script_logs(['record', '`ember record` against `perf record` (bench/record.sh)'],
                  ['perf_data', 'reading perf.data: `ember collapse perf.data` against `perf script` (bench/perf_data.sh)'],
                  ['unwind', 'DWARF unwinding cost per sample (bench/unwind.sh)']);

# ---- issue #6: CPython sampling ---------------------------------------------------
print "\n## Python: ember record on CPython against austin (issue #6)\n";
my (@targets6, %python_row);
for (script_log_lines('python')) {
    # "ember   100   100   98   139.1   137.6-140.7   1.3858   0.986   0.969-1.031   0.79   1.8   3.2"
    if (/^(ember|ember-read|austin)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s/) {
        $python_row{$1}{$2} = { achieved => $3, valid => $4, cpu => $5 };
    }
    # "ember 100 Hz   0.534 (0.512-0.551)   0.990 (0.950-1.020)  not distinguishable": ember / austin, same round
    if (/^(ember|ember-read) (\d+) Hz\s+([\d.]+|inf) \(([\d.]+|inf)-([\d.]+|inf)\)\s+([\d.]+|inf) \(([\d.]+|inf)-([\d.]+|inf)\)\s*(.*)$/) {
        my ($tool, $hz, $cpu, $cpu_low, $cpu_high, $slowdown, $slowdown_low, $slowdown_high, $verdict) =
            ($1, $2, $3, $4, $5, $6, $7, $8, $9);
        my $how = $tool eq 'ember' ? 'kernel snapshots (default)' : '--read-memory';
        my $ember = $python_row{$tool}{$hz};
        my $austin = $python_row{austin}{$hz};
        if ($ember && $austin) {
            my $ok = $ember->{achieved} >= $austin->{achieved} && $ember->{achieved} >= 0.95 * $hz;
            push @targets6, [ "$how: achieved rate, $hz Hz asked", '≥ austin\'s and ≥ 95% of the rate asked',
                sprintf('ember %d Hz (%.1f%%; %d Hz of valid stacks), austin %d Hz', $ember->{achieved},
                        100 * $ember->{achieved} / $hz, $ember->{valid}, $austin->{achieved}),
                $ok ? 'met' : 'not met' ];
        }
        push @targets6, [ "$how: sampler CPU per sample, $hz Hz", '≤ half of austin\'s',
            "ember's / austin's in the same round: median $cpu, 95% interval $cpu_low–$cpu_high"
                . ($ember && $austin ? sprintf(' (medians %.1f and %.1f µs)', $ember->{cpu}, $austin->{cpu}) : ''),
            $cpu ne 'inf' && $cpu <= 0.5 ? 'met' : 'not met' ];
        push @targets6, [ "$how: target slowdown, $hz Hz", '≤ austin\'s',
            "the target's slowdown under ember / under austin in the same round (each over the run alone right before it): median $slowdown, 95% interval $slowdown_low–$slowdown_high"
                . ($verdict ne '' ? " ($verdict)" : ''),
            $slowdown eq 'inf' ? 'not met' : slowdown_status($slowdown, $slowdown_low) ];
    }
}
print "\nTargets of issue #6, judged from the log below (CPython 3.11; ember and austin compared run by\n";
print "run: each figure of ember over austin's in the same round, which ran first alternating). ember's default\n";
print "takes kernel snapshots (an eBPF program copies the thread's frames at the CPU tick); its CPU per sample\n";
print "counts the program's run time in the kernel too. --read-memory reads the stacks from ember's process.\n\n";
print_targets(\@targets6, "Nothing measured in this run (austin is needed for these targets).");
print_script_logs(['python', 'rate, CPU per sample and target slowdown against austin (bench/python.sh)'],
                  ['python_reader', 'the stack reader alone: reads and CPU per sample (bench/python_reader.sh)']);
