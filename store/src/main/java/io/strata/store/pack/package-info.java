/**
 * Pack files: append-only files of framed, checksummed chunk records, sealed with a trailer when
 * full. Owns the on-disk layout of chunk data; knows nothing of digests' meaning or of roots.
 */
package io.strata.store.pack;
