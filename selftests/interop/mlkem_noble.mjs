// ML-KEM-768: kssh's implementation (pq_tool, over a pipe) against
// @noble/post-quantum, an independent one. For many random seeds: both make
// the same keys from the same (d, z); each encapsulates to the other's key
// with the same message and gets the same ciphertext and secret; each
// decapsulates the other's ciphertext; a changed ciphertext gives the same
// implicit-rejection key in both; an encapsulation key failing the modulus
// check is refused by both.
// usage: node mlkem_noble.mjs PQ_TOOL ROUNDS   (run with NODE_PATH unused: imports resolve
// from the directory holding node_modules, passed as NOBLE_DIR)
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const [tool, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg || 100);
const noble = await import(pathToFileURL(`${process.env.NOBLE_DIR}/node_modules/@noble/post-quantum/ml-kem.js`).href);
const kem = noble.ml_kem768;

const child = spawn(tool, [], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: child.stdout });
const waiting = [];
lines.on('line', (l) => waiting.shift()(l));
const ask = (req) => new Promise((resolve) => { waiting.push(resolve); child.stdin.write(req + '\n'); });

const hex = (u8) => Buffer.from(u8).toString('hex');
const bytes = (h) => new Uint8Array(Buffer.from(h, 'hex'));
let failures = 0, checks = 0;
const expect = (cond, what) => { checks++; if (!cond) { failures++; console.log(`# mismatch: ${what}`); } };

for (let i = 0; i < rounds; i++) {
  const d = randomBytes(32), z = randomBytes(32), m = randomBytes(32);
  const mine = (await ask(`K ${hex(d)} ${hex(z)}`)).split(' ');
  const theirs = kem.keygen(new Uint8Array(Buffer.concat([d, z])));
  expect(mine[0] === hex(theirs.publicKey), `round ${i}: ek from the same d, z`);
  expect(mine[1] === hex(theirs.secretKey), `round ${i}: dk from the same d, z`);

  // noble encapsulates to our key, we decapsulate
  const enc = kem.encapsulate(bytes(mine[0]), new Uint8Array(m));
  const ours = (await ask(`D ${mine[1]} ${hex(enc.cipherText)}`)).trim();
  expect(ours === hex(enc.sharedSecret), `round ${i}: our decapsulation of noble's ciphertext`);

  // we encapsulate to noble's key, noble decapsulates
  const [c, k] = (await ask(`E ${hex(theirs.publicKey)} ${hex(m)}`)).split(' ');
  expect(c === hex(enc.cipherText), `round ${i}: same ciphertext from the same ek and m`);
  expect(hex(kem.decapsulate(bytes(c), theirs.secretKey)) === k, `round ${i}: noble's decapsulation of ours`);

  // implicit rejection agrees
  const bad = bytes(c);
  bad[i % bad.length] ^= 1 << (i % 8);
  const rejOurs = (await ask(`D ${mine[1]} ${hex(bad)}`)).trim();
  expect(rejOurs === hex(kem.decapsulate(bad, theirs.secretKey)), `round ${i}: implicit rejection key`);
  expect(rejOurs !== k, `round ${i}: rejection key differs from the real one`);
}

// an encapsulation key with a coefficient >= q: both refuse it
const badEk = bytes((await ask(`K ${'11'.repeat(32)} ${'22'.repeat(32)}`)).split(' ')[0]);
badEk[0] = 0xff; badEk[1] |= 0x0f;
expect((await ask(`E ${hex(badEk)} ${'33'.repeat(32)}`)).trim() === 'invalid', 'our modulus check');
let nobleRefused = false;
try { kem.encapsulate(badEk, new Uint8Array(32)); } catch { nobleRefused = true; }
expect(nobleRefused, "noble's modulus check");

child.stdin.end();
console.log(`${checks} checks over ${rounds} rounds, ${failures} mismatches (@noble/post-quantum ${process.env.NOBLE_VERSION})`);
process.exit(failures === 0 ? 0 : 1);
