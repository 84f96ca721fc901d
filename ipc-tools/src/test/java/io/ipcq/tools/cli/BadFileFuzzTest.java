package io.ipcq.tools.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The bad-file fuzz test of issue 11: every 64-bit word of the header, of each lane entry, of a slot and of a
 * participant row, set to boundary values and random ones ({@link BadFileCases}), and every verb run on each file with
 * a 10 s limit. Each verb must end with exit 0 (nothing on stderr) or exit 1 or 2 with exactly one {@code ipcq:} line:
 * never a hang, a stack trace, an hs_err file or exit 134.
 * <p>
 * The bulk runs in-process in {@link BadFileFuzzRunner} children (a new one after each hang, which no JVM can stop
 * from inside); a sample of the cases also runs as real {@code scripts/ipcq} processes (exit code, stderr, hs_err).
 * It ends with the figures: files tried, verbs run, hangs, crashes, other failures.
 */
class BadFileFuzzTest
{
    /** One case in this many also runs through scripts/ipcq (each verb a JVM start: seconds on a busy machine). */
    private static final int CHILD_SAMPLE_EVERY = 151;

    private Path work;
    private final List<Process> children = new ArrayList<>();

    @BeforeAll
    static void buildOnce()
    {
        final CliRunner.Result version = CliRunner.run(null, Duration.ofMinutes(15), "--version");
        assertEquals(0, version.exitCode(), version::toString);
    }

    @AfterEach
    void cleanUp() throws IOException
    {
        for (final Process child : children)
        {
            CliRunner.destroy(child);
        }
        if (work != null)
        {
            try (Stream<Path> files = Files.walk(work))
            {
                for (final Path path : files.sorted(Comparator.reverseOrder()).toList())
                {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    @Test
    void everyVerbOnEveryCorruptWordEndsWithOneLineNeverAHangOrACrash() throws Exception
    {
        work = Files.createTempDirectory(CliQueues.ROOT, "ipcq-test-fuzz-");
        final Path baselinePath = work.resolve("baseline");
        final byte[] baseline = BadFileCases.baseline(work.resolve("ipcq-baseline"));
        Files.write(baselinePath, baseline);
        final List<BadFileCases.Case> cases = BadFileCases.all(baseline);
        final Path runnerDir = Files.createDirectory(work.resolve("runner-cwd"));

        final Map<String, String> failures = new LinkedHashMap<>();
        int verbsRun = 0;
        int hangs = 0;
        int crashes = 0;
        int runners = 0;
        int next = 0;
        while (next < cases.size())
        {
            runners++;
            final Process runner = startRunner(baselinePath, next, runnerDir);
            children.add(runner);
            final CliRunner.Drain err = new CliRunner.Drain(runner.getErrorStream());
            int current = -1;
            boolean ended = false;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(runner.getInputStream(),
                StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = out.readLine()) != null)
                {
                    final String[] f = line.split(" ", 9);
                    switch (f[0])
                    {
                        case "BEGIN" -> current = Integer.parseInt(f[1]);
                        case "VERB" ->
                        {
                            verbsRun++;
                            final int exit = Integer.parseInt(f[3]);
                            final int lines = Integer.parseInt(f[4]);
                            final boolean oneLine = Boolean.parseBoolean(f[5]);
                            final boolean stack = Boolean.parseBoolean(f[6]);
                            final boolean ok = !stack && (exit == 0 && lines == 0 || (exit == 1 || exit == 2) && oneLine);
                            if (!ok)
                            {
                                failures.put(cases.get(current) + " / " + verbName(Integer.parseInt(f[2])),
                                    "exit " + exit + ", " + lines + " stderr lines" + (stack ? ", a stack trace" : "") +
                                        (f.length > 8 ? ": " + f[8] : ""));
                            }
                        }
                        case "HANG" ->
                        {
                            hangs++;
                            failures.put(cases.get(Integer.parseInt(f[1])) + " / " +
                                verbName(Integer.parseInt(f[2])), "hang: no answer within 10 s");
                        }
                        case "END" -> ended = true;
                        default -> failures.put("runner", "unexpected line: " + line);
                    }
                }
            }
            assertTrue(runner.waitFor(60, TimeUnit.SECONDS), "runner exits");
            err.await();
            final int status = runner.exitValue();
            if (ended)
            {
                break;
            }
            if (status != BadFileFuzzRunner.HANG_STATUS)
            {
                // The JVM died on this case (exit 134 is SIGBUS / SIGABRT): a crash.
                crashes++;
                failures.put(current < 0 ? "runner from #" + next : cases.get(current).toString(),
                    "the in-process runner died with exit " + status + "; stderr: " + tail(err.text()));
            }
            next = Math.max(next, current) + 1;
        }
        final List<Path> hsErr = hsErrFiles(runnerDir);
        crashes += hsErr.size();
        if (!hsErr.isEmpty())
        {
            failures.put("in-process", "hs_err files: " + hsErr);
        }

        // A sample as real processes: the exit code, stderr and hs_err as an operator sees them.
        int childVerbs = 0;
        int childFiles = 0;
        for (int i = 0; i < cases.size(); i += CHILD_SAMPLE_EVERY)
        {
            childFiles++;
            final BadFileCases.Case c = cases.get(i);
            final Path path = work.resolve("ipcq-fuzz-child-" + i);
            Files.write(path, BadFileCases.corrupt(baseline, c));
            for (int verb = 0; verb < BadFileCases.VERBS.size(); verb++)
            {
                childVerbs++;
                final String verdict = runChild(BadFileCases.verb(verb, path), runnerDir);
                if (verdict != null)
                {
                    if (verdict.startsWith("hang"))
                    {
                        hangs++;
                    }
                    if (verdict.startsWith("crash"))
                    {
                        crashes++;
                    }
                    failures.put(c + " / " + verbName(verb) + " (scripts/ipcq)", verdict);
                }
            }
            Files.deleteIfExists(path);
        }

        final String figures = "bad-file fuzz: " + cases.size() + " files tried in-process (" + runners +
            " runner JVMs), " + verbsRun + " verbs run in-process; " + childFiles + " files and " + childVerbs +
            " verbs as scripts/ipcq processes; hangs " + hangs + ", crashes " + crashes + ", other failures " +
            (failures.size() - hangs - crashes);
        System.out.println("[fuzz] " + figures);
        failures.forEach((where, what) -> System.out.println("[fuzz] FAIL " + where + ": " + what));
        assertEquals(cases.size(), cases.stream().map(BadFileCases.Case::index).distinct().count());
        assertTrue(verbsRun >= 0.9 * cases.size() * BadFileCases.VERBS.size() - 10 * hangs,
            "most verbs ran: " + figures);
        assertEquals(Map.of(), failures, figures);
    }

    private static String tail(final String text)
    {
        return text.length() > 2000 ? "..." + text.substring(text.length() - 2000) : text;
    }

    private static String verbName(final int verb)
    {
        return String.join(" ", BadFileCases.VERBS.get(verb));
    }

    private Process startRunner(final Path baseline, final int first, final Path cwd) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
        for (final String flag : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (!flag.startsWith("-agentlib:jdwp"))
            {
                command.add(flag);
            }
        }
        command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
            "-cp", System.getProperty("java.class.path"), BadFileFuzzRunner.class.getName(),
            baseline.toString(), Integer.toString(first), work.toString()));
        return new ProcessBuilder(command).directory(cwd.toFile()).start();
    }

    /**
     * @return null if the verb kept the contract, else what it did.
     */
    private String runChild(final List<String> args, final Path cwd) throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.add(CliRunner.IPCQ.toString());
        command.addAll(args);
        final ProcessBuilder builder = new ProcessBuilder(command).directory(cwd.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        final List<Path> hsErrBefore = hsErrFiles(cwd);
        final Process process = builder.start();
        children.add(process);
        try
        {
            final CliRunner.Drain out = new CliRunner.Drain(process.getInputStream());
            final CliRunner.Drain err = new CliRunner.Drain(process.getErrorStream());
            process.getOutputStream().close();
            // The limit is for the verb; a JVM start on a loaded machine can take seconds of it.
            if (!process.waitFor(BadFileFuzzRunner.LIMIT_MS + 5_000, TimeUnit.MILLISECONDS))
            {
                return "hang: no answer within 10 s";
            }
            out.await();
            err.await();
            final int exit = process.exitValue();
            final String stderr = err.text();
            final String[] lines = stderr.isEmpty() ? new String[0] : stderr.split("\n");
            final List<Path> hsErr = hsErrFiles(cwd);
            hsErr.removeAll(hsErrBefore);
            if (exit == 134 || !hsErr.isEmpty())
            {
                return "crash: exit " + exit + ", hs_err " + hsErr + ": " + stderr;
            }
            final boolean stack = stderr.contains("\tat ") || stderr.contains("Exception in thread");
            final boolean ok = !stack && (exit == 0 && lines.length == 0 ||
                (exit == 1 || exit == 2) && lines.length == 1 && lines[0].startsWith("ipcq: "));
            return ok ? null : "exit " + exit + ", stderr: " + stderr;
        }
        finally
        {
            CliRunner.destroy(process);
        }
    }

    private static List<Path> hsErrFiles(final Path dir) throws IOException
    {
        final List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "hs_err_pid*.log"))
        {
            stream.forEach(found::add);
        }
        return found;
    }
}
