/** SHA-256 digests: the addresses of chunks and the names of blobs. */
package io.strata.store.digest;
