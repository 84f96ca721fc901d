package io.ipcq;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The README's example, as a user copies it: the {@code java} block of "The API in 15 lines" is compiled as it
 * stands and run in a fresh JVM with only the JVM flags that the README's {@code java ... -cp} line gives (not the
 * build's flags) and a class path of ipc-core and Agrona alone. If the README or the API drifts, this fails.
 */
final class ReadmeExampleTest
{
    private static final Path README = findReadme();

    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @Test
    void theReadmeExampleCompilesAndRunsWithTheReadmeFlagsAlone(@TempDir final Path dir) throws Exception
    {
        final String readme = Files.readString(README, StandardCharsets.UTF_8);
        final String source = javaBlockAfter(readme, "## The API in 15 lines");
        final Matcher className = Pattern.compile("public final class (\\w+)").matcher(source);
        assertTrue(className.find(), "the README example is a whole class");
        final Path file = dir.resolve(className.group(1) + ".java");
        Files.writeString(file, source, StandardCharsets.UTF_8);

        final String classPath = libraryClassPath();
        final JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        final ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        final int compiled = javac.run(null, diagnostics, diagnostics,
            "--release", "17", "-Xlint:all", "-Werror", "-cp", classPath, "-d", dir.toString(), file.toString());
        assertEquals(0, compiled, () -> "javac: " + diagnostics.toString(StandardCharsets.UTF_8));

        final List<String> flags = readmeJvmFlags(readme);
        assertEquals(List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"), flags,
            "the README's JVM flags (docs and the check below must agree)");
        final Path queuePath = queues.newPath();
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(flags);
        command.addAll(List.of("-cp", classPath + java.io.File.pathSeparator + dir, className.group(1),
            queuePath.toString()));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try
        {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the example did not finish within 60 s");
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), () -> String.join(" ", command) + "\n" + output);
            // Lane 1, position 0: the id's top byte is the lane. Nothing else printed: no warning, no trace.
            assertEquals((1L << 56) + " delivery 1: BUY 100 XYZ\n", output);
            assertFalse(Files.exists(queuePath), "the example removes its queue");
        }
        finally
        {
            process.destroyForcibly();
        }
    }

    @Test
    void withoutTheFlagTheExampleFailsAsTheReadmeSays(@TempDir final Path dir) throws Exception
    {
        final String readme = Files.readString(README, StandardCharsets.UTF_8);
        final String source = javaBlockAfter(readme, "## The API in 15 lines");
        final Matcher className = Pattern.compile("public final class (\\w+)").matcher(source);
        assertTrue(className.find());
        final Path file = dir.resolve(className.group(1) + ".java");
        Files.writeString(file, source, StandardCharsets.UTF_8);
        final String classPath = libraryClassPath();
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null,
            "--release", "17", "-cp", classPath, "-d", dir.toString(), file.toString()));

        final Path queuePath = queues.newPath();
        final Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", classPath + java.io.File.pathSeparator + dir, className.group(1), queuePath.toString())
            .redirectErrorStream(true).start();
        try
        {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS));
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertNotEquals(0, process.exitValue(), output);
            assertTrue(output.contains("IllegalAccessError: class org.agrona.UnsafeApi"), output);
            assertTrue(readme.contains("IllegalAccessError: class org.agrona.UnsafeApi"),
                "the README quotes the error a missing flag gives");
        }
        finally
        {
            process.destroyForcibly();
        }
    }

    @Test
    void theReadmeFieldsSnippetCompilesAndRunsAgainstTheRealViews(@TempDir final Path dir) throws Exception
    {
        final String readme = Files.readString(README, StandardCharsets.UTF_8);
        final String snippet = javaBlockAfter(readme, "Fields rather than byte arrays");
        final String source = "import io.ipcq.*;\n" +
            "import net.openhft.chronicle.bytes.Bytes;\n" +
            "import java.time.Duration;\n" +
            "public final class ReadmeFields\n{\n" +
            "    public static void run(final Producer producer, final Consumer consumer)\n    {\n" +
            snippet + "    }\n}\n";
        // The test's class path (Chronicle's jars): its manifests name jars that are not there, so no -Werror.
        compile(dir, "ReadmeFields", source, System.getProperty("java.class.path"), false);

        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(16).maxPayloadLength(64).build());
        try (Producer producer = queue.producer();
             Consumer consumer = queue.consumer();
             java.net.URLClassLoader loader = loaderOf(dir))
        {
            loader.loadClass("ReadmeFields").getMethod("run", Producer.class, Consumer.class)
                .invoke(null, producer, consumer);
            assertNull(consumer.tryLease(), "the snippet's message was sent, read and acked");
        }
    }

    @Test
    void theReadmeBatchSnippetCompilesAndRuns(@TempDir final Path dir) throws Exception
    {
        final String readme = Files.readString(README, StandardCharsets.UTF_8);
        final String snippet = javaBlockAfter(readme, "Batches: many messages per call");
        final String source = "import io.ipcq.*;\n" +
            "import org.agrona.DirectBuffer;\n" +
            "import java.time.Duration;\n" +
            "public final class ReadmeBatch\n{\n" +
            "    static int processed;\n" +
            "    static void process(final long id, final int deliveryCount, final DirectBuffer payload, " +
            "final int length)\n    {\n        processed++;\n    }\n" +
            "    public static int run(final Producer producer, final Consumer consumer, final byte[][] orders)\n" +
            "    {\n" + snippet + "        return processed;\n    }\n}\n";
        // Only ipc-core and Agrona, as a user has them: the batch API needs nothing else.
        compile(dir, "ReadmeBatch", source, libraryClassPath(), true);

        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(16).maxPayloadLength(64).build());
        try (Producer producer = queue.producer();
             Consumer consumer = queue.consumer();
             java.net.URLClassLoader loader = loaderOf(dir))
        {
            final byte[][] orders = { "BUY 1".getBytes(StandardCharsets.UTF_8),
                "BUY 2".getBytes(StandardCharsets.UTF_8), "SELL 3".getBytes(StandardCharsets.UTF_8) };
            final Object processed = loader.loadClass("ReadmeBatch")
                .getMethod("run", Producer.class, Consumer.class, byte[][].class)
                .invoke(null, producer, consumer, orders);
            assertEquals(3, processed, "the snippet sent, leased and processed the three orders");
            assertNull(consumer.tryLease(), "and acked them");
            assertEquals(0, consumer.heldLeases());
        }
    }

    /**
     * Compiles a README snippet wrapped as class {@code name} into {@code dir}; javac's errors (with {@code strict},
     * its warnings too) fail the test.
     */
    private static void compile(
        final Path dir, final String name, final String source, final String classPath, final boolean strict)
        throws IOException
    {
        final Path file = dir.resolve(name + ".java");
        Files.writeString(file, source, StandardCharsets.UTF_8);
        final ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        final List<String> options = new ArrayList<>(List.of("--release", "17", "-proc:none"));
        if (strict)
        {
            options.addAll(List.of("-Xlint:all", "-Werror"));
        }
        options.addAll(List.of("-cp", classPath, "-d", dir.toString(), file.toString()));
        final int compiled = ToolProvider.getSystemJavaCompiler().run(null, diagnostics, diagnostics,
            options.toArray(new String[0]));
        assertEquals(0, compiled, () -> "javac: " + diagnostics.toString(StandardCharsets.UTF_8) + "\n" + source);
    }

    private java.net.URLClassLoader loaderOf(final Path dir) throws IOException
    {
        return new java.net.URLClassLoader(new java.net.URL[]{ dir.toUri().toURL() }, getClass().getClassLoader());
    }

    /** The first {@code ```java} block after the heading. */
    static String javaBlockAfter(final String markdown, final String heading)
    {
        final int at = markdown.indexOf(heading);
        assertTrue(at >= 0, "README has '" + heading + "'");
        final int open = markdown.indexOf("```java\n", at);
        final int close = markdown.indexOf("\n```", open + 8);
        assertTrue(open > 0 && close > open, "a java block after '" + heading + "'");
        return markdown.substring(open + "```java\n".length(), close + 1);
    }

    /** The flags of the README's command line {@code java FLAGS -cp ...}. */
    private static List<String> readmeJvmFlags(final String readme)
    {
        final Matcher line = Pattern.compile("(?m)^java (--.*?) -cp ").matcher(readme);
        assertTrue(line.find(), "the README shows a java command line with its flags");
        return Arrays.asList(line.group(1).trim().split("\\s+"));
    }

    /** ipc-core's classes and Agrona: what a user has on the class path, nothing of the test's. */
    private static String libraryClassPath()
    {
        final List<String> entries = new ArrayList<>();
        for (final String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        {
            final Path path = Path.of(entry);
            if (path.endsWith(Path.of("ipc-core", "target", "classes")) ||
                path.getFileName().toString().matches("agrona-[0-9.]+\\.jar"))
            {
                entries.add(entry);
            }
        }
        assertEquals(2, entries.size(), () -> "ipc-core classes and the Agrona jar on " +
            System.getProperty("java.class.path"));
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static Path findReadme()
    {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.isRegularFile(dir.resolve("README.md")) &&
            Files.isDirectory(dir.resolve("ipc-core"))))
        {
            dir = dir.getParent();
        }
        assertNotNull(dir, "the repository root (README.md beside ipc-core)");
        return dir.resolve("README.md");
    }
}
