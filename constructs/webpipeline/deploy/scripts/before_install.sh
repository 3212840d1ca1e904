#!/bin/bash
# BeforeInstall: the unprivileged user the server runs as, and its directories.
set -euo pipefail
if ! id -u gureum-webapp >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /sbin/nologin gureum-webapp
fi
install -d -m 0755 -o root -g root /opt/gureum/webapp/bin /etc/gureum
rm -f /opt/gureum/webapp/bin/webapp
