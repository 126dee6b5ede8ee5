#!/usr/bin/env bash
# Installs what the browser test of the Voila demo needs: Debian's chromium and chromedriver, and selenium.
# Idempotent; needs root (or sudo) for apt-get.
set -euo pipefail
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi
python3 -c "import selenium" 2>/dev/null || python3 -m pip install -q "selenium>=4.20"
chromium --version
