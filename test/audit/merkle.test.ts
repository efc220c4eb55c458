// The Merkle tree of RFC 9162: the reference roots of the Certificate Transparency test vectors, and inclusion
// and consistency proofs that verify for every (index, size) and fail when anything is changed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  MerkleFrontier,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from '../../src/audit/merkle.ts';

const VECTOR_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const VECTOR_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

function leaves(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => leafHash(`leaf ${i}`));
}

describe('Merkle tree (RFC 9162)', () => {
  it('computes the reference roots, incrementally and from scratch', () => {
    const hashes = VECTOR_LEAVES.map((h) => leafHash(Buffer.from(h, 'hex')));
    const frontier = new MerkleFrontier();
    assert.equal(frontier.root().toString('hex'), EMPTY_ROOT.toString('hex'));
    hashes.forEach((hash, i) => {
      frontier.push(hash);
      assert.equal(rootOf(hashes, i + 1).toString('hex'), VECTOR_ROOTS[i]);
      assert.equal(frontier.root().toString('hex'), VECTOR_ROOTS[i]);
    });
  });

  it('a stored frontier continues the same tree', () => {
    const all = leaves(37);
    const first = new MerkleFrontier();
    for (const h of all.slice(0, 21)) first.push(h);
    const resumed = MerkleFrontier.deserialize(21, first.serialize());
    for (const h of all.slice(21)) resumed.push(h);
    assert.deepEqual(resumed.root(), rootOf(all));
  });

  it('inclusion proofs verify for every leaf of every size up to 40 and fail for another leaf', () => {
    const all = leaves(40);
    for (let size = 1; size <= 40; size++) {
      const root = rootOf(all, size);
      for (let index = 0; index < size; index++) {
        const path = inclusionProof(all, index, size);
        assert.ok(verifyInclusion(all[index]!, index, size, path, root), `${index} in ${size}`);
        if (size > 1) assert.ok(!verifyInclusion(all[(index + 1) % size]!, index, size, path, root));
        if (size > 1) assert.ok(!verifyInclusion(all[index]!, (index + 1) % size, size, path, root));
      }
    }
  });

  it('consistency proofs verify for every pair of sizes up to 40', () => {
    const all = leaves(40);
    for (let second = 1; second <= 40; second++) {
      for (let first = 1; first <= second; first++) {
        const proof = consistencyProof(all, first, second);
        assert.ok(
          verifyConsistency(first, second, rootOf(all, first), rootOf(all, second), proof),
          `${first}->${second}`,
        );
      }
    }
  });

  it('a changed proof hash or root never verifies', () => {
    const all = leaves(64);
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 64 })
          .chain((second) =>
            fc.tuple(
              fc.constant(second),
              fc.integer({ min: 1, max: second - 1 }),
              fc.nat(),
              fc.nat({ max: 31 }),
            ),
          ),
        ([second, first, which, byte]) => {
          const proof = consistencyProof(all, first, second);
          const i = which % proof.length;
          const broken = proof.map((h, j) =>
            j === i ? Buffer.from(h.map((b, k) => (k === byte ? b ^ 1 : b))) : h,
          );
          const ok = verifyConsistency(first, second, rootOf(all, first), rootOf(all, second), broken);
          const forkedLeaves = [...all];
          forkedLeaves[first - 1] = leafHash('forged');
          const forked = verifyConsistency(
            first,
            second,
            rootOf(all, first),
            rootOf(forkedLeaves, second),
            proof,
          );
          return !ok && !forked;
        },
      ),
      { numRuns: 300 },
    );
  });
});
