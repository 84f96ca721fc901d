/**
 * Benchmarks: JMH microbenchmarks of the hot path ({@code jmh}) and the cross-process harness that runs ipcq and
 * its peers side by side ({@code harness}).
 */
package io.ipcq.perf;
