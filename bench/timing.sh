# Timing helpers shared by the benchmark scripts (sourced; $work must be set).
# timed FILE CMD...: runs CMD, appends "wall cpu(user+sys) maxrss_kib" to FILE.
timed() {
  local out="$1"; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.$$" "$@" >/dev/null 2>"$work/stderr.$$" || {
    cat "$work/stderr.$$" >&2; return 1; }
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$work/time.$$" >> "$out"
  rm -f "$work/time.$$" "$work/stderr.$$"
}
# median FILE COLUMN: the median of a column of numbers.
median() { sort -n -k"$2" "$1" | awk -v k="$2" '{ v[NR] = $k } END { print v[int((NR + 1) / 2)] }'; }
