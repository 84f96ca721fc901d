package io.ipcq.tools.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The child JVM of {@link BadFileFuzzTest} that runs the bulk of its cases in-process: each verb through
 * {@link Ipcq#run} (picocli's {@code CommandLine.execute}) with captured streams, each under the time limit. A verb
 * that hangs cannot be stopped inside a JVM (its thread spins), so on a hang the runner reports it and halts; the
 * test starts a new runner at the next case. One line per fact on stdout:
 * {@code BEGIN case}, {@code VERB case verb exit stderrLines oneIpcqLine stackTrace millis}, {@code HANG case verb},
 * {@code END}.
 * <p>
 * Arguments: the baseline file, the first case, the work directory.
 */
public final class BadFileFuzzRunner
{
    static final long LIMIT_MS = 10_000;
    static final int HANG_STATUS = 3;

    private BadFileFuzzRunner()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final byte[] baseline = Files.readAllBytes(Path.of(args[0]));
        final int first = Integer.parseInt(args[1]);
        final Path work = Path.of(args[2]);
        final PrintStream report = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
            StandardCharsets.UTF_8);
        final List<BadFileCases.Case> cases = BadFileCases.all(baseline);
        final ExecutorService executor = Executors.newSingleThreadExecutor(r ->
        {
            final Thread thread = new Thread(r, "fuzz-verb");
            thread.setDaemon(true);
            return thread;
        });
        for (int i = first; i < cases.size(); i++)
        {
            final BadFileCases.Case c = cases.get(i);
            final Path path = work.resolve("ipcq-fuzz-" + ProcessHandle.current().pid() + "-" + i);
            report.println("BEGIN " + i);
            Files.write(path, BadFileCases.corrupt(baseline, c));
            for (int verb = 0; verb < BadFileCases.VERBS.size(); verb++)
            {
                final String[] verbArgs = BadFileCases.verb(verb, path).toArray(new String[0]);
                final ByteArrayOutputStream out = new ByteArrayOutputStream();
                final ByteArrayOutputStream err = new ByteArrayOutputStream();
                final long start = System.nanoTime();
                final Future<Integer> run = executor.submit(() -> Ipcq.run(verbArgs,
                    new ByteArrayInputStream(new byte[0]), out, err, new Stopper()));
                final int exit;
                try
                {
                    exit = run.get(LIMIT_MS, TimeUnit.MILLISECONDS);
                }
                catch (final TimeoutException ex)
                {
                    report.println("HANG " + i + " " + verb);
                    Files.deleteIfExists(path);
                    Runtime.getRuntime().halt(HANG_STATUS);
                    return;
                }
                final long ms = (System.nanoTime() - start) / 1_000_000;
                final String stderr = err.toString(StandardCharsets.UTF_8);
                final String[] lines = stderr.isEmpty() ? new String[0] : stderr.split("\n");
                final boolean oneIpcqLine = lines.length == 1 && lines[0].startsWith("ipcq: ");
                final boolean stackTrace = stderr.contains("\tat ") || stderr.contains("Exception in thread") ||
                    stderr.contains("Caused by:");
                report.println("VERB " + i + " " + verb + " " + exit + " " + lines.length + " " + oneIpcqLine + " " +
                    stackTrace + " " + ms + (lines.length > 0 ? " " + lines[0].replace('\n', ' ') : ""));
            }
            Files.deleteIfExists(path);
        }
        report.println("END");
        Runtime.getRuntime().halt(0);
    }
}
