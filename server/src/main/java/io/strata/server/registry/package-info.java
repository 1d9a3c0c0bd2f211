/**
 * The OCI distribution API ({@code stratad --registry}): Netty's HTTP codec in front of {@link
 * io.strata.store.registry.RegistryStore}. {@link io.strata.server.registry.RegistryServer} binds
 * the socket; {@link io.strata.server.registry.RegistryHandler} is the per-connection state machine
 * (request line and headers, then the body streamed into an upload spool or buffered up to a
 * manifest's limit); {@link io.strata.server.registry.Route} parses the {@code /v2/} path; {@link
 * io.strata.server.registry.Uploads} keeps the uploads in progress; {@link
 * io.strata.server.registry.RegistryError} is the spec's error JSON. docs/REGISTRY.md says what of
 * the spec is implemented.
 */
package io.strata.server.registry;
