#!/usr/bin/env bash
# The Debian packages the suite drives for real: Chromium (the GraphiQL and REST docs browser tests; playwright
# cannot download a browser of its own here) and HAProxy (the fleet tests start their own). A fresh machine of this
# kind has neither, so `npm test` installs what is missing, as root through apt-get, which such a machine allows.
# Elsewhere it says what to install and goes on: the tests that need a tool fail with the same advice.
set -uo pipefail
missing=()
[ -n "${CHROMIUM_PATH:-}" ] || [ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/haproxy ] || missing+=(haproxy)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing Debian's ${missing[*]} (the browser and fleet tests drive them)"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
    echo "could not install ${missing[*]}: the tests that drive them will fail" >&2
    exit 0
  fi
  # The fleet tests run HAProxy themselves; the service the package may have started is stopped.
  if [[ " ${missing[*]} " == *" haproxy "* ]]; then service haproxy stop >/dev/null 2>&1 || true; fi
else
  echo "== missing: ${missing[*]}; install Debian's packages (apt-get install -y ${missing[*]}) or the tests that drive them fail" >&2
fi
