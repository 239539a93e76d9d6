#!/usr/bin/env bash
# Builds the console's image from deploy/Dockerfile with buildah (no Docker daemon needed) and runs
# it as the Deployment does: as the image's user, on a read-only root file system with /tmp and the
# data directory writable, the image's own environment, working directory, command and health check.
# It checks that the console starts (with its embedded control plane and demo mesh, since no
# cluster is configured), serves its probes and the SPA, cannot write outside those two places, and
# stops on SIGTERM. Root, Linux, buildah; a few minutes (npm ci and the build run inside).
#
#   bash deploy/check-image.sh                  the Dockerfile's base image, pulled from Docker Hub
#   bash deploy/check-image.sh --stand-in-base  where Docker Hub cannot be reached (this project's
#       machine): node:20-bookworm-slim is stood in for by Debian bookworm (debootstrap) with this
#       machine's Node 20 and npm, its CA bundle (npm through a TLS-inspecting proxy) and Node's
#       headers (node-gyp cannot download them). The Dockerfile's steps are the ones checked, not
#       the official base image.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TAG=localhost/mesh-console:check
BASE=docker.io/library/node:20-bookworm-slim
PORT=18080
STAND_IN=false
BUILD=true
for arg in "$@"; do
  case "$arg" in
    --stand-in-base) STAND_IN=true ;;
    --no-build) BUILD=false ;; # the checks alone, on the image the last run built
    *) echo "usage: bash deploy/check-image.sh [--stand-in-base] [--no-build]" >&2 && exit 2 ;;
  esac
done

fail() {
  echo "check-image: FAILED: $*" >&2
  exit 1
}
command -v buildah >/dev/null || fail "buildah is not installed (apt-get install -y buildah)"
[[ $(id -u) == 0 ]] || fail "run as root (chroot, mounts)"

WORK="$(mktemp -d)"
ROOTFS="$WORK/root"
CONTAINER=""
PID=""
cleanup() {
  if [[ -n "$PID" ]]; then
    kill -KILL "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  for m in "$ROOTFS/dev" "$ROOTFS/proc" "$ROOTFS${DATA_DIR:-/nonexistent}" "$ROOTFS/tmp" "$ROOTFS"; do
    if mountpoint -q "$m" 2>/dev/null; then umount "$m" || umount -l "$m"; fi
  done
  [[ -n "$CONTAINER" ]] && buildah rm "$CONTAINER" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if $BUILD && $STAND_IN; then
  command -v debootstrap >/dev/null || fail "debootstrap is not installed (apt-get install -y debootstrap)"
  [[ $(node -p 'process.versions.node.split(".")[0]') == 20 ]] || fail "the stand-in base needs this machine's Node to be 20"
  echo "check-image: a stand-in for $BASE (debootstrap bookworm, this machine's Node $(node -v))"
  debootstrap --variant=minbase bookworm "$WORK/base" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 || {
    tail -20 "$WORK/debootstrap.log" >&2 # $WORK goes when the script exits
    fail "debootstrap"
  }
  NODE_PREFIX="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
  install -m 0755 "$(readlink -f "$(command -v node)")" "$WORK/base/usr/local/bin/node"
  mkdir -p "$WORK/base/usr/local/lib/node_modules" "$WORK/base/usr/local/include"
  cp -a "$NODE_PREFIX/lib/node_modules/npm" "$WORK/base/usr/local/lib/node_modules/"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$WORK/base/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$WORK/base/usr/local/bin/npx"
  cp -a "$NODE_PREFIX/include/node" "$WORK/base/usr/local/include/node"
  mkdir -p "$WORK/base/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$WORK/base/etc/ssl/certs/ca-certificates.crt"
  base="$(buildah from scratch)"
  cp -a "$WORK/base/." "$(buildah mount "$base")/"
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt --env npm_config_nodedir=/usr/local \
    --cmd node "$base"
  buildah commit -q "$base" "$BASE" >/dev/null
  buildah rm "$base" >/dev/null
  rm -rf "$WORK/base"
fi

if $BUILD; then
  echo "check-image: building $TAG from deploy/Dockerfile"
  # The stand-in is only ever used when asked for: otherwise the base is pulled even if a stand-in
  # of a previous run has its name here.
  pull=(--pull=always)
  $STAND_IN && pull=(--pull=never)
  # Docker's format keeps the HEALTHCHECK (the OCI format has none).
  buildah bud --isolation chroot --format docker "${pull[@]}" -f "$ROOT/deploy/Dockerfile" -t "$TAG" "$ROOT" \
    >"$WORK/build.log" 2>&1 || {
    tail -40 "$WORK/build.log" >&2
    fail "the image did not build"
  }
fi

# The image's configuration (Docker's format), one field at a time.
buildah inspect --type image "$TAG" >"$WORK/image.json"
field() {
  node -e 'const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).Docker.config[process.argv[2]];
    process.stdout.write(typeof v === "string" ? v : JSON.stringify(v ?? null))' "$WORK/image.json" "$1"
}
USER_SPEC="$(field User)"
WORKDIR="$(field WorkingDir)"
mapfile -t ENV_LINES < <(node -e 'for (const e of JSON.parse(process.argv[1])) console.log(e)' "$(field Env)")
CMD_JSON="$(field Cmd)"
HEALTH_JSON="$(node -p 'JSON.stringify(JSON.parse(process.argv[1])?.Test ?? null)' "$(field Healthcheck)")"
DATA_DIR="$(printf '%s\n' "${ENV_LINES[@]}" | sed -n 's/^MESH_CONSOLE_DATA_DIR=//p')"
[[ "$USER_SPEC" =~ ^[1-9][0-9]*:[0-9]+$ ]] || fail "the image's user is '$USER_SPEC', not a numeric non-root uid:gid"
[[ -n "$DATA_DIR" ]] || fail "the image sets no MESH_CONSOLE_DATA_DIR"
[[ "$HEALTH_JSON" == '["CMD",'* ]] || fail "the image has no HEALTHCHECK (got $HEALTH_JSON)"
uid="${USER_SPEC%%:*}"
gid="${USER_SPEC##*:}"
# An argv from the image's JSON (from its `skip`-th word), NUL-separated for mapfile.
argv() { node -e 'for (const a of JSON.parse(process.argv[1]).slice(Number(process.argv[2]))) process.stdout.write(`${a}\0`)' "$1" "$2"; }
mapfile -d '' CMD < <(argv "$CMD_JSON" 0)
mapfile -d '' HEALTH < <(argv "$HEALTH_JSON" 1)

# The container: its file system read-only, /tmp and the data directory on tmpfs owned by its user.
CONTAINER="$(buildah from --pull=never "$TAG")"
mkdir -p "$ROOTFS"
mount --bind "$(buildah mount "$CONTAINER")" "$ROOTFS"
mount -o remount,bind,ro "$ROOTFS"
mount -t tmpfs -o "uid=$uid,gid=$gid,mode=1777" tmpfs "$ROOTFS/tmp"
mount -t tmpfs -o "uid=$uid,gid=$gid,mode=0700" tmpfs "$ROOTFS$DATA_DIR"
mount -t proc proc "$ROOTFS/proc"
mount --bind /dev "$ROOTFS/dev"
# A command in the container: as its user, in its working directory, with its environment alone.
IN=(chroot --userspec="$USER_SPEC" "$ROOTFS" /usr/bin/env -i "${ENV_LINES[@]}" PORT="$PORT" HOME=/tmp
  /bin/sh -c 'cd "$0" && exec "$@"' "$WORKDIR")

echo "check-image: running it as $USER_SPEC on a read-only root, port $PORT"
"${IN[@]}" "${CMD[@]}" >"$WORK/console.log" 2>&1 &
PID=$!
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$PID" 2>/dev/null || {
    tail -20 "$WORK/console.log" >&2
    fail "the console exited"
  }
  sleep 1
done
code() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$1"; }
[[ $(code /livez) == 200 ]] || fail "/livez did not answer 200"
[[ $(code /readyz) == 200 ]] || fail "/readyz did not answer 200 within 60 s"
[[ $(curl -s -o /dev/null -w '%{redirect_url}' "http://127.0.0.1:$PORT/") == *"/signin"* ]] ||
  fail "/ did not send a visitor to sign in"
asset="$(curl -s "http://127.0.0.1:$PORT/signin" | grep -o '/assets/[^"]*\.js' | head -1)"
[[ -n "$asset" && $(code "$asset") == 200 ]] || fail "the SPA's script ($asset) is not served"
[[ $(stat -c %u "/proc/$PID") == "$uid" ]] || fail "the console does not run as uid $uid"
# /var/tmp is writable by everyone in the image: only a read-only root keeps the console from it.
"${IN[@]}" touch /var/tmp/written-by-the-console 2>/dev/null && fail "the root file system is writable"
"${IN[@]}" touch "$DATA_DIR/written-by-the-console" || fail "the data directory is not writable"
"${IN[@]}" "${HEALTH[@]}" || fail "the image's HEALTHCHECK failed"
kill -TERM "$PID"
for _ in $(seq 1 45); do
  kill -0 "$PID" 2>/dev/null || break
  sleep 1
done
if kill -0 "$PID" 2>/dev/null; then fail "the console did not stop within 45 s of SIGTERM"; fi
wait "$PID" || fail "the console exited with $? on SIGTERM"
PID=""
grep -q '"msg":"stopped"' "$WORK/console.log" || fail "the console did not log that it stopped"
echo "check-image: ok ($TAG, $(buildah images --format '{{.Size}}' "$TAG"): user $USER_SPEC, read-only root, probes, SPA, health check, SIGTERM)"
