/**
 * The OCI distribution API as a client speaks it: {@link io.strata.protocol.registry.RegistryRef}
 * parses {@code REGISTRY/REPO:TAG}, {@link io.strata.protocol.registry.RegistryHttp} sends the
 * requests (with the bearer-token flow). Shared by the CLI's push and pull and by the server, which
 * pulls chunk indexes and chunks from a Strata registry itself.
 */
package io.strata.protocol.registry;
