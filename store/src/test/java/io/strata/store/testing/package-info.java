/** Test fixtures shared with the driver modules through the test-jar. */
package io.strata.store.testing;
