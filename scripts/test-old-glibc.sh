#!/usr/bin/env bash
# Loads the built linux-x64-gnu package on Debian 11 (glibc 2.31, older than
# the 2.34 a plain cargo build here needs) and uses the cache there: the real
# proof behind scripts/check-glibc.cjs's symbol check. Opt-in, not in
# `npm test`: it needs root (chroot) and ~80 s and 300 MB for debootstrap,
# and depends on bullseye staying on the Debian mirror. The release workflow
# does the same in node:20-bullseye.
#   npm run test:old-glibc
set -euo pipefail
cd "$(dirname "$0")/.."

root=.tools/debian-bullseye
binary=hotpath.linux-x64-gnu.node
[ -f "$binary" ] || { echo "$binary is missing: run npm run build"; exit 1; }
if [ ! -x "$root/bin/sh" ]; then
  command -v debootstrap >/dev/null || { apt-get update -q && apt-get install -y -q debootstrap; }
  debootstrap --variant=minbase bullseye "$root" http://deb.debian.org/debian
fi
echo "glibc in the chroot: $(chroot "$root" ldd --version | head -1)"

# This Node.js (whose own binary needs glibc 2.28) and the package as npm installs it.
app="$root/app"
rm -rf "$app" && mkdir -p "$app/node_modules/hotpath"
cp "$(readlink -f "$(command -v node)")" "$root/usr/local/bin/node"
cp -r package.json lib js "$binary" "$app/node_modules/hotpath/"
env -u NODE_EXTRA_CA_CERTS chroot "$root" /usr/local/bin/node -e "
  const { SimpleCache } = require('/app/node_modules/hotpath/cache.js')
  const cache = new SimpleCache(2, 300)
  cache.set('a', 1); cache.set('b', 2); cache.get('a'); cache.set('c', 3)
  if (cache.get('a') !== 1 || cache.has('b')) throw new Error('LRU eviction misbehaved on glibc 2.31')
  console.log('ok: hotpath loaded and evicted least-recently-used on', process.report.getReport().header.glibcVersionRuntime)
"
