/**
 * Named and anonymous volumes ({@code DATA/volumes/NAME/_data}, ordinary files on the host) and
 * {@link io.strata.store.volume.HostDirectory}, the view of a host directory that a container's
 * mounts route paths into without ever letting one leave it.
 */
package io.strata.store.volume;
