/**
 * The OCI distribution API as a client speaks it: {@link io.strata.protocol.registry.RegistryRef}
 * parses {@code REGISTRY/REPO:TAG}, {@link io.strata.protocol.registry.RegistryHttp} sends the
 * requests (with the bearer-token flow), {@link io.strata.protocol.registry.RegistryPull} fetches
 * an image into an OCI layout, verifying every blob against its digest. Shared by the CLI's push
 * and pull and by the server, which pulls chunk indexes and chunks from a Strata registry itself,
 * and the {@code FROM} images of a build.
 */
package io.strata.protocol.registry;
