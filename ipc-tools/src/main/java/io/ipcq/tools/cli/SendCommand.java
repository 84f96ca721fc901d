package io.ipcq.tools.cli;

import io.ipcq.IpcQueue;
import io.ipcq.Producer;
import io.ipcq.SendResult;
import io.ipcq.tools.common.Durations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

@Command(
    name = "send",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "Send messages (UTF-8): each MESSAGE, or with none, one message per line of stdin.",
    description = {
        "Prints nothing. A full lane fails at once (exit 1, FULL) unless --timeout gives it time to make room.",
        "Put -- before a MESSAGE that starts with '-'." })
final class SendCommand extends Verb
{
    /** Waits for room are cut into steps this long, so Ctrl-C is noticed. */
    private static final Duration STEP = Duration.ofMillis(100);

    @Parameters(index = "0", paramLabel = "PATH", description = "The queue file.")
    Path path;

    @Parameters(index = "1..*", paramLabel = "MESSAGE", arity = "0..*", description = "Messages to send.")
    List<String> messages;

    @Option(names = "--lane", paramLabel = "L", defaultValue = "0", description = "Lane to send on (default: 0).")
    int lane;

    @Option(names = "--timeout", paramLabel = "D", converter = Durations.class,
        description = "Wait up to D for room in a full lane (per message); without it, FULL fails at once.")
    Duration timeout;

    private int sent;

    @Override
    public Integer call()
    {
        try (IpcQueue queue = IpcQueue.open(path))
        {
            // Every check that can refuse comes before the producer attaches: a refused send changes no byte.
            checkLane(queue, path, lane);
            checkNotSealed(queue);
            if (messages != null && !messages.isEmpty())
            {
                sendArguments(queue);
            }
            else
            {
                sendLines(queue);
            }
        }
        return 0;
    }

    private void sendArguments(final IpcQueue queue)
    {
        final List<byte[]> encoded = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++)
        {
            final byte[] bytes = messages.get(i).getBytes(StandardCharsets.UTF_8);
            if (bytes.length > queue.maxPayloadLength())
            {
                throw CliException.failure((messages.size() == 1 ? "the message" :
                    "message " + (i + 1) + " of " + messages.size()) + " is " + bytes.length + " bytes: " + path +
                    " takes at most " + queue.maxPayloadLength() + " (nothing sent)");
            }
            encoded.add(bytes);
        }
        try (Producer producer = queue.producer())
        {
            for (final byte[] bytes : encoded)
            {
                send(queue, producer, bytes, " (" + sent + " of " + encoded.size() + " sent)");
            }
        }
    }

    private void sendLines(final IpcQueue queue)
    {
        final LineReader reader = new LineReader(top.in, queue.maxPayloadLength());
        Producer producer = null;
        try
        {
            long lineNumber = 0;
            byte[] bytes;
            while ((bytes = reader.next()) != null)
            {
                lineNumber++;
                if (bytes == LineReader.TOO_LONG)
                {
                    throw CliException.failure("line " + lineNumber + " of stdin is " + reader.tooLongLength() +
                        " bytes: " + path + " takes at most " + queue.maxPayloadLength() + " (" + linesSent() +
                        " before it)");
                }
                if (producer == null)
                {
                    producer = queue.producer();
                }
                send(queue, producer, bytes, " (line " + lineNumber + " of stdin; " + linesSent() + " before it)");
                if (stopper().stopping())
                {
                    throw CliException.failure("interrupted after " + linesSent());
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("reading stdin after " + linesSent() + ": " + ex.getMessage(), ex);
        }
        finally
        {
            if (producer != null)
            {
                producer.close();
            }
        }
    }

    /**
     * Lines of stdin as bytes (ended by \n, \r\n or \r, as {@code BufferedReader.readLine}), never holding more
     * than the queue's max payload of one line: a longer line is refused as soon as it is seen, so
     * {@code send < /dev/zero} fails at once instead of filling the heap.
     */
    static final class LineReader
    {
        static final byte[] TOO_LONG = new byte[0];
        /** How far past the limit a too-long line is still read to report its exact length. */
        private static final int LOOK_AHEAD = 64 * 1024;

        private final java.io.InputStream in;
        private final int maxLength;
        private final byte[] chunk = new byte[8192];
        private int chunkPosition;
        private int chunkLimit;
        private byte[] line = new byte[64];
        private String tooLongLength;
        private boolean skipNewline;

        LineReader(final java.io.InputStream in, final int maxLength)
        {
            this.in = in;
            this.maxLength = maxLength;
        }

        /**
         * @return the next line without its end; {@link #TOO_LONG} for a line longer than the max length; null at
         * the end of the input.
         */
        byte[] next() throws IOException
        {
            int length = 0;
            boolean any = false;
            while (true)
            {
                if (chunkPosition == chunkLimit)
                {
                    chunkLimit = in.read(chunk);
                    chunkPosition = 0;
                    if (chunkLimit <= 0)
                    {
                        chunkLimit = 0;
                        return any ? java.util.Arrays.copyOf(line, length) : null;
                    }
                }
                final byte b = chunk[chunkPosition++];
                if (skipNewline)
                {
                    skipNewline = false;
                    if (b == '\n')
                    {
                        continue;
                    }
                }
                any = true;
                if (b == '\n' || b == '\r')
                {
                    skipNewline = b == '\r';
                    return java.util.Arrays.copyOf(line, length);
                }
                if (length == maxLength)
                {
                    tooLongLength = measureRest(length + 1);
                    return TOO_LONG;
                }
                if (length == line.length)
                {
                    line = java.util.Arrays.copyOf(line, (int)Math.min(maxLength, 2L * line.length));
                }
                line[length++] = b;
            }
        }

        /**
         * Reads on (without keeping anything) up to {@link #LOOK_AHEAD} more bytes to find the line's end.
         */
        private String measureRest(final int seen) throws IOException
        {
            long length = seen;
            while (length < (long)maxLength + LOOK_AHEAD)
            {
                if (chunkPosition == chunkLimit)
                {
                    chunkLimit = in.read(chunk);
                    chunkPosition = 0;
                    if (chunkLimit <= 0)
                    {
                        chunkLimit = 0;
                        return Long.toString(length);
                    }
                }
                final byte b = chunk[chunkPosition++];
                if (b == '\n' || b == '\r')
                {
                    return Long.toString(length);
                }
                length++;
            }
            return "more than " + length;
        }

        String tooLongLength()
        {
            return tooLongLength;
        }
    }

    private void send(final IpcQueue queue, final Producer producer, final byte[] bytes, final String progress)
    {
        SendResult result = producer.trySend(lane, bytes);
        if (result == SendResult.FULL && timeout != null)
        {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (result == SendResult.FULL)
            {
                final long left = deadline - System.nanoTime();
                if (left <= 0)
                {
                    break;
                }
                if (stopper().stopping())
                {
                    throw CliException.failure("interrupted while waiting for room in lane " + lane + progress);
                }
                result = producer.send(lane, bytes, Duration.ofNanos(Math.min(left, STEP.toNanos())));
            }
        }
        switch (result)
        {
            case OK:
                sent++;
                return;
            case FULL:
                throw CliException.failure("FULL: lane " + lane + " of " + path + " holds " + queue.capacity() +
                    " messages not yet acked" + (timeout == null ? ", and no --timeout was given to wait for room" :
                    " and had no room within " + Durations.format(timeout)) + progress);
            default:
                throw CliException.failure("SEALED: " + path + " was sealed: it takes no more messages" + progress);
        }
    }

    private String linesSent()
    {
        return sent + (sent == 1 ? " line sent" : " lines sent");
    }

    private void checkNotSealed(final IpcQueue queue)
    {
        if (queue.isSealed())
        {
            throw CliException.failure("SEALED: " + path + " is sealed: it takes no more messages (nothing sent)");
        }
    }
}
