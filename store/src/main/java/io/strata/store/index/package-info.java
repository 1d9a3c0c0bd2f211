/**
 * The chunk index: digest to dense chunk id to location, in memory and as a checkpoint on disk that
 * is rebuilt from the packs when lost.
 */
package io.strata.store.index;
