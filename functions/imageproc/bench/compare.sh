#!/usr/bin/env bash
# Compares imageproc with ImageMagick, one core each, on generated photo-like
# JPEGs (1, 6, 12, 24 MP): both produce the default renditions (256x256 q82
# and 1024x1024 q85, aspect kept) from one decode, and the thumbnail alone.
#
# Times are CPU time (user+sys) per image, which stays meaningful on a busy
# machine; wall time is shown for Go. Go is timed inside one process, after a
# warm-up run; ImageMagick is one process per image, so its figures (IM cpu,
# IM thumb) include its process start-up. The start-up alone (an 8x8 image)
# is measured too, and the "-start" columns and ratios subtract it.
#
# Usage: functions/imageproc/bench/compare.sh [workdir]   (N=runs, default 5)
# Needs: Go, and ImageMagick (apt-get install -y imagemagick).
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
dir=${1:-$(mktemp -d -t imageproc-bench.XXXXXX)}
n=${N:-5}
im=${IM:-}
if [[ -z $im ]]; then
	for c in magick /usr/bin/convert-im6.q16 /usr/bin/convert; do
		if command -v "$c" >/dev/null; then im=$c; break; fi
	done
fi
[[ -n $im ]] || { echo "ImageMagick not found: apt-get install -y imagemagick" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "/usr/bin/time not found: apt-get install -y time" >&2; exit 1; }
export MAGICK_THREAD_LIMIT=1 OMP_NUM_THREADS=1

mkdir -p "$dir/out"
cd "$root"
go run ./functions/imageproc/bench/gen -out "$dir" >/dev/null
go build -o "$dir/gorun" ./functions/imageproc/bench/gorun
images=(1MP 6MP 12MP 24MP)
files=()
for i in "${images[@]}"; do files+=("$dir/$i.jpg"); done

thumb='[{"name":"thumb","maxWidth":256,"maxHeight":256,"format":"jpeg","quality":82}]'
GOMAXPROCS=1 "$dir/gorun" -n "$n" -out "$dir/out" "${files[@]}" >"$dir/go-both.tsv"
GOMAXPROCS=1 "$dir/gorun" -n "$n" -renditions "$thumb" "${files[@]}" >"$dir/go-thumb.tsv"

# imcpu <command...>: mean CPU milliseconds (user+sys) of n runs.
imcpu() {
	local total=0 t
	for ((r = 0; r < n; r++)); do
		/usr/bin/time -f '%U %S' -o "$dir/time.txt" "$@" >/dev/null 2>&1
		t=$(awk '{printf "%d", ($1 + $2) * 1000}' "$dir/time.txt")
		total=$((total + t))
	done
	echo $((total / n))
}

# The start-up is a few ms, below /usr/bin/time's 10 ms steps: time 50 runs
# in one shell and divide, to a tenth of a millisecond.
/usr/bin/time -f '%U %S' -o "$dir/time.txt" sh -c \
	'for i in $(seq 50); do "$1" -size 8x8 xc:gray "$2"; done' sh "$im" "$dir/out/startup.jpg" >/dev/null 2>&1
startup=$(awk '{printf "%.1f", ($1 + $2) * 1000 / 50}' "$dir/time.txt")
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", a - b }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
col() { awk -F'\t' -v f="$1.jpg" -v c="$2" '$1 == f { print $c }' "$3"; }

printf '%-5s | %-22s | %9s %9s | %9s %9s | %7s || %9s | %9s %9s | %7s\n' \
	image "Go output sizes" "Go cpu" "Go wall" "IM cpu" "IM-start" "IM-st/Go" "Go thumb" "IM thumb" "IM-start" "IM-st/Go"
printf '%s\n' "------+------------------------+---------------------+---------------------+----------++-----------+---------------------+---------"
for i in "${images[@]}"; do
	f="$dir/$i.jpg"
	both=$(imcpu "$im" "$f" \( +clone -resize 1024x1024 -quality 85 -write "$dir/out/im-$i-medium.jpg" +delete \) \
		-resize 256x256 -quality 82 "$dir/out/im-$i-thumb.jpg")
	th=$(imcpu "$im" "$f" -resize 256x256 -quality 82 "$dir/out/im-$i-thumb-only.jpg")
	gb=$(col "$i" 2 "$dir/go-both.tsv")
	gw=$(col "$i" 3 "$dir/go-both.tsv")
	gt=$(col "$i" 2 "$dir/go-thumb.tsv")
	sizes=$(col "$i" 4 "$dir/go-both.tsv" | sed 's/thumb=//; s/medium=//; s/,/ /')
	imsizes=$(identify -format '%wx%h ' "$dir/out/im-$i-thumb.jpg" "$dir/out/im-$i-medium.jpg" 2>/dev/null || true)
	bs=$(minus "$both" "$startup")
	ts=$(minus "$th" "$startup")
	printf '%-5s | %-22s | %7sms %7sms | %7sms %7sms | %7sx || %7sms | %7sms %7sms | %6sx\n' \
		"$i" "$sizes" "$gb" "$gw" "$both" "$bs" "$(ratio "$bs" "$gb")" "$gt" "$th" "$ts" "$(ratio "$ts" "$gt")"
	[[ "$imsizes" == "$sizes " ]] || echo "      (ImageMagick sizes: $imsizes)"
done
echo
echo "ImageMagick start-up alone: ${startup}ms CPU per run (mean of 50), included in 'IM cpu' and 'IM thumb',"
echo "subtracted in 'IM-start'. /usr/bin/time counts in 10ms steps, so each figure is a mean of $n runs."
echo "Runs per figure: $n. Work directory: $dir"
