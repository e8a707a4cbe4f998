#!/usr/bin/env bash
# Install what the tests need and run them: the README's test command.
# The playground's browser tests drive Debian's Chromium (Playwright's own browser download is
# not needed). When it is missing it is installed with apt-get, as root or through sudo, waiting
# up to ten minutes for another package manager to let go of its lock. Without root or sudo the
# other tests still run, and the browser test fails with a message naming what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# apt-get "$@", retried for up to ten minutes while another process holds apt's or dpkg's lock
apt_get_waiting() {
    local deadline=$((SECONDS + 600)) log
    log="$(mktemp)"
    until $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@" \
        > /dev/null 2> "$log"; do
        if ! grep -qi "lock" "$log" || [ "$SECONDS" -ge "$deadline" ]; then
            cat "$log" >&2
            rm -f "$log"
            return 1
        fi
        echo "scripts/test.sh: waiting for another package manager to release its lock" >&2
        sleep 10
    done
    rm -f "$log"
}

if [ ! -x /usr/bin/chromium ]; then
    SUDO=""
    if [ "$(id -u)" != "0" ]; then
        if command -v sudo > /dev/null && sudo -n true 2> /dev/null; then
            SUDO="sudo -n"
        else
            SUDO="none"
        fi
    fi
    if [ "$SUDO" = "none" ]; then
        echo "scripts/test.sh: Debian's chromium is missing and this user can neither install it" \
            "(not root, no sudo): the browser test will fail; 'apt-get install chromium' as root" \
            "makes it pass" >&2
    elif ! { apt_get_waiting update -qq && apt_get_waiting install -y -qq chromium; }; then
        echo "scripts/test.sh: 'apt-get install chromium' failed (above): the browser test will" \
            "fail; the other tests run" >&2
    fi
fi
pip install -e ".[test]"
python -m pytest "$@"
# The notebooks, run top to bottom in a fresh kernel (their committed outputs are not changed)
python -m pytest --nbmake notebooks/ -p no:cacheprovider
