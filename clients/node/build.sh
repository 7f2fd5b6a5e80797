#!/usr/bin/env bash
# The Node.js meter's part of the build (run by Maven, module gridlet-node-meter; usable by hand):
#   build.sh install   check Node 20+ and npm, then install the locked packages (npm ci) when needed
#   build.sh test      the meter's own tests (node --test)
set -euo pipefail
cd "$(dirname "$0")"
need() {
  if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
    echo "clients/node: Node.js 20 or later and npm are needed (the Node.js meter and its interop test); install them (e.g. https://nodejs.org or your distribution's nodejs + npm) and run again" >&2
    exit 1
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 20 ]; then
    echo "clients/node: Node.js 20 or later is needed, found $(node --version)" >&2
    exit 1
  fi
}
case "${1:-}" in
  install)
    need
    # the lockfile decides; reinstall only when it changed since the last install
    if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.gridlet-installed-lock; then
      npm ci --no-audit --no-fund --loglevel=error
      cp package-lock.json node_modules/.gridlet-installed-lock
    fi
    ;;
  test)
    need
    npm test --silent
    ;;
  *)
    echo "usage: build.sh install|test" >&2
    exit 2
    ;;
esac
