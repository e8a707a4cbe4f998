#!/usr/bin/env bash
# Install what the tests need and run them: the README's test command.
# The playground's browser tests drive Debian's Chromium (Playwright's own browser download is
# not needed); it is installed with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
    SUDO=""
    if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium > /dev/null
fi
pip install -e ".[test]"
python -m pytest "$@"
