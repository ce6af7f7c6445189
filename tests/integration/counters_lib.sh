# counters_lib.sh: helpers for the counter-group tests (counters*.test), sourced after lib.sh.
#
# A profile recorded with `-e LEADER,MEMBER...` has the sample types samples/count, the
# leader's type, then one per member, and for each member a comment
#   counter NAME: X by a final read of every thread, Y in samples
# where X is what prof read from each thread's counter at its end and Y the sum of that
# member's values in the samples. The helpers here read the same facts back with the
# independent readers (protoc through profile_summary, go tool pprof -raw).

# have_pmu: this machine has a core hardware PMU (cycles, instructions... can be opened).
have_pmu()
{
	local d
	for d in cpu cpu_core cpu_atom; do
		[ -e "/sys/bus/event_source/devices/$d" ] && return 0
	done
	return 1
}

# sample_types SUMMARY: the sample types from a profile_summary file, as TYPE/UNIT words
# joined by spaces ("samples/count cpu/nanoseconds tsc/count").
sample_types()
{
	awk '$1 == "sample_type" { printf "%s%s/%s", (n++ ? " " : ""), $2, $3 } END { print "" }' "$1"
}

# raw_types FILE: the header line of `go tool pprof -raw`'s Samples section, the sample types
# as pprof names them ("samples/count cpu/nanoseconds[dflt] tsc/count").
raw_types()
{
	pprof_raw "$1" | awk '/^Samples:/ { getline; sub(/^ +/, ""); sub(/ +$/, ""); print; exit }'
}

# raw_value_sums FILE: the sum of each sample value column in `go tool pprof -raw`, space
# separated, in sample type order.
raw_value_sums()
{
	pprof_raw "$1" | awk '
	/^Samples:/ { on = 1; getline; next }
	/^Locations/ { on = 0 }
	on && /^ +[0-9]+( +[0-9]+)*: / {
		l = $0; sub(/:.*/, "", l); n = split(l, v, " ")
		for (i = 1; i <= n; i++) s[i] += v[i]
		if (n > max) max = n
	}
	END { for (i = 1; i <= max; i++) printf "%s%.0f", (i > 1 ? " " : ""), s[i]; print "" }'
}

# counter_comment SUMMARY EVENT: "X Y" from the comment "counter EVENT: X by a final read of
# every thread, Y in samples..." (empty when there is no such comment), then the rest of it.
counter_comment()
{
	awk -v ev="$2" '$1 == "comment" && $2 == "counter" && $3 == ev ":" {
		x = $4; y = ""
		for (i = 5; i < NF; i++) if ($i == "thread,") { y = $(i + 1); break }
		print x, y; exit }' "$1"
}

# check_bookkeeping NAME FILE SUMMARY EVENT...: the exact-bookkeeping property for each member
# EVENT (the profile's members in order, sample value 3, 4, ...): the sum of its sample values
# (protoc's and pprof -raw's) equals what a final read of every thread gave, and both equal
# the comment's "in samples" figure. An EVENT given as NAME+ must also be non-zero.
check_bookkeeping()
{
	local name=$1 file=$2 summary=$3 idx=3 ev need xy x y psum rsum sums
	shift 3
	sums=$(raw_value_sums "$file")
	for ev in "$@"; do
		need=
		case $ev in *+) ev=${ev%+} need=yes ;; esac
		xy=$(counter_comment "$summary" "$ev")
		x=${xy% *} y=${xy#* }
		psum=$(awk -v i="$idx" '$1 == "value_sum" && $2 == i { print $3 }' "$summary")
		rsum=$(echo "$sums" | awk -v i="$idx" '{ print $i }')
		if [ -z "$xy" ] || [ -z "$x" ] || [ -z "$y" ]; then
			fail "$name: $ev: a 'counter $ev: X by a final read of every thread, Y in samples' comment" \
				"$(grep '^comment counter' "$summary")"
		else
			is "$psum" "$x" "$name: $ev: the samples' values (protoc) add up to the final read ($x)"
			is "$rsum" "$psum" "$name: $ev: go tool pprof -raw adds them up the same"
			is "$y" "$x" "$name: $ev: the comment's in-samples figure equals its final read"
			[ -n "$need" ] && num_ok "$x" ">" 0 "$name: $ev: counted something"
		fi
		idx=$((idx + 1))
	done
}

# kernel_hide_re FILE: an anchored ERE (RE2 too) matching the name of every kernel function in
# the profile (the locations of its [kernel...] mapping), for pprof's -hide; a regexp that
# matches nothing when there is none.
kernel_hide_re()
{
	local kid
	kid=$(raw_mappings "$1" | awk '$3 ~ /^\[kernel/ { id = $1; sub(/:$/, "", id); print id; exit }')
	[ -n "$kid" ] || { echo '^$'; return; }
	raw_locations "$1" | awk -F '\t' -v k="$kid" '
	$2 == k {
		n = split($4, fr, ";")
		for (i = 1; i <= n; i++) {
			f = fr[i]; sub(/ [^ ]*$/, "", f)
			gsub(/[][.*+?(){}|^$\\]/, "\\\\&", f)
			if (f != "" && !(f in seen)) { seen[f] = 1; re = re (re == "" ? "" : "|") f }
		}
	}
	END { print (re == "" ? "^$" : "^(" re ")$") }'
}
