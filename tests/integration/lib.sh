# lib.sh: shared helpers for prof's integration tests (bash; sourced by every *.test).
#
# A test runs prof for real on a workload from tests/workloads and checks the profile with
# independent readers: `go tool pprof` (-top, -traces, -raw, -tags) and `protoc --decode`.
# It prints TAP (automake's tap-driver reads it) and always exits 0: failures are `not ok`
# lines, a harness problem is `Bail out!`, a machine that truly cannot run the test says
# `1..0 # SKIP reason`.
#
# The environment comes from Makefile.am's AM_TESTS_ENVIRONMENT: PROF, WORKLOADS, TESTDATA,
# TESTLIB, PROTO_DIR, GO, PROTOC. To run one test by hand from a build directory:
#   PROF=$PWD/prof WORKLOADS=$PWD/tests/workloads TESTLIB=$SRC/tests/integration/lib.sh \
#   PROTO_DIR=$SRC/proto GO=go PROTOC=protoc bash $SRC/tests/integration/record_split.test
# Set PROF_TEST_KEEP=1 to keep the temporary directory (its path is printed as a comment).

if [ -z "${BASH_VERSION:-}" ]; then
	echo "Bail out! lib.sh needs bash"
	exit 0
fi

# ---------------------------------------------------------------- TAP

tap_count=0
tap_failed=0
tap_planned=

# plan N: announce N tests up front (otherwise done_testing prints the plan at the end).
plan()
{
	tap_planned=$1
	echo "1..$1"
}

# skip_all REASON: the whole file cannot run on this machine.
skip_all()
{
	echo "1..0 # SKIP $*"
	exit 0
}

# bail_out REASON: the harness itself is broken (missing variable, workload not built...).
bail_out()
{
	echo "Bail out! $*"
	exit 0
}

# diag TEXT...: a TAP comment line.
diag()
{
	local arg line
	for arg in "$@"; do
		while IFS= read -r line; do
			printf '# %s\n' "$line"
		done <<<"$arg"
	done
}

# diag_file FILE [MAXLINES]: show a file (its last MAXLINES lines, default 40) as comments.
diag_file()
{
	local file=$1 max=${2:-40}

	if [ ! -e "$file" ]; then
		diag "($file does not exist)"
		return
	fi
	diag "--- $file (last $max lines):"
	tail -n "$max" "$file" | sed 's/^/# | /'
}

# TODO=REASON before a check marks it as a known gap: reported, not counted as a failure
# (automake counts it XFAIL, or XPASS once it passes: then drop the TODO).
TODO=

pass()
{
	tap_count=$((tap_count + 1))
	echo "ok $tap_count - $*${TODO:+ # TODO $TODO}"
}

# fail NAME [DIAG...]: a failed check, with optional explanation lines.
fail()
{
	local name=$1
	shift
	tap_count=$((tap_count + 1))
	[ -z "$TODO" ] && tap_failed=$((tap_failed + 1))
	echo "not ok $tap_count - $name${TODO:+ # TODO $TODO}"
	[ $# -gt 0 ] && diag "$@"
	return 0
}

# skip NAME REASON: one check that cannot be made here.
skip()
{
	tap_count=$((tap_count + 1))
	echo "ok $tap_count - $1 # SKIP $2"
}

# ok NAME CMD ARGS...: pass when CMD succeeds.
ok()
{
	local name=$1
	shift
	if "$@"; then
		pass "$name"
	else
		fail "$name" "failed: $*"
	fi
}

# is GOT WANT NAME: string equality.
is()
{
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3" "got:  '$1'" "want: '$2'"
	fi
}

# like GOT ERE NAME: GOT matches the extended regular expression ERE.
like()
{
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		pass "$3"
	else
		fail "$3" "got:  '$1'" "want: a match for /$2/"
	fi
}

# unlike GOT ERE NAME: GOT does not match ERE.
unlike()
{
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		fail "$3" "got:  '$1'" "want: no match for /$2/"
	else
		pass "$3"
	fi
}

# file_like FILE ERE NAME: some line of FILE matches ERE (FILE is shown on failure).
file_like()
{
	if grep -Eq -- "$2" "$1" 2>/dev/null; then
		pass "$3"
	else
		fail "$3" "want: a line matching /$2/ in $1"
		diag_file "$1"
	fi
}

# done_testing: print the plan if none was given, and end the test.
done_testing()
{
	if [ -z "$tap_planned" ]; then
		echo "1..$tap_count"
	elif [ "$tap_planned" != "$tap_count" ]; then
		diag "planned $tap_planned tests but ran $tap_count"
	fi
	[ "$tap_failed" -gt 0 ] && diag "$tap_failed of $tap_count checks failed" \
		"(set PROF_TEST_KEEP=1 to keep the temporary directory)"
	exit 0
}

# ---------------------------------------------------------------- numbers (awk for floats)

# num_between X LO HI: LO <= X <= HI.
num_between()
{
	awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x != "" && x + 0 >= lo + 0 && x + 0 <= hi + 0) }'
}

# near GOT WANT TOL NAME: |GOT - WANT| <= TOL.
near()
{
	if awk -v g="$1" -v w="$2" -v t="$3" \
		'BEGIN { d = g - w; if (d < 0) d = -d; exit !(g != "" && d <= t + 0) }'; then
		pass "$4 ($1, want $2 +- $3)"
	else
		fail "$4 ($1, want $2 +- $3)"
	fi
}

# num_ok GOT OP WANT NAME: numeric comparison, OP one of < <= > >= == !=.
num_ok()
{
	if awk -v g="$1" -v w="$3" -v op="$2" 'BEGIN {
		if (g == "") exit 1
		g += 0; w += 0
		if (op == "<") exit !(g < w); if (op == "<=") exit !(g <= w)
		if (op == ">") exit !(g > w); if (op == ">=") exit !(g >= w)
		if (op == "==") exit !(g == w); if (op == "!=") exit !(g != w)
		exit 1 }'; then
		pass "$4 ($1 $2 $3)"
	else
		fail "$4 ($1 $2 $3 is false)"
	fi
}

# now_s: wall-clock seconds with a fraction.
now_s()
{
	if [ -n "${EPOCHREALTIME:-}" ]; then
		echo "${EPOCHREALTIME/,/.}"
	else
		date +%s.%N
	fi
}

# elapsed_s START: seconds since START (a now_s value).
elapsed_s()
{
	awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.2f\n", b - a }'
}

# ---------------------------------------------------------------- environment

for tap_v in PROF WORKLOADS TESTLIB PROTO_DIR; do
	if [ -z "${!tap_v:-}" ]; then
		bail_out "$tap_v is not set (run the tests with 'make check', see lib.sh)"
	fi
done
unset tap_v
[ -x "$PROF" ] || bail_out "prof is not built: $PROF"
[ -d "$WORKLOADS" ] || bail_out "workloads are not built: $WORKLOADS"
[ -n "${GO:-}" ] || GO=$(command -v go || true)
[ -n "${PROTOC:-}" ] || PROTOC=$(command -v protoc || true)
[ -f "$PROTO_DIR/profile.proto" ] || bail_out "no profile.proto in $PROTO_DIR"

# The source tree, for line numbers read from the workloads' sources.
SRCDIR=$(cd "$(dirname "$TESTLIB")/../.." && pwd)
WLSRC=$SRCDIR/tests/workloads

export LC_ALL=C

# One temporary directory per test file, removed on exit; the test runs inside it.
T=$(mktemp -d "${TMPDIR:-/tmp}/prof-test.XXXXXX") || bail_out "mktemp failed"
tap_cleanup()
{
	# Background jobs a test left behind (a hung prof) go with it: only our own children.
	local job
	for job in $(jobs -p); do
		kill -KILL "$job" 2>/dev/null
	done
	if [ "${PROF_TEST_KEEP:-0}" = 1 ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}
trap tap_cleanup EXIT
cd "$T" || bail_out "cannot cd to $T"

# In an --enable-sanitizers build, LeakSanitizer cannot stop the world inside a process that is
# itself a ptrace tracer (it dies with "LeakSanitizer has encountered a fatal error"): ASan and
# UBSan stay on, and leaks are checked by record_valgrind.test instead.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"

# go tool pprof wants a writable HOME and cache, and must never reach the network.
export HOME=$T/home GOCACHE=$T/gocache PPROF_TMPDIR=$T/pprof-tmp
export GOTOOLCHAIN=local GOFLAGS= GOPROXY=off
mkdir -p "$HOME" "$GOCACHE" "$PPROF_TMPDIR"
unset PPROF_BINARY_PATH
# Under `sudo make check`, prof record would run every workload as the user who ran sudo:
# the tests that want that (sudo.test) set these themselves.
unset SUDO_UID SUDO_GID SUDO_USER SUDO_COMMAND

# Workload programs.
wl()
{
	echo "$WORKLOADS/wl-$1"
}

# require_workloads NAME...: bail out unless each wl-NAME is built.
require_workloads()
{
	local n
	for n in "$@"; do
		[ -x "$(wl "$n")" ] || bail_out "workload not built: $(wl "$n")"
	done
}

# require_readers: skip the file when go or protoc is missing (scripts/install-deps installs
# both; configure records their paths).
require_readers()
{
	[ -n "$GO" ] && "$GO" version >/dev/null 2>&1 ||
		skip_all "go not found: install golang-go (scripts/install-deps), then re-run configure"
	[ -n "$PROTOC" ] && "$PROTOC" --version >/dev/null 2>&1 ||
		skip_all "protoc not found: install protobuf-compiler (scripts/install-deps), then re-run configure"
}

# require_perf: skip the file when this machine cannot sample at all. A kernel without
# perf_event, or one whose policy refuses us, is a reason; anything else prof says is a failure
# for the tests to report, so prof is probed once and only those two causes skip.
require_perf()
{
	local paranoid err

	[ -e /proc/sys/kernel/perf_event_paranoid ] ||
		skip_all "this kernel has no perf_event support (/proc/sys/kernel/perf_event_paranoid is missing)"
	paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
	if [ "$paranoid" -ge 3 ] && [ "$(id -u)" != 0 ]; then
		skip_all "kernel.perf_event_paranoid=$paranoid forbids unprivileged perf_event_open"
	fi
	if ! "$PROF" record -q -o "$T/probe.pb.gz" -- "$(wl exit)" 0 0.01 >/dev/null 2>"$T/probe.err" </dev/null; then
		err=$(grep -m1 'prof: error:' "$T/probe.err")
		case $err in
		*perf_event*"Permission denied"* | *perf_event*"Operation not permitted"* | \
		*perf_event*"Function not implemented"* | *perf_event*"No such file or directory"*)
			skip_all "perf_event_open is refused here: ${err#prof: error: }"
			;;
		esac
	fi
	rm -f "$T/probe.pb.gz" "$T/probe.err"
}

# ---------------------------------------------------------------- running prof

# run_prof NAME ARGS...: run "$PROF" ARGS with stdout in NAME.out and stderr in NAME.err (in
# $T); its exit status is left in $rc and its wall time in $wall. A prof that hangs is killed
# after PROF_TEST_TIMEOUT seconds (default 120) and gives rc 124.
run_prof()
{
	local name=$1 start
	shift
	start=$(now_s)
	tap_last_err=$T/$name.err
	timeout -k 5 "${PROF_TEST_TIMEOUT:-120}" "$PROF" "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null
	rc=$?
	wall=$(elapsed_s "$start")
	if [ "$rc" = 124 ]; then
		diag "prof $* timed out after ${PROF_TEST_TIMEOUT:-120} s"
	fi
	return 0
}

# record NAME ARGS... -- CMD...: `prof record -q -o NAME.pb.gz ARGS...`; see run_prof.
record()
{
	local name=$1
	shift
	rm -f "$T/$name.pb.gz"
	run_prof "$name" record -q -o "$T/$name.pb.gz" "$@"
}

# is_rc WANT NAME: prof's exit status ($rc) is WANT; prof's stderr is shown otherwise.
is_rc()
{
	if [ "$rc" = "$1" ]; then
		pass "$2"
	else
		fail "$2" "exit status $rc, want $1"
		[ -n "${tap_last_err:-}" ] && diag_file "$tap_last_err" 20
	fi
}

# is_gzip FILE: FILE starts with the gzip magic 1f 8b and decompresses cleanly.
is_gzip()
{
	[ -s "$1" ] && [ "$(head -c 2 "$1" | od -An -tx1 | tr -d ' \n')" = 1f8b ] &&
		gzip -t "$1" 2>/dev/null
}

# ---------------------------------------------------------------- independent readers

# protoc_decode FILE: the profile as protobuf text, decoded by protoc from profile.proto.
protoc_decode()
{
	gzip -dc "$1" </dev/null | "$PROTOC" --decode=perftools.profiles.Profile \
		--proto_path="$PROTO_DIR" "$PROTO_DIR/profile.proto"
}

# profile_summary FILE: protoc's decoding with string indices resolved, one fact per line:
#   sample_type TYPE UNIT | period_type TYPE UNIT | period N | default_sample_type NAME
#   time_nanos N | duration_nanos N | comment TEXT | string0 TEXT
#   samples N | value_sum I SUM | label KEY num|str (once per key and kind)
#   label_values KEY V1,V2,... (distinct values, sorted) | label_missing KEY N (samples without)
#   mapping ID FILENAME BUILD_ID | function NAME SYSTEM_NAME FILENAME START_LINE
#   location ID MAPPING_ID ADDRESS NLINES
# Fails (status 1) when protoc cannot decode the file.
profile_summary()
{
	protoc_decode "$1" >"$T/.decoded" 2>"$T/.decoded.err" || return 1
	awk '
	function unq(s) {
		sub(/^"/, "", s); sub(/"$/, "", s)
		gsub(/\\"/, "\"", s); gsub(/\\\\/, "\\", s)
		return s
	}
	function val(line) { sub(/^[^:]*: /, "", line); return line }
	function S(i) { return (i + 0) in str ? str[i + 0] : "?" i }
	{ sub(/^ +/, "") }
	/\{$/ { name = $1; depth++; path[depth] = name; top = path[1]
		if (depth == 1) { nobj[top]++; o = nobj[top] }
		if (name == "label") { nlab++ }
		if (name == "line") { nlines[o]++ }
		next }
	/^\}$/ {
		if (path[depth] == "label") {
			labkey[nlab] = lk; labsmp[nlab] = o
			if (lstr != "") { labkind[nlab] = "str"; labval[nlab] = lstr }
			else { labkind[nlab] = "num"; labval[nlab] = lnum }
			lk = lstr = lnum = ""
		}
		depth--; next }
	depth == 0 && /^string_table:/ { str[nstr++] = unq(val($0)); next }
	depth == 0 && /^comment:/ { comments[ncomm++] = val($0); next }
	depth == 0 { split($0, kv, ": "); top_field[kv[1]] = kv[2]; next }
	{ field = $0; sub(/:.*/, "", field); v = val($0) }
	top == "sample_type" || top == "period_type" {
		if (field == "type") t[top, o] = v; else if (field == "unit") u[top, o] = v; next }
	top == "sample" && depth == 1 && field == "value" { vi[o]++; vsum[vi[o]] += v; next }
	top == "sample" && depth == 2 {
		if (field == "key") lk = v; else if (field == "str") lstr = v; else if (field == "num") lnum = v
		next }
	top == "mapping" && depth == 1 { m[o, field] = v; next }
	top == "function" && depth == 1 { fn[o, field] = v; next }
	top == "location" && depth == 1 { loc[o, field] = v; next }
	END {
		for (i = 1; i <= nobj["sample_type"]; i++)
			print "sample_type", S(t["sample_type", i]), S(u["sample_type", i])
		if (nobj["period_type"])
			print "period_type", S(t["period_type", 1]), S(u["period_type", 1])
		print "period", ("period" in top_field) ? top_field["period"] : 0
		print "default_sample_type", ("default_sample_type" in top_field) ? \
			S(top_field["default_sample_type"]) : ""
		print "time_nanos", ("time_nanos" in top_field) ? top_field["time_nanos"] : 0
		print "duration_nanos", ("duration_nanos" in top_field) ? top_field["duration_nanos"] : 0
		for (i = 0; i < ncomm; i++) print "comment", S(comments[i])
		print "string0", (nstr ? str[0] : "(no string table)")
		print "samples", nobj["sample"] + 0
		for (i = 1; i in vsum; i++) printf "value_sum %d %.0f\n", i, vsum[i]
		for (i = 1; i <= nlab; i++) {
			k = S(labkey[i])
			if (!((k, labkind[i]) in seenk)) { seenk[k, labkind[i]] = 1; print "label", k, labkind[i] }
			v = labkind[i] == "str" ? S(labval[i]) : labval[i]
			if (!((k, v) in seenv)) { seenv[k, v] = 1; vals[k] = vals[k] (vals[k] == "" ? "" : ",") v }
			has[k, labsmp[i]] = 1; keys[k] = 1
		}
		for (k in keys) {
			n = split(vals[k], a, ","); out = ""
			# insertion sort, numeric when both look numeric
			for (x = 2; x <= n; x++) { y = a[x]; z = x - 1
				while (z > 0 && (a[z] "" > y "")) { a[z + 1] = a[z]; z-- }
				a[z + 1] = y }
			for (x = 1; x <= n; x++) out = out (x > 1 ? "," : "") a[x]
			print "label_values", k, out
			miss = 0
			for (s = 1; s <= nobj["sample"]; s++) if (!((k, s) in has)) miss++
			print "label_missing", k, miss
		}
		for (i = 1; i <= nobj["mapping"]; i++)
			print "mapping", m[i, "id"], S(m[i, "filename"]), S(m[i, "build_id"])
		for (i = 1; i <= nobj["function"]; i++)
			print "function", S(fn[i, "name"]), S(fn[i, "system_name"]), S(fn[i, "filename"]), \
				fn[i, "start_line"] + 0
		for (i = 1; i <= nobj["location"]; i++)
			print "location", loc[i, "id"], loc[i, "mapping_id"] + 0, \
				(loc[i, "address"] == "" ? 0 : loc[i, "address"]), nlines[i] + 0
	}' "$T/.decoded"
}

# summary_get SUMMARY_FILE KEY: the rest of the first summary line starting with KEY.
summary_get()
{
	awk -v k="$2" '$1 == k { sub(/^[^ ]+ /, ""); print; exit }' "$1"
}

# pprof ARGS...: `go tool pprof` on the profile's own symbols (-symbolize=none: pprof must not
# look at the binaries itself, so what we check is what prof wrote). Its stderr ("Main binary
# filename not available." and the like) goes to $T/pprof.err.
pprof()
{
	"$GO" tool pprof -symbolize=none "$@" 2>>"$T/pprof.err" </dev/null
}

# pprof_raw FILE: `go tool pprof -raw`, pprof's own parse of every field.
pprof_raw()
{
	pprof -raw "$1"
}

# pprof_top FILE [PPROF_OPTS...]: one line per function: NAME<TAB>FLAT%<TAB>CUM%, largest
# flat first, as `go tool pprof -top` computes them (inline frames lose their " (inline)" tag).
pprof_top()
{
	local file=$1
	shift
	pprof -top -nodecount=1000 -nodefraction=0 "$@" "$file" | awk '
	hdr && NF >= 6 {
		name = $0
		sub(/^ *[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +/, "", name)
		sub(/ \(inline\)$/, "", name)
		f = $2; c = $5; sub(/%$/, "", f); sub(/%$/, "", c)
		printf "%s\t%s\t%s\n", name, f, c
	}
	/^ *flat +flat% +sum% +cum +cum%/ { hdr = 1 }'
}

# pprof_flat FILE FUNC [PPROF_OPTS...]: FUNC's flat% (0 when absent).
pprof_flat()
{
	local file=$1 func=$2
	shift 2
	pprof_top "$file" "$@" | awk -F '\t' -v f="$func" '$1 == f { print $2; found = 1; exit }
		END { if (!found) print 0 }'
}

# pprof_traces FILE [PPROF_OPTS...]: `go tool pprof -traces`, as it prints them.
pprof_traces()
{
	local file=$1
	shift
	pprof -traces "$@" "$file"
}

# pprof_stacks FILE [PPROF_OPTS...]: the -traces output as one line per stack:
#   WEIGHT<TAB>leaf;caller;...;root<TAB>label=value,...
# WEIGHT is pprof's text (use -sample_index=samples for plain counts).
pprof_stacks()
{
	local file=$1
	shift
	pprof -traces "$@" "$file" | awk '
	function flush() {
		if (nfr) printf "%s\t%s\t%s\n", w, frames, labels
		nfr = 0; frames = ""; labels = ""; w = ""
	}
	/^-----------\+/ { flush(); inblock = 1; next }
	!inblock { next }
	nfr == 0 && /^ +[^ ]+: +/ && !/^ +[0-9.]+[a-zA-Z]* +[^ ]/ {
		l = $0; sub(/^ +/, "", l); k = l; sub(/:.*/, "", k); v = l; sub(/^[^:]*: +/, "", v)
		labels = labels (labels == "" ? "" : ",") k "=" v; next }
	nfr == 0 && /^ +[0-9.]+[a-zA-Zµ]* +[^ ]/ {
		w = $1; f = $0; sub(/^ +[^ ]+ +/, "", f); sub(/ \(inline\)$/, "", f)
		frames = f; nfr = 1; next }
	nfr > 0 && /^ +[^ ]/ {
		f = $0; sub(/^ +/, "", f); sub(/ \(inline\)$/, "", f)
		frames = frames ";" f; nfr++; next }
	END { flush() }'
}

# pprof_tags FILE KEY [PPROF_OPTS...]: `go tool pprof -tags` for one label key, one line per
# value: VALUE<TAB>PERCENT.
pprof_tags()
{
	local file=$1 key=$2
	shift 2
	pprof -tags "$@" "$file" | awk -v k="$key" '
	/^ [^ ].*: Total / { cur = $1; sub(/:$/, "", cur); next }
	cur == k && /\(.*%\): / {
		p = $0; sub(/^[^(]*\( */, "", p); sub(/%\).*/, "", p)
		v = $0; sub(/^[^)]*\): /, "", v)
		printf "%s\t%s\n", v, p }'
}

# raw_locations FILE: -raw's Locations as one line per location:
#   ID<TAB>MAPPING_ID<TAB>ADDRESS<TAB>func file:line;func file:line;... (innermost first)
raw_locations()
{
	pprof_raw "$1" | awk '
	function flush() { if (id != "") printf "%s\t%s\t%s\t%s\n", id, mid, addr, lines; id = "" }
	/^Locations/ { inl = 1; next }
	/^Mappings/ { flush(); inl = 0; next }
	!inl { next }
	/^ +[0-9]+: 0x/ {
		flush(); id = $1; sub(/:$/, "", id); addr = $2; mid = $3; sub(/^M=/, "", mid)
		l = $0; sub(/^ +[0-9]+: [^ ]+ [^ ]+ ?/, "", l); sub(/ s=[0-9]+$/, "", l); lines = l; next }
	/^ +[^ ]/ { l = $0; sub(/^ +/, "", l); sub(/ s=[0-9]+$/, "", l); lines = lines ";" l }
	END { flush() }'
}

# raw_mappings FILE: -raw's Mappings lines: ID: START/LIMIT/OFFSET FILENAME [BUILDID] [FLAGS]
raw_mappings()
{
	pprof_raw "$1" | awk '/^Mappings/ { on = 1; next } on && NF'
}

# check_profile FILE NAME: the standard validity checks, as TAP lines: the file exists and is
# gzip'd, protoc decodes it, and go tool pprof -raw parses it.
check_profile()
{
	local file=$1 name=$2
	if [ ! -e "$file" ]; then
		fail "$name: profile written" "$file does not exist"
		[ -n "${tap_last_err:-}" ] && diag_file "$tap_last_err" 20
		return 1
	fi
	pass "$name: profile written"
	ok "$name: gzip magic and integrity" is_gzip "$file"
	if protoc_decode "$file" >/dev/null 2>"$T/.protoc.err"; then
		pass "$name: protoc --decode=perftools.profiles.Profile reads it"
	else
		fail "$name: protoc --decode=perftools.profiles.Profile reads it"
		diag_file "$T/.protoc.err"
	fi
	if pprof_raw "$file" >"$T/.raw" && grep -q '^Samples:' "$T/.raw"; then
		pass "$name: go tool pprof -raw parses it"
	else
		fail "$name: go tool pprof -raw parses it"
		diag_file "$T/pprof.err"
	fi
}

# src_re FILE: an ERE for workload source FILE (a base name, like split.c) as a symbolizer names
# it: DWARF gives the path the compiler was given, absolute or relative to the build directory.
src_re()
{
	printf '([^ ;\t]*/)?%s\n' "${1//./\\.}"
}

# src_line FILE MARKER: the line number of MARKER in workload source FILE.
src_line()
{
	grep -n -F -- "$2" "$WLSRC/$1" | head -n 1 | cut -d: -f1
}

# proc_running PID: PID exists and is not a zombie (a child we have not reaped yet is one).
proc_running()
{
	local state
	[ -r "/proc/$1/stat" ] || return 1
	state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# wait_until SECS CMD...: poll CMD every 50 ms until it succeeds (0) or SECS pass (1).
wait_until()
{
	local deadline
	deadline=$(awk -v a="$(now_s)" -v s="$1" 'BEGIN { printf "%.3f", a + s }')
	shift
	while :; do
		"$@" && return 0
		awk -v a="$(now_s)" -v d="$deadline" 'BEGIN { exit !(a > d) }' && return 1
		sleep 0.05
	done
}

# wait_pid PID SECS: wait for our background child PID for at most SECS seconds; its exit
# status goes to $rc (124 when it had to be killed, with its whole process group).
wait_pid()
{
	if wait_until "$2" eval '! proc_running '"$1"; then
		wait "$1"
		rc=$?
	else
		diag "pid $1 still running after $2 s: killing it"
		kill -KILL -- "-$1" 2>/dev/null || kill -KILL "$1" 2>/dev/null
		wait "$1"
		rc=124
	fi
}

# DEFAULT_SIGNALS: a command prefix (an array) that runs its command with SIGINT and SIGQUIT
# at their default action. Background jobs of a non-interactive shell start with both ignored,
# which a terminal's foreground job never has; the signal tests need the terminal's view.
if env --default-signal=INT true 2>/dev/null; then
	DEFAULT_SIGNALS=(env --default-signal=INT,QUIT)
elif command -v perl >/dev/null 2>&1; then
	DEFAULT_SIGNALS=(perl -e '$SIG{INT} = $SIG{QUIT} = "DEFAULT"; exec { $ARGV[0] } @ARGV or die "exec: $!\n"')
else
	DEFAULT_SIGNALS=()
fi

# bg_prof NAME ARGS...: start `prof ARGS` in the background the way a terminal starts a job:
# in a process group of its own (setsid, so `kill -- -$bg_pid` reaches prof and its command,
# like Ctrl-C), with SIGINT and SIGQUIT at their default action. Its pid goes to $bg_pid,
# stdout and stderr to NAME.out and NAME.err, the start time to $bg_start.
bg_prof()
{
	local name=$1
	shift
	[ ${#DEFAULT_SIGNALS[@]} -gt 0 ] || bail_out "neither env --default-signal nor perl: cannot reset SIGINT"
	tap_last_err=$T/$name.err
	bg_start=$(now_s)
	setsid "${DEFAULT_SIGNALS[@]}" "$PROF" "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null &
	bg_pid=$!
	# setsid forks only when already a group leader, which a job of a shell without job
	# control never is: $bg_pid is prof itself, and leads its own group.
	if ! wait_until 5 eval '[ "$(ps -o pgid= -p '"$bg_pid"' | tr -d " ")" = '"$bg_pid"' ]'; then
		diag "prof (pid $bg_pid) is not the leader of its own process group"
	fi
}

# child_running PID COMM: PID has a child process, not a zombie, whose name is COMM (so the
# command has been exec'd and runs).
child_running()
{
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		if [ "$(cat "/proc/$c/comm" 2>/dev/null)" = "$2" ] && proc_running "$c"; then
			return 0
		fi
	done
	return 1
}

# ---------------------------------------------------------------- processes prof attaches to

# proc_stat_field STATFILE N: field N of a /proc stat file (PID/stat or PID/task/TID/stat),
# counted after the command name (which may hold spaces): 1 is the state, 12 and 13 utime and
# stime in clock ticks. Empty when the process is gone.
proc_stat_field()
{
	local line
	line=$(cat "$1" 2>/dev/null) || return 0
	line=${line##*) }
	printf '%s\n' "$line" | cut -d' ' -f"$2"
}

# proc_state PID|PID/task/TID: the state letter (R S D T t Z...), empty when gone.
proc_state()
{
	proc_stat_field "/proc/$1/stat" 1
}

# tracer_pid PID|TID: the TracerPid in /proc/PID/status (0: not traced), empty when gone.
tracer_pid()
{
	local key val
	while read -r key val; do
		[ "$key" = TracerPid: ] && echo "$val" && return 0
	done 2>/dev/null <"/proc/$1/status"
	return 0
}

# task_ids PID: PID's threads, one tid a line.
task_ids()
{
	ls "/proc/$1/task" 2>/dev/null
}

# task_named PID NAME: the tid of PID's (first) thread named NAME; empty when none.
task_named()
{
	local tid
	for tid in $(task_ids "$1"); do
		if [ "$(cat "/proc/$1/task/$tid/comm" 2>/dev/null)" = "$2" ]; then
			echo "$tid"
			return 0
		fi
	done
	return 0
}

# task_cpu_ticks PID TID: the thread's utime + stime, in clock ticks (getconf CLK_TCK a second).
task_cpu_ticks()
{
	local st
	st=$(proc_stat_field "/proc/$1/task/$2/stat" 12-13)
	[ -n "$st" ] && echo $((${st% *} + ${st#* }))
}

# task_runtime_ns PID TID: the thread's CPU time in nanoseconds from /proc/PID/task/TID/schedstat
# (empty when the kernel has no schedstat).
task_runtime_ns()
{
	local ns rest
	read -r ns rest <"/proc/$1/task/$2/schedstat" 2>/dev/null && echo "$ns"
	return 0
}

# all_traced_by PID TRACER: every thread of PID has TracerPid TRACER.
all_traced_by()
{
	local tid n=0
	for tid in $(task_ids "$1"); do
		[ -d "/proc/$1/task/$tid" ] || continue
		[ "$(tracer_pid "$1/task/$tid")" = "$2" ] || return 1
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}

# tracers PID: "TID:TRACERPID" for each thread of PID, on one line (for diagnostics).
tracers()
{
	local tid
	for tid in $(task_ids "$1"); do
		printf '%s:%s ' "$tid" "$(tracer_pid "$1/task/$tid")"
	done
	echo
}

# wait_attached PID SECS: wait (SECS at most, less if prof exits) until the prof started by
# bg_prof ($bg_pid) traces every thread of PID; fails unless it does.
wait_attached()
{
	wait_until "$2" eval 'all_traced_by '"$1"' "$bg_pid" || ! proc_running "$bg_pid"'
	all_traced_by "$1" "$bg_pid"
}

# all_stopped PID: every thread of PID is stopped (state T, or t for a traced one).
all_stopped()
{
	local tid n=0
	for tid in $(task_ids "$1"); do
		case $(proc_state "$1/task/$tid") in
		T | t) n=$((n + 1)) ;;
		'') ;;
		*) return 1 ;;
		esac
	done
	[ "$n" -gt 0 ]
}

# untouched PID: PID runs, and none of its threads is stopped (state T or t) or traced
# (TracerPid not 0). What is wrong goes to $untouched_why.
untouched()
{
	local tid st tp
	untouched_why=
	proc_running "$1" || { untouched_why="$1 is not running"; return 1; }
	for tid in $(task_ids "$1"); do
		st=$(proc_state "$1/task/$tid")
		tp=$(tracer_pid "$1/task/$tid")
		case $st in
		T | t) untouched_why="$untouched_why thread $tid is stopped ($st);" ;;
		esac
		case $tp in
		0 | '') ;;
		*) untouched_why="$untouched_why thread $tid is traced by $tp;" ;;
		esac
	done
	[ -z "$untouched_why" ]
}

# untouched_ok PID NAME: untouched as a TAP check.
untouched_ok()
{
	if untouched "$1"; then
		pass "$2"
	else
		fail "$2" "$untouched_why"
	fi
}

# child_of PARENT COMM: the pid of PARENT's running child named COMM; empty when none.
child_of()
{
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		if [ "$(cat "/proc/$c/comm" 2>/dev/null)" = "$2" ] && proc_running "$c"; then
			echo "$c"
			return 0
		fi
	done
	return 0
}

# fd_count PID: how many files PID has open.
fd_count()
{
	ls "/proc/$1/fd" 2>/dev/null | wc -l | tr -d ' '
}

# perf_fd_count PID: how many perf_event file descriptors PID has open.
perf_fd_count()
{
	local fd n=0
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "anon_inode:[perf_event]" ] && n=$((n + 1))
	done
	echo "$n"
}

# signal_pending PID SIGNUM: SIGNUM is pending for PID (in its main thread's or its process's
# queue).
signal_pending()
{
	local key val
	while read -r key val; do
		case $key in
		SigPnd: | ShdPnd:)
			[ $(((0x$val >> ($2 - 1)) & 1)) = 1 ] && return 0
			;;
		esac
	done 2>/dev/null <"/proc/$1/status"
	return 1
}

# raw_samples FILE: -raw's samples as one line per sample:
#   VALUE1<TAB>VALUE2<TAB>key=value,key=value,... (labels sorted by key)
# With prof's sample types VALUE1 is the sample count and VALUE2 the CPU time in nanoseconds.
raw_samples()
{
	pprof_raw "$1" | awk '
	function flush() {
		if (v1 != "") {
			n = 0
			for (k in lab) {
				# insertion sort of the keys (mawk has no asorti)
				j = ++n
				while (j > 1 && keys[j - 1] > k) { keys[j] = keys[j - 1]; j-- }
				keys[j] = k
			}
			s = ""
			for (i = 1; i <= n; i++) s = s (i > 1 ? "," : "") keys[i] "=" lab[keys[i]]
			printf "%s\t%s\t%s\n", v1, v2, s
		}
		v1 = ""
		for (k in lab) delete lab[k]
	}
	/^Samples:/ { on = 1; next }
	/^Locations/ { flush(); on = 0 }
	!on { next }
	/^ +[0-9]+ +[0-9]+: / { flush(); v1 = $1; v2 = $2; sub(/:$/, "", v2); next }
	/^ +[0-9]+: / { flush(); v1 = $1; sub(/:$/, "", v1); v2 = ""; next }
	v1 != "" {
		l = $0
		while (match(l, /[A-Za-z_][A-Za-z0-9_.-]*:\[[^]]*\]/)) {
			t = substr(l, RSTART, RLENGTH); l = substr(l, RSTART + RLENGTH)
			k = t; sub(/:.*/, "", k); v = t; sub(/^[^:]*:\[/, "", v); sub(/\]$/, "", v)
			lab[k] = v
		}
	}
	END { flush() }'
}

# label_counts FILE KEY: per value of label KEY (samples without it: "-"), the number of
# samples: VALUE<TAB>COUNT, one line each.
label_counts()
{
	raw_samples "$1" | awk -F '\t' -v k="$2" '{
		v = "-"; n = split($3, a, ",")
		for (i = 1; i <= n; i++) { split(a[i], kv, "="); if (kv[1] == k) v = substr(a[i], length(k) + 2) }
		c[v] += $1
	} END { for (v in c) printf "%s\t%d\n", v, c[v] }' | sort
}
