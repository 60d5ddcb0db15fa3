# Timing helpers shared by the benchmark scripts (sourced; $work must be set).
# timed FILE CMD...: runs CMD, appends "wall cpu(user+sys) maxrss_kib" to FILE.
# The wall time is the shell's clock's, to the millisecond: /usr/bin/time's own (%e) moves in steps
# of 10 ms, the whole of a sync with nothing to do. CPU seconds stay /usr/bin/time's.
timed() {
  local out="$1" start end; shift
  start=$EPOCHREALTIME
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.$$" "$@" >/dev/null 2>"$work/stderr.$$" || {
    cat "$work/stderr.$$" >&2; return 1; }
  end=$EPOCHREALTIME
  awk -v start="$start" -v end="$end" '{ printf "%.3f %.2f %s\n", end - start, $2 + $3, $4 }' "$work/time.$$" >> "$out"
  rm -f "$work/time.$$" "$work/stderr.$$"
}
# median FILE COLUMN: the median of a column of numbers.
median() { sort -n -k"$2" "$1" | awk -v k="$2" '{ v[NR] = $k } END { print v[int((NR + 1) / 2)] }'; }
