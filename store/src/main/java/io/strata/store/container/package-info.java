/**
 * Containers: writable driver snapshots of an image's top layer with their configs ({@code
 * DATA/containers/<id>/}), and the view that routes each path of a container to its writable layer,
 * a volume or a bind mount; diff, commit, export and {@code cp} in and out.
 */
package io.strata.store.container;
