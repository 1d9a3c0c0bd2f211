/**
 * The engine: the chunk store that ties packs, index and roots together with group commit, GC and
 * fsck, and {@link io.strata.store.Engine}, one open data root.
 */
package io.strata.store.engine;
