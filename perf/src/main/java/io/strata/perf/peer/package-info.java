/**
 * The backup tools Strata is compared with (restic, borg), run as processes on the same trees in
 * the same run: each into a fresh repository of its own, trees in order, timed from process start
 * to exit and sized on disk afterwards.
 */
package io.strata.perf.peer;
