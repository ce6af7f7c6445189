#!/bin/bash
# bench/unwind.sh: how fast prof turns DWARF samples into a profile, next to perf.
#
# Usage: bench/unwind.sh [-b BUILDDIR] [-d SECS] [-s SECS] [-n RUNS] [-o JSON]
#   -b  the build directory holding prof and tests/workloads/wl-unwind-nofp (default: .)
#   -d  seconds of CPU the workload burns per run (default 3)
#   -s  seconds of the short run, for the per-sample rates (default 1; 0: no short runs)
#   -n  runs; every figure is the median over them (default 3)
#   -o  where the results go as JSON (default bench/results/unwind.json in the source tree)
#
# The workload is wl-unwind-nofp (built with -fomit-frame-pointer, its time in libc's qsort,
# memcpy and strlen), sampled at 999 Hz on cpu-clock with an 8 KiB stack copy per sample:
#   perf: `perf record -e cpu-clock --call-graph dwarf -F 999` writes perf.data, and
#         `perf report --stdio --no-children` does the unwinding, symbolizing and aggregating:
#         its wall and CPU (user+sys) times are perf's processing times.
#   prof: `prof record -e cpu-clock --call-graph dwarf -F 999` unwinds while the workload runs.
#         Wall: the wait from the workload's exit (a shell around it writes the time) until
#         prof has written the profile and exited. CPU: prof's user+sys minus the workload's
#         alone (bash's `time` counts prof's reaped children too; the workload alone runs in
#         the same shell): all of prof's work, unwinding included. Also printed: prof's wall
#         time minus the workload's alone, which adds prof's startup and the workload's
#         slowdown (prof unwinds on the CPUs the workload runs on).
# perf record's own CPU time (its user+sys minus the workload's alone), added to perf report's,
# is perf's whole cost, to set beside prof's. Throughput is samples / processing time, by wall
# and by CPU time. Both tools also pay fixed
# costs (starting, reading debug info, writing the output) that a short run pays as well: the
# per-sample rate is (samples of the long run - samples of the short run) / (CPU time of the
# long run - CPU time of the short run). Each run goes: workload alone, perf record, perf
# report, prof record, for the long then the short duration. Timings on a loaded machine are
# noisy: mind the load averages it prints.
set -u

here=$(cd "$(dirname "$0")" && pwd)
build=.
secs=3
short=1
runs=3
json=$here/results/unwind.json
while getopts b:d:s:n:o:h opt; do
	case $opt in
	b) build=$OPTARG ;;
	d) secs=$OPTARG ;;
	s) short=$OPTARG ;;
	n) runs=$OPTARG ;;
	o) json=$OPTARG ;;
	*)
		sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'
		[ "$opt" = h ] && exit 0
		exit 2
		;;
	esac
done

die()
{
	echo "unwind.sh: $*" >&2
	exit 1
}

build=$(cd "$build" 2>/dev/null && pwd) || die "no build directory $build"
prof=$build/prof
wl=$build/tests/workloads/wl-unwind-nofp
[ -x "$prof" ] || die "$prof is not built (give the build directory with -b)"
[ -x "$wl" ] || die "$wl is not built: make tests/workloads/wl-unwind-nofp in $build"
command -v perf >/dev/null || die "perf not found (Debian: apt-get install linux-perf)"
case $runs in '' | *[!0-9]* | 0) die "bad -n $runs" ;; esac
awk -v d="$secs" -v s="$short" 'BEGIN { exit !(d > 0 && s >= 0 && s < d) }' ||
	die "want 0 <= -s < -d (got -s $short -d $secs)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-unwind.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C

# timed NAME CMD...: run CMD with stdout and stderr in $tmp/NAME.out and .err; append
# "WALL CPU" (seconds; CPU is user+sys of CMD and the children it waited for) to $tmp/NAME.t.
timed()
{
	local name=$1 t
	shift
	t=$({
		TIMEFORMAT='%R %U %S'
		time "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null
	} 2>&1) || die "failed: $* (see below)
$(tail -n 5 "$tmp/$name.err")"
	awk -v t="$t" 'BEGIN { split(t, a, " "); printf "%.3f %.3f\n", a[1], a[2] + a[3] }' \
		>>"$tmp/$name.t"
}

# median: the median of the numbers on stdin.
median()
{
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		printf "%.4f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# stamped SECS: the workload, through a shell that writes the time of its exit to $tmp/stamp.
stamped()
{
	sh -c '"$0" "$1"; rc=$?; date +%s.%N >"$2"; exit $rc' "$wl" "$1" "$tmp/stamp"
}

# one TAG SECS: one run of each configuration for SECS seconds; files $tmp/TAG-*.
one()
{
	local tag=$1 s=$2
	timed "$tag-alone" stamped "$s"
	rm -f "$tmp/perf.data"
	timed "$tag-perf-record" perf record -q -e cpu-clock --call-graph dwarf -F 999 \
		-o "$tmp/perf.data" -- "$wl" "$s"
	timed "$tag-perf-report" perf report -i "$tmp/perf.data" --stdio --no-children
	perf report -i "$tmp/perf.data" --stats 2>/dev/null |
		awk '$1 == "SAMPLE" && $2 == "events:" { print $3; exit }' >>"$tmp/$tag-perf.samples"
	rm -f "$tmp/stamp"
	timed "$tag-prof" "$prof" record -e cpu-clock --call-graph dwarf -F 999 \
		-o "$tmp/prof.pb.gz" -- sh -c '"$0" "$1"; rc=$?; date +%s.%N >"$2"; exit $rc' \
		"$wl" "$s" "$tmp/stamp"
	awk -v a="$(cat "$tmp/stamp")" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", b - a }' \
		>>"$tmp/$tag-prof.wait"
	sed -n 's/^prof: \([0-9][0-9]*\) samples .*/\1/p' "$tmp/$tag-prof.err" \
		>>"$tmp/$tag-prof.samples"
	grep -m1 '^prof: unwinding' "$tmp/$tag-prof.err" >"$tmp/$tag-prof.unwinding"
	# this run's prof figures, against this run's workload alone
	paste -d' ' <(tail -n 1 "$tmp/$tag-prof.t") <(tail -n 1 "$tmp/$tag-alone.t") |
		awk '{ printf "%.3f %.3f\n", $1 - $3, $2 - $4 }' >>"$tmp/$tag-prof-net.t"
	# perf's whole cost: record (minus the workload) plus report
	paste -d' ' <(tail -n 1 "$tmp/$tag-perf-record.t") <(tail -n 1 "$tmp/$tag-alone.t") \
		<(tail -n 1 "$tmp/$tag-perf-report.t") |
		awk '{ printf "%.3f %.3f\n", $2 - $4, $2 - $4 + $6 }' >>"$tmp/$tag-perf-net.t"
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "machine: $(nproc) CPUs, $(uname -sr), load average $load (before)"
echo "workload: $wl $secs (short runs: $short), -F 999 cpu-clock, dwarf with 8192 bytes of" \
	"stack; $runs runs"
for i in $(seq 1 "$runs"); do
	printf 'run %d/%d...\n' "$i" "$runs" >&2
	one long "$secs"
	awk -v s="$short" 'BEGIN { exit !(s > 0) }' && one short "$short"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# col FILE N: the median of column N of $tmp/FILE.
col()
{
	awk -v c="$2" '{ print $c }' "$tmp/$1" | median
}
ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f\n", a / b; else print "null" }'
}
# rate SAMPLES_LONG SAMPLES_SHORT TIME_LONG TIME_SHORT: the per-sample rate.
rate()
{
	awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" \
		'BEGIN { if (c - d > 0) printf "%.2f\n", (a - b) / (c - d); else print "null" }'
}
alone_wall=$(col long-alone.t 1)
alone_cpu=$(col long-alone.t 2)
perf_record_wall=$(col long-perf-record.t 1)
perf_wall=$(col long-perf-report.t 1)
perf_cpu=$(col long-perf-report.t 2)
perf_samples=$(median <"$tmp/long-perf.samples" | awk '{ printf "%d\n", $1 }')
perf_record_cpu=$(col long-perf-net.t 1)
perf_total_cpu=$(col long-perf-net.t 2)
prof_wall=$(col long-prof.t 1)
prof_tail=$(median <"$tmp/long-prof.wait")
prof_extra=$(col long-prof-net.t 1)
prof_cpu=$(col long-prof-net.t 2)
prof_samples=$(median <"$tmp/long-prof.samples" | awk '{ printf "%d\n", $1 }')
perf_rate=$(ratio "$perf_samples" "$perf_wall")
perf_cpu_rate=$(ratio "$perf_samples" "$perf_cpu")
prof_rate=$(ratio "$prof_samples" "$prof_tail")
prof_cpu_rate=$(ratio "$prof_samples" "$prof_cpu")
perf_marginal=null prof_marginal=null
if [ -s "$tmp/short-prof.samples" ]; then
	perf_marginal=$(rate "$perf_samples" "$(median <"$tmp/short-perf.samples")" \
		"$perf_cpu" "$(col short-perf-report.t 2)")
	prof_marginal=$(rate "$prof_samples" "$(median <"$tmp/short-prof.samples")" \
		"$prof_cpu" "$(col short-prof-net.t 2)")
	perf_short_cpu=$(col short-perf-report.t 2)
	prof_short_cpu=$(col short-prof-net.t 2)
fi

echo "load average $load_after (after)"
echo
row()
{
	printf '%-50s %10s %10s %9s\n' "$@"
}
row "median of $runs runs" perf prof prof/perf
row "samples" "$perf_samples" "$prof_samples" "$(ratio "$prof_samples" "$perf_samples")"
row "wall s: perf report | prof after the exit" "$perf_wall" "$prof_tail" \
	"$(ratio "$prof_tail" "$perf_wall")"
row "  samples / that wall time" "$perf_rate" "$prof_rate" "$(ratio "$prof_rate" "$perf_rate")"
row "CPU s: perf report | prof (minus the workload)" "$perf_cpu" "$prof_cpu" \
	"$(ratio "$prof_cpu" "$perf_cpu")"
row "  samples / that CPU time" "$perf_cpu_rate" "$prof_cpu_rate" \
	"$(ratio "$prof_cpu_rate" "$perf_cpu_rate")"
row "CPU s: perf record + report | prof (minus wl)" "$perf_total_cpu" "$prof_cpu" \
	"$(ratio "$prof_cpu" "$perf_total_cpu")"
if [ "$prof_marginal" != null ] || [ "$perf_marginal" != null ]; then
	row "CPU s of the ${short} s run" "$perf_short_cpu" "$prof_short_cpu" \
		"$(ratio "$prof_short_cpu" "$perf_short_cpu")"
	row "per-sample rate: extra samples / extra CPU s" "$perf_marginal" "$prof_marginal" \
		"$(ratio "$prof_marginal" "$perf_marginal")"
fi
echo
echo "perf record: ${perf_record_wall}s wall; prof record: ${prof_wall}s wall" \
	"(${prof_extra}s more than the workload alone: ${alone_wall}s wall, ${alone_cpu}s CPU)"
echo "prof's last run: $(cat "$tmp/long-prof.unwinding")"

mkdir -p "$(dirname "$json")" || die "cannot create $(dirname "$json")"
cat >"$json" <<EOF
{
  "benchmark": "unwind",
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "machine": {"cpus": $(nproc), "kernel": "$(uname -r)", "load_before": "$load", "load_after": "$load_after"},
  "workload": {"program": "wl-unwind-nofp", "seconds": $secs, "short_seconds": $short, "frequency_hz": 999, "event": "cpu-clock", "stack_bytes": 8192},
  "runs": $runs,
  "perf": {"version": "$(perf --version 2>/dev/null | sed 's/^perf version //')", "samples": $perf_samples, "record_wall_s": $perf_record_wall, "report_wall_s": $perf_wall, "report_cpu_s": $perf_cpu, "record_cpu_minus_workload_s": $perf_record_cpu, "record_and_report_cpu_s": $perf_total_cpu, "samples_per_wall_s": $perf_rate, "samples_per_cpu_s": $perf_cpu_rate, "per_sample_rate": $perf_marginal},
  "prof": {"samples": $prof_samples, "record_wall_s": $prof_wall, "wall_after_exit_s": $prof_tail, "wall_over_workload_alone_s": $prof_extra, "cpu_s": $prof_cpu, "samples_per_wall_s": $prof_rate, "samples_per_cpu_s": $prof_cpu_rate, "per_sample_rate": $prof_marginal, "unwinding": "$(sed 's/"/\\"/g' "$tmp/long-prof.unwinding")"},
  "workload_alone": {"wall_s": $alone_wall, "cpu_s": $alone_cpu},
  "ratio_prof_over_perf": {"wall_s": $(ratio "$prof_tail" "$perf_wall"), "cpu_s": $(ratio "$prof_cpu" "$perf_cpu"), "samples_per_wall_s": $(ratio "$prof_rate" "$perf_rate"), "samples_per_cpu_s": $(ratio "$prof_cpu_rate" "$perf_cpu_rate"), "per_sample_rate": $(ratio "$prof_marginal" "$perf_marginal")}
}
EOF
echo "wrote $json"
