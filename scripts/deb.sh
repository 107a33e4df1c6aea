#!/bin/sh
# make deb: build the Debian package from a copy of the tree in OUTDIR
# (dpkg-buildpackage writes beside the source directory, so the copy keeps
# the checkout clean), then run lintian; any lintian error fails.
#   sh scripts/deb.sh OUTDIR
set -e
out=${1:?usage: deb.sh OUTDIR}
cd "$(dirname "$0")/.."
version=$(dpkg-parsechangelog -S Version)
src=$out/xdirector-$version
rm -rf "$out"
mkdir -p "$src"
# Tracked and untracked files, never build/ or anything .gitignore hides.
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$src"
(cd "$src" && dpkg-buildpackage -b -us -uc >../build.log 2>&1) ||
	{ tail -30 "$out/build.log" >&2; echo "deb: build failed, see $out/build.log" >&2; exit 1; }
deb=$(ls "$out"/xdirector_"$version"_*.deb)
lintian --fail-on error --no-tag-display-limit "$out"/xdirector_"$version"_*.changes \
	>"$out/lintian.log" 2>&1 ||
	{ cat "$out/lintian.log" >&2; echo "deb: lintian errors" >&2; exit 1; }
echo "deb: $deb"
sed 's/^/deb: lintian: /' "$out/lintian.log"
