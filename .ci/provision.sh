#!/usr/bin/env bash
# Installs the Debian packages the test tiers need and builds pgvector 0.8.0 for PostgreSQL 15.
# Idempotent: a machine that already has everything returns in well under a second.
set -euo pipefail

PG_MAJOR=15
PGVECTOR_VERSION=0.8.0
PG_BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"
PG_SHARE="/usr/share/postgresql/${PG_MAJOR}"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
[ -x "${PG_BIN}/postgres" ] || missing+=("postgresql-${PG_MAJOR}")
[ -x "${PG_BIN}/pg_config" ] || [ -x /usr/bin/pg_config ] || missing+=("postgresql-server-dev-${PG_MAJOR}")
dpkg -s "postgresql-server-dev-${PG_MAJOR}" >/dev/null 2>&1 || missing+=("postgresql-server-dev-${PG_MAJOR}")
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
# The workflow script tests run the .github/scripts the way the runner does, with curl and jq.
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v jq >/dev/null 2>&1 || missing+=(jq)
# The deploy rehearsal runs Debian's AWS CLI against its model of AWS.
[ -x /usr/bin/aws ] || missing+=(awscli)
command -v dpkg-source >/dev/null 2>&1 || missing+=(dpkg-dev)
# The images test builds and runs the container images daemonless (.ci/images/build.mjs).
for package in podman buildah runc uidmap debootstrap netavark aardvark-dns iptables openssl; do
  dpkg -s "${package}" >/dev/null 2>&1 || missing+=("${package}")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "provision: installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" build-essential ca-certificates >/dev/null
fi

installed_version() {
  sed -n "s/^default_version = '\(.*\)'/\1/p" "${PG_SHARE}/extension/vector.control" 2>/dev/null || true
}

if [ "$(installed_version)" != "${PGVECTOR_VERSION}" ]; then
  echo "provision: building pgvector ${PGVECTOR_VERSION} from Debian trixie's source package"
  sources_file=/etc/apt/sources.list.d/trixie-src.sources
  if [ ! -f "${sources_file}" ]; then
    as_root tee "${sources_file}" >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    as_root apt-get update -qq
  fi
  work=$(mktemp -d)
  chmod 755 "${work}"
  (
    cd "${work}"
    apt-get source -qq --download-only "pgvector=${PGVECTOR_VERSION}*" >/dev/null 2>&1 \
      || apt-get source -qq --download-only pgvector >/dev/null
    dpkg-source -x --skip-patches ./*.dsc src >/dev/null
    cd src
    grep -q "^default_version = '${PGVECTOR_VERSION}'" vector.control \
      || { echo "provision: trixie's pgvector is not ${PGVECTOR_VERSION}" >&2; exit 1; }
    make -s -j"$(nproc)" PG_CONFIG="${PG_BIN}/pg_config" >/dev/null
    as_root make -s install PG_CONFIG="${PG_BIN}/pg_config" >/dev/null
  )
  rm -rf "${work}"
fi

echo "provision: postgresql ${PG_MAJOR} + pgvector $(installed_version), $(chromium --version 2>/dev/null | head -1), shellcheck $(shellcheck --version | sed -n 's/^version: //p')"
