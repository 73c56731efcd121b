#!/usr/bin/env bash
# Prometheus for the tests of deploy/prometheus (promtool's rule tests, and a live Prometheus scraping
# `ferry server`): Debian's package, installed with apt-get if missing. Prints the two paths.
#
#   deploy/local/prometheus.sh install
set -euo pipefail

case "${1:-}" in
  install)
    if [[ ! -x /usr/bin/prometheus || ! -x /usr/bin/promtool ]]; then
      echo "prometheus or promtool not found; installing Debian's prometheus" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2
      apt-get install -y -qq --no-install-recommends prometheus >&2
    fi
    echo /usr/bin/prometheus
    echo /usr/bin/promtool
    ;;
  *)
    echo "usage: $0 install" >&2
    exit 2
    ;;
esac
