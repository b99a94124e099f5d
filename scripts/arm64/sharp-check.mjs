// sharp on this platform (its prebuilt libvips): decodes and resizes real frames and prints a digest of
// the pixels per frame, without the platform, so the x86 and arm64 outputs can be compared as text.
// Plain JavaScript so the same file runs on x86 and under qemu-aarch64. Usage: node sharp-check.mjs <image>...
import { createHash } from "node:crypto";
import sharp from "sharp";

const digest = (b) => createHash("sha256").update(b).digest("hex").slice(0, 16);
for (const f of process.argv.slice(2)) {
  const { data, info } = await sharp(f).raw().toBuffer({ resolveWithObject: true });
  const small = await sharp(f).resize(320, 180).raw().toBuffer();
  console.log(
    `${f.split("/").slice(-2).join("/")} ${info.width}x${info.height}x${info.channels} decoded ${digest(data)} resized ${digest(small)}`,
  );
}
console.log(`sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}`);
console.error(`sharp-check: ${process.arch}`);
