package io.ipcq;

import io.ipcq.layout.LaneDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 11 item 2: an error of the {@code ipcq-agent} thread goes to stderr as one line (once per kind of error, however
 * many passes meet it), with its stack trace only under {@code ipcq.verbose} ({@code ipcq --verbose}). The agent is
 * made to fail for real: its reaper pass meets a lane word corrupted under the live queue (an impossible head hint,
 * a {@link CorruptQueueException} at every pass), and the error goes through the queue's own error handler.
 */
class AgentErrorsTest
{
    /** Passes that must have failed before stderr is judged (one line must stay one line). */
    private static final int FAILED_PASSES = 3;
    private static final long WAIT_NS = Duration.ofSeconds(60).toNanos();
    private static final int HEAD_HINT = LaneDescriptor.laneDescriptorOffset(0) + LaneDescriptor.HEAD_OFFSET;

    @RegisterExtension
    final TempQueues queues = new TempQueues();

    private final PrintStream stderr = System.err;

    @AfterEach
    void restore()
    {
        System.setErr(stderr);
        System.clearProperty("ipcq.verbose");
    }

    @Test
    void anAgentErrorIsOneLineOnStderrWithoutAStackTrace() throws Exception
    {
        final List<String> lines = failTheAgent();
        assertEquals(1, lines.size(), () -> String.join("\n", lines));
        final String line = lines.get(0);
        assertTrue(line.startsWith("ipcq: agent of "), line);
        assertTrue(line.contains("CorruptQueueException") && line.contains("impossible head hint"), line);
    }

    @Test
    void withVerboseTheStackTraceFollowsTheLine() throws Exception
    {
        System.setProperty("ipcq.verbose", "true");
        final List<String> lines = failTheAgent();
        assertTrue(lines.get(0).startsWith("ipcq: agent of "), lines::toString);
        assertTrue(lines.size() > 2, lines::toString);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("\tat io.ipcq.")), lines::toString);
        assertEquals(1, lines.stream().filter(l -> l.startsWith("ipcq: ")).count(), "once per kind: " + lines);
    }

    /**
     * @return what the queue printed on stderr while its agent failed {@link #FAILED_PASSES} passes.
     */
    private List<String> failTheAgent() throws IOException, InterruptedException
    {
        final Path path = queues.newPath();
        IpcQueue.create(path, QueueConfig.builder().capacity(8).maxPayloadLength(64)
            .heartbeatTimeout(Duration.ofMillis(400)).build()).close();
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (IpcQueue queue = IpcQueue.open(path))
        {
            final Consumer consumer = queue.consumer();          // starts the background agent
            putLong(path, HEAD_HINT, Long.MIN_VALUE);
            final long deadline = System.nanoTime() + WAIT_NS;
            while (queue.agentErrorCount() < FAILED_PASSES && System.nanoTime() - deadline < 0)
            {
                Thread.sleep(20);
            }
            assertTrue(queue.agentErrorCount() >= FAILED_PASSES, "agent errors: " + queue.agentErrorCount());
            putLong(path, HEAD_HINT, 0);                         // healthy again, so close hands the reaper role back
            consumer.close();
        }
        finally
        {
            System.setErr(stderr);
        }
        final String text = captured.toString(StandardCharsets.UTF_8);
        return text.isEmpty() ? List.of() : Arrays.asList(text.split("\n"));
    }

    private static void putLong(final Path path, final long offset, final long value) throws IOException
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
        {
            final ByteBuffer bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
            while (bytes.hasRemaining())
            {
                channel.write(bytes, offset + bytes.position());
            }
        }
    }
}
