/** Runs the JMH benchmarks of this module and reports them in MB/s as well as operations. */
package io.strata.perf.micro;
