/**
 * Images across a fleet of stratads sharing one bucket: the catalogue of published images and tags,
 * and fetching an image another node imported without copying a chunk.
 */
package io.strata.store.fleet;
