#!/bin/bash
# ApplicationStop (runs from the previously deployed revision): stop the
# server gracefully; systemd sends SIGTERM and the server drains requests.
set -euo pipefail
if systemctl list-unit-files gureum-webapp.service >/dev/null 2>&1; then
  systemctl stop gureum-webapp.service || true
fi
