/**
 * Copy-on-write B+trees whose nodes are chunks in the store: the metadata structure of every
 * snapshot, shared node for node between a snapshot and its parent.
 */
package io.strata.store.tree;
