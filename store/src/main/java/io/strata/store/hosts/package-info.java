/**
 * Pushing and pulling images between hosts: the orchestration above {@code store.transfer}'s plans,
 * chunk lists and intake and {@code store.image}'s {@code ImageStore}. {@link
 * io.strata.store.hosts.ImagePull} and {@link io.strata.store.hosts.ImagePush} run a transfer
 * against a {@link io.strata.store.hosts.TransferPeer} (what they need of the other host: its cut,
 * a plan, the chunks it lacks, batches of chunk records); {@link
 * io.strata.store.hosts.TransferEndpoint} is what this host answers when it is that other host.
 * Nothing here knows the wire: the server adapts its protocol client to {@code TransferPeer}, and
 * tests use a second store in the same process.
 */
package io.strata.store.hosts;
