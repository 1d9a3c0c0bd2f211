/**
 * Image import runs: real root file systems packed as OCI image layouts with umoci, imported one
 * after another into a fresh data root through the store's {@code ImageStore}, and compared with
 * restic and borg backing the same trees up in the same run.
 */
package io.strata.perf.image;
