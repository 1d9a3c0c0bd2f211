/**
 * Roots and their reference sets: what keeps chunks alive, persisted in an append-only log and held
 * in memory as RoaringBitmaps of chunk ids.
 */
package io.strata.store.ref;
