/**
 * containerd's snapshots and content gRPC services (the containerd 1.6 API, {@code
 * containerd.services.snapshots.v1} and {@code containerd.services.content.v1}) over the engine,
 * served on a unix socket so that containerd uses stratad as a proxy plugin. An adapter only:
 * snapshots go to the storage driver and content to the chunk store; the namespace of each call
 * (the {@code containerd-namespace} header) keeps tenants apart. The message classes are generated
 * from {@code src/main/proto} into {@code io.strata.containerd.api}.
 */
package io.strata.containerd;
