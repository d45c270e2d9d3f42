#!/usr/bin/env bash
# Makes Debian's Chromium available for the dashboard's browser tests and exports
# INLET_TEST_CHROMIUM. Source it from another script. Installs the `chromium` package with
# apt-get when the browser is missing; the tests never download a browser of their own.
chromium_path=${INLET_TEST_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium_path" ]; then
  echo "Chromium not found at $chromium_path; installing Debian's chromium package"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
if [ ! -x "$chromium_path" ]; then
  echo "Could not find or install Chromium at $chromium_path" >&2
  exit 1
fi
export INLET_TEST_CHROMIUM="$chromium_path"
