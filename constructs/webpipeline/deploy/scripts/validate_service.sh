#!/bin/bash
# ValidateService: wait until GET /healthz answers 200 on this instance; a
# failure fails the deployment, and CodeDeploy rolls it back.
set -uo pipefail
port=8080
if [ -r /etc/gureum/webapp.env ]; then
  addr=$(sed -n 's/^LISTEN_ADDR=//p' /etc/gureum/webapp.env | tail -n 1 | tr -d '"'"'"'')
  if [ -n "${addr:-}" ]; then
    port=${addr##*:}
  fi
fi
for _ in $(seq 1 60); do
  if curl -fsS --max-time 2 "http://127.0.0.1:${port}/healthz" >/dev/null; then
    echo "gureum-webapp is healthy on port ${port}"
    exit 0
  fi
  sleep 1
done
echo "gureum-webapp did not answer /healthz on port ${port} within 60s" >&2
systemctl status gureum-webapp.service --no-pager >&2 || true
journalctl -u gureum-webapp.service -n 50 --no-pager >&2 || true
exit 1
