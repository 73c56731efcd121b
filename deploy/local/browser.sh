#!/usr/bin/env bash
# The browser the console's tests drive: Debian's chromium and its chromedriver, installed with
# apt-get if missing. Prints the two paths.
#
#   deploy/local/browser.sh install
set -euo pipefail

case "${1:-}" in
  install)
    if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
      echo "chromium or chromedriver not found; installing Debian's chromium and chromium-driver" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2
      apt-get install -y -qq chromium chromium-driver >&2
    fi
    echo /usr/bin/chromium
    echo /usr/bin/chromedriver
    ;;
  *)
    echo "usage: $0 install" >&2
    exit 2
    ;;
esac
