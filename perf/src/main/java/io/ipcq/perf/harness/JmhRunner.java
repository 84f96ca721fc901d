package io.ipcq.perf.harness;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Runs the hot-path benchmarks of io.ipcq.perf.jmh in a forked JVM (same flags as every other JVM) with the GC
 * profiler, and keeps the time and the bytes allocated per operation (per message) of each.
 */
final class JmhRunner
{
    record Result(String benchmark, double nsPerOp, double error, double allocBytesPerOp)
    {
    }

    private JmhRunner()
    {
    }

    static List<JmhRunner.Result> run(final BenchMain.Options options, final List<String> jvmFlags, final Path log)
        throws RunnerException
    {
        final Options jmh = new OptionsBuilder()
            .include("io\\.ipcq\\.perf\\.jmh\\..*")
            .forks(1)
            .warmupIterations(options.jmhWarmups)
            .warmupTime(TimeValue.milliseconds(options.jmhWarmupMs))
            .measurementIterations(options.jmhIterations)
            .measurementTime(TimeValue.milliseconds(options.jmhIterationMs))
            .addProfiler(GCProfiler.class)
            .jvmArgs(jvmFlags.toArray(new String[0]))
            .shouldFailOnError(true)
            .output(log.toString())
            .build();
        final Collection<RunResult> results = new Runner(jmh).run();
        final List<JmhRunner.Result> out = new ArrayList<>();
        for (final RunResult result : results)
        {
            final String label = result.getParams().getBenchmark();
            final org.openjdk.jmh.results.Result<?> primary = result.getPrimaryResult();
            double alloc = Double.NaN;
            for (final Map.Entry<String, org.openjdk.jmh.results.Result> entry :
                result.getSecondaryResults().entrySet())
            {
                if (entry.getKey().endsWith("gc.alloc.rate.norm"))
                {
                    alloc = entry.getValue().getScore();
                }
            }
            out.add(new JmhRunner.Result(label.substring(label.lastIndexOf('.', label.lastIndexOf('.') - 1) + 1),
                primary.getScore(), primary.getScoreError(), alloc));
        }
        return out;
    }
}
