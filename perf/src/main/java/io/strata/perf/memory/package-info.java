/** The bounded-memory run: a put far larger than the heap, read back and checked. */
package io.strata.perf.memory;
