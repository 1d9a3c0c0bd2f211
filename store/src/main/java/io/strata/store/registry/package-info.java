/**
 * What an OCI distribution registry keeps beside its blobs: which repository links which blob,
 * manifests by repository and digest, tags, and the subject links the referrers API lists. Blobs
 * themselves are {@link io.strata.store.blob.BlobService} blobs, deduplicated in the chunk store;
 * everything here is a root of the chunk store, so each change is one atomic, durable commit.
 * {@link io.strata.store.registry.RegistryStore} is the entry point.
 */
package io.strata.store.registry;
