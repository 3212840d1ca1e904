#!/bin/bash
# AfterInstall: load the (possibly new) unit and start it at boot.
set -euo pipefail
chown root:root /opt/gureum/webapp/bin/webapp
chmod 0755 /opt/gureum/webapp/bin/webapp
systemctl daemon-reload
systemctl enable gureum-webapp.service
