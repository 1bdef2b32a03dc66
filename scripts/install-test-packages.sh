#!/usr/bin/env bash
# Install the Debian packages the test suite needs and the machine lacks (with sudo when not root):
# Chromium with a CJK font for the browser tests, PostgreSQL and Redis server programs (the suite
# starts its own throw-away servers from them), unzip for the Elasticsearch distribution.
# A server that a settings variable points at is not installed. Services that a package's own
# scripts start on installation are stopped again: the suite runs its own, on free ports.
set -euo pipefail

packages=()
if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi wqy; then
  packages+=(chromium chromium-l10n fonts-wqy-microhei)
fi
new_services=()
if [ -z "${MATCHMAKER_TEST_DATABASE_URL:-}" ] && ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
  packages+=(postgresql); new_services+=(postgresql)
fi
if [ -z "${MATCHMAKER_TEST_REDIS_URL:-}" ] && ! command -v redis-server >/dev/null; then
  packages+=(redis-server); new_services+=(redis-server)
fi
command -v unzip >/dev/null || packages+=(unzip)

[ ${#packages[@]} -eq 0 ] && exit 0
sudo=$([ "$(id -u)" = 0 ] || echo sudo)
echo "installing Debian packages: ${packages[*]}"
$sudo apt-get update -q
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}"
for service in "${new_services[@]}"; do
  $sudo service "$service" stop >/dev/null 2>&1 || true
done
