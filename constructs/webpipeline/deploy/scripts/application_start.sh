#!/bin/bash
# ApplicationStart: start the new binary.
set -euo pipefail
systemctl restart gureum-webapp.service
