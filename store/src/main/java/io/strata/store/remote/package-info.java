/**
 * A chunk store shared by many stratads through one bucket of object storage (S3): sealed packs and
 * their index segments live in the bucket, each store keeps a bounded cache of them, and ids come
 * from ranges leased in the bucket, so an id or a pack id names the same thing on every node. The
 * layout and why it is safe are in docs/SCALEOUT.md.
 */
package io.strata.store.remote;
