#!/usr/bin/env bash
# Builds semdex's images with no Docker engine and no registry: buildah (Debian: apt-get install buildah
# debootstrap) builds dist/Dockerfile (semdex-query) and cluster/Dockerfile (semdex-flink) unchanged, on a base
# assembled on this machine (BASE_IMAGE): Debian's minimal root filesystem (debootstrap, from Debian's mirror) with
# a Java 25 runtime linked from the local JDK (jlink) at /opt/java/openjdk, as eclipse-temurin has it. It then
# starts each image's entry point as the image's user (buildah run) and checks that it answers, and writes the
# images as OCI archives, which `docker load` and `podman load` take, to dist/target/images/.
#
#   mvn -B -DskipTests package && scripts/build-images.sh        (as root; a few minutes, ~2 GB of disk)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
OUT="$REPO/dist/target/images"
BASE=localhost/semdex-base:25-jre
export STORAGE_DRIVER="${STORAGE_DRIVER:-vfs}" BUILDAH_ISOLATION="${BUILDAH_ISOLATION:-chroot}"

say() { echo "build-images: $*" >&2; }
fail() { echo "build-images: FAIL: $*" >&2; exit 1; }
for tool in buildah debootstrap curl; do command -v "$tool" >/dev/null || fail "$tool is not installed"; done
[ -x "$REPO/dist/target/semdex/bin/semdex" ] && [ -d "$REPO/cluster/target/flink/lib" ] || fail "run mvn -B -DskipTests package first"
. "$REPO/dist/src/main/dist/libexec/find-java.sh"
semdex_find_java || exit 1
mkdir -p "$OUT"

# --- the base: Debian bookworm, minimal, with a Java 25 runtime ------------------------------------------------
if ! buildah inspect --type image "$BASE" >/dev/null 2>&1; then
  rootfs="$OUT/base-rootfs"
  rm -rf "$rootfs"
  say "debootstrap --variant=minbase bookworm (Debian's mirror)"
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$OUT/debootstrap.log" 2>&1 \
    || fail "debootstrap failed: $OUT/debootstrap.log"
  rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*
  say "jlink a Java runtime from $JAVA_HOME"
  mkdir -p "$rootfs/opt/java"
  "$JAVA_HOME/bin/jlink" --add-modules java.se,jdk.incubator.vector,jdk.unsupported,jdk.management,jdk.management.agent,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.zipfs,jdk.naming.dns,jdk.httpserver,jdk.jfr,jdk.net,jdk.attach \
      --strip-debug --no-man-pages --no-header-files --output "$rootfs/opt/java/openjdk" 2>/dev/null
  ctr="$(buildah from scratch)"
  buildah copy "$ctr" "$rootfs/" / >/dev/null
  buildah config --env JAVA_HOME=/opt/java/openjdk --env LANG=C.UTF-8 \
      --env PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  buildah commit --rm "$ctr" "$BASE" >/dev/null
  rm -rf "$rootfs"
fi
say "base $BASE: $(buildah images --format '{{.Size}}' "$BASE")"

# --- the two images, from their Dockerfiles as they are -------------------------------------------------------
build() { # $1 Dockerfile, $2 tag
  say "buildah bud -f $1 -t $2"
  (cd "$REPO" && buildah bud --layers=false --build-arg BASE_IMAGE="$BASE" -f "$1" -t "$2" . >"$OUT/$(basename "$2" | tr ':' '-').build.log" 2>&1) \
    || fail "building $2 failed: see $OUT"
  buildah push "$2" "oci-archive:$OUT/$(basename "$2" | tr ':' '-').oci.tar" >/dev/null 2>&1
  say "$2: $(buildah images --format '{{.Size}}' "$2"), $(du -h "$OUT/$(basename "$2" | tr ':' '-').oci.tar" | cut -f1) as an OCI archive"
}
build dist/Dockerfile localhost/semdex-query:0.1.0
build cluster/Dockerfile localhost/semdex-flink:0.1.0

# --- each entry point, run as the image's user, answers --------------------------------------------------------
await() { # $1 url, $2 log
  for _ in $(seq 1 120); do
    if curl -fsS -m 2 "$1" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  cat "$2" >&2; fail "no answer from $1"
}
data="$(mktemp -d)"; mkdir -p "$data/index"; chmod -R 777 "$data"
query="$(buildah from localhost/semdex-query:0.1.0)"
buildah run --user 10001:10001 -v "$data:/data" --env SEMDEX_API_KEY=build-images-key-0123456789 "$query" -- \
    /opt/semdex/bin/semdex serve --index /data/index --host 127.0.0.1 --port 18080 --bootstrap 127.0.0.1:9 >"$OUT/run-query.log" 2>&1 &
query_pid=$!
await http://127.0.0.1:18080/health "$OUT/run-query.log"
say "semdex-query: bin/semdex serve as uid 10001 answered /health"
kill "$query_pid"; wait "$query_pid" || true

flink="$(buildah from localhost/semdex-flink:0.1.0)"
buildah run --user 10001:10001 -v "$data:/data" "$flink" -- semdex-flink jobmanager -D jobmanager.rpc.address=127.0.0.1 \
    -D rest.address=127.0.0.1 -D rest.bind-address=127.0.0.1 -D rest.port=18081 >"$OUT/run-flink.log" 2>&1 &
flink_pid=$!
await http://127.0.0.1:18081/config "$OUT/run-flink.log"
say "semdex-flink: semdex-flink jobmanager as uid 10001 answered /config"
kill "$flink_pid"; wait "$flink_pid" || true
buildah rm "$query" "$flink" >/dev/null
rm -rf "$data"
say "done: $OUT"
