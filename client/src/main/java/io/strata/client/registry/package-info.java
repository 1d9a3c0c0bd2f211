/**
 * {@code strata push/pull} against any OCI distribution registry: {@link
 * io.strata.protocol.registry.RegistryRef} parses {@code REGISTRY/REPO:TAG}, {@link
 * io.strata.protocol.registry.RegistryHttp} speaks the API (with the bearer-token flow), {@link
 * io.strata.client.registry.RegistryPush} sends an OCI layout's blobs (HEAD before PUT,
 * cross-repository mounts) and manifest, {@link io.strata.client.registry.RegistryPull} fetches an
 * image into an OCI layout, verifying every blob against its digest.
 */
package io.strata.client.registry;
