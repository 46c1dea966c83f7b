#!/bin/sh
# Installs Debian's Chromium for tests/test_fava_browser.py when it is missing.
# Needs root (CI and the developers' machines run as root) and Debian's package index.
set -e
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
command -v chromium
