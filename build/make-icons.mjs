// Draws the app and tray icons as PNGs (no image tools needed): a ring with a dot, colored by
// state, in light and dark variants. Run `node build/make-icons.mjs` after changing the design.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
};

function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y += 1) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x += 1) {
      const [r, g, b, a] = pixel(x + 0.5, y + 0.5);
      raw.set([r, g, b, a], y * (size * 4 + 1) + 1 + x * 4);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8;
  header[9] = 6;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** A ring and a center dot; `dot` colors the state, `ring` the theme. Edges are anti-aliased. */
function icon(size, ring, dot) {
  const c = size / 2;
  const cover = (d, inner, outer) => Math.max(0, Math.min(1, outer - d + 0.5)) * Math.max(0, Math.min(1, d - inner + 0.5));
  return png(size, (x, y) => {
    const d = Math.hypot(x - c, y - c);
    const ringA = cover(d, size * 0.36, size * 0.47);
    const dotA = cover(d, -1, size * 0.22);
    if (dotA > 0) return [...dot, Math.round(255 * dotA)];
    return [...ring, Math.round(255 * ringA)];
  });
}

const STATES = { receiving: [34, 160, 90], 'tunnel-down': [214, 64, 52], 'no-secret': [230, 160, 20], error: [150, 150, 150] };
const THEMES = { light: [40, 40, 40], dark: [235, 235, 235] };
for (const [state, dot] of Object.entries(STATES)) {
  for (const [theme, ring] of Object.entries(THEMES)) {
    writeFileSync(new URL(`./icons/tray-${state}-${theme}.png`, import.meta.url), icon(32, ring, dot));
  }
}
writeFileSync(new URL('./icons/icon.png', import.meta.url), icon(512, [41, 87, 217], [41, 87, 217]));
console.log('icons written to build/icons/');
