// Draws the app and tray icons (no image tools, no dependencies): a ring with a dot, colored by
// state, in light and dark variants. Run `npm run icons` after changing the design.
//
//   tray-<state>-<light|dark>.png, …@2x.png   16 and 32 px: Linux, and Windows' fallback
//   tray-<state>-<light|dark>.ico             16, 20, 24, 32, 40, 48 px: the Windows tray
//   tray-<state>Template.png, …@2x.png        16 and 32 px, black and alpha only: the macOS menu
//                                             bar, which tints template images for light and dark
//                                             menus (no colour, so the state is in the shape)
//   icon.png (512 px), icon.ico (16–256 px)    the app icon (Linux and macOS, Windows)
//
// Electron loads `name@2x.png` next to `name.png` by itself on high-density screens.
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

/** An 8-bit RGBA PNG; `pixel(x, y)` gives [r, g, b, a] at a pixel's centre. */
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

/** Coverage of a pixel at distance `d` by the band inner..outer, anti-aliased over one pixel. */
const cover = (d, inner, outer) => Math.max(0, Math.min(1, outer - d + 0.5)) * Math.max(0, Math.min(1, d - inner + 0.5));

/** A ring and a center dot; `dot` colors the state, `ring` the theme. Edges are anti-aliased. */
function colored(size, ring, dot) {
  const c = size / 2;
  return (x, y) => {
    const d = Math.hypot(x - c, y - c);
    const ringA = cover(d, size * 0.36, size * 0.47);
    const dotA = cover(d, -1, size * 0.22);
    if (dotA > 0) return [...dot, Math.round(255 * dotA)];
    return [...ring, Math.round(255 * ringA)];
  };
}

/**
 * The macOS template: black with alpha. Receiving: ring and dot. Tunnel down: the ring broken at
 * the top right. No secret: a hollow dot. Error: the ring alone, faded.
 */
function template(size, state) {
  const c = size / 2;
  return (x, y) => {
    const d = Math.hypot(x - c, y - c);
    let ringA = cover(d, size * 0.36, size * 0.47);
    if (state === 'tunnel-down') {
      const angle = Math.atan2(c - y, x - c); // 0 = right, counter-clockwise
      if (angle > Math.PI / 12 && angle < (5 * Math.PI) / 12) ringA = 0;
    }
    if (state === 'error') ringA *= 0.55;
    const dotA = state === 'error' ? 0 : state === 'no-secret' ? cover(d, size * 0.12, size * 0.22) : cover(d, -1, size * 0.22);
    return [0, 0, 0, Math.round(255 * Math.max(ringA, dotA))];
  };
}

/** BGRA rows bottom-up plus an all-zero AND mask: an ICO entry as Windows' own icons store it. */
function dib(size, pixel) {
  const header = Buffer.alloc(40);
  header.writeUInt32LE(40, 0);
  header.writeInt32LE(size, 4);
  header.writeInt32LE(size * 2, 8); // XOR and AND masks together
  header.writeUInt16LE(1, 12);
  header.writeUInt16LE(32, 14);
  const xor = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const [r, g, b, a] = pixel(x + 0.5, y + 0.5);
      xor.set([b, g, r, a], ((size - 1 - y) * size + x) * 4);
    }
  }
  const andMask = Buffer.alloc(Math.ceil(size / 32) * 4 * size);
  return Buffer.concat([header, xor, andMask]);
}

/** An .ico with one entry per size: uncompressed up to 64 px, PNG above (Windows Vista and later). */
function ico(sizes, draw) {
  const images = sizes.map((size) => (size <= 64 ? dib(size, draw(size)) : png(size, draw(size))));
  const dir = Buffer.alloc(6 + 16 * sizes.length);
  dir.writeUInt16LE(1, 2);
  dir.writeUInt16LE(sizes.length, 4);
  let offset = dir.length;
  sizes.forEach((size, i) => {
    const entry = 6 + 16 * i;
    dir[entry] = size >= 256 ? 0 : size;
    dir[entry + 1] = size >= 256 ? 0 : size;
    dir.writeUInt16LE(1, entry + 4);
    dir.writeUInt16LE(32, entry + 6);
    dir.writeUInt32LE(images[i].length, entry + 8);
    dir.writeUInt32LE(offset, entry + 12);
    offset += images[i].length;
  });
  return Buffer.concat([dir, ...images]);
}

const out = (name, data) => writeFileSync(new URL(`./icons/${name}`, import.meta.url), data);

const STATES = { receiving: [34, 160, 90], 'tunnel-down': [214, 64, 52], 'no-secret': [230, 160, 20], error: [150, 150, 150] };
const THEMES = { light: [40, 40, 40], dark: [235, 235, 235] };
for (const [state, dot] of Object.entries(STATES)) {
  for (const [theme, ring] of Object.entries(THEMES)) {
    out(`tray-${state}-${theme}.png`, png(16, colored(16, ring, dot)));
    out(`tray-${state}-${theme}@2x.png`, png(32, colored(32, ring, dot)));
    out(`tray-${state}-${theme}.ico`, ico([16, 20, 24, 32, 40, 48], (size) => colored(size, ring, dot)));
  }
  out(`tray-${state}Template.png`, png(16, template(16, state)));
  out(`tray-${state}Template@2x.png`, png(32, template(32, state)));
}
const APP = [41, 87, 217];
out('icon.png', png(512, colored(512, APP, APP)));
out('icon.ico', ico([16, 24, 32, 48, 64, 128, 256], (size) => colored(size, APP, APP)));
console.log('icons written to build/icons/');
