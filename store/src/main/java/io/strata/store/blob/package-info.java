/** Plain objects named by the SHA-256 of their content: put, get, stat, list, remove. */
package io.strata.store.blob;
