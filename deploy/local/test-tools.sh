#!/usr/bin/env bash
# Programs some tests drive, from Debian's packages, installed with apt-get if missing; prints their
# paths, one a line.
#
#   deploy/local/test-tools.sh install browser      # chromium and chromedriver (the console's tests)
#   deploy/local/test-tools.sh install prometheus   # prometheus and promtool (the alerting rules' tests)
set -euo pipefail

case "${1:-} ${2:-}" in
  "install browser") apt_args=(chromium chromium-driver); paths=(/usr/bin/chromium /usr/bin/chromedriver) ;;
  # without its recommends: exporters and their services, which the tests do not need
  "install prometheus") apt_args=(prometheus --no-install-recommends); paths=(/usr/bin/prometheus /usr/bin/promtool) ;;
  *)
    echo "usage: $0 install browser|prometheus" >&2
    exit 2
    ;;
esac
for p in "${paths[@]}"; do
  if [[ ! -x "$p" ]]; then
    echo "$p not found; installing Debian's ${apt_args[0]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq "${apt_args[@]}" >&2
    break
  fi
done
printf '%s\n' "${paths[@]}"
