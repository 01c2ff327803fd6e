/**
 * Data of a chosen character for workloads that compress (issue 15; design.md §8): what the
 * source half of a region holds, written by the kernel at boot so compression ratios mean
 * something. Deterministic from the seed (and the region), never from timing.
 *
 *   zeros   all zero bytes;
 *   random  uniform bytes (incompressible);
 *   text    English-like prose: common words, capitals, punctuation, line breaks;
 *   corpus  prose over a vocabulary of pseudo-words drawn from the seed, used with Zipf-like
 *           frequencies — a small corpus of its own for every seed.
 *
 * A workload that decompresses finds, in every 4 KiB granule of the source half, a raw deflate
 * stream (zlib, 4 KiB window, level 6) of 4,032 bytes of such data — small enough for any data
 * (random data's stored block fits) — padded with zeros.
 */

import { deflateRawSync } from 'node:zlib';
import { nextBelow, Rng } from '../common/rng.js';
import type { DataKind } from '../layout/protocol.js';

/** Stream for the data generators, apart from the devices', the kernel's and the churn's. */
const DATA_STREAM = 0x7ffd;
/** Uncompressed bytes behind each granule's stream when a workload decompresses. */
export const STREAM_SOURCE_BYTES = 4032;
export const STREAM_GRANULE_BYTES = 4096;

const WORDS = (
  'the of and to a in is it you that he was for on are with as I his they be at one have this from or had by hot word but ' +
  'what some we can out other were all there when up use your how said an each she which do their time if will way about ' +
  'many then them write would like so these her long make thing see him two has look more day could go come did number ' +
  'sound no most people my over know water than call first who may down side been now find any new work part take get ' +
  'place made live where after back little only round man year came show every good me give our under name very through ' +
  'just form sentence great think say help low line differ turn cause much mean before move right boy old too same tell ' +
  'does set three want air well also play small end put home read hand port large spell add even land here must big high ' +
  'such follow act why ask men change went light kind off need house picture try us again animal point mother world near ' +
  'build self earth father head stand own page should country found answer school grow study still learn plant cover food ' +
  'sun four between state keep eye never last let thought city tree cross farm hard start might story saw far sea draw left'
).split(' ');

/** Text-like bytes: sentences of words, `words` chosen by `pick`. */
function prose(rng: Rng, lengthBytes: number, words: readonly string[], pick: (rng: Rng) => number): Uint8Array {
  const out = new Uint8Array(lengthBytes);
  let at = 0;
  let inSentence = 0;
  let onLine = 0;
  while (at < lengthBytes) {
    let w = words[pick(rng)]!;
    if (inSentence === 0) w = w[0]!.toUpperCase() + w.slice(1);
    inSentence++;
    onLine++;
    let tail = ' ';
    if (inSentence > 4 && nextBelow(rng, 8) === 0) {
      tail = nextBelow(rng, 4) === 0 ? '? ' : '. ';
      inSentence = 0;
    } else if (nextBelow(rng, 12) === 0) {
      tail = ', ';
    }
    if (onLine > 11) {
      tail = tail.trimEnd() + '\n';
      onLine = 0;
    }
    const s = w + tail;
    for (let i = 0; i < s.length && at < lengthBytes; i++) out[at++] = s.charCodeAt(i);
  }
  return out;
}

/** A seed's vocabulary: pronounceable pseudo-words of 2–9 letters. */
function vocabulary(rng: Rng, size: number): string[] {
  const consonants = 'bcdfghklmnprstvwz';
  const vowels = 'aeiouy';
  const words: string[] = [];
  for (let i = 0; i < size; i++) {
    const syllables = 1 + nextBelow(rng, 3);
    let w = '';
    for (let s = 0; s < syllables; s++) {
      w += consonants[nextBelow(rng, consonants.length)]! + vowels[nextBelow(rng, vowels.length)]!;
      if (nextBelow(rng, 3) === 0) w += consonants[nextBelow(rng, consonants.length)]!;
    }
    words.push(w);
  }
  return words;
}

/** `lengthBytes` of data of `kind`, the same for the same (seed, salt). */
export function generateData(kind: DataKind, lengthBytes: number, seed: number, salt: number): Uint8Array {
  const rng = new Rng(seed ^ Math.imul(salt + 1, 0x2545f491), DATA_STREAM);
  switch (kind) {
    case 'zeros':
      return new Uint8Array(lengthBytes);
    case 'random': {
      const out = new Uint8Array(lengthBytes);
      for (let i = 0; i < lengthBytes; i++) out[i] = rng.next30() & 0xff;
      return out;
    }
    case 'text':
      return prose(rng, lengthBytes, WORDS, (r) => nextBelow(r, WORDS.length));
    case 'corpus': {
      const vocab = vocabulary(new Rng(seed, DATA_STREAM), 600);
      // Zipf-like: rank r with weight ∝ 1/r, by inverse transform of a log-uniform draw.
      return prose(rng, lengthBytes, vocab, (r) => Math.min(vocab.length - 1, Math.floor(Math.exp((r.next30() / 2 ** 30) * Math.log(vocab.length + 1))) - 1));
    }
  }
}

/**
 * The source half's contents for a workload: `lengthBytes` of data, or, for a workload that
 * decompresses, one deflate stream per granule (see the header).
 */
export function sourceContents(kind: DataKind, lengthBytes: number, seed: number, salt: number, streams: boolean): Uint8Array {
  if (!streams) return generateData(kind, lengthBytes, seed, salt);
  const out = new Uint8Array(lengthBytes);
  for (let g = 0; g + STREAM_GRANULE_BYTES <= lengthBytes; g += STREAM_GRANULE_BYTES) {
    const raw = generateData(kind, STREAM_SOURCE_BYTES, seed, salt * 65_537 + g / STREAM_GRANULE_BYTES);
    const stream = deflateRawSync(raw, { windowBits: 12, level: 6 });
    if (stream.length > STREAM_GRANULE_BYTES) throw new Error(`bug: a ${stream.length}-byte stream for a ${STREAM_GRANULE_BYTES}-byte granule`);
    out.set(stream, g);
  }
  return out;
}
