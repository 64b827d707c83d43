//! A binary Merkle tree over a window's segments.
//!
//! Leaf `j` commits to segment `j`: `BLAKE3(0x00 || u32le(j) || start_j || end_j)`;
//! an inner node is `BLAKE3(0x01 || left || right)`. A level with an odd count
//! promotes its last node unchanged, so a path has no entry for that level and
//! its shape follows from `(index, leaf count)` alone.

use crate::chain::Hash;

/// The deepest tree a proof may carry (2^16 segments is far above any default).
pub const MAX_DEPTH: usize = 16;

pub fn leaf(index: u32, start: &Hash, end: &Hash) -> Hash {
    let mut input = [0u8; 1 + 4 + 64];
    input[1..5].copy_from_slice(&index.to_le_bytes());
    input[5..37].copy_from_slice(start);
    input[37..].copy_from_slice(end);
    *blake3::hash(&input).as_bytes()
}

fn node(left: &Hash, right: &Hash) -> Hash {
    let mut input = [0u8; 1 + 64];
    input[0] = 1;
    input[1..33].copy_from_slice(left);
    input[33..].copy_from_slice(right);
    *blake3::hash(&input).as_bytes()
}

/// Every level of the tree, leaves first, root last.
pub struct Tree {
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    /// Builds the tree over `leaves` (at least one).
    pub fn build(leaves: Vec<Hash>) -> Tree {
        assert!(!leaves.is_empty(), "a Merkle tree needs a leaf");
        let mut levels = vec![leaves];
        while levels.last().map_or(0, Vec::len) > 1 {
            let below = levels.last().expect("non-empty");
            let above = below
                .chunks(2)
                .map(|pair| match pair {
                    [l, r] => node(l, r),
                    [only] => *only,
                    _ => unreachable!(),
                })
                .collect();
            levels.push(above);
        }
        Tree { levels }
    }

    pub fn root(&self) -> Hash {
        self.levels.last().and_then(|l| l.first()).copied().expect("tree has a root")
    }

    /// Sibling hashes from the leaf up, skipping promoted levels.
    pub fn path(&self, mut index: usize) -> Vec<Hash> {
        let mut path = Vec::new();
        for level in &self.levels[..self.levels.len() - 1] {
            let sibling = index ^ 1;
            if let Some(h) = level.get(sibling) {
                path.push(*h);
            }
            index /= 2;
        }
        path
    }
}

/// Checks that `leaf` sits at `index` of a tree of `count` leaves with `root`.
pub fn verify(leaf: Hash, mut index: usize, mut count: usize, path: &[Hash], root: &Hash) -> bool {
    if index >= count {
        return false;
    }
    let mut acc = leaf;
    let mut used = 0;
    while count > 1 {
        let sibling = index ^ 1;
        if sibling < count {
            let Some(h) = path.get(used) else { return false };
            used += 1;
            acc = if index % 2 == 0 { node(&acc, h) } else { node(h, &acc) };
        }
        index /= 2;
        count = count.div_ceil(2);
    }
    used == path.len() && acc == *root
}

/// Number of path entries for `index` in a tree of `count` leaves.
pub fn path_len(mut index: usize, mut count: usize) -> usize {
    let mut n = 0;
    while count > 1 {
        if (index ^ 1) < count {
            n += 1;
        }
        index /= 2;
        count = count.div_ceil(2);
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_leaf_verifies_for_many_sizes() {
        for count in 1..40usize {
            let leaves: Vec<Hash> = (0..count).map(|i| leaf(i as u32, &[i as u8; 32], &[0; 32])).collect();
            let tree = Tree::build(leaves.clone());
            for (i, l) in leaves.iter().enumerate() {
                let path = tree.path(i);
                assert_eq!(path.len(), path_len(i, count));
                assert!(verify(*l, i, count, &path, &tree.root()), "count={count} i={i}");
                if count > 1 {
                    assert!(!verify(*l, (i + 1) % count, count, &path, &tree.root()));
                }
                let mut bad = path.clone();
                if let Some(first) = bad.first_mut() {
                    first[0] ^= 1;
                    assert!(!verify(*l, i, count, &bad, &tree.root()));
                }
            }
        }
    }
}
