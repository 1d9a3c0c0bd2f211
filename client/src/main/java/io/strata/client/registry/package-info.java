/**
 * {@code strata push} against any OCI distribution registry: {@link
 * io.strata.client.registry.RegistryPush} sends an OCI layout's blobs (HEAD before PUT,
 * cross-repository mounts) and manifest. {@link io.strata.protocol.registry.RegistryRef} parses
 * {@code REGISTRY/REPO:TAG}, {@link io.strata.protocol.registry.RegistryHttp} speaks the API (with
 * the bearer-token flow), and {@link io.strata.protocol.registry.RegistryPull} fetches an image
 * into an OCI layout: the pull lives beside them because the server pulls too ({@code FROM} images
 * of a build).
 */
package io.strata.client.registry;
