/** Content-defined chunking: FastCDC cut points and a splitter that streams objects into chunks. */
package io.strata.store.chunk;
